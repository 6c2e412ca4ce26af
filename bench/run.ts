// `npm run bench [-- --quick] [--read-ms 40 --write-ms 80 --lro-ms 1000 --poll-ms 1000 --page-size 100]`
// ARM requests, wall time, CPU time and peak RSS of one reconcile against the naive way and the physical
// minimum; event-to-repair latency and an event burst through the Event Grid handler; the planner alone; cold
// start of the Functions bundle. The emulator runs in its own process; each measured reconcile runs in a fresh
// child process. Writes bench/results.json. See docs/performance.md.
//
// This file is the orchestrator: the measurements are in reconcile-scenarios.ts, event-bench.ts,
// planner-bench.ts, verify-cost.ts and cold-start.ts, the targets in targets.ts, the console report in report.ts.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { EmulatorProcess } from './children.js';
import { coldStarts } from './cold-start.js';
import { burst, EVENT_TO_REPAIR_COVERS, eventToRepair } from './event-bench.js';
import { consoleTable, log, median, round } from './format.js';
import {
  DESIGN_MINIMUM_FORMULA,
  expectedStatusPolls,
  PHYSICAL_WALL_FORMULA,
  WHOLE_REPAIR_FORMULA,
} from './minimum.js';
import { type BenchOptions, parseBenchOptions, repoRoot } from './options.js';
import { plannerAlone } from './planner-bench.js';
import { reconcileScenarios } from './reconcile-scenarios.js';
import { printReport } from './report.js';
import { judgeTargets, type Measurements, type Target } from './targets.js';
import { type VerifyCostRow, verifyCost } from './verify-cost.js';

function gitInfo(): { commit: string; dirty: boolean } {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    return { commit, dirty: status.trim().length > 0 };
  } catch {
    return { commit: 'unknown', dirty: false };
  }
}

function machineInfo() {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    totalMemoryMb: Math.round(os.totalmem() / 2 ** 20),
    platform: `${os.platform()} ${os.release()}`,
    node: process.version,
    loadAverageAtStart: os.loadavg().map((x) => round(x, 2)),
  };
}

type Machine = ReturnType<typeof machineInfo>;
type Git = ReturnType<typeof gitInfo>;

function logHeader(options: BenchOptions, machine: Machine, git: Git): void {
  const { latency, pollIntervalMs, pageSize } = options;
  log(`pod-route-reconciler bench${options.quick ? ' --quick' : ''}: ${new Date().toISOString()}`);
  log(
    `machine: ${machine.cpus} cpus (${machine.cpuModel}), node ${machine.node}, load ${machine.loadAverageAtStart.join(' ')}; commit ${git.commit.slice(0, 12)}${git.dirty ? ' (dirty tree)' : ''}`,
  );
  log(
    `latency model: read ${latency.readMs} ms, write ${latency.writeMs} ms, LRO ${latency.lroMs} ms; client LRO poll interval ${pollIntervalMs} ms; page size ${pageSize}`,
  );
  log();
}

/** Every measurement, in order, each announced with the time since the start. */
async function measure(
  emulator: EmulatorProcess,
  options: BenchOptions,
  started: number,
): Promise<{ measurements: Measurements; verifyRows: VerifyCostRow[] }> {
  const { quick, pollIntervalMs } = options;
  const at = () => `[${round((performance.now() - started) / 1000)} s]`;
  log(`One reconcile per fresh process (emulator in its own process) ${at()}:`);
  const scenarios = await reconcileScenarios(emulator, options);
  log();
  log(`Event-to-repair (a route deleted through ARM -> Event Grid handler restores it) ${at()}:`);
  const repairBench = await eventToRepair(emulator, 'bench', quick ? 1 : 3, pollIntervalMs);
  const repairProduction = await eventToRepair(emulator, 'production', quick ? 1 : 2, pollIntervalMs);
  log(`Event burst (50 new workers at once: 100 VM/NIC write events) ${at()}:`);
  const burstResult = await burst(emulator, pollIntervalMs);
  log(`Verify: ARM requests of one effective-route check (bench/verify-cost.ts) ${at()}:`);
  const verifyRows = await verifyCost(options);
  log(
    consoleTable(
      Object.keys(verifyRows[0] ?? {}),
      verifyRows.map((r) => Object.values(r)),
    ),
  );
  log(`Planner alone ${at()}:`);
  const planner = await plannerAlone(quick);
  log(`Cold start (fresh processes) ${at()}:`);
  const coldStart = await coldStarts(quick);
  const measurements: Measurements = {
    scenarios,
    repairBench,
    repairProduction,
    burst: burstResult,
    planner,
    coldStart,
    pollIntervalMs,
    defaultModel: options.defaultModel,
  };
  return { measurements, verifyRows };
}

