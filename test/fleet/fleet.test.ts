// A fleet on one emulator: real SDK clients over HTTPS, ARM's token buckets enforced. A tick over many clusters
// of one subscription is paced instead of throttled; a heavily throttled subscription slows only its own
// clusters; an event reconciles only the clusters whose resources it names.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createArmClients } from '../../src/azure/clients.js';
import { fleetSubscription, makeFleetFile, makeFleetWorld } from '../../src/cli/fleet-world.js';
import type { ReconcileResult } from '../../src/core/types.js';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../src/emulator/index.js';
import { type FleetCluster, loadFleet } from '../../src/fleet/load.js';
import { type ClusterOutcome, runFleet } from '../../src/fleet/runner.js';
import { createHandlers } from '../../src/functions/handlers.js';
import { type ReconcileOptions, reconcile } from '../../src/reconcile.js';
import { invocation, sampleEvent, timer } from '../functions/helpers.js';

const FAST_RETRY = { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 3_000 };

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});

async function startFleet(
  shape: { clusters: number; workersPerCluster: number; subscriptions: number },
  options: Partial<EmulatorOptions> = {},
): Promise<{ emulator: Emulator; fleet: FleetCluster[] }> {
  emulator = await startEmulator({ world: makeFleetWorld(shape), ...options });
  const file = JSON.stringify(makeFleetFile(shape));
  const env = {
    CLUSTERS_FILE: 'clusters.json',
    ARM_ENDPOINT: emulator.endpoint,
    ARM_CA_FILE: emulator.caFile,
  };
  return { emulator, fleet: loadFleet(env, () => file) };
}

/** The engine's run of one cluster with test clients (1 ms LRO polls, short retry waits). */
function runCluster(
  { config }: FleetCluster,
  extra: Partial<ReconcileOptions> = {},
  retry = FAST_RETRY,
): Promise<ReconcileResult> {
  const clients = createArmClients(config, { pollIntervalMs: 1, retry });
  return reconcile({ config, trigger: 'timer', clients, ...extra });
}

const statusOf = (outcomes: Array<ClusterOutcome<ReconcileResult>>) =>
  Object.fromEntries(outcomes.map((o) => [o.cluster, o.status === 'done' ? o.result.status : o.status]));

/** When the cluster's run ended, in ms after the tick started. */
function endedAfterMs(outcome: ClusterOutcome<ReconcileResult> | undefined): number {
  if (outcome?.status !== 'done') throw new Error(`cluster ${outcome?.cluster} has no result`);
  return outcome.startedAfterMs + outcome.result.durationMs;
}

