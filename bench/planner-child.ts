// The planner alone (`planReconcile`, no ARM) in a fresh process per size, so the first plan is as cold as a new
// Functions instance's: cold JIT and empty memo caches. That first cold plan is reported apart; every further
// timed plan also starts from empty memo caches (clearCidrMemo) but with a warm JIT. Plans with warm caches are
// reported for comparison only.
import { clearCidrMemo } from '../src/core/cidr.js';
import { planReconcile } from '../src/core/plan.js';
import { planSettingsFor } from '../src/run-settings.js';
import { median, round as roundTo } from './format.js';
import { benchConfig, makeInventory } from './world.js';

export interface PlannerInput {
  workers: number;
  drift: number;
  /** Timed cold-cache plans after the first one. */
  runs: number;
  /** Stop adding runs after this long (a slow plan gets fewer runs). */
  budgetMs: number;
}

export interface PlannerOutput {
  workers: number;
  drift: number;
  /** The first plan of the process: cold JIT, empty memo caches (wall time). */
  firstColdMs: number;
  /** The same plan's CPU time (user + system, this process): less sensitive than wall time to a loaded machine. */
  firstColdCpuMs: number;
  /** The first plans of several fresh processes, when the bench ran more than one (firstColdMs: their median). */
  firstColdSamplesMs?: number[];
  /** Later plans, each from empty memo caches. */
  coldCacheRuns: number;
  coldCacheMedianMs: number;
  coldCacheMinMs: number;
  /** Later plans with the caches the previous plan left (for comparison). */
  warmCacheMedianMs: number;
  actions: number;
}

const round = (x: number): number => roundTo(x, 2);

function main(): void {
  const input = JSON.parse(process.argv[2] ?? '{}') as PlannerInput;
  const settings = planSettingsFor(benchConfig('https://127.0.0.1:1', '/dev/null'));
  const inventory = makeInventory(input.workers, input.drift);
  const timed = (clearCaches: boolean) => {
    if (clearCaches) clearCidrMemo();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const plan = planReconcile(inventory, settings);
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    return { ms, cpuMs: (cpu.user + cpu.system) / 1000, actions: plan.actions.length };
  };
  const first = timed(true);
  const cold: number[] = [];
  const end = performance.now() + input.budgetMs;
  while (cold.length < input.runs && (cold.length === 0 || performance.now() < end))
    cold.push(timed(true).ms);
  const warm: number[] = [];
  while (warm.length < Math.min(input.runs, 5)) warm.push(timed(false).ms);
  const result: PlannerOutput = {
    workers: input.workers,
    drift: input.drift,
    firstColdMs: round(first.ms),
    firstColdCpuMs: round(first.cpuMs),
    coldCacheRuns: cold.length,
    coldCacheMedianMs: round(median(cold)),
    coldCacheMinMs: round(Math.min(...cold)),
    warmCacheMedianMs: round(median(warm)),
    actions: first.actions,
  };
  process.send?.({ type: 'result', result }, () => process.exit(0));
}

main();
