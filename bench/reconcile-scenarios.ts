// One reconcile per fresh process, ours and the naive way, on synthetic clusters of N workers with D routes
// drifted, against the design minimum of requests and the physical minimum wall time (bench/minimum.ts).
import { childResult, countLog, type EmulatorCounts, type EmulatorProcess, forkChild } from './children.js';
import { log, round } from './format.js';
import { type Minimum, minimumFor } from './minimum.js';
import type { BenchOptions } from './options.js';
import type { ScenarioInput, ScenarioOutput } from './scenario-child.js';
import { CONTROLLERS } from './world.js';

interface Measured extends ScenarioOutput {
  requests: number;
  emulator: EmulatorCounts;
  converged: boolean;
}

interface NaiveSkipped {
  skipped: true;
  estimatedWallMs: number;
  reason: string;
}

export interface ScenarioResult {
  n: number;
  d: number;
  /** Design minimum (requests) and physical minimum wall time: bench/minimum.ts. */
  minimum: Minimum;
  ours: Measured;
  /** Everything the engine's run cost: reads, PUTs, LRO status polls, final GETs after the operation. */
  wholeCost: { reads: number; puts: number; statusPolls: number; finalGets: number; total: number };
  naive: Measured | NaiveSkipped;
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

async function runScenario(
  emulator: EmulatorProcess,
  options: BenchOptions,
  mode: 'ours' | 'naive',
  [n, d]: [number, number],
): Promise<Measured> {
  const info = await emulator.startWorld(n, d);
  const input: ScenarioInput = {
    mode,
    endpoint: info.endpoint,
    caFile: info.caFile,
    n,
    pollIntervalMs: options.pollIntervalMs,
  };
  const out = await childResult<ScenarioOutput>(
    forkChild('scenario-child.mjs', [JSON.stringify(input)]),
    `${mode} scenario`,
  );
  const all = await emulator.requests();
  return {
    ...out,
    requests: out.reads + out.writes + out.polls,
    emulator: countLog(all.slice(out.warmUp.requests)),
    converged: await emulator.converged(n),
  };
}

/** What the naive way would take: 2N sequential reads, the table's pages, and per drifted route one LRO. */
function naiveEstimateMs({ latency, pollIntervalMs, pageSize }: BenchOptions, n: number, d: number): number {
  const read = latency.readMs + 3;
  const write = latency.writeMs + Math.max(latency.lroMs, pollIntervalMs) + 3 * read;
  const tablePages = Math.max(1, Math.ceil(n / pageSize));
  return (2 * n + tablePages) * read + d * write;
}

/** The (N, D) pairs measured: --quick keeps the 50-worker cases the targets are about. */
function scenarioList(quick: boolean): Array<[number, number]> {
  const sizes = quick ? [2, 50] : [2, 50, 400];
  const out: Array<[number, number]> = [];
  for (const n of sizes) {
    const drifts = quick ? (n === 2 ? [1] : [0, 1, n / 2]) : [0, 1, n / 2, n];
    for (const d of [...new Set(drifts)]) out.push([n, d]);
  }
  return out;
}

async function naiveOrSkipped(
  emulator: EmulatorProcess,
  options: BenchOptions,
  [n, d]: [number, number],
): Promise<Measured | NaiveSkipped> {
  const estimate = naiveEstimateMs(options, n, d);
  const runNaive = options.quick ? n === 50 && d <= 1 : estimate <= options.naiveBudgetMs;
  if (runNaive) return runScenario(emulator, options, 'naive', [n, d]);
  return {
    skipped: true,
    estimatedWallMs: Math.round(estimate),
    reason: options.quick ? '--quick' : `estimated ${Math.round(estimate / 1000)} s > --naive-budget-s`,
  };
}

function ratiosOf(
  minimum: Minimum,
  ours: Measured,
  naive: Measured | NaiveSkipped,
): ScenarioResult['ratios'] {
  const ratios: ScenarioResult['ratios'] = {
    oursOverMinimum: round((ours.reads + ours.writes) / minimum.requests, 2),
    oursOverMinimumWall: round(ours.wallMs / minimum.wallMs, 2),
  };
  if (!('skipped' in naive)) {
    ratios.naiveOverOursRequests = round(naive.requests / ours.requests, 1);
    ratios.naiveOverOursRequestsExclPolls = round(
      (naive.reads + naive.writes) / (ours.reads + ours.writes),
      1,
    );
    ratios.naiveOverOursWall = round(naive.wallMs / ours.wallMs, 1);
  }
  return ratios;
}

function wholeCostOf(ours: Measured): ScenarioResult['wholeCost'] {
  const statusPolls = ours.emulator.lroStatusPolls;
  return {
    reads: ours.reads,
    puts: ours.writes,
    statusPolls,
    finalGets: ours.polls - statusPolls,
    total: ours.requests,
  };
}

function progressLine({ n, d, minimum, ours, naive, ratios }: ScenarioResult): string {
  return (
    `  N=${n} D=${d}: ours ${ours.reads}r/${ours.writes}w/${ours.polls}p ${Math.round(ours.wallMs)} ms (${ratios.oursOverMinimumWall}x the ${Math.round(minimum.wallMs)} ms minimum)` +
    ('skipped' in naive
      ? `; naive skipped (${naive.reason})`
      : `; naive ${naive.reads}r/${naive.writes}w/${naive.polls}p ${Math.round(naive.wallMs)} ms`)
  );
}

export async function reconcileScenarios(
  emulator: EmulatorProcess,
  options: BenchOptions,
): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  for (const [n, d] of scenarioList(options.quick)) {
    const minimum = minimumFor(n, d, CONTROLLERS, options.pageSize, options.latency);
    const ours = await runScenario(emulator, options, 'ours', [n, d]);
    const naive = await naiveOrSkipped(emulator, options, [n, d]);
    const result = {
      n,
      d,
      minimum,
      ours,
      wholeCost: wholeCostOf(ours),
      naive,
      ratios: ratiosOf(minimum, ours, naive),
    };
    results.push(result);
    log(progressLine(result));
  }
  return results;
}
