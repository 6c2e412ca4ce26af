// The follow-up invariant (issue 17): whatever joins a run in flight, each waiter's result comes from a run that
// started after its request, with a budget at least as long as the one it asked for, whose logs reach it.
// Random arrivals of timer and event requests on one instance, against a model of what each waiter asked for.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Logger, ReconcileResult } from '../../src/core/types.js';
import { newInstance, reconcileOnce } from '../../src/functions/instance.js';
import type { ReconcileOptions } from '../../src/reconcile.js';
import { config, healthyResult } from './helpers.js';

const NUM_RUNS = Number(process.env.FC_NUM_RUNS ?? 40);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A waiter: the trigger it came from, its budget (undefined: the engine's 120 s), how long after the previous. */
const arbWaiter = fc.record({
  timer: fc.boolean(),
  budget: fc.constantFrom<number | undefined>(undefined, 5_000, 20_000),
  gapMs: fc.integer({ min: 0, max: 4 }),
});

const budgetOf = (ms: number | undefined) => ms ?? Number.POSITIVE_INFINITY;

describe('follow-ups: every waiter gets a run at least as strong as the one it asked for', () => {
  it('started after its request, with at least its budget, logging to it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(arbWaiter, { minLength: 1, maxLength: 7 }), async (waiters) => {
        const runs: Array<{ options: ReconcileOptions; startedAt: number; id: string }> = [];
        const instance = newInstance({
          loadConfig: () => config,
          reconcile: async (options) => {
            const run = { options, startedAt: performance.now(), id: `run-${runs.length}` };
            runs.push(run);
            options.log?.info(run.id);
            await sleep(3);
            return { ...healthyResult(), runId: run.id, trigger: options.trigger };
          },
        });
        const asked: Array<{
          at: number;
          budget: number | undefined;
          lines: string[];
          result: Promise<ReconcileResult>;
        }> = [];
        for (const w of waiters) {
          await sleep(w.gapMs);
          const lines: string[] = [];
          const log: Logger = { debug() {}, info: (m) => lines.push(m), warn() {}, error() {} };
          const request = {
            trigger: w.timer ? ('timer' as const) : ('event' as const),
            dryRun: false,
            ...(w.budget !== undefined ? { timeoutMs: w.budget } : {}),
          };
          const at = performance.now();
          asked.push({ at, budget: w.budget, lines, result: reconcileOnce(instance, config, request, log) });
        }
        const served = new Map<string, Array<{ trigger: string; budget: number | undefined }>>();
        for (const [i, waiter] of asked.entries()) {
          const result = await waiter.result;
          const run = runs.find((r) => r.id === result.runId)!;
          expect(run.startedAt).toBeGreaterThanOrEqual(waiter.at);
          expect(budgetOf(run.options.timeoutMs)).toBeGreaterThanOrEqual(budgetOf(waiter.budget));
          expect(waiter.lines).toContain(run.id);
          const trigger = waiters[i]!.timer ? 'timer' : 'event';
          served.set(run.id, [...(served.get(run.id) ?? []), { trigger, budget: waiter.budget }]);
        }
        // The trigger recorded is that of a waiter the run served with exactly the run's budget.
        for (const run of runs) {
          const honest = (served.get(run.id) ?? []).some(
            (w) => w.trigger === run.options.trigger && w.budget === run.options.timeoutMs,
          );
          expect(honest, `${run.id} ran as ${run.options.trigger}`).toBe(true);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
