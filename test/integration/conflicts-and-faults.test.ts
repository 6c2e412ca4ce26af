// How one reconcile behaves when ARM pushes back: ETag conflicts, throttling, failed operations, failed reads.
import { describe, expect, it } from 'vitest';
import { MAX_WRITE_ATTEMPTS } from '../../src/reconcile.js';
import { CONVERGED, routeMap, startCluster, useCluster } from '../support/cluster.js';

const cluster = useCluster();

const puts = () => cluster.emulator.requests().filter((r) => r.method === 'PUT');

describe('someone else writes the table between our read and our write', () => {
  it('the 412 makes us re-read and re-plan, and their new route survives our write', async () => {
    await cluster.deleteRoute('kubernetes-route-10-200-1-0-24');
    cluster.emulator.faults.add({
      kind: 'externalWrite',
      method: 'PUT',
      path: 'routeTables/kubernetes-routes',
      times: 1,
      externalWrite: {
        addRoutes: [
          {
            name: 'added-by-netops',
            properties: {
              addressPrefix: '172.20.0.0/16',
              nextHopType: 'VirtualAppliance',
              nextHopIpAddress: '10.240.0.5',
            },
          },
        ],
      },
    });
    cluster.emulator.clearRequests();
    const result = await cluster.run();
    expect(result.status).toBe('Repaired');
    expect(result.attempts).toBe(2);
    expect(result.arm.conflicts).toBe(1);
    expect(puts().map((r) => r.status)).toEqual([412, 200]);
    expect(routeMap(cluster.storedRoutes())).toEqual({
      ...CONVERGED,
      'added-by-netops': '172.20.0.0/16 -> VirtualAppliance 10.240.0.5',
    });
  });

  it('a table that keeps changing under us ends the run as a transient failure after the bounded attempts', async () => {
    await cluster.deleteRoute('kubernetes-route-10-200-1-0-24');
    cluster.emulator.faults.add({
      kind: 'externalWrite',
      method: 'PUT',
      path: 'routeTables/kubernetes-routes',
      externalWrite: { tags: { touched: 'yes' } },
    });
    cluster.emulator.clearRequests();
    const result = await cluster.run();
    expect(result.status).toBe('Failed');
    expect(result.error).toMatchObject({ statusCode: 412, transient: true });
    expect(result.repaired).toEqual([]);
    expect(puts()).toHaveLength(3);
  });
});

describe('the table changes again right after our 412', () => {
  /** Our PUT meets another writer's change (412); `then` runs as that writer's event is emitted. */
  function otherWriterThen(then: () => void): () => void {
    cluster.emulator.faults.add({
      kind: 'externalWrite',
      method: 'PUT',
      path: 'routeTables/kubernetes-routes',
      times: 1,
      externalWrite: { tags: { touched: 'yes' } },
    });
    let done = false;
    return cluster.emulator.subscribe((event) => {
      if (done || !event.subject.toLowerCase().endsWith('/routetables/kubernetes-routes')) return;
      done = true;
      then();
    });
  }

  it('a table deleted between our read and our write is created again where it was (bug 5)', async () => {
    await cluster.deleteRoute('kubernetes-route-10-200-1-0-24');
    const stop = otherWriterThen(() =>
      cluster.emulator.deleteResource(cluster.tableId, { emitEvent: false }),
    );
    const result = await cluster.run();
    stop();
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('Repaired');
    expect(result.attempts).toBe(2);
    expect(cluster.emulator.getResource(cluster.tableId)?.location).toBe('eastus2');
    expect(routeMap(cluster.storedRoutes())).toEqual(CONVERGED);
  });

  it('the re-read after a 412 never plans from a table still being written (bug 6)', async () => {
    await cluster.deleteRoute('kubernetes-route-10-200-1-0-24');
    const setState = (state: string) => {
      const table = cluster.emulator.getResource(cluster.tableId)!;
      (table.properties as Record<string, unknown>).provisioningState = state;
      cluster.emulator.upsertResource(table, { emitEvent: false });
    };
    // The other writer's operation is still running through every re-read of this run.
    const stop = otherWriterThen(() => setState('Updating'));
    cluster.emulator.clearRequests();
    const result = await cluster.run();
    stop();
    expect(result.status).toBe('Failed');
    expect(result.error).toMatchObject({ code: 'OperationInProgress', transient: true });
    expect(puts().map((r) => r.status)).toEqual([412]);
    // Once it has settled, the next run repairs.
    setState('Succeeded');
    expect((await cluster.run()).status).toBe('Repaired');
    expect(routeMap(cluster.storedRoutes())).toEqual(CONVERGED);
  });
});

