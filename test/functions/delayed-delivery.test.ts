// An ARM incident, then recovery, through the event subscription the postdeploy hook makes (infra/event-filter.json)
// and the emulator's Event Grid, which delays every delivery to an endpoint that keeps failing ("delayed
// delivery"), all time-scaled by 0.01. For 10 minutes every engine read gets 503; meanwhile a change every 30 s
// reaches the function. After the recovery an operator deletes a route: under the app's policy (a transient
// failure is acknowledged with 2xx) its event is delivered at once and the route is back within seconds. Under
// the other policy (throw, the host answers 500, Event Grid redelivers) the same scenario fails: the failures of
// the incident got the endpoint delayed, and the route's event is held past the recovery.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { isOwnWrite } from '../../src/azure/own-writes.js';
import { createHandlers, type HandlerDeps } from '../../src/functions/handlers.js';
import { type ReconcileOptions, reconcile } from '../../src/reconcile.js';
import { raw, repoRoot } from '../emulator/helpers.js';
import { CONVERGED, RG, routeMap, startCluster, type TestCluster } from '../support/cluster.js';
import { type FunctionsHost, startFunctionsHost } from '../support/functions-host.js';

// Event Grid's minute becomes 600 ms, the 10-minute incident 6 s. Its 30 s answer timeout would become 300 ms,
// which a loaded machine can miss without any fault: 2 s instead (timeouts are not what this test is about).
const TIME_SCALE = 0.01;
const DELIVERY = { timeScale: TIME_SCALE, timeoutMs: 2_000 / TIME_SCALE };
const EG_MINUTE_MS = 60_000 * TIME_SCALE;
const OUTAGE_MINUTES = 10;
/** "Within seconds", measured in real time: the repair's own ARM work is not scaled. */
const REPAIRED_WITHIN_MS = 2_000;
const ROUTE_1 = 'kubernetes-route-10-200-1-0-24';
const V = 'api-version=2025-02-15';

// ARM unavailable for the engine: every read of its groups' network and compute resources answers 503 with a
// Retry-After longer than the run may wait, so each run ends at once as a transient failure. (Operation polls
// and the operator's own writes are not matched; the changes during the incident come from the emulator's
// admin API.)
const ARM_OUTAGE = {
  kind: 'status',
  method: 'GET',
  status: 503,
  pathRegex: '^/subscriptions/[^/]+/resourcegroups/[^/]+/providers/microsoft\\.(network|compute)/',
  headers: { 'Retry-After': '60' },
  error: { code: 'ServiceUnavailable', message: 'The service is temporarily unavailable.' },
} as const;

const filter = JSON.parse(readFileSync(join(repoRoot, 'infra/event-filter.json'), 'utf8')) as {
  includedEventTypes: string[];
  advancedFilters: unknown[];
  retryPolicy: unknown;
};

interface Stage {
  cluster: TestCluster;
  host: FunctionsHost;
  stop(): Promise<void>;
}