describe('a tick over a fleet under ARM token buckets', () => {
  it('paces 40 clusters of one subscription within its read bucket: every table written, no 429', async () => {
    // A read bucket of 60 (Azure's: 250) so that a 40-cluster tick needs several times its burst.
    const throttle = { reads: { burst: 60, perSecond: 25 } };
    const { emulator, fleet } = await startFleet(
      { clusters: 40, workersPerCluster: 3, subscriptions: 1 },
      { throttle },
    );
    const outcomes = await runFleet({
      clusters: fleet,
      timeoutMs: 60_000,
      run: (cluster, budget) => runCluster(cluster, { timeoutMs: budget.timeoutMs, signal: budget.signal }),
    });
    expect(new Set(Object.values(statusOf(outcomes)))).toEqual(new Set(['Repaired']));
    const requests = emulator.requests();
    expect(requests.filter((r) => r.method === 'GET').length).toBeGreaterThan(60 * 2);
    expect(requests.filter((r) => r.status === 429)).toEqual([]);
  }, 60_000);

  it("one heavily throttled subscription slows only its own clusters: the others' runs end first", async () => {
    // Subscription 1 refills one read token every 2 s: its clusters' runs wait on it (and may fail).
    const slow = fleetSubscription(1);
    const throttle = { perSubscription: { [slow]: { reads: { burst: 2, perSecond: 0.5 } } } };
    const { fleet } = await startFleet({ clusters: 4, workersPerCluster: 3, subscriptions: 2 }, { throttle });
    const outcomes = await runFleet({
      clusters: fleet,
      concurrency: 2,
      timeoutMs: 20_000,
      run: (cluster, budget) => runCluster(cluster, { timeoutMs: budget.timeoutMs, signal: budget.signal }),
    });
    const byName = new Map(outcomes.map((o) => [o.cluster, o]));
    expect(statusOf(outcomes)).toMatchObject({ 'cluster-0': 'Repaired', 'cluster-2': 'Repaired' });
    // cluster-1 (throttled) started with cluster-0; cluster-2 had to wait for a slot, not for cluster-1.
    const throttledEnd = Math.min(
      endedAfterMs(byName.get('cluster-1')),
      endedAfterMs(byName.get('cluster-3')),
    );
    expect(endedAfterMs(byName.get('cluster-2'))).toBeLessThan(throttledEnd);
    expect(endedAfterMs(byName.get('cluster-0'))).toBeLessThan(throttledEnd);
  }, 60_000);

  it('one cluster under heavy throttling is ended by the tick’s deadline, alone; every other cluster converges', async () => {
    // cluster-1 is alone in subscription 1, whose read bucket refills one token every 5 s, and its clients wait
    // out every Retry-After: its run cannot finish within the tick. The others (subscriptions 0, 2, 3) share no
    // bucket with it and hold the other slot.
    const throttle = { perSubscription: { [fleetSubscription(1)]: { reads: { burst: 2, perSecond: 0.2 } } } };
    const { emulator, fleet } = await startFleet(
      { clusters: 5, workersPerCluster: 3, subscriptions: 4 },
      { throttle },
    );
    const patient = { maxAttempts: 10, baseDelayMs: 5, maxDelayMs: 30_000 };
    const timeoutMs = 6_000;
    const started = Date.now();
    const outcomes = await runFleet({
      clusters: fleet,
      concurrency: 2,
      timeoutMs,
      run: (cluster, budget) =>
        runCluster(
          cluster,
          { timeoutMs: budget.timeoutMs, signal: budget.signal },
          cluster.name === 'cluster-1' ? patient : FAST_RETRY,
        ),
    });
    const tickMs = Date.now() - started;
    const { 'cluster-1': throttled, ...others } = statusOf(outcomes);
    expect(others).toEqual({
      'cluster-0': 'Repaired',
      'cluster-2': 'Repaired',
      'cluster-3': 'Repaired',
      'cluster-4': 'Repaired',
    });
    // Its own result, Failed at the deadline (never a throw that would take the tick down), and the tick ends
    // on time instead of waiting out its Retry-Afters.
    expect(throttled).toBe('Failed');
    expect(tickMs).toBeLessThan(timeoutMs + 2_000);
    const byName = new Map(outcomes.map((o) => [o.cluster, o]));
    for (const name of Object.keys(others)) expect(endedAfterMs(byName.get(name))).toBeLessThan(timeoutMs);
    const otherSubscriptions = [0, 2, 3].map(fleetSubscription);
    const throttledElsewhere = emulator
      .requests()
      .filter((r) => r.status === 429 && otherSubscriptions.some((sub) => r.path.includes(sub)));
    expect(throttledElsewhere).toEqual([]);
  }, 60_000);
});

describe('events over a fleet', () => {
  it('reconcile only the cluster whose resource changed; anything else writes nothing', async () => {
    const { emulator, fleet } = await startFleet({ clusters: 3, workersPerCluster: 2, subscriptions: 2 });
    const reconciled: string[] = [];
    const handlers = createHandlers({
      reconcile: (options) => {
        reconciled.push(options.config.cluster.name);
        return reconcile({ ...options, clients: createArmClients(options.config, { pollIntervalMs: 1 }) });
      },
      loadConfig: () => {
        throw new Error('the fleet replaces the app settings');
      },
      loadFleet: () => fleet,
    });
    const sub0 = fleetSubscription(0);
    const group = (sub: string, rg: string) => `/subscriptions/${sub}/resourceGroups/${rg}/providers`;
    const event = (subject: string, sub: string, rg: string) =>
      sampleEvent('event-grid-schema', 'write', subject, 'Microsoft.Compute/virtualMachines/write', sub, rg);
    emulator.clearRequests();
    // A VM of no cluster (another group), and a VM named like a worker of cluster-1 in cluster-1's group of the
    // wrong subscription (cluster-1 lives in subscription 1).
    const unrelated = [
      event(`${group(sub0, 'databases')}/Microsoft.Compute/virtualMachines/worker-0`, sub0, 'databases'),
      event(`${group(sub0, 'cluster-1')}/Microsoft.Compute/virtualMachines/worker-0`, sub0, 'cluster-1'),
    ];
    for (const e of unrelated) await handlers.reconcileOnResourceChange(e, invocation('event').context);
    expect(reconciled).toEqual([]);
    expect(emulator.requests()).toEqual([]);

    const vm = `${group(fleetSubscription(1), 'cluster-1')}/Microsoft.Compute/virtualMachines/worker-1`;
    await handlers.reconcileOnResourceChange(
      event(vm, fleetSubscription(1), 'cluster-1'),
      invocation('e').context,
    );
    expect(reconciled).toEqual(['cluster-1']);
    const written = emulator.requests().filter((r) => r.method !== 'GET');
    expect(written.map((r) => r.path.split('/')[4])).toEqual(['cluster-1']);

    // The timer covers every cluster.
    reconciled.length = 0;
    await handlers.reconcileOnSchedule(timer(), invocation('timer').context);
    expect(reconciled.sort()).toEqual(['cluster-0', 'cluster-1', 'cluster-2']);
    await vi.waitFor(() => expect(emulator.operationsInProgress()).toBe(0));
  }, 60_000);
});
