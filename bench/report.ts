// The console report of one bench run: the same figures results.json holds (bench/doc.mjs renders those for
// docs/performance.md), as plain-text tables.
import { consoleTable, log, median, round } from './format.js';
import type { ScenarioResult } from './reconcile-scenarios.js';
import type { Measurements, Target } from './targets.js';

const RECONCILE_HEADERS = [
  'N',
  'D',
  'ours r/w/p',
  'min r/w',
  'ours/min',
  'ours ms',
  'min ms',
  'ours/min wall',
  'cpu ms',
  'peak RSS MB',
  'naive r/w/p',
  'naive ms',
  'naive/ours req',
  'naive/ours wall',
  'ok',
];

function reconcileRow(s: ScenarioResult): Array<string | number> {
  const naive = 'skipped' in s.naive ? undefined : s.naive;
  const ok = s.ours.converged && (!naive || naive.converged) && s.ours.requests === s.ours.emulator.requests;
  return [
    s.n,
    s.d,
    `${s.ours.reads}/${s.ours.writes}/${s.ours.polls}`,
    `${s.minimum.reads}/${s.minimum.writes}`,
    s.ratios.oursOverMinimum.toFixed(2),
    Math.round(s.ours.wallMs),
    Math.round(s.minimum.wallMs),
    `${s.ratios.oursOverMinimumWall}x`,
    Math.round(s.ours.cpuUserMs + s.ours.cpuSystemMs),
    round(s.ours.peakRssMb),
    naive ? `${naive.reads}/${naive.writes}/${naive.polls}` : 'skipped',
    'skipped' in s.naive ? `~${Math.round(s.naive.estimatedWallMs)}` : Math.round(s.naive.wallMs),
    s.ratios.naiveOverOursRequests !== undefined
      ? `${s.ratios.naiveOverOursRequests}x (${s.ratios.naiveOverOursRequestsExclPolls}x)`
      : '-',
    s.ratios.naiveOverOursWall !== undefined ? `${s.ratios.naiveOverOursWall}x` : '-',
    ok ? 'yes' : 'NO',
  ];
}

function reportReconciles(scenarios: ScenarioResult[]): void {
  log(
    'Per reconcile (requests: r = reads, w = writes, p = LRO polls incl. the final GET; min = physical minimum)',
  );
  log(consoleTable(RECONCILE_HEADERS, scenarios.map(reconcileRow)));
  log(
    '  naive/ours req: all requests (in brackets: excluding LRO polls); ok: table converged, engine counts = emulator log',
  );
}

function reportEvents(m: Measurements): void {
  const row = (label: string, samples: Measurements['repairBench']) => [
    label,
    Math.round(median(samples.map((s) => s.eventToRepairMs))),
    samples.map((s) => Math.round(s.eventToRepairMs)).join(' '),
    samples.map((s) => s.reconciles).join(' '),
    samples.map((s) => s.requests).join(' '),
    samples.every((s) => s.repaired) ? 'yes' : 'NO',
  ];
  log(
    consoleTable(
      ['event-to-repair', 'median ms', 'samples ms', 'reconciles', 'requests', 'repaired'],
      [
        row(`bench clients (poll ${m.pollIntervalMs} ms)`, m.repairBench),
        row('production wiring (runtime.ts)', m.repairProduction),
      ],
    ),
  );
  log();
  const { burst } = m;
  log(
    `Burst: ${burst.newWorkers} new workers at once -> ${burst.events} events, ${burst.reconciles} reconciles, ` +
      `${burst.requests} requests (${burst.emulator.gets} GET, ${burst.emulator.writes} writes, ${burst.emulator.lroStatusPolls} status polls) ` +
      `= ${burst.requestsOverOneReconcile}x one reconcile (${burst.oneReconcileRequests}); all routes in ${burst.wallMs} ms; converged: ${burst.converged ? 'yes' : 'NO'}`,
  );
}

function reportPlannerAndColdStart({ planner, coldStart }: Measurements): void {
  log(
    consoleTable(
      [
        'planner',
        'drift',
        'first cold ms',
        'first cold CPU ms',
        'later plans median ms',
        'later plans min ms',
      ],
      planner.map((p) => [
        `${p.workers} workers`,
        p.drift,
        p.firstColdSamplesMs ? `${p.firstColdMs} (median of ${p.firstColdSamplesMs.length})` : p.firstColdMs,
        p.firstColdCpuMs,
        p.laterMedianMs,
        p.laterMinMs,
      ]),
    ),
  );
  log();
  log(
    consoleTable(
      ['cold start', 'telemetry', 'median import ms', 'median process ms', 'peak RSS MB'],
      coldStart.results.map((c) => [
        c.variant,
        c.telemetry,
        c.medianImportMs,
        c.medianProcessWallMs,
        c.medianPeakRssMb,
      ]),
    ),
  );
  log(
    `  bundle dist/functions (entry + lazy chunks): ${round(coldStart.bundleBytes / 2 ** 20, 2)} MiB (${round(coldStart.noMonitorBundleBytes / 2 ** 20, 2)} MiB with the monitor stubbed)`,
  );
}

function reportTargets(targets: Target[]): void {
  log(
    consoleTable(
      ['target', 'result', 'measured'],
      targets.map((t) => [t.target, t.pass === null ? 'n/a' : t.pass ? 'PASS' : 'MISS', t.measured]),
    ),
  );
  for (const t of targets) if (t.note && t.pass === false) log(`  ${t.id}: ${t.note}`);
}

export function printReport(m: Measurements, targets: Target[]): void {
  log();
  reportReconciles(m.scenarios);
  log();
  reportEvents(m);
  log();
  reportPlannerAndColdStart(m);
  log();
  reportTargets(targets);
}
