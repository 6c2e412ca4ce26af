// The planner alone: one fresh process per size (bench/planner-child.ts), so the first plan is cold and every
// timed plan runs with cold caches. At 1,000 workers (a table's maximum: Azure's route limit, and the target of
// issue 19) several fresh processes, and the median of their first plans, since one sample on a shared machine
// says little.
import { childResult, forkChild } from './children.js';
import { log, median } from './format.js';
import type { PlannerInput, PlannerOutput } from './planner-child.js';

/** [workers, drifted] per run; --quick keeps the drift-free sizes and both 1,000-worker ones (the target). */
const QUICK_SIZES: Array<[number, number]> = [
  [400, 0],
  [1_000, 0],
  [1_000, 1_000],
  [2_000, 0],
  [10_000, 0],
];
const FULL_SIZES: Array<[number, number]> = [
  [400, 0],
  [400, 200],
  [1_000, 0],
  [1_000, 1_000],
  [2_000, 0],
  [10_000, 0],
  [10_000, 5_000],
];

/** The size of the first-cold-plan target (bench/targets.ts): a table's maximum. */
export const PLANNER_TARGET_WORKERS = 1_000;

/** One size in `processes` fresh processes: the sample of median first plan, with every first plan listed. */
async function freshProcesses(input: PlannerInput, processes: number): Promise<PlannerOutput> {
  const samples: PlannerOutput[] = [];
  for (let i = 0; i < processes; i++)
    samples.push(
      await childResult<PlannerOutput>(forkChild('planner-child.mjs', [JSON.stringify(input)]), 'planner'),
    );
  if (samples.length === 1) return samples[0]!;
  const byFirst = [...samples].sort((a, b) => a.firstColdMs - b.firstColdMs);
  const middle = byFirst[Math.floor((byFirst.length - 1) / 2)]!;
  return {
    ...middle,
    firstColdMs: Math.round(median(samples.map((s) => s.firstColdMs)) * 100) / 100,
    firstColdCpuMs: Math.round(median(samples.map((s) => s.firstColdCpuMs)) * 100) / 100,
    firstColdSamplesMs: samples.map((s) => s.firstColdMs),
  };
}

export async function plannerAlone(quick: boolean): Promise<PlannerOutput[]> {
  const out: PlannerOutput[] = [];
  for (const [workers, drift] of quick ? QUICK_SIZES : FULL_SIZES) {
    const input: PlannerInput = { workers, drift, runs: quick ? 5 : 15, budgetMs: quick ? 5_000 : 20_000 };
    const processes = workers === PLANNER_TARGET_WORKERS ? (quick ? 3 : 5) : 1;
    const result = await freshProcesses(input, processes);
    out.push(result);
    const samples = result.firstColdSamplesMs
      ? ` (median of ${processes} fresh processes: ${result.firstColdSamplesMs.join(', ')} ms)`
      : '';
    log(
      `  ${workers} workers, drift ${drift}: first cold plan ${result.firstColdMs} ms${samples}, CPU ${result.firstColdCpuMs} ms; later plans median ${result.laterMedianMs} ms over ${result.laterRuns} runs`,
    );
  }
  return out;
}
