// No redelivery storm on a slow ARM: routes deleted by hand reach the Functions handlers through the event
// subscription the postdeploy hook makes (infra/event-filter.json), delivered by the emulator as Event Grid
// delivers (the 30 s timeout and the retry schedule, time-scaled), while every ARM request is slow. Each event
// must get a 2xx at its first attempt, the number of reconciles stays bounded, and the routes come back.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isOwnWrite } from '../../src/azure/own-writes.js';
import type { ReconcileResult } from '../../src/core/types.js';
import { createHandlers, type Handlers } from '../../src/functions/handlers.js';
import { type ReconcileOptions, reconcile } from '../../src/reconcile.js';
import { raw, repoRoot } from '../emulator/helpers.js';
import { CONVERGED, RG, routeMap, startCluster, type TestCluster } from '../support/cluster.js';
import { type FunctionsHost, startFunctionsHost } from '../support/functions-host.js';

// Event Grid's 30 s become 600 ms; the event deadline keeps the default ratio (20 s of 30 s).
const TIME_SCALE = 0.02;
const EVENT_RUN_TIMEOUT_MS = Math.round(20_000 * TIME_SCALE);
// Every ARM request takes 250 ms: a repairing run (reads, write, polls, verification) takes over 1 s,
// longer than Event Grid waits at this scale.
const SLOW_ARM = {
  kind: 'latency',
  latencyMs: 250,
  pathRegex: '/providers/microsoft\\.(network|compute)/',
} as const;
const V = 'api-version=2025-02-15';

const filter = JSON.parse(readFileSync(join(repoRoot, 'infra/event-filter.json'), 'utf8')) as {
  includedEventTypes: string[];
  advancedFilters: unknown[];
  retryPolicy: unknown;
};

describe('Event Grid deliveries on a slow ARM', () => {
  let cluster: TestCluster;
  let host: FunctionsHost;
  let handlers: Handlers;
  const results: ReconcileResult[] = [];
  let running = 0;

  beforeAll(async () => {
    cluster = await startCluster({ eventGrid: { delivery: { timeScale: TIME_SCALE } } });
    const clients = cluster.clients();
    handlers = createHandlers({
      reconcile: async (options: ReconcileOptions) => {
        running++;
        try {
          const result = await reconcile({ ...options, clients });
          results.push(result);
          return result;
        } finally {
          running--;
        }
      },
      loadConfig: () => cluster.config({ EVENT_RUN_TIMEOUT_MS: String(EVENT_RUN_TIMEOUT_MS) }),
      isOwnWrite,
    });
    host = await startFunctionsHost(() => handlers);
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
            filter: {
              includedEventTypes: filter.includedEventTypes,
              advancedFilters: filter.advancedFilters,
            },
            retryPolicy: filter.retryPolicy,
          },
        },
      },
    );
    expect(created.status).toBe(201);
  });

  afterAll(async () => {
    await host?.stop();
    await cluster?.stop();
  });

  it('every event gets a 2xx at its first attempt, reconciles stay bounded, and the routes come back', async () => {
    cluster.emulator.faults.add(SLOW_ARM); // every network and compute request, the operator's too
    const routes = Object.keys(CONVERGED);
    for (const name of routes) await cluster.deleteRoute(name);

    await vi.waitFor(
      async () => {
        await cluster.emulator.eventGrid.delivery.settled();
        expect(running).toBe(0);
        expect(cluster.emulator.eventGrid.stats().pending).toBe(0);
      },
      { timeout: 20_000, interval: 100 },
    );
    cluster.emulator.faults.clear();
    expect(routeMap(cluster.storedRoutes())).toEqual(CONVERGED);

    const stats = cluster.emulator.eventGrid.stats();
    const deliveries = cluster.emulator.eventGrid.deliveries();
    const relevant = deliveries.filter((d) => d.eventType === 'Microsoft.Resources.ResourceDeleteSuccess');
    expect(relevant).toHaveLength(routes.length);
    expect(deliveries.map((d) => d.attempts.map((a) => a.outcome))).toEqual(
      deliveries.map(() => ['Succeeded']),
    );
    expect(stats).toMatchObject({ failures: 0, timeouts: 0, retries: 0, deadLettered: 0, dropped: 0 });
    expect(host.answers.every((status) => status === 200)).toBe(true);
    // At most one run per hand-made delete plus the follow-up that coalesces the others.
    expect(results.length).toBeGreaterThanOrEqual(1);
    expect(results.length).toBeLessThanOrEqual(routes.length + 1);
    expect(results.some((r) => r.status === 'Repaired')).toBe(true);
  }, 30_000);
});
