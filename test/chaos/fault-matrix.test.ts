// The fault matrix: one named scenario per fault kind, against the emulator with the real SDK, each run
// checked against every invariant (checkRun) and then required to converge within 3 clean runs.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { FaultRuleInput, WorldFile } from '../../src/emulator/index.js';
import { MAX_WRITE_ATTEMPTS, reconcile } from '../../src/reconcile.js';
import { handlersWithLogSpy } from '../support/handlers.js';
import {
  CHAOS_TIMEOUT_MS,
  type ChaosEnv,
  convergenceProblems,
  type KnownForeign,
  NO_EXTERNAL,
  type RouteJson,
  type RunRecord,
  recordedRun,
  requestBound,
  snapshot,
  startChaos,
  TABLE,
  WORLD_FILE,
} from './harness.js';
import { checkRun } from './invariants.js';
import { applyDrift, type DriftLabel } from './scenarios.js';
import { useChaos } from './use-chaos.js';

const TABLE_PATH = `/routeTables/${TABLE}`;
const BOUND = requestBound({ attempts: 4, pollsPerLro: 1, nicRepairs: 1, pages: 1 });

const env = useChaos();

/** The drift most cases start from: worker-1's route deleted, worker-0's next hop wrong, foreign routes and tags. */
const STANDARD_DRIFT: DriftLabel[] = [
  'route-deleted',
  'wrong-next-hop',
  'foreign-route-added',
  'table-tags-changed',
];

function drift(labels: DriftLabel[] = STANDARD_DRIFT, seed = 7): void {
  applyDrift(env, { seed, drift: labels, faults: [] });
}

async function faultedRun(
  label: string,
  faults: FaultRuleInput[],
  options: {
    clients?: ChaosEnv['newClients'] extends (...a: never[]) => infer C ? C : never;
    external?: KnownForeign;
  } = {},
): Promise<RunRecord> {
  for (const f of faults) env.emulator.faults.add(f);
  const run = await recordedRun(env, { label, bound: BOUND, ...options });
  env.emulator.faults.clear();
  expect(checkRun(env, run)).toEqual([]);
  return run;
}

async function expectConvergence(target: ChaosEnv = env): Promise<number> {
  for (let i = 1; i <= 3; i++) {
    const run = await recordedRun(target, { label: `clean run ${i}`, bound: BOUND });
    expect(checkRun(target, run)).toEqual([]);
    if (convergenceProblems(target, run.after).length === 0 && run.result.status !== 'Failed') return i;
  }
  throw new Error(`not converged within 3 runs: ${convergenceProblems(target, snapshot(target)).join('; ')}`);
}

const served = (run: RunRecord, method: string, pathPart: string) =>
  run.requests.filter((r) => r.method === method && r.path.toLowerCase().includes(pathPart.toLowerCase()));

const throttle = (
  method: string,
  path: string,
  headers: Record<string, string>,
  times: number,
): FaultRuleInput => ({
  method,
  path,
  status: 429,
  headers,
  error: { code: 'TooManyRequests', message: 'The request is being throttled.' },
  times,
});

/** A transient fault the run rides out: retried, then Repaired (with these table PUT statuses, these 429s). */
interface RiddenOutFault {
  label: string;
  faults: FaultRuleInput[];
  tablePutStatuses?: number[];
  throttled?: number;
}

async function rideOut(_title: string, fault: RiddenOutFault): Promise<void> {
  drift();
  const run = await faultedRun(fault.label, fault.faults);
  expect(run.result.status).toBe('Repaired');
  if (fault.tablePutStatuses) {
    expect(served(run, 'PUT', TABLE_PATH).map((r) => r.status)).toEqual(fault.tablePutStatuses);
  }
  if (fault.throttled !== undefined) expect(run.result.arm.throttled).toBe(fault.throttled);
}

