// Issue: a run that reads a resource while an ARM operation is still writing it. A previous run gave up polling
// its write (Retry-After past its budget); the next run meets the table, route or subnet `Updating`, and the
// operation then fails (ARM puts the old state back, marked Failed). The run must wait for it to settle and
// plan from what stays, or fail as transient: never report Healthy or Repaired on a state that is about to go.
import { afterEach, describe, expect, it } from 'vitest';
import { createArmClients } from '../../src/azure/clients.js';
import type { FaultRuleInput, Json } from '../../src/emulator/index.js';
import {
  CHAOS_RETRY,
  type ChaosEnv,
  convergenceProblems,
  recordedRun,
  requestBound,
  settleOperations,
  startChaos,
  TABLE,
} from './harness.js';
import { checkRun } from './invariants.js';
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

/** A write (PUT on `path`) whose operation fails, and whose polls the run abandons. */
async function abandonedFailingWrite(e: ChaosEnv, path: string) {
  e.emulator.faults.add({ kind: 'lroFail', method: 'PUT', path, times: 1 });
  e.emulator.faults.add(ABANDON_POLLS);
  const run = await recordedRun(e, { label: 'run that abandons its write', bound: BOUND, settle: false });
  e.emulator.faults.clear();
  expect(run.result.status).toBe('Failed');
  expect(run.result.error?.transient).toBe(true);
  expect(e.emulator.operationsInProgress()).toBe(1);
  return run;
}

/** Provisioning states in the table GET responses the run received. */
function tableStatesSeen(run: Awaited<ReturnType<typeof recordedRun>>): string[] {
  return run.traffic
    .filter(
      (t) => t.liveRequest.method === 'GET' && new URL(t.liveRequest.url).pathname.endsWith(`/${TABLE}`),
    )
    .map((t) => String(((t.liveResponse.body as Json).properties as Json).provisioningState));
}

describe('a run that meets a write still in flight', () => {
  it('table: waits for the operation, sees it fail (routes Failed), rewrites them: Repaired and provisioned', async () => {
    env = await startChaos({ lro: { inProgressPolls: 0, retryAfterSeconds: 0, autoCompleteMs: 1_500 } });
    applyDrift(env, { seed: 3, drift: ['route-deleted', 'wrong-next-hop'], faults: [] });
    const faulted = await abandonedFailingWrite(env, `/routeTables/${TABLE}`);
    expect(checkRun(env, faulted)).toEqual([]);

    const clients = createArmClients(env.config, { pollIntervalMs: 150, retry: CHAOS_RETRY });
    const next = await recordedRun(env, { label: 'next run', bound: BOUND, clients });
    expect(tableStatesSeen(next)[0]).toBe('Updating');
    expect(tableStatesSeen(next)).toContain('Failed');
    expect(checkRun(env, next)).toEqual([]);
    expect(next.result.status).toBe('Repaired');
    expect(convergenceProblems(env, next.after)).toEqual([]);
  });

  it('table: an operation that outlasts the waits ends the run Failed (transient), with no write', async () => {
    env = await startChaos({ lro: { inProgressPolls: 0, retryAfterSeconds: 0, autoCompleteMs: 3_000 } });
    applyDrift(env, { seed: 3, drift: ['route-deleted'], faults: [] });
    await abandonedFailingWrite(env, `/routeTables/${TABLE}`);
    const next = await recordedRun(env, { label: 'next run', bound: BOUND, settle: false });
    expect(next.result.status).toBe('Failed');
    expect(next.result.error).toMatchObject({ code: 'OperationInProgress', transient: true });
    expect(next.result.error?.message).toMatch(/route table 'kubernetes-routes' is Updating/u);
    expect(next.requests.filter((r) => r.method === 'PUT')).toEqual([]);
    expect(checkRun(env, next)).toEqual([]);
    await settleOperations(env);
    const after = await recordedRun(env, { label: 'once settled', bound: BOUND });
    expect(after.result.status).toBe('Repaired');
    expect(checkRun(env, after)).toEqual([]);
  });

  it('NIC: IP forwarding still being written is not trusted; when the write fails the run enables it again', async () => {
    env = await startChaos({ lro: { inProgressPolls: 0, retryAfterSeconds: 0, autoCompleteMs: 1_500 } });
    applyDrift(env, { seed: 3, drift: ['ip-forwarding-off'], faults: [] });
    await abandonedFailingWrite(env, '/networkInterfaces/');
    const clients = createArmClients(env.config, { pollIntervalMs: 150, retry: CHAOS_RETRY });
    const next = await recordedRun(env, { label: 'next run', bound: BOUND, clients });
    expect(checkRun(env, next)).toEqual([]);
    expect(next.result.status).toBe('Repaired');
    expect(next.result.repaired.map((d) => d.kind)).toEqual(['ip-forwarding-disabled']);
    expect(convergenceProblems(env, next.after)).toEqual([]);
  });

  it('subnet: an association still being written is not trusted; when it fails the run associates again', async () => {
    env = await startChaos({ lro: { inProgressPolls: 0, retryAfterSeconds: 0, autoCompleteMs: 1_500 } });
    applyDrift(env, { seed: 3, drift: ['subnet-detached'], faults: [] });
    await abandonedFailingWrite(env, '/subnets/');
    const subnet = env.emulator.getResource(env.ids.subnet)!;
    expect((subnet.properties as Json).provisioningState).toBe('Updating');
    expect(((subnet.properties as Json).routeTable as Json | undefined)?.id).toBeDefined();

    const clients = createArmClients(env.config, { pollIntervalMs: 150, retry: CHAOS_RETRY });
    const next = await recordedRun(env, { label: 'next run', bound: BOUND, clients });
    expect(checkRun(env, next)).toEqual([]);
    expect(next.result.status).toBe('Repaired');
    expect(next.result.repaired.map((d) => d.kind)).toEqual(['subnet-not-associated']);
    expect(convergenceProblems(env, next.after)).toEqual([]);
  });
});