describe('throttling', () => {
  it('a 429 with Retry-After on the write is waited out and the write goes through', async () => {
    await cluster.deleteRoute('kubernetes-route-10-200-1-0-24');
    cluster.emulator.faults.add({
      method: 'PUT',
      path: 'routeTables/kubernetes-routes',
      status: 429,
      headers: { 'Retry-After': '0' },
      times: 1,
    });
    const result = await cluster.run();
    expect(result.status).toBe('Repaired');
    expect(result.arm.throttled).toBe(1);
    expect(routeMap(cluster.storedRoutes())).toEqual(CONVERGED);
  });

  it('a Retry-After longer than the run may wait is not honoured: the run fails transiently without a retry storm', async () => {
    cluster.emulator.faults.add({
      method: 'GET',
      path: 'virtualMachines',
      status: 429,
      headers: { 'Retry-After': '3600' },
    });
    cluster.emulator.clearRequests();
    const started = Date.now();
    const result = await cluster.run();
    expect(result.status).toBe('Failed');
    expect(result.error?.transient).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(cluster.emulator.requests().filter((r) => r.path.includes('virtualMachines'))).toHaveLength(1);
    expect(puts()).toHaveLength(0);
  });
});

describe('failures never look like success', () => {
  it('an operation that ends Failed once is retried in the same run: ARM put the old table back, we write again', async () => {
    await cluster.deleteRoute('kubernetes-route-10-200-1-0-24');
    cluster.emulator.faults.add({
      kind: 'lroFail',
      method: 'PUT',
      path: 'routeTables/kubernetes-routes',
      times: 1,
    });
    const result = await cluster.run();
    expect(result.status).toBe('Repaired');
    expect(result.attempts).toBe(2);
    expect(puts()).toHaveLength(2);
    expect(routeMap(cluster.storedRoutes())).toEqual(CONVERGED);
    const states = cluster
      .storedRoutes()
      .map((r) => (r.properties as { provisioningState?: string }).provisioningState);
    expect(new Set(states)).toEqual(new Set(['Succeeded']));
  });

  it('an operation that keeps failing is reported as a transient failure, not a repair', async () => {
    await cluster.deleteRoute('kubernetes-route-10-200-1-0-24');
    cluster.emulator.faults.add({
      kind: 'lroFail',
      method: 'PUT',
      path: 'routeTables/kubernetes-routes',
    });
    const result = await cluster.run();
    expect(result.status).toBe('Failed');
    expect(result.attempts).toBe(MAX_WRITE_ATTEMPTS);
    expect(result.error).toMatchObject({ code: 'InternalServerError', transient: true });
    expect(result.repaired).toEqual([]);
    expect(result.unrepaired.map((d) => d.kind)).toContain('missing-route');
  });

  it('a subnet write that fails after a confirmed table write keeps the route repairs it made', async () => {
    await cluster.deleteRoute('kubernetes-route-10-200-1-0-24');
    await cluster.detachSubnet();
    cluster.emulator.faults.add({
      method: 'PUT',
      path: '/subnets/',
      status: 403,
      error: {
        code: 'LinkedAuthorizationFailed',
        message:
          'The client has permission to perform action on scope, however it does not have permission on the linked scope(s).',
      },
    });
    const result = await cluster.run();
    expect(result.status).toBe('Failed');
    expect(result.error).toMatchObject({
      statusCode: 403,
      code: 'LinkedAuthorizationFailed',
      transient: false,
    });
    expect(result.repaired.map((d) => d.kind)).toEqual(['missing-route']);
    expect(result.unrepaired.map((d) => d.kind)).toEqual(['subnet-not-associated']);
    expect(result.after.map((r) => r.name)).toContain('kubernetes-route-10-200-1-0-24');
    expect(routeMap(cluster.storedRoutes())).toEqual(CONVERGED);
  });

  it('a VM list that keeps failing aborts the run before any write', async () => {
    await cluster.deleteRoute('kubernetes-route-10-200-1-0-24');
    cluster.emulator.faults.add({ method: 'GET', path: 'virtualMachines', status: 500 });
    cluster.emulator.clearRequests();
    const result = await cluster.run();
    expect(result.status).toBe('Failed');
    expect(result.error).toMatchObject({ statusCode: 500, transient: true });
    expect(puts()).toHaveLength(0);
  });

  it('a second page of the NIC list that fails aborts the run: a partial list is never "fewer workers"', async () => {
    const paged = await startCluster({ pageSize: 2 });
    try {
      await paged.putRoute('kubernetes-route-10-200-7-0-24', {
        addressPrefix: '10.200.7.0/24',
        nextHopType: 'VirtualAppliance',
        nextHopIpAddress: '10.240.0.27',
      });
      paged.emulator.faults.add({
        method: 'GET',
        pathRegex: 'networkInterfaces',
        status: 503,
        probability: 1,
      });
      paged.emulator.clearRequests();
      const result = await paged.run();
      expect(result.status).toBe('Failed');
      expect(paged.emulator.requests().filter((r) => r.method === 'PUT')).toHaveLength(0);
      expect(paged.storedRoutes()).toHaveLength(3);
    } finally {
      await paged.stop();
    }
  });

  it('a dropped connection on the write is retried safely (the If-Match guards a replay)', async () => {
    await cluster.deleteRoute('kubernetes-route-10-200-1-0-24');
    cluster.emulator.faults.add({
      kind: 'drop',
      method: 'PUT',
      path: 'routeTables/kubernetes-routes',
      times: 1,
    });
    const result = await cluster.run();
    expect(result.status).toBe('Repaired');
    expect(routeMap(cluster.storedRoutes())).toEqual(CONVERGED);
  });
});