describe('fault matrix: throttling (429 with Retry-After)', () => {
  it('429 on the VM list twice (retry-after-ms 25): waits as told, then repairs', async () => {
    drift();
    const run = await faultedRun('429 read', [
      // The VM list only: '/virtualMachines' is also a substring of '/virtualMachineScaleSets'.
      {
        ...throttle('GET', '/virtualMachines', { 'retry-after-ms': '25' }, 2),
        path: undefined,
        pathRegex: '/virtualMachines$',
      },
    ]);
    expect(run.result.status).toBe('Repaired');
    expect(run.result.arm.throttled).toBe(2);
    expect(
      served(run, 'GET', '/virtualMachines').filter((r) => /\/virtualMachines$/iu.test(r.path)),
    ).toHaveLength(3);
    expect(run.result.durationMs).toBeGreaterThanOrEqual(45);
    expect(await expectConvergence()).toBe(1);
  });

  it('429 with Retry-After: 1 (seconds) on the table read is honoured when the policy allows a 1 s wait', async () => {
    drift();
    const patient = env.newClients({ maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 2_000 });
    const run = await faultedRun(
      '429 Retry-After 1',
      [throttle('GET', TABLE_PATH, { 'Retry-After': '1' }, 1)],
      {
        clients: patient,
      },
    );
    expect(run.result.status).toBe('Repaired');
    expect(run.result.durationMs).toBeGreaterThanOrEqual(950);
  });

  it('a Retry-After longer than the policy allows ends the retries: Failed, transient, one request, table untouched', async () => {
    drift();
    const etag = env.emulator.getResource(env.ids.table)?.etag;
    const run = await faultedRun('429 Retry-After 120', [
      throttle('GET', TABLE_PATH, { 'Retry-After': '120' }, 10),
    ]);
    expect(run.result.status).toBe('Failed');
    expect(run.result.error).toMatchObject({ statusCode: 429, transient: true });
    expect(served(run, 'GET', TABLE_PATH)).toHaveLength(1);
    expect(served(run, 'PUT', '')).toHaveLength(0);
    expect(env.emulator.getResource(env.ids.table)?.etag).toBe(etag);
    await expectConvergence();
  });

  it.each<[string, RiddenOutFault]>([
    [
      '429 on the table PUT three times: the fourth attempt writes, exactly one PUT is accepted',
      {
        label: '429 write',
        faults: [throttle('PUT', TABLE_PATH, { 'retry-after-ms': '5' }, 3)],
        tablePutStatuses: [429, 429, 429, 200],
      },
    ],
    [
      '429 "another operation in progress" (RetryableErrorDueToAnotherOperation) on the PUT: waits and writes',
      {
        label: '429 another operation',
        faults: [
          {
            method: 'PUT',
            path: TABLE_PATH,
            status: 429,
            headers: { 'Retry-After': '0' },
            error: {
              code: 'RetryableErrorDueToAnotherOperation',
              message: 'Operation PutRouteTableOperation is updating the resource.',
            },
            times: 2,
          },
        ],
        throttled: 2,
      },
    ],
  ])('%s', rideOut);

  it('429 past the retry budget on every read: Failed with statusCode 429, 4 attempts per request, nothing written', async () => {
    drift();
    const run = await faultedRun('429 storm', [throttle('GET', '', { 'retry-after-ms': '1' }, 1000)]);
    expect(run.result.status).toBe('Failed');
    expect(run.result.error?.transient).toBe(true);
    // Five inventory calls in parallel (VM list, NIC list, scale-set list, table, subnet), each tried at most
    // maxAttempts = 4 times: no storm. The run returns at the first read that gives up and stops its sibling reads.
    expect(run.requests.length).toBeLessThanOrEqual(20);
    await new Promise((r) => setTimeout(r, 300));
    const all = env.emulator.requests();
    expect(all.length).toBeLessThanOrEqual(20);
    expect(all.filter((r) => r.method === 'PUT')).toHaveLength(0);
    await expectConvergence();
  });
});

