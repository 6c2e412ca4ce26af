// End to end: the Functions handlers with the real engine, the real Azure SDK clients and real HTTPS against
// the ARM emulator (examples/kthw-azure.world.json). Events are the ones the emulator emits for each ARM
// change, fed to the Event Grid handler as the Functions host would deliver them.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isOwnWrite } from '../../src/azure/own-writes.js';
import type { ReconcileResult } from '../../src/core/types.js';
import type { EventGridEvent } from '../../src/emulator/index.js';
import type { Handlers } from '../../src/functions/handlers.js';
import { CONVERGED, routeMap, startCluster, type TestCluster } from '../support/cluster.js';
import { handlersWithLogSpy } from '../support/handlers.js';
import { invocation, timer } from './helpers.js';

const ROUTE_0 = 'kubernetes-route-10-200-0-0-24';
const ROUTE_1 = 'kubernetes-route-10-200-1-0-24';

describe('Functions end to end on the ARM emulator', () => {
  let cluster: TestCluster;
  let handlers: Handlers;
  /** Another Functions instance: it did not make our writes, so it cannot recognise their events. */
  let otherInstance: Handlers;
  const results: ReconcileResult[] = [];
  const events: EventGridEvent[] = [];

  beforeAll(async () => {
    cluster = await startCluster();
    cluster.emulator.subscribe((event) => events.push(event));
    const clients = cluster.clients();
    const loadConfig = () => cluster.config();
    // The real engine, with clients polling fast (the emulator's LROs complete at once).
    ({ handlers } = handlersWithLogSpy({ clients, loadConfig, isOwnWrite, results }));
    ({ handlers: otherInstance } = handlersWithLogSpy({ clients, loadConfig, results }));
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  beforeEach(() => {
    cluster.emulator.reset();
    results.length = 0;
    events.length = 0;
  });

  /** Feeds every event emitted so far to the Event Grid handler, all at once (as a burst would arrive). */
  async function deliverEvents(to: Handlers = handlers): Promise<void> {
    const batch = events.splice(0);
    await Promise.all(
      batch.map((event) =>
        to.reconcileOnResourceChange(structuredClone(event), invocation('reconcileOnResourceChange').context),
      ),
    );
  }

  const puts = () => cluster.emulator.requests().filter((r) => r.method === 'PUT' || r.method === 'DELETE');

  it('the seeded world is in sync: a timer run writes nothing', async () => {
    await handlers.reconcileOnSchedule(timer(), invocation('reconcileOnSchedule').context);
    expect(results.map((r) => r.status)).toEqual(['Healthy']);
    expect(results[0]?.arm.writes).toBe(0);
    expect(routeMap(cluster.storedRoutes())).toEqual(CONVERGED);
  });

  it('a timer run repairs drift', async () => {
    await cluster.putRoute(ROUTE_0, {
      addressPrefix: '10.200.0.0/24',
      nextHopType: 'VirtualAppliance',
      nextHopIpAddress: '10.240.0.99',
    });
    await cluster.deleteRoute(ROUTE_1);
    const { context, logs } = invocation('reconcileOnSchedule');
    await handlers.reconcileOnSchedule(timer(), context);
    expect(results.map((r) => r.status)).toEqual(['Repaired']);
    expect(results[0]?.trigger).toBe('timer');
    expect(routeMap(cluster.storedRoutes())).toEqual(CONVERGED);
    expect(logs.some((l) => l.message.includes('Repaired'))).toBe(true);
  });

  it('a route deleted through the ARM API is restored from the Event Grid event, and the echo of our own write runs nothing', async () => {
    await cluster.deleteRoute(ROUTE_1);
    expect(events.map((e) => e.data.operationName)).toContain('Microsoft.Network/routeTables/routes/delete');
    expect(routeMap(cluster.storedRoutes())[ROUTE_1]).toBeUndefined();

    await deliverEvents();
    expect(results.map((r) => [r.trigger, r.status])).toEqual([['event', 'Repaired']]);
    expect(routeMap(cluster.storedRoutes())).toEqual(CONVERGED);

    // Our repair came back as events: the instance that wrote recognises them and runs nothing.
    expect(events.length).toBeGreaterThan(0);
    const echo = events.map((e) => structuredClone(e));
    cluster.emulator.clearRequests();
    results.length = 0;
    await deliverEvents();
    expect(results).toEqual([]);
    expect(cluster.emulator.requests()).toEqual([]);

    // Another instance cannot tell: for it the echo is one cheap no-op run, never a loop.
    events.push(...echo);
    await deliverEvents(otherInstance);
    expect(results.length).toBeLessThanOrEqual(1);
    expect(results.every((r) => r.status === 'Healthy' && r.arm.writes === 0)).toBe(true);
    expect(puts()).toEqual([]);
    expect(events).toEqual([]);
  });

  it('a new worker VM with a pod-cidr tag gets its route without the timer', async () => {
    cluster.emulator.upsertVm({
      resourceGroup: 'kubernetes',
      name: 'worker-2',
      privateIp: '10.240.0.22',
      tags: { role: 'worker', 'pod-cidr': '10.200.2.0/24' },
      enableIPForwarding: true,
    });
    expect(events.length).toBeGreaterThan(0);
    await deliverEvents();
    expect(results.length).toBeGreaterThanOrEqual(1);
    expect(results.length).toBeLessThanOrEqual(2);
    expect(results.every((r) => r.trigger === 'event')).toBe(true);
    expect(routeMap(cluster.storedRoutes())).toEqual({
      ...CONVERGED,
      'kubernetes-route-10-200-2-0-24': '10.200.2.0/24 -> VirtualAppliance 10.240.0.22',
    });
  });

  it("a worker's pod-cidr changed through the tags API moves its route, from the tags event alone", async () => {
    const vmId = `/subscriptions/${cluster.emulator.subscriptionId}/resourceGroups/kubernetes/providers/Microsoft.Compute/virtualMachines/worker-1`;
    cluster.emulator.setTags(vmId, { 'pod-cidr': '10.200.5.0/24' }, { emitAs: 'tags' });
    expect(events.map((e) => [e.subject, e.data.operationName])).toEqual([
      [`${vmId}/providers/Microsoft.Resources/tags/default`, 'Microsoft.Resources/tags/write'],
    ]);
    await deliverEvents();
    expect(results.map((r) => [r.trigger, r.status])).toEqual([['event', 'Repaired']]);
    expect(routeMap(cluster.storedRoutes())).toEqual({
      [ROUTE_0]: CONVERGED[ROUTE_0],
      'kubernetes-route-10-200-5-0-24': '10.200.5.0/24 -> VirtualAppliance 10.240.0.21',
    });
  });

  it('the drift report lists drift without writing', async () => {
    await cluster.deleteRoute(ROUTE_1);
    cluster.emulator.clearRequests();
    const response = await handlers.driftReport(
      new (await import('@azure/functions')).HttpRequest({
        method: 'GET',
        url: 'http://localhost/api/driftReport',
      }),
      invocation('driftReport').context,
    );
    expect(response.status).toBe(200);
    expect(response.jsonBody).toMatchObject({ inSync: false });
    expect(response.jsonBody.drift).toEqual([
      expect.objectContaining({ kind: 'missing-route', subject: ROUTE_1 }),
    ]);
    expect(puts()).toEqual([]);
    expect(routeMap(cluster.storedRoutes())[ROUTE_1]).toBeUndefined();
  });
});
