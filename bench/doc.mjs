// `npm run bench:doc [-- results.json]`: rewrites the generated part of docs/performance.md (between the
// bench:results markers) from bench/results.json, so the figures and the commit they come from never drift
// apart. `npm run bench` (full run, default output) calls it at the end.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const resultsFile = process.argv[2] ?? join(root, 'bench', 'results.json');
const docFile = join(root, 'docs', 'performance.md');
const BEGIN = '<!-- bench:results:begin';
const END = '<!-- bench:results:end -->';

const r = JSON.parse(readFileSync(resultsFile, 'utf8'));
if (r.schema !== 2) {
  console.error(`${resultsFile}: schema ${r.schema}, expected 2 (re-run npm run bench)`);
  process.exit(1);
}

const ms = (x) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${Math.round(x)} ms`);
const row = (cells) => `| ${cells.join(' | ')} |`;
const tableOf = (headers, rows) => [row(headers), row(headers.map(() => '---')), ...rows.map(row)].join('\n');

function scenarios() {
  return tableOf(
    [
      'N',
      'D',
      'ours: reads + PUT + status polls + final GET = total',
      'design min (reads + writes)',
      'ours/min requests',
      'ours wall',
      'physical min wall',
      'ours/min wall',
      'CPU',
      'peak RSS',
      'naive r/w/p',
      'naive wall',
      'naive/ours requests (excl. polls)',
      'naive/ours wall',
      'ok',
    ],
    r.scenarios.map((s) => {
      const c = s.wholeCost;
      const naive = s.naive.skipped ? undefined : s.naive;
      const ok =
        s.ours.converged && (!naive || naive.converged) && s.ours.requests === s.ours.emulator.requests;
      return [
        s.n,
        s.d,
        `${c.reads} + ${c.puts} + ${c.statusPolls} + ${c.finalGets} = ${c.total}`,
        `${s.minimum.reads} + ${s.minimum.writes}`,
        s.ratios.oursOverMinimum.toFixed(2),
        ms(s.ours.wallMs),
        ms(s.minimum.wallMs),
        `${s.ratios.oursOverMinimumWall.toFixed(2)}x`,
        ms(s.ours.cpuUserMs + s.ours.cpuSystemMs),
        `${Math.round(s.ours.peakRssMb)} MB`,
        naive ? `${naive.reads}/${naive.writes}/${naive.polls}` : 'skipped',
        naive ? ms(naive.wallMs) : `~${ms(s.naive.estimatedWallMs)} (est.)`,
        naive ? `${s.ratios.naiveOverOursRequests}x (${s.ratios.naiveOverOursRequestsExclPolls}x)` : '-',
        naive ? `${s.ratios.naiveOverOursWall}x` : '-',
        ok ? 'yes' : '**NO**',
      ];
    }),
  );
}

function events() {
  const e = r.eventToRepair;
  const line = (label, x) => [
    label,
    ms(x.medianMs),
    x.samples.map((s) => ms(s.eventToRepairMs)).join(', '),
    x.samples.map((s) => s.reconciles).join(', '),
    x.samples.map((s) => s.requests).join(', '),
    x.samples.every((s) => s.repaired) ? 'yes' : '**NO**',
  ];
  const b = r.burst;
  return [
    tableOf(
      ['event to repair', 'median', 'samples', 'reconciles', 'requests', 'repaired'],
      [
        line(`bench clients (poll ${r.model.pollIntervalMs} ms)`, e.bench),
        line('production wiring (`runtime.ts`)', e.production),
      ],
    ),
    '',
    `What it covers: ${e.covers}.`,
    '',
    `Burst: ${b.newWorkers} new workers at once in a ${b.workersBefore}-worker cluster, ${b.events} handler invocations: ` +
      `${b.reconciles} reconciles, ${b.requests} requests (${b.emulator.gets} GET, ${b.emulator.writes} writes, ` +
      `${b.emulator.lroStatusPolls} status polls) = ${b.requestsOverOneReconcile}x one repairing reconcile ` +
      `(${b.oneReconcileRequests}); every route in place ${ms(b.wallMs)} after the burst; converged: ${b.converged ? 'yes' : '**NO**'}.`,
  ].join('\n');
}

function planner() {
  return tableOf(
    [
      'workers',
      'drift',
      'first cold plan',
      'its CPU time',
      'cold-cache median (runs)',
      'cold-cache min',
      'warm-cache median',
    ],
    r.planner.map((p) => [
      p.workers.toLocaleString('en-US'),
      p.drift.toLocaleString('en-US'),
      p.firstColdSamplesMs
        ? `${ms(p.firstColdMs)} (median of ${p.firstColdSamplesMs.length} fresh processes: ${p.firstColdSamplesMs.join(', ')} ms)`
        : ms(p.firstColdMs),
      p.firstColdCpuMs === undefined ? 'n/a' : ms(p.firstColdCpuMs),
      `${ms(p.coldCacheMedianMs)} (${p.coldCacheRuns})`,
      ms(p.coldCacheMinMs),
      ms(p.warmCacheMedianMs),
    ]),
  );
}

function coldStart() {
  return tableOf(
    ['variant', 'telemetry', 'median import', 'median process', 'peak RSS'],
    r.coldStart.results.map((c) => [
      c.variant,
      c.telemetry,
      ms(c.medianImportMs),
      ms(c.medianProcessWallMs),
      `${Math.round(c.medianPeakRssMb)} MB`,
    ]),
  );
}

function targets() {
  return tableOf(
    ['target', 'result', 'measured'],
    r.targets.map((t) => [t.target, t.pass === null ? 'n/a' : t.pass ? '**PASS**' : '**MISS**', t.measured]),
  );
}

const m = r.machine;
const generated = [
  `${BEGIN} (generated by \`npm run bench:doc\` from bench/results.json; do not edit by hand) -->`,
  '',
  `${r.quick ? '`npm run bench -- --quick`' : '`npm run bench`'}, ${r.date.slice(0, 10)}, commit \`${r.git.commit.slice(0, 12)}\`` +
    `${r.git.dirty ? ' (with uncommitted changes)' : ''}; ${m.cpus} CPUs (${m.cpuModel}), Node ${m.node}, ` +
    `load ${m.loadAverageAtStart.join(' ')} at start, ${m.loadAverageAtEnd.join(' ')} at end. Latency model: read ` +
    `${r.model.latency.readMs} ms, write ${r.model.latency.writeMs} ms, LRO ${r.model.latency.lroMs} ms, client poll ` +
    `interval ${r.model.pollIntervalMs} ms, page size ${r.model.pageSize}. Runtime ${ms(r.runtimeMs)} (${ms(r.totalMs)} with the builds).`,
  '',
  '### One reconcile',
  '',
  `Design minimum: ${r.formulas.designMinimum}. ${r.formulas.wholeRepair}; here s = ${r.formulas.expectedStatusPolls}. ` +
    `Physical minimum: ${r.formulas.physicalMinimumWall}.`,
  '',
  scenarios(),
  '',
  '### Event-driven',
  '',
  events(),
  '',
  '### Planner alone (`planReconcile`)',
  '',
  planner(),
  '',
  '### Cold start',
  '',
  coldStart(),
  '',
  '### Targets',
  '',
  targets(),
  '',
  END,
].join('\n');

const doc = readFileSync(docFile, 'utf8');
const begin = doc.indexOf(BEGIN);
const end = doc.indexOf(END);
if (begin < 0 || end < begin) {
  console.error(`${docFile}: no ${BEGIN} ... ${END} section to replace`);
  process.exit(1);
}
writeFileSync(docFile, doc.slice(0, begin) + generated + doc.slice(end + END.length));
console.log(`docs/performance.md: figures from ${resultsFile} (commit ${r.git.commit.slice(0, 12)})`);
