// `npm run bench [-- --quick] [--read-ms 40 --write-ms 80 --lro-ms 1000 --poll-ms 1000 --page-size 100]`
// ARM requests, wall time, CPU time and peak RSS of one reconcile against the naive way and the physical
// minimum; event-to-repair latency and an event burst through the Event Grid handler; the planner alone; cold
// start of the Functions bundle. The emulator runs in its own process; each measured reconcile runs in a fresh
// child process. Writes bench/results.json. See docs/performance.md.
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import type { RequestLogEntry } from '../src/emulator/index.js';
import type { Invocation, RunRecord } from './event-child.js';
import { type Notification, Rpc } from './ipc.js';
import {
  DESIGN_MINIMUM_FORMULA,
  expectedStatusPolls,
  type Minimum,
  minimumFor,
  PHYSICAL_WALL_FORMULA,
  WHOLE_REPAIR_FORMULA,
} from './minimum.js';
import type { PlannerInput, PlannerOutput } from './planner-child.js';
import type { ScenarioInput, ScenarioOutput } from './scenario-child.js';
import { verifyCost } from './verify-cost.js';
import { CONTROLLERS, desiredRoute } from './world.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = existsSync(join(here, '..', 'package.json')) ? join(here, '..') : join(here, '..', '..');

// ------------------------------------------------------------------------------------------------ options

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'read-ms': { type: 'string', default: '40' },
    'write-ms': { type: 'string', default: '80' },
    'lro-ms': { type: 'string', default: '1000' },
    'poll-ms': { type: 'string', default: '1000' },
    'page-size': { type: 'string', default: '100' },
    'naive-budget-s': { type: 'string', default: '90' },
    out: { type: 'string', default: join(root, 'bench', 'results.json') },
  },
  strict: true,
});
const quick = args.quick === true;
const latency = {
  readMs: Number(args['read-ms']),
  writeMs: Number(args['write-ms']),
  lroMs: Number(args['lro-ms']),
};
const lro = { inProgressPolls: 0, retryAfterSeconds: 1 };
const pollIntervalMs = Number(args['poll-ms']);
const pageSize = Number(args['page-size']);
const naiveBudgetMs = Number(args['naive-budget-s']) * 1000;
const defaultModel =
  latency.readMs === 40 && latency.writeMs === 80 && latency.lroMs === 1000 && pollIntervalMs === 1000;

// ------------------------------------------------------------------------------------------------ helpers

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;
const pages = (items: number): number => Math.max(1, Math.ceil(items / pageSize));
const log = (line = '') => process.stdout.write(`${line}\n`);

function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => String(c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join(
    '\n',
  );
}

function gitInfo(): { commit: string; dirty: boolean } {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: root,
      encoding: 'utf8',
    });
    return { commit, dirty: status.trim().length > 0 };
  } catch {
    return { commit: 'unknown', dirty: false };
  }
}

function forkChild(script: string, argv: string[] = []): ChildProcess {
  return fork(join(here, script), argv, {
    execPath: process.execPath,
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, APPLICATION_INSIGHTS_NO_STATSBEAT: 'true' },
  });
}

function waitReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: unknown) => {
      if ((m as Notification).type === 'ready') {
        child.off('message', onMessage);
        resolve();
      }
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before it was ready`)));
  });
}

// ------------------------------------------------------------------------------------------------ emulator

interface EmulatorInfo {
  endpoint: string;
  caFile: string;
}

const emulatorChild = forkChild('emulator-child.mjs');
const emulator = new Rpc(emulatorChild);

function startWorld(n: number, d: number, relayEvents = false): Promise<EmulatorInfo> {
  return emulator.call<EmulatorInfo>('start', { n, d, latency, lro, pageSize, relayEvents });
}

interface TableJson {
  properties?: { routes?: Array<{ name: string; properties: Record<string, unknown> }> };
}

/** The table holds exactly the desired routes of workers 0..n-1, all Succeeded. */
async function converged(n: number): Promise<boolean> {
  const t = await emulator.call<TableJson | null>('table');
  const routes = t?.properties?.routes ?? [];
  if (routes.length !== n) return false;
  const byName = new Map(routes.map((r) => [r.name.toLowerCase(), r.properties]));
  for (let i = 0; i < n; i++) {
    const want = desiredRoute(i);
    const got = byName.get(want.name.toLowerCase());
    if (
      !got ||
      got.addressPrefix !== want.addressPrefix ||
      got.nextHopIpAddress !== want.nextHopIpAddress ||
      got.provisioningState !== 'Succeeded'
    )
      return false;
  }
  return true;
}

interface EmulatorCounts {
  requests: number;
  gets: number;
  writes: number;
  lroStatusPolls: number;
}

function countLog(entries: RequestLogEntry[]): EmulatorCounts {
  return {
    requests: entries.length,
    gets: entries.filter((e) => e.method === 'GET' && !e.lroPoll).length,
    writes: entries.filter((e) => e.method !== 'GET').length,
    lroStatusPolls: entries.filter((e) => e.lroPoll).length,
  };
}

// ------------------------------------------------------------------------------------------------ scenarios

interface Measured extends ScenarioOutput {
  requests: number;
  emulator: EmulatorCounts;
  converged: boolean;
}

async function runScenario(mode: 'ours' | 'naive', n: number, d: number): Promise<Measured> {
  const info = await startWorld(n, d);
  const input: ScenarioInput = { mode, endpoint: info.endpoint, caFile: info.caFile, n, pollIntervalMs };
  const child = forkChild('scenario-child.mjs', [JSON.stringify(input)]);
  const out = await new Promise<ScenarioOutput>((resolve, reject) => {
    child.on('message', (m) => {
      const msg = m as { type: string; result?: ScenarioOutput; error?: string };
      if (msg.type === 'result' && msg.result) resolve(msg.result);
      else if (msg.type === 'error') reject(new Error(msg.error));
    });
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`${mode} scenario child exited with ${code}`));
    });
  });
  const all = await emulator.call<RequestLogEntry[]>('requests');
  const entries = all.slice(out.warmUp.requests);
  return {
    ...out,
    requests: out.reads + out.writes + out.polls,
    emulator: countLog(entries),
    converged: await converged(n),
  };
}

interface ScenarioResult {
  n: number;
  d: number;
  /** Design minimum (requests) and physical minimum wall time: bench/minimum.ts. */
  minimum: Minimum;
  ours: Measured;
  /** Everything the engine's run cost: reads, PUTs, LRO status polls, final GETs after the operation. */
  wholeCost: { reads: number; puts: number; statusPolls: number; finalGets: number; total: number };
  naive: Measured | { skipped: true; estimatedWallMs: number; reason: string };
  ratios: {
    /** Requests excluding LRO polls, over the design minimum. */
    oursOverMinimum: number;
    /** Wall time over the physical minimum wall time. */
    oursOverMinimumWall: number;
    naiveOverOursRequests?: number;
    naiveOverOursRequestsExclPolls?: number;
    naiveOverOursWall?: number;
  };
}

function naiveEstimateMs(n: number, d: number): number {
  const read = latency.readMs + 3;
  const write = latency.writeMs + Math.max(latency.lroMs, pollIntervalMs) + 3 * read;
  return (2 * n + pages(n)) * read + d * write;
}

function scenarioList(): Array<[number, number]> {
  const sizes = quick ? [2, 50] : [2, 50, 400];
  const out: Array<[number, number]> = [];
  for (const n of sizes) {
    const ds = quick ? (n === 2 ? [1] : [0, 1, n / 2]) : [0, 1, n / 2, n];
    for (const d of [...new Set(ds)]) out.push([n, d]);
  }
  return out;
}

async function scenarios(): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  for (const [n, d] of scenarioList()) {
    const minimum = minimumFor(n, d, CONTROLLERS, pageSize, latency);
    const ours = await runScenario('ours', n, d);
    const estimate = naiveEstimateMs(n, d);
    const runNaive = quick ? n === 50 && d <= 1 : estimate <= naiveBudgetMs;
    const naive: ScenarioResult['naive'] = runNaive
      ? await runScenario('naive', n, d)
      : {
          skipped: true,
          estimatedWallMs: Math.round(estimate),
          reason: quick ? '--quick' : `estimated ${Math.round(estimate / 1000)} s > --naive-budget-s`,
        };
    const ratios: ScenarioResult['ratios'] = {
      oursOverMinimum: round((ours.reads + ours.writes) / minimum.requests, 2),
      oursOverMinimumWall: round(ours.wallMs / minimum.wallMs, 2),
    };
    const statusPolls = ours.emulator.lroStatusPolls;
    const wholeCost = {
      reads: ours.reads,
      puts: ours.writes,
      statusPolls,
      finalGets: ours.polls - statusPolls,
      total: ours.requests,
    };
    if (!('skipped' in naive)) {
      ratios.naiveOverOursRequests = round(naive.requests / ours.requests, 1);
      ratios.naiveOverOursRequestsExclPolls = round(
        (naive.reads + naive.writes) / (ours.reads + ours.writes),
        1,
      );
      ratios.naiveOverOursWall = round(naive.wallMs / ours.wallMs, 1);
    }
    results.push({ n, d, minimum, ours, wholeCost, naive, ratios });
    log(
      `  N=${n} D=${d}: ours ${ours.reads}r/${ours.writes}w/${ours.polls}p ${Math.round(ours.wallMs)} ms (${ratios.oursOverMinimumWall}x the ${Math.round(minimum.wallMs)} ms minimum)` +
        ('skipped' in naive
          ? `; naive skipped (${naive.reason})`
          : `; naive ${naive.reads}r/${naive.writes}w/${naive.polls}p ${Math.round(naive.wallMs)} ms`),
    );
  }
  return results;
}

// ------------------------------------------------------------------------------------------------ events

interface EventChild {
  rpc: Rpc;
  child: ChildProcess;
  stop: () => void;
}

async function eventChild(info: EmulatorInfo, wiring: 'bench' | 'production'): Promise<EventChild> {
  const child = forkChild('event-child.mjs');
  await waitReady(child);
  const rpc = new Rpc(child);
  await rpc.call('setup', { endpoint: info.endpoint, caFile: info.caFile, pollIntervalMs, wiring });
  const unsubscribe = emulator.onNotification((n) => {
    if (n.type === 'event') rpc.notify(n);
  });
  return {
    rpc,
    child,
    stop: () => {
      unsubscribe();
      child.kill();
    },
  };
}

/** What the event-to-repair figure includes, and what it does not. */
const EVENT_TO_REPAIR_COVERS =
  'from the event leaving the emulator (raised when the DELETE operation completed, so the delete and its LRO are not counted) ' +
  'through the relay to the handler process (Event Grid delivery latency is not modelled: ~1 ms here) to the end of the handler ' +
  'invocation, after the repair PUT, its LRO and the confirming GET';

interface RepairSample {
  deleteWallMs: number;
  eventToRepairMs: number;
  relayMs: number;
  reconciles: number;
  repaired: boolean;
  /** Requests of the reconciles the event caused (the repair and the follow-up our own write's event causes). */
  requests: number;
  /** Everything the emulator answered in the sample, the deletion (DELETE and its polls) included. */
  allRequests: number;
}

async function eventToRepair(wiring: 'bench' | 'production', samples: number): Promise<RepairSample[]> {
  const n = 50;
  const info = await startWorld(n, 0, true);
  const ec = await eventChild(info, wiring);
  const out: RepairSample[] = [];
  try {
    for (let k = 0; k < samples; k++) {
      await ec.rpc.call('reset');
      await emulator.call('clear');
      const route = desiredRoute(k).name;
      const del = await ec.rpc.call<{ startedAt: number; doneAt: number }>('deleteRoute', { name: route });
      const idle = await ec.rpc.call<{ invocations: Invocation[]; runs: RunRecord[] }>('waitIdle', {
        quietMs: 600,
      });
      const first = idle.invocations.find((i) =>
        i.subject.toLowerCase().endsWith(`/routes/${route.toLowerCase()}`),
      );
      const entries = await emulator.call<RequestLogEntry[]>('requests');
      const ok = await converged(n);
      out.push({
        deleteWallMs: del.doneAt - del.startedAt,
        eventToRepairMs: first?.doneAt !== undefined ? first.doneAt - first.emittedAt : Number.NaN,
        relayMs: first ? first.receivedAt - first.emittedAt : Number.NaN,
        reconciles: idle.runs.length,
        repaired: ok && idle.runs.some((r) => r.status === 'Repaired'),
        requests: idle.runs.reduce((sum, r) => sum + r.reads + r.writes + r.polls, 0),
        allRequests: entries.length,
      });
    }
  } finally {
    ec.stop();
  }
  return out;
}

interface BurstResult {
  workersBefore: number;
  newWorkers: number;
  events: number;
  reconciles: number;
  runs: RunRecord[];
  requests: number;
  emulator: EmulatorCounts;
  oneReconcileRequests: number;
  requestsOverOneReconcile: number;
  wallMs: number;
  converged: boolean;
}

async function burst(): Promise<BurstResult> {
  const n = 50;
  const count = 50;
  const info = await startWorld(n, 0, true);
  const ec = await eventChild(info, 'bench');
  try {
    await emulator.call('clear');
    const t0 = Date.now();
    await emulator.call('burst', { from: n, count });
    const idle = await ec.rpc.call<{ invocations: Invocation[]; runs: RunRecord[] }>('waitIdle', {
      quietMs: 1500,
      timeoutMs: 120_000,
    });
    const lastDone = Math.max(...idle.invocations.map((i) => i.doneAt ?? 0));
    const entries = await emulator.call<RequestLogEntry[]>('requests');
    const one = Math.max(...idle.runs.map((r) => r.reads + r.writes + r.polls));
    return {
      workersBefore: n,
      newWorkers: count,
      events: idle.invocations.length,
      reconciles: idle.runs.length,
      runs: idle.runs,
      requests: entries.length,
      emulator: countLog(entries),
      oneReconcileRequests: one,
      requestsOverOneReconcile: round(entries.length / one, 2),
      wallMs: lastDone - t0,
      converged: await converged(n + count),
    };
  } finally {
    ec.stop();
  }
}

// ------------------------------------------------------------------------------------------------ planner

/** One fresh process per size (bench/planner-child.ts): the first plan is cold, every timed plan cold-cached. */
async function planner(): Promise<PlannerOutput[]> {
  const sizes: Array<[number, number]> = quick
    ? [
        [400, 0],
        [2_000, 0],
        [10_000, 0],
      ]
    : [
        [400, 0],
        [400, 200],
        [2_000, 0],
        [10_000, 0],
        [10_000, 5_000],
      ];
  const out: PlannerOutput[] = [];
  for (const [workers, drift] of sizes) {
    const input: PlannerInput = { workers, drift, runs: quick ? 5 : 15, budgetMs: quick ? 5_000 : 20_000 };
    const child = forkChild('planner-child.mjs', [JSON.stringify(input)]);
    const result = await new Promise<PlannerOutput>((resolve, reject) => {
      child.on('message', (m) => resolve((m as { result: PlannerOutput }).result));
      child.once('exit', (code) => {
        if (code !== 0) reject(new Error(`planner child exited with ${code}`));
      });
    });
    out.push(result);
    log(
      `  ${workers} workers, drift ${drift}: first cold plan ${result.firstColdMs} ms; cold caches median ${result.coldCacheMedianMs} ms over ${result.coldCacheRuns} runs`,
    );
  }
  return out;
}

// ------------------------------------------------------------------------------------------------ cold start

interface ColdStart {
  importMs: number;
  sinceStartMs: number;
  processWallMs: number;
  peakRssMb: number;
}

function coldStartOnce(modulePath: string, env: Record<string, string>): Promise<ColdStart> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [join(here, 'coldstart-child.mjs'), modulePath], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, APPLICATION_INSIGHTS_NO_STATSBEAT: 'true', ...env },
      cwd: root,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('exit', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith('COLDSTART '));
      if (code !== 0 || !line) {
        reject(new Error(`cold start of ${modulePath} failed (${code}): ${stderr.slice(-2000)}`));
        return;
      }
      const r = JSON.parse(line.slice('COLDSTART '.length)) as Omit<ColdStart, 'processWallMs'>;
      resolve({ ...r, processWallMs: performance.now() - t0 });
    });
  });
}

interface ColdStartResult {
  variant: string;
  module: string;
  telemetry: 'off' | 'on';
  samples: ColdStart[];
  medianImportMs: number;
  medianProcessWallMs: number;
  medianPeakRssMb: number;
}

// esbuild filters are Go regular expressions: no 'u' flag.
const GO_MONITOR_FILTER = /^@azure\/monitor-opentelemetry$/;
const GO_ANY_FILTER = /.*/;

/** Bytes of the JavaScript the Function app ships: the entry and its lazily loaded chunks. */
function jsBytesUnder(dir: string): number {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.js'))
    .reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}

async function coldStarts(): Promise<{
  results: ColdStartResult[];
  bundleBytes: number;
  unbundledEntryBytes: number;
  noMonitorBundleBytes: number;
}> {
  const bundled = join(root, 'dist', 'functions', 'index.js');
  if (!existsSync(bundled)) throw new Error('dist/functions/index.js is missing: run `npm run build` first');
  const unbundled = join(here, 'unbundled', 'index.mjs');
  mkdirSync(dirname(unbundled), { recursive: true });
  // The same entry as the production bundle, with every package left to node_modules (what a plain `tsc`
  // build, or a deploy without bundling, loads).
  await build({
    entryPoints: [join(root, 'src', 'index.ts')],
    outfile: unbundled,
    bundle: true,
    packages: 'external',
    platform: 'node',
    target: 'node22',
    format: 'esm',
    logLevel: 'warning',
  });
  // Diagnostic: the same bundle with @azure/monitor-opentelemetry replaced by a no-op, to show what the
  // statically imported monitor costs at start even when telemetry is off.
  const noMonitor = join(here, 'no-monitor', 'index.mjs');
  await build({
    entryPoints: [join(root, 'src', 'index.ts')],
    outfile: noMonitor,
    bundle: true,
    external: ['@azure/functions-core'],
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    platform: 'node',
    target: 'node22',
    format: 'esm',
    logLevel: 'warning',
    plugins: [
      {
        name: 'stub-monitor',
        setup(b) {
          b.onResolve({ filter: GO_MONITOR_FILTER }, () => ({
            path: 'stub',
            namespace: 'stub',
          }));
          b.onLoad({ filter: GO_ANY_FILTER, namespace: 'stub' }, () => ({
            contents: 'export function useAzureMonitor() {}',
            loader: 'js',
          }));
        },
      },
    ],
  });
  const samples = quick ? 3 : 5;
  const telemetryOn = {
    APPLICATIONINSIGHTS_CONNECTION_STRING:
      'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1:9/',
  };
  const variants: Array<[string, string, 'off' | 'on']> = [
    ['bundled', bundled, 'off'],
    ['unbundled', unbundled, 'off'],
    ...(quick
      ? []
      : ([
          ['bundled', bundled, 'on'],
          ['unbundled', unbundled, 'on'],
          ['bundled, monitor stubbed', noMonitor, 'off'],
        ] as Array<[string, string, 'off' | 'on']>)),
  ];
  const collected = new Map<string, ColdStart[]>();
  // Interleaved, so that machine noise hits every variant alike.
  for (let i = 0; i < samples; i++) {
    for (const [variant, module, telemetry] of variants) {
      const key = `${variant}|${telemetry}`;
      const s = await coldStartOnce(module, telemetry === 'on' ? telemetryOn : {});
      collected.set(key, [...(collected.get(key) ?? []), s]);
    }
  }
  const results = variants.map(([variant, module, telemetry]) => {
    const s = collected.get(`${variant}|${telemetry}`) ?? [];
    return {
      variant,
      module: module.startsWith(root) ? module.slice(root.length + 1) : module,
      telemetry,
      samples: s.map((x) => ({
        importMs: round(x.importMs),
        sinceStartMs: round(x.sinceStartMs),
        processWallMs: round(x.processWallMs),
        peakRssMb: round(x.peakRssMb),
      })),
      medianImportMs: round(median(s.map((x) => x.importMs))),
      medianProcessWallMs: round(median(s.map((x) => x.processWallMs))),
      medianPeakRssMb: round(median(s.map((x) => x.peakRssMb))),
    };
  });
  return {
    results,
    bundleBytes: jsBytesUnder(dirname(bundled)),
    unbundledEntryBytes: statSync(unbundled).size,
    noMonitorBundleBytes: statSync(noMonitor).size,
  };
}

// ------------------------------------------------------------------------------------------------ main

interface Target {
  id: string;
  target: string;
  measured: string;
  pass: boolean | null;
  note?: string;
}

async function main(): Promise<void> {
  const started = performance.now();
  await waitReady(emulatorChild);
  const git = gitInfo();
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    totalMemoryMb: Math.round(os.totalmem() / 2 ** 20),
    platform: `${os.platform()} ${os.release()}`,
    node: process.version,
    loadAverageAtStart: os.loadavg().map((x) => round(x, 2)),
  };
  log(`pod-route-reconciler bench${quick ? ' --quick' : ''}: ${new Date().toISOString()}`);
  log(
    `machine: ${machine.cpus} cpus (${machine.cpuModel}), node ${machine.node}, load ${machine.loadAverageAtStart.join(' ')}; commit ${git.commit.slice(0, 12)}${git.dirty ? ' (dirty tree)' : ''}`,
  );
  log(
    `latency model: read ${latency.readMs} ms, write ${latency.writeMs} ms, LRO ${latency.lroMs} ms; client LRO poll interval ${pollIntervalMs} ms; page size ${pageSize}`,
  );
  log();

  const at = () => `[${round((performance.now() - started) / 1000)} s]`;
  log(`One reconcile per fresh process (emulator in its own process) ${at()}:`);
  const sc = await scenarios();
  log();
  log(`Event-to-repair (a route deleted through ARM -> Event Grid handler restores it) ${at()}:`);
  const repairBench = await eventToRepair('bench', quick ? 1 : 3);
  const repairProd = await eventToRepair('production', quick ? 1 : 2);
  log(`Event burst (50 new workers at once: 100 VM/NIC write events) ${at()}:`);
  const burstResult = await burst();
  log(`Verify: ARM requests of one effective-route check (bench/verify-cost.ts) ${at()}:`);
  const verifyRows = await verifyCost({ quick, latency, lro, pollIntervalMs, pageSize });
  log(
    table(
      Object.keys(verifyRows[0] ?? {}),
      verifyRows.map((r) => Object.values(r)),
    ),
  );
  log(`Planner alone ${at()}:`);
  const plannerResults = await planner();
  log(`Cold start (fresh processes) ${at()}:`);
  const cold = await coldStarts();
  await emulator.call('stop').catch(() => undefined);

  // ---------------------------------------------------------------- report
  log();
  log(
    'Per reconcile (requests: r = reads, w = writes, p = LRO polls incl. the final GET; min = physical minimum)',
  );
  log(
    table(
      [
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
      ],
      sc.map((s) => {
        const nv = 'skipped' in s.naive ? undefined : s.naive;
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
          nv ? `${nv.reads}/${nv.writes}/${nv.polls}` : 'skipped',
          nv
            ? Math.round(nv.wallMs)
            : `~${Math.round((s.naive as { estimatedWallMs: number }).estimatedWallMs)}`,
          s.ratios.naiveOverOursRequests !== undefined
            ? `${s.ratios.naiveOverOursRequests}x (${s.ratios.naiveOverOursRequestsExclPolls}x)`
            : '-',
          s.ratios.naiveOverOursWall !== undefined ? `${s.ratios.naiveOverOursWall}x` : '-',
          s.ours.converged && (!nv || nv.converged) && s.ours.requests === s.ours.emulator.requests
            ? 'yes'
            : 'NO',
        ];
      }),
    ),
  );
  log(
    '  naive/ours req: all requests (in brackets: excluding LRO polls); ok: table converged, engine counts = emulator log',
  );
  log();
  const rb = median(repairBench.map((s) => s.eventToRepairMs));
  const rp = median(repairProd.map((s) => s.eventToRepairMs));
  log(
    table(
      ['event-to-repair', 'median ms', 'samples ms', 'reconciles', 'requests', 'repaired'],
      [
        [
          `bench clients (poll ${pollIntervalMs} ms)`,
          Math.round(rb),
          repairBench.map((s) => Math.round(s.eventToRepairMs)).join(' '),
          repairBench.map((s) => s.reconciles).join(' '),
          repairBench.map((s) => s.requests).join(' '),
          repairBench.every((s) => s.repaired) ? 'yes' : 'NO',
        ],
        [
          'production wiring (runtime.ts)',
          Math.round(rp),
          repairProd.map((s) => Math.round(s.eventToRepairMs)).join(' '),
          repairProd.map((s) => s.reconciles).join(' '),
          repairProd.map((s) => s.requests).join(' '),
          repairProd.every((s) => s.repaired) ? 'yes' : 'NO',
        ],
      ],
    ),
  );
  log();
  log(
    `Burst: ${burstResult.newWorkers} new workers at once -> ${burstResult.events} events, ${burstResult.reconciles} reconciles, ` +
      `${burstResult.requests} requests (${burstResult.emulator.gets} GET, ${burstResult.emulator.writes} writes, ${burstResult.emulator.lroStatusPolls} status polls) ` +
      `= ${burstResult.requestsOverOneReconcile}x one reconcile (${burstResult.oneReconcileRequests}); all routes in ${burstResult.wallMs} ms; converged: ${burstResult.converged ? 'yes' : 'NO'}`,
  );
  log();
  log(
    table(
      [
        'planner',
        'drift',
        'first cold ms',
        'cold-cache median ms',
        'cold-cache min ms',
        'warm-cache median ms',
      ],
      plannerResults.map((p) => [
        `${p.workers} workers`,
        p.drift,
        p.firstColdMs,
        p.coldCacheMedianMs,
        p.coldCacheMinMs,
        p.warmCacheMedianMs,
      ]),
    ),
  );
  log();
  log(
    table(
      ['cold start', 'telemetry', 'median import ms', 'median process ms', 'peak RSS MB'],
      cold.results.map((c) => [
        c.variant,
        c.telemetry,
        c.medianImportMs,
        c.medianProcessWallMs,
        c.medianPeakRssMb,
      ]),
    ),
  );
  log(
    `  bundle dist/functions (entry + lazy chunks): ${round(cold.bundleBytes / 2 ** 20, 2)} MiB (${round(cold.noMonitorBundleBytes / 2 ** 20, 2)} MiB with the monitor stubbed)`,
  );

  // ---------------------------------------------------------------- targets
  const targets: Target[] = [];
  const readsOk = sc.every((s) => s.ours.reads <= s.minimum.reads && s.ours.writes <= (s.d > 0 ? 1 : 0));
  targets.push({
    id: 'reads-writes',
    target: 'reads <= 4 + paging, writes <= 1 (+1 subnet association) for any D',
    measured: sc.map((s) => `N${s.n}/D${s.d}: ${s.ours.reads}r ${s.ours.writes}w`).join(', '),
    pass: readsOk,
  });
  const at50 = sc.filter((s) => s.n === 50 && s.ratios.naiveOverOursRequests !== undefined);
  const reqOk = at50.every((s) => (s.ratios.naiveOverOursRequests ?? 0) >= 10);
  const wallOk = at50.every((s) => (s.ratios.naiveOverOursWall ?? 0) >= 5);
  targets.push({
    id: 'naive-requests-n50',
    target: '>= 10x fewer requests than the naive way at N = 50',
    measured: at50.map((s) => `D${s.d}: ${s.ratios.naiveOverOursRequests}x`).join(', '),
    pass: at50.length > 0 ? reqOk : null,
  });
  targets.push({
    id: 'naive-wall-n50',
    target: '>= 5x less wall time than the naive way at N = 50',
    measured: at50.map((s) => `D${s.d}: ${s.ratios.naiveOverOursWall}x`).join(', '),
    pass: at50.length > 0 ? wallOk : null,
    ...(wallOk
      ? {}
      : {
          note: 'with a single drifted route both ways pay one LRO (~lro-ms); the naive way only loses its 2N sequential reads',
        }),
  });
  const minOk = sc.every((s) => s.ratios.oursOverMinimum === 1);
  targets.push({
    id: 'ours-over-minimum',
    target: 'ours/minimum = 1.0 (requests excluding LRO polls)',
    measured: [...new Set(sc.map((s) => s.ratios.oursOverMinimum.toFixed(2)))].join(', '),
    pass: minOk,
  });
  targets.push({
    id: 'event-to-repair',
    target: 'event-to-repair < 2 s on the default latency model (event at the handler -> repair confirmed)',
    measured: `${Math.round(rb)} ms (bench clients, poll ${pollIntervalMs} ms); ${Math.round(rp)} ms (production wiring)`,
    pass: defaultModel ? rb < 2000 && repairBench.every((s) => s.repaired) : null,
    ...(rp >= 2000
      ? {
          note: 'production wiring (src/functions/runtime.ts -> clientsFor -> createArmClients default pollIntervalMs 2000) waits 2 s before its second LRO poll',
        }
      : {}),
  });
  targets.push({
    id: 'burst',
    target: 'a burst of 50 VM writes costs <= 3 reconciles of requests',
    measured: `${burstResult.requests} requests = ${burstResult.requestsOverOneReconcile}x one reconcile, ${burstResult.reconciles} reconciles`,
    pass: burstResult.requestsOverOneReconcile <= 3 && burstResult.converged,
  });
  const p10k = plannerResults.filter((p) => p.workers === 10_000);
  const pMax = Math.max(...p10k.map((p) => p.firstColdMs));
  targets.push({
    id: 'planner-10k',
    target: 'the first (cold) plan of 10,000 workers < 100 ms',
    measured: p10k
      .map((p) => `D${p.drift}: ${p.firstColdMs} ms cold (cold-cache median ${p.coldCacheMedianMs} ms)`)
      .join(', '),
    pass: p10k.length > 0 ? pMax < 100 : null,
  });
  const bundledOff = cold.results.find((c) => c.variant === 'bundled' && c.telemetry === 'off');
  const bundledOn = cold.results.find((c) => c.variant === 'bundled' && c.telemetry === 'on');
  targets.push({
    id: 'cold-start',
    target: 'bundled cold start < 0.5 s (import of dist/functions/index.js)',
    measured: `${bundledOff?.medianImportMs} ms telemetry off${bundledOn ? `, ${bundledOn.medianImportMs} ms telemetry on` : ''}`,
    pass: (bundledOff?.medianImportMs ?? Number.POSITIVE_INFINITY) < 500,
  });
  const at400 = sc.filter((s) => s.n === 400);
  const rss400 = Math.max(...at400.map((s) => s.ours.peakRssMb));
  targets.push({
    id: 'rss-400',
    target: 'peak RSS < 150 MB at N = 400 (one reconcile, fresh process)',
    measured: at400.length > 0 ? `${round(rss400)} MB` : 'not run (--quick)',
    pass: at400.length > 0 ? rss400 < 150 : null,
  });
  log();
  log(
    table(
      ['target', 'result', 'measured'],
      targets.map((t) => [t.target, t.pass === null ? 'n/a' : t.pass ? 'PASS' : 'MISS', t.measured]),
    ),
  );
  for (const t of targets) if (t.note && t.pass === false) log(`  ${t.id}: ${t.note}`);

  const runtimeMs = performance.now() - started;
  const launchedAt = Number(process.env.BENCH_LAUNCHED_AT);
  const totalMs = Number.isFinite(launchedAt) && launchedAt > 0 ? Date.now() - launchedAt : runtimeMs;
  const results = {
    schema: 2,
    date: new Date().toISOString(),
    quick,
    runtimeMs: Math.round(runtimeMs),
    /** Including the production build and the bench's own bundling (npm run bench). */
    totalMs: Math.round(totalMs),
    git,
    machine: { ...machine, loadAverageAtEnd: os.loadavg().map((x) => round(x, 2)) },
    model: { latency, lro, pollIntervalMs, pageSize, defaultModel },
    formulas: {
      designMinimum: DESIGN_MINIMUM_FORMULA,
      wholeRepair: WHOLE_REPAIR_FORMULA,
      expectedStatusPolls: expectedStatusPolls(latency.lroMs, pollIntervalMs),
      physicalMinimumWall: PHYSICAL_WALL_FORMULA,
    },
    scenarios: sc,
    eventToRepair: {
      covers: EVENT_TO_REPAIR_COVERS,
      bench: { medianMs: Math.round(rb), samples: repairBench },
      production: { medianMs: Math.round(rp), samples: repairProd },
    },
    burst: burstResult,
    verifyCost: verifyRows,
    planner: plannerResults,
    coldStart: cold,
    targets,
  };
  writeFileSync(String(args.out), `${JSON.stringify(results, null, 2)}\n`);
  log();
  log(
    `bench done in ${round(runtimeMs / 1000)} s (${round(totalMs / 1000)} s with the builds); results in ${args.out}`,
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    emulatorChild.kill();
    process.exit(1);
  },
);
