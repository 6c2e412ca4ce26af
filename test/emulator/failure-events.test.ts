// An operation that ARM ends Failed emits Microsoft.Resources.ResourceWriteFailure (or ResourceDeleteFailure),
// with data.status 'Failed', as the resource-group system topic does (Resources.json, ResourceWriteFailureData:
// the same data shape as the Success events). The reconciler subscribes to them, so a failed write anyone made,
// ours included when a run stopped polling it, triggers a run.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isOwnWrite } from '../../src/azure/own-writes.js';
import { decideOnEvent, parseResourceEvent } from '../../src/functions/resource-event.js';
import { startCluster, type TestCluster } from '../support/cluster.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startCluster({ lro: { inProgressPolls: 0, retryAfterSeconds: 0, autoCompleteMs: 30 } });
});
afterAll(async () => {
  await cluster.stop();
});
beforeEach(() => {
  cluster.emulator.reset();
});

const failureEvents = () => cluster.emulator.events.filter((e) => e.eventType.endsWith('Failure'));

describe('failure events', () => {
  it('a route table write whose operation fails emits ResourceWriteFailure with our correlation id, and no success', async () => {
    await cluster.deleteRoute('kubernetes-route-10-200-1-0-24');
    cluster.emulator.faults.add({ kind: 'lroFail', method: 'PUT', path: 'routeTables/kubernetes-routes' });
    const before = cluster.emulator.events.length;
    const result = await cluster.run();
    expect(result.status).toBe('Failed');
    const events = cluster.emulator.events.slice(before);
    const failures = events.filter((e) => e.eventType === 'Microsoft.Resources.ResourceWriteFailure');
    expect(failures).toHaveLength(result.attempts);
    expect(events.filter((e) => e.eventType === 'Microsoft.Resources.ResourceWriteSuccess')).toEqual([]);
    for (const e of failures) {
      expect(e.subject).toBe(cluster.tableId);
      expect(e.data).toMatchObject({
        operationName: 'Microsoft.Network/routeTables/write',
        status: 'Failed',
        resourceUri: cluster.tableId,
      });
      // Our write's correlation id, yet the handler acts on it: a failure is never a confirmed own write.
      expect(isOwnWrite(e.data.correlationId)).toBe(true);
      const parsed = parseResourceEvent(structuredClone(e));
      expect(parsed.ok).toBe(true);
      if (parsed.ok)
        expect(decideOnEvent(parsed.event, cluster.config(), isOwnWrite)).toMatchObject({ act: true });
    }
  });

  it('a route delete whose operation fails emits ResourceDeleteFailure on the route', async () => {
    cluster.emulator.faults.add({ kind: 'lroFail', method: 'DELETE', path: '/routes/' });
    await expect(cluster.deleteRoute('kubernetes-route-10-200-1-0-24')).rejects.toThrow(/failed/iu);
    const [failure, ...more] = failureEvents();
    expect(more).toEqual([]);
    expect(failure?.eventType).toBe('Microsoft.Resources.ResourceDeleteFailure');
    expect(failure?.subject).toBe(`${cluster.tableId}/routes/kubernetes-route-10-200-1-0-24`);
    expect(failure?.data.status).toBe('Failed');
  });

  it('an operation that succeeds emits no failure event', async () => {
    await cluster.deleteRoute('kubernetes-route-10-200-1-0-24');
    expect((await cluster.run()).status).toBe('Repaired');
    expect(failureEvents()).toEqual([]);
  });
});
