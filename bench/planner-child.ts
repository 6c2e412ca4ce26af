// The planner alone (`planReconcile`, no ARM) in a fresh process per size, so the first plan is as cold as a new
// Functions instance's: cold JIT. That first cold plan is reported apart from the later ones (warm JIT). The
// planner keeps no cache between plans, so a later plan differs from the first only by the JIT.
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
  /** The first plan of the process: cold JIT (wall time). */
  firstColdMs: number;
  /** The same plan's CPU time (user + system, this process): less sensitive than wall time to a loaded machine. */
  firstColdCpuMs: number;
  /** The first plans of several fresh processes, when the bench ran more than one (firstColdMs: their median). */
  firstColdSamplesMs?: number[];
  /** Later plans of the same inventory, warm JIT. */
  laterRuns: number;
  laterMedianMs: number;
  laterMinMs: number;
  actions: number;
}

const round = (x: number): number => roundTo(x, 2);

function main(): void {
  const input = JSON.parse(process.argv[2] ?? '{}') as PlannerInput;
  const settings = planSettingsFor(benchConfig('https://127.0.0.1:1', '/dev/null'));
  const inventory = makeInventory(input.workers, input.drift);
  const timed = () => {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const plan = planReconcile(inventory, settings);
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    return { ms, cpuMs: (cpu.user + cpu.system) / 1000, actions: plan.actions.length };
  };
  const first = timed();
  const later: number[] = [];
  const end = performance.now() + input.budgetMs;
  while (later.length < input.runs && (later.length === 0 || performance.now() < end)) later.push(timed().ms);
  const result: PlannerOutput = {
    workers: input.workers,
    drift: input.drift,
    firstColdMs: round(first.ms),
    firstColdCpuMs: round(first.cpuMs),
    laterRuns: later.length,
    laterMedianMs: round(median(later)),
    laterMinMs: round(Math.min(...later)),
    actions: first.actions,
  };
  process.send?.({ type: 'result', result }, () => process.exit(0));
}

main();