describe('fault matrix: server errors and dropped connections', () => {
  it.each<[string, RiddenOutFault]>([
    [
      '500 on every read three times: retried, repaired',
      {
        label: '500 x3',
        faults: [
          { method: 'GET', status: 500, error: { code: 'InternalServerError', message: 'boom' }, times: 3 },
        ],
      },
    ],
    [
      'connections dropped three times on the table PUT: retried, the table written once',
      {
        label: 'drop x3',
        faults: [{ kind: 'drop', method: 'PUT', path: TABLE_PATH, times: 3 }],
        tablePutStatuses: [0, 0, 0, 200],
      },
    ],
  ])('%s', rideOut);

  it('503 on the NIC list four times: Failed (503, transient) after 4 attempts, no write at all', async () => {
    drift();
    const run = await faultedRun('503 x4', [
      {
        method: 'GET',
        path: '/networkInterfaces',
        status: 503,
        error: { code: 'ServiceUnavailable', message: 'down' },
        times: 4,
      },
    ]);
    expect(run.result.status).toBe('Failed');
    expect(run.result.error).toMatchObject({ statusCode: 503, transient: true });
    expect(served(run, 'GET', '/networkInterfaces')).toHaveLength(4);
    expect(served(run, 'PUT', '')).toHaveLength(0);
    await expectConvergence();
  });

  it('connections dropped on every LRO poll: Failed with a network error, reported as not repaired', async () => {
    drift();
    const run = await faultedRun('drop polls', [{ kind: 'drop', path: '/operations/', times: 100 }]);
    expect(run.result.status).toBe('Failed');
    expect(run.result.repaired).toEqual([]);
    expect(run.result.error?.transient).toBe(true);
    await expectConvergence();
  });
});

describe('fault matrix: long-running operations', () => {
  it('an LRO that ends Failed: ARM puts the old table back marked Failed; the run writes again and repairs', async () => {
    drift();
    const run = await faultedRun('lroFail', [
      {
        kind: 'lroFail',
        method: 'PUT',
        path: TABLE_PATH,
        lroError: {
          code: 'InternalServerError',
          message: 'An error occurred while provisioning the route table.',
        },
        times: 1,
      },
    ]);
    expect(run.result.status).toBe('Repaired');
    expect(run.result.attempts).toBe(2);
    expect(convergenceProblems(env, run.after)).toEqual([]);
    await expectConvergence();
  });

  it('an LRO that fails every time: Failed (transient) after MAX_WRITE_ATTEMPTS writes, nothing claimed', async () => {
    drift();
    const run = await faultedRun('lroFail always', [
      {
        kind: 'lroFail',
        method: 'PUT',
        path: TABLE_PATH,
        lroError: { code: 'InternalServerError', message: 'x' },
      },
    ]);
    expect(run.result.status).toBe('Failed');
    expect(run.result.attempts).toBe(MAX_WRITE_ATTEMPTS);
    expect(run.result.error).toMatchObject({ code: 'InternalServerError', transient: true });
    expect(run.result.repaired).toEqual([]);
    await expectConvergence();
  });

  it('slow LROs (3 InProgress polls and 30 ms per operation): repaired, polls within the documented bound', async () => {
    const slow = await startChaos({
      lro: { inProgressPolls: 3, retryAfterSeconds: 0, autoCompleteMs: 5_000 },
      latency: { lroMs: 30 },
    });
    try {
      applyDrift(slow, {
        seed: 7,
        drift: [...STANDARD_DRIFT, 'subnet-detached', 'ip-forwarding-off'],
        faults: [],
      });
      const bound = requestBound({ attempts: 4, pollsPerLro: 4, nicRepairs: 1, pages: 1 });
      const run = await recordedRun(slow, { label: 'slow lro', bound });
      expect(checkRun(slow, run)).toEqual([]);
      expect(run.result.status).toBe('Repaired');
      // Three writes (table, subnet, NIC), each polled until done.
      expect(run.result.arm.polls).toBeGreaterThanOrEqual(3 * 4);
      expect(run.requests.length).toBeLessThanOrEqual(bound);
    } finally {
      await slow.stop();
    }
  });
});

