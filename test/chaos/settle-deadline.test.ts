// The settle wait never sleeps past the run's deadline: a run that meets a write still in flight, and whose
// deadline comes before its next settle read, fails at once as transient (the next trigger retries) instead of
// sleeping into its timeout. docs/mutation.md: this kills the settle-deadline mutants of src/azure/settle.ts.
import { afterEach, expect, it } from 'vitest';
import { createArmClients } from '../../src/azure/clients.js';
import type { FaultRuleInput } from '../../src/emulator/index.js';
import { CHAOS_RETRY, type ChaosEnv, recordedRun, requestBound, startChaos, TABLE } from './harness.js';
import { applyDrift } from './scenarios.js';

const BOUND = requestBound({ attempts: 4, pollsPerLro: 1, nicRepairs: 1, pages: 1 });
let env: ChaosEnv | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

/** Polls throttled with a Retry-After far past the budget: the run stops polling, the operation goes on. */
const ABANDON_POLLS: FaultRuleInput = {
  method: 'GET',
  path: '/operations/',
  status: 429,
  headers: { 'Retry-After': '120' },
  error: { code: 'TooManyRequests', message: 'The request is being throttled.' },
};

it('a run whose deadline comes before its next settle read fails as transient at once, without waiting', async () => {
  env = await startChaos({ lro: { inProgressPolls: 0, retryAfterSeconds: 0, autoCompleteMs: 30_000 } });
  applyDrift(env, { seed: 3, drift: ['route-deleted'], faults: [] });
  env.emulator.faults.add({ kind: 'lroFail', method: 'PUT', path: `/routeTables/${TABLE}`, times: 1 });
  env.emulator.faults.add(ABANDON_POLLS);
  await recordedRun(env, { label: 'run that abandons its write', bound: BOUND, settle: false });
  env.emulator.faults.clear();
  expect(env.emulator.operationsInProgress()).toBe(1);

  // The first settle wait is one poll interval (20 s); the run has 10 s.
  const clients = createArmClients(env.config, { pollIntervalMs: 20_000, retry: CHAOS_RETRY });
  const started = Date.now();
  const next = await recordedRun(env, {
    label: 'next run',
    bound: BOUND,
    settle: false,
    clients,
    timeoutMs: 10_000,
  });
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(next.result.status).toBe('Failed');
  expect(next.result.error).toMatchObject({ code: 'OperationInProgress', transient: true });
  expect(next.result.error?.message).toMatch(/is Updating.*after 1 reads/u);
  expect(next.requests.filter((r) => r.method === 'PUT')).toEqual([]);
});
