// The follow-up invariant (issue 17) on the real engine against the emulator, through the Functions handlers: an
// event run is in flight on a slow ARM, a second event queues the follow-up, the timer joins it. Every waiter's
// result must come from a run at least as strong as the one it asked for: the timer's 120 s budget and its
// trigger, logs reaching both waiters of the follow-up; and every run keeps the chaos invariants.
import { InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import type { ReconcileResult } from '../../src/core/types.js';
import { createHandlers } from '../../src/functions/handlers.js';
import { type ReconcileOptions, reconcile } from '../../src/reconcile.js';
import { convergenceProblems, NO_EXTERNAL, requestBound, snapshot } from './harness.js';
import { checkRun } from './invariants.js';
import { applyDrift } from './scenarios.js';
import { useChaos } from './use-chaos.js';

const env = useChaos();
const BOUND = requestBound({ attempts: 4, pollsPerLro: 1, nicRepairs: 1, pages: 1 });

function context(lines: string[]): InvocationContext {
  return new InvocationContext({
    invocationId: crypto.randomUUID(),
    functionName: 'reconcileOnResourceChange',
    logHandler: (_level, ...args) => lines.push(args.map(String).join(' ')),
  });
}

describe('follow-ups through the handlers on a slow ARM', () => {
  it("a follow-up joined by the timer runs with the timer's budget and trigger, and logs to every waiter", async () => {
    applyDrift(env, { seed: 7, drift: ['route-deleted'], faults: [] });
    env.emulator.events.length = 0;
    env.emulator.upsertVm({
      resourceGroup: 'kubernetes',
      name: 'worker-2',
      privateIp: '10.240.0.22',
      tags: { 'pod-cidr': '10.200.2.0/24' },
    });
    const event = env.emulator.events.find((e) => e.eventType.endsWith('ResourceWriteSuccess'))!;
    // Every read takes a while: the first event's run is still in flight when the others arrive.
    env.emulator.faults.add({ kind: 'latency', method: 'GET', latencyMs: 30 });
    const runs: Array<{ options: ReconcileOptions; result: ReconcileResult }> = [];
    const clients = env.newClients();
    const handlers = createHandlers({
      loadConfig: () => env.config,
      reconcile: async (options) => {
        const result = await reconcile({ ...options, clients });
        runs.push({ options, result });
        return result;
      },
    });
    const before = snapshot(env);
    const [first, second, timerLines] = [[], [], []] as string[][];
    const answers = [handlers.reconcileOnResourceChange(event, context(first!))];
    await new Promise((r) => setTimeout(r, 10));
    answers.push(handlers.reconcileOnResourceChange(event, context(second!)));
    answers.push(handlers.reconcileOnSchedule({ isPastDue: false } as never, context(timerLines!)));
    await Promise.all(answers);
    await expect.poll(() => runs.length, { timeout: 20_000 }).toBe(2);
    env.emulator.faults.clear();

    expect(runs.map((r) => [r.options.trigger, r.options.timeoutMs])).toEqual([
      ['event', env.config.eventRunTimeoutMs],
      ['timer', undefined],
    ]);
    const followUp = runs[1]!.result.runId;
    // The engine's own line of the follow-up (with its properties) reached both of its waiters.
    for (const lines of [second!, timerLines!]) expect(lines.join('\n')).toContain(`"runId":"${followUp}"`);
    const after = snapshot(env);
    for (const [i, { result }] of runs.entries()) {
      const run = {
        label: `run ${i}`,
        result,
        before,
        after,
        requests: [],
        traffic: [],
        external: NO_EXTERNAL,
      };
      expect(checkRun(env, { ...run, bound: BOUND, concurrent: true })).toEqual([]);
    }
    expect(convergenceProblems(env, after)).toEqual([]);
  });
});