describe('fault matrix: concurrent writers and ETags (412)', () => {
  const foreign = (name: string, prefix: string): RouteJson => ({
    name,
    properties: { addressPrefix: prefix, nextHopType: 'VirtualNetworkGateway', hasBgpOverride: false },
  });

  it('an external writer changes the table between our read and our write: 412, re-read, re-plan, its route kept', async () => {
    drift();
    const added = foreign('vpn-branch', '192.168.77.0/24');
    const run = await faultedRun('412 once', [
      {
        kind: 'externalWrite',
        method: 'PUT',
        path: TABLE_PATH,
        externalWrite: { addRoutes: [added], tags: { audit: 'x' } },
        times: 1,
      },
    ]);
    // Checked against what the emulator recorded as actually written, not against the rule.
    expect(run.external).toEqual({ added: [added], removed: [], tags: { audit: 'x' } });
    expect(run.result.status).toBe('Repaired');
    expect(run.result.attempts).toBe(2);
    expect(run.result.arm.conflicts).toBe(1);
    expect(served(run, 'PUT', TABLE_PATH).map((r) => r.status)).toEqual([412, 200]);
    expect(run.after.table?.routes.some((r) => r.name === 'vpn-branch')).toBe(true);
  });

  it(`412 on every attempt: Failed after MAX_WRITE_ATTEMPTS (${MAX_WRITE_ATTEMPTS}) with statusCode 412, transient`, async () => {
    drift();
    const added = foreign('vpn-branch', '192.168.77.0/24');
    const run = await faultedRun('412 always', [
      {
        kind: 'externalWrite',
        method: 'PUT',
        path: TABLE_PATH,
        externalWrite: { addRoutes: [added] },
        times: 10,
      },
    ]);
    expect(run.external.added).toEqual([added]);
    expect(run.result.status).toBe('Failed');
    expect(run.result.attempts).toBe(MAX_WRITE_ATTEMPTS);
    expect(run.result.error).toMatchObject({ statusCode: 412, transient: true });
    await expectConvergence();
  });

  it('an external write whose request a drop rule swallowed first never happened: not recorded, not expected', async () => {
    drift();
    const added = foreign('vpn-branch', '192.168.77.0/24');
    const rules: FaultRuleInput[] = [
      { kind: 'drop', method: 'PUT', path: TABLE_PATH, times: 1 },
      {
        kind: 'externalWrite',
        method: 'PUT',
        path: TABLE_PATH,
        externalWrite: { addRoutes: [added] },
        times: 1,
      },
    ];
    const run = await faultedRun('drop before external write', rules);
    // The rule fired (and counts as applied), but the emulator performed no external write.
    expect(env.emulator.externalWrites()).toEqual([]);
    expect(run.external).toEqual(NO_EXTERNAL);
    expect(run.after.table?.routes.some((r) => r.name === 'vpn-branch')).toBe(false);
    expect(run.result.status).toBe('Repaired');
  });

  it('an external writer deletes one of our correct routes between read and write: the re-plan puts it back', async () => {
    drift(['wrong-next-hop']);
    const run = await faultedRun('412 removes ours', [
      {
        kind: 'externalWrite',
        method: 'PUT',
        path: TABLE_PATH,
        externalWrite: { removeRoutes: ['kubernetes-route-10-200-1-0-24'] },
        times: 1,
      },
    ]);
    expect(run.result.status).toBe('Repaired');
    expect(convergenceProblems(env, run.after)).toEqual([]);
  });

  it('12 concurrent reconciles with distinct clients on one drifted table: every invariant holds, one table', async () => {
    drift([...STANDARD_DRIFT, 'stale-route', 'new-worker']);
    const before = snapshot(env);
    const from = env.emulator.traffic().length;
    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        reconcile({
          config: env.config,
          trigger: 'event',
          clients: env.newClients(),
          timeoutMs: CHAOS_TIMEOUT_MS,
        }),
      ),
    );
    const after = snapshot(env);
    const traffic = env.emulator.traffic().slice(from);
    const violations = results.flatMap((result, i) =>
      checkRun(env, {
        label: `concurrent #${i}`,
        result,
        before,
        after,
        requests: [],
        traffic,
        external: NO_EXTERNAL,
        bound: requestBound({ attempts: 4, pollsPerLro: 1, nicRepairs: 0, pages: 1 }),
        concurrent: true,
      }),
    );
    expect(violations).toEqual([]);
    expect(results.filter((r) => r.status === 'Repaired').length).toBeGreaterThanOrEqual(1);
    for (const r of results) expect(['Repaired', 'Healthy', 'Failed']).toContain(r.status);
    expect(await expectConvergence()).toBeLessThanOrEqual(3);
  });
});

