// The planner alone: one fresh process per size (bench/planner-child.ts), so the first plan is cold and every
// timed plan runs with cold caches.
import { childResult, forkChild } from './children.js';
import { log } from './format.js';
import type { PlannerInput, PlannerOutput } from './planner-child.js';

/** [workers, drifted] per run; --quick keeps the drift-free sizes, 10,000 among them (a target). */
const QUICK_SIZES: Array<[number, number]> = [
  [400, 0],
  [2_000, 0],
  [10_000, 0],
];
const FULL_SIZES: Array<[number, number]> = [
  [400, 0],
  [400, 200],
  [2_000, 0],
  [10_000, 0],
  [10_000, 5_000],
];

export async function plannerAlone(quick: boolean): Promise<PlannerOutput[]> {
  const out: PlannerOutput[] = [];
  for (const [workers, drift] of quick ? QUICK_SIZES : FULL_SIZES) {
    const input: PlannerInput = { workers, drift, runs: quick ? 5 : 15, budgetMs: quick ? 5_000 : 20_000 };
    const result = await childResult<PlannerOutput>(
      forkChild('planner-child.mjs', [JSON.stringify(input)]),
      'planner',
    );
    out.push(result);
    log(
      `  ${workers} workers, drift ${drift}: first cold plan ${result.firstColdMs} ms; cold caches median ${result.coldCacheMedianMs} ms over ${result.coldCacheRuns} runs`,
    );
  }
  return out;
}