/** The cluster, the Functions host with the real engine, and the hook's event subscription to the function. */
async function stage(policy: HandlerDeps['transientFailurePolicy']): Promise<Stage> {
  const cluster = await startCluster({ eventGrid: { delivery: DELIVERY } });
  const clients = cluster.clients();
  const handlers = createHandlers({
    reconcile: (options: ReconcileOptions) => reconcile({ ...options, clients }),
    // The event deadline keeps its default ratio to the (widened) answer timeout: a loaded machine must not turn
    // a failing run into a deadline answer (a 2xx).
    loadConfig: () => cluster.config({ EVENT_RUN_TIMEOUT_MS: '1300' }),
    isOwnWrite,
    transientFailurePolicy: policy,
  });
  const host = await startFunctionsHost(() => handlers);
  const sub = cluster.emulator.subscriptionId;
  const functionId = `/subscriptions/${sub}/resourceGroups/rg-app/providers/Microsoft.Web/sites/func-app/functions/reconcileOnResourceChange`;
  cluster.emulator.eventGrid.setFunctionEndpoint(functionId, host.url);
  const topic = `/subscriptions/${sub}/resourceGroups/${RG}/providers/Microsoft.EventGrid/systemTopics/kubernetes-topic`;
  await raw(cluster.emulator, 'PUT', `${topic}?${V}`, {
    body: {
      location: 'global',
      properties: {
        source: `/subscriptions/${sub}/resourceGroups/${RG}`,
        topicType: 'Microsoft.Resources.ResourceGroups',
      },
    },
  });
  const created = await raw(
    cluster.emulator,
    'PUT',
    `${topic}/eventSubscriptions/reconcileOnResourceChange?${V}`,
    {
      body: {
        properties: {
          destination: {
            endpointType: 'AzureFunction',
            properties: { resourceId: functionId, maxEventsPerBatch: 1 },
          },
          filter: { includedEventTypes: filter.includedEventTypes, advancedFilters: filter.advancedFilters },
          retryPolicy: filter.retryPolicy,
        },
      },
    },
  );
  expect(created.status).toBe(201);
  return {
    cluster,
    host,
    stop: async () => {
      await host.stop();
      await cluster.stop();
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** 10 minutes of ARM outage with a change every 30 s (a tag written on a worker VM), then recovery. */
async function armIncident(cluster: TestCluster): Promise<void> {
  const vm = `/subscriptions/${cluster.emulator.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines/worker-0`;
  cluster.emulator.faults.add(ARM_OUTAGE);
  for (let half = 0; half < 2 * OUTAGE_MINUTES; half++) {
    cluster.emulator.setTags(vm, { 'last-patched': `change-${half}` }, { emitAs: 'tags' });
    await sleep(EG_MINUTE_MS / 2);
  }
  cluster.emulator.faults.clear();
}

/** After the incident, a route deleted by hand: how long until it is back (undefined: not within the bound). */
async function routeRepairAfterRecovery(cluster: TestCluster): Promise<number | undefined> {
  const deleted = performance.now();
  await cluster.deleteRoute(ROUTE_1);
  try {
    await vi.waitFor(() => expect(routeMap(cluster.storedRoutes())).toEqual(CONVERGED), {
      timeout: REPAIRED_WITHIN_MS,
      interval: 20,
    });
    return performance.now() - deleted;
  } catch {
    return undefined;
  }
}

const routeEvent = (cluster: TestCluster) =>
  cluster.emulator.eventGrid
    .deliveries()
    .find(
      (d) => d.eventType === 'Microsoft.Resources.ResourceDeleteSuccess' && d.subject.endsWith(`/${ROUTE_1}`),
    );

describe('after an ARM incident, a route deleted by hand comes back through its event', () => {
  it('transient failures acknowledged (the app): no failed delivery, the route is back within seconds', async () => {
    const { cluster, host, stop } = await stage('acknowledge');
    try {
      await armIncident(cluster);
      const repairedMs = await routeRepairAfterRecovery(cluster);
      expect(repairedMs, `route back within ${REPAIRED_WITHIN_MS} ms of its deletion`).toBeDefined();
      expect(host.answers.length).toBeGreaterThanOrEqual(2 * OUTAGE_MINUTES);
      expect(host.answers.every((status) => status === 200)).toBe(true);
      await cluster.emulator.eventGrid.delivery.settled(); // the invocation answers after its flush
      expect(routeEvent(cluster)).toMatchObject({ held: 0, state: 'delivered' });
      expect(cluster.emulator.eventGrid.stats()).toMatchObject({ failures: 0, held: 0 });
    } finally {
      await stop();
    }
  });

  it('transient failures thrown (the other policy): the same scenario fails, the route event is held by delayed delivery', async () => {
    const { cluster, host, stop } = await stage('redeliver');
    try {
      await armIncident(cluster);
      const recovered = performance.now();
      expect(host.answers.filter((status) => status === 500).length).toBeGreaterThanOrEqual(10);
      const repairedMs = await routeRepairAfterRecovery(cluster);
      expect(repairedMs).toBeUndefined();
      expect(routeEvent(cluster)).toMatchObject({ held: 1, attempts: [], state: 'pending' });
      expect(routeMap(cluster.storedRoutes())[ROUTE_1]).toBeUndefined();
      // The route comes back when the endpoint's delay ends, minutes (Event Grid's) after the recovery.
      await vi.waitFor(() => expect(routeMap(cluster.storedRoutes())).toEqual(CONVERGED), {
        timeout: 30 * EG_MINUTE_MS,
        interval: 50,
      });
      const quietMinutes = (performance.now() - recovered) / EG_MINUTE_MS;
      expect(quietMinutes).toBeGreaterThan(REPAIRED_WITHIN_MS / EG_MINUTE_MS);
      if (process.env.DELAYED_DELIVERY_REPORT)
        console.log(`route back ${quietMinutes.toFixed(1)} min after recovery`);
    } finally {
      await stop();
    }
  });
});