describe('fault matrix: the emulator restarted mid-run', () => {
  it('ARM goes away during the table PUT and comes back on the same port from a snapshot: the run fails cleanly, the next converges', async () => {
    const first = await startChaos({ lro: { inProgressPolls: 0, retryAfterSeconds: 0, autoCompleteMs: 20 } });
    let second: ChaosEnv | undefined;
    try {
      applyDrift(first, { seed: 7, drift: STANDARD_DRIFT, faults: [] });
      const port = Number(new URL(first.emulator.endpoint).port);
      first.emulator.faults.add({
        kind: 'latency',
        method: 'PUT',
        path: TABLE_PATH,
        latencyMs: 400,
        times: 1,
      });
      const before = snapshot(first);
      const running = reconcile({
        config: first.config,
        trigger: 'timer',
        clients: first.newClients(),
        timeoutMs: CHAOS_TIMEOUT_MS,
      });
      await waitFor(
        () =>
          first.emulator.requests().length >= 3 &&
          first.emulator.traffic().some((t) => t.liveRequest.method === 'PUT') === false,
        2_000,
      );
      await new Promise((r) => setTimeout(r, 100));
      // The emulator cannot persist across a restart: the new one starts from a snapshot of every resource.
      const world = worldSnapshot(first);
      await first.stop();
      second = await startChaos({
        world,
        port,
        lro: { inProgressPolls: 0, retryAfterSeconds: 0, autoCompleteMs: 20 },
      });
      const result = await running;
      expect(result.status).toBe('Failed');
      expect(result.error?.message.length).toBeGreaterThan(10);
      expect(result.repaired).toEqual([]);
      const violations = checkRun(second, {
        label: 'restart',
        result,
        before,
        after: snapshot(second),
        requests: [],
        traffic: [],
        external: NO_EXTERNAL,
        bound: BOUND,
        concurrent: true,
      });
      expect(violations).toEqual([]);
      expect(await expectConvergence(second)).toBe(1);
    } finally {
      await second?.stop();
    }
  });
});

describe('duplicate and out-of-order Event Grid events through the Functions handler', () => {
  it('30 deliveries (duplicates, delete before write) at once: coalesced into at most 2 runs, converged, invariants hold', async () => {
    drift(['route-deleted', 'foreign-route-added']);
    // Real events from the emulator: a new worker, and our route removed by someone.
    env.emulator.events.length = 0;
    env.emulator.upsertVm({
      resourceGroup: 'kubernetes',
      name: 'worker-2',
      privateIp: '10.240.0.22',
      tags: { 'pod-cidr': '10.200.2.0/24' },
    });
    env.emulator.externalWrite(env.ids.table, { removeRoutes: ['kubernetes-route-10-200-0-0-24'] });
    const events = [...env.emulator.events];
    expect(events.length).toBeGreaterThanOrEqual(3);
    const deliveries = [...events, ...events, ...events].reverse();
    while (deliveries.length < 30) deliveries.push(events[deliveries.length % events.length]!);

    const before = snapshot(env);
    const { handlers, results, context } = handlersWithLogSpy({
      clients: env.newClients(),
      loadConfig: () => env.config,
      timeoutMs: CHAOS_TIMEOUT_MS,
    });
    const outcomes = await Promise.allSettled(
      deliveries.map((e) => handlers.reconcileOnResourceChange(e, context())),
    );
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    expect(results.length).toBeGreaterThanOrEqual(1);
    expect(results.length).toBeLessThanOrEqual(2);
    const after = snapshot(env);
    for (const [i, result] of results.entries()) {
      expect(
        checkRun(env, {
          label: `event run ${i}`,
          result,
          before,
          after,
          requests: [],
          traffic: env.emulator.traffic(),
          external: NO_EXTERNAL,
          bound: BOUND,
          concurrent: true,
        }),
      ).toEqual([]);
    }
    expect(convergenceProblems(env, after)).toEqual([]);
  });
});

async function waitFor(condition: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A world file of everything the emulator holds now (what a restart can carry over). */
function worldSnapshot(target: ChaosEnv): WorldFile {
  const seed = JSON.parse(readFileSync(WORLD_FILE, 'utf8')) as WorldFile;
  const types = [
    'Microsoft.Network/networkSecurityGroups',
    'Microsoft.Network/virtualNetworks',
    'Microsoft.Network/routeTables',
    'Microsoft.Network/networkInterfaces',
    'Microsoft.Compute/virtualMachines',
  ];
  return {
    subscriptionId: target.emulator.subscriptionId,
    tenantId: target.emulator.tenantId,
    ...(seed.resourceGroups ? { resourceGroups: seed.resourceGroups } : {}),
    resources: types.flatMap((t) => target.emulator.listResources(t)),
  };
}