interface RunInfo {
  options: BenchOptions;
  git: Git;
  machine: Machine;
  runtimeMs: number;
  totalMs: number;
}

/** results.json (schema 2, read by bench/doc.mjs). */
function resultsJson(run: RunInfo, m: Measurements, verifyRows: VerifyCostRow[], targets: Target[]) {
  const { latency, lro, pollIntervalMs, pageSize, defaultModel, quick } = run.options;
  return {
    schema: 2,
    date: new Date().toISOString(),
    quick,
    runtimeMs: Math.round(run.runtimeMs),
    /** Including the production build and the bench's own bundling (npm run bench). */
    totalMs: Math.round(run.totalMs),
    git: run.git,
    machine: { ...run.machine, loadAverageAtEnd: os.loadavg().map((x) => round(x, 2)) },
    model: { latency, lro, pollIntervalMs, pageSize, defaultModel },
    formulas: {
      designMinimum: DESIGN_MINIMUM_FORMULA,
      wholeRepair: WHOLE_REPAIR_FORMULA,
      expectedStatusPolls: expectedStatusPolls(latency.lroMs, pollIntervalMs),
      physicalMinimumWall: PHYSICAL_WALL_FORMULA,
    },
    scenarios: m.scenarios,
    eventToRepair: {
      covers: EVENT_TO_REPAIR_COVERS,
      bench: {
        medianMs: Math.round(median(m.repairBench.map((s) => s.eventToRepairMs))),
        samples: m.repairBench,
      },
      production: {
        medianMs: Math.round(median(m.repairProduction.map((s) => s.eventToRepairMs))),
        samples: m.repairProduction,
      },
    },
    burst: m.burst,
    verifyCost: verifyRows,
    planner: m.planner,
    coldStart: m.coldStart,
    targets,
  };
}

async function main(options: BenchOptions): Promise<void> {
  const started = performance.now();
  const emulator = await EmulatorProcess.start(options);
  try {
    await benchWith(emulator, options, started);
  } catch (error) {
    emulator.kill();
    throw error;
  }
}

async function benchWith(emulator: EmulatorProcess, options: BenchOptions, started: number): Promise<void> {
  const git = gitInfo();
  const machine = machineInfo();
  logHeader(options, machine, git);
  const { measurements, verifyRows } = await measure(emulator, options, started);
  await emulator.stop();
  const targets = judgeTargets(measurements);
  printReport(measurements, targets);
  const runtimeMs = performance.now() - started;
  const launchedAt = Number(process.env.BENCH_LAUNCHED_AT);
  const totalMs = Number.isFinite(launchedAt) && launchedAt > 0 ? Date.now() - launchedAt : runtimeMs;
  const results = resultsJson(
    { options, git, machine, runtimeMs, totalMs },
    measurements,
    verifyRows,
    targets,
  );
  writeFileSync(options.out, `${JSON.stringify(results, null, 2)}\n`);
  log();
  log(
    `bench done in ${round(runtimeMs / 1000)} s (${round(totalMs / 1000)} s with the builds); results in ${options.out}`,
  );
}

main(parseBenchOptions(process.argv.slice(2))).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
