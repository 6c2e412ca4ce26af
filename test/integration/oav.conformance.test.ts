// Conformance (reads AZURE_REFERENCE_DIR, see test/support/reference.ts): the engine's own ARM traffic, captured
// by the emulator during full reconciles that exercise every route-table drift kind and action, passes the
// official `oav validate-traffic` against routeTable.json 2026-01-01 with zero errors. The runs: a missing
// table created; one whole-table PUT carrying every route change at once (a route created, a next hop updated,
// a stale route deleted, a moved pod CIDR replaced, a Failed route rewritten, a foreign route kept); a 412 from
// another writer, re-read and re-planned; a converged second run; all with VM and NIC lists paged one item per
// page. Only the route-table exchanges are validated: the VM and NIC lists and the subnet write belong to specs
// that cannot be loaded here (ComputeRP.json, virtualNetwork.json's closure) and stay checked by the recorded
// session replay and the emulator's own tests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrafficEntry } from '../../src/emulator/index.js';
import { RG, startCluster, type TestCluster } from '../support/cluster.js';
import { routeTableTraffic, validateTraffic } from '../support/oav.js';
import { referencePath } from '../support/reference.js';

const ROUTE = (cidr: string) => `kubernetes-route-${cidr.replace(/[./]/gu, '-')}`;
const appliance = (cidr: string, ip: string) => ({
  name: ROUTE(cidr),
  properties: { addressPrefix: cidr, nextHopType: 'VirtualAppliance', nextHopIpAddress: ip },
});

let cluster: TestCluster;
/** The engine's exchanges only (the test's own set-up calls are cut out). */
const engineTraffic: TrafficEntry[] = [];

beforeAll(async () => {
  cluster = await startCluster({
    captureTraffic: true,
    pageSize: 1,
    lro: { inProgressPolls: 1, retryAfterSeconds: 0 },
  });
});
afterAll(async () => {
  await cluster?.stop();
});

/** One reconcile whose traffic is kept. */
async function engineRun(settings: Record<string, string> = {}) {
  const from = cluster.emulator.traffic().length;
  const result = await cluster.run({ settings });
  engineTraffic.push(...cluster.emulator.traffic().slice(from));
  return result;
}

/** The engine's PUTs of the table itself (not its LRO polls). */
const tablePuts = (traffic: TrafficEntry[]) =>
  traffic.filter((t) => t.liveRequest.method === 'PUT' && /\/routeTables\/[^/?]+\?/u.test(t.liveRequest.url));

const kinds = (xs: Array<{ kind: string }>) => [...new Set(xs.map((x) => x.kind))].sort();

describe('oav validate-traffic on the engine reconciling every kind of route-table drift', () => {
  it('a missing route table is created (PUT 201) and associated', async () => {
    // Azure deletes no table still associated with a subnet (InUseRouteTableCannotBeDeleted): detached first.
    await cluster.detachSubnet();
    cluster.emulator.deleteResource(cluster.tableId, { emitEvent: false });
    const result = await engineRun();
    expect(result.status).toBe('Repaired');
    expect(kinds(result.plan.drift)).toEqual(['missing-route', 'subnet-not-associated', 'table-missing']);
    expect(kinds(result.plan.actions)).toEqual(['associate-subnet', 'create-route', 'create-table']);
  });

  it('one whole-table PUT creates, updates, deletes and replaces routes, keeping a foreign one', async () => {
    cluster.emulator.upsertVm({
      resourceGroup: RG,
      name: 'worker-2',
      privateIp: '10.240.0.22',
      tags: { 'pod-cidr': '10.200.3.0/24' },
    });
    cluster.emulator.upsertVm({
      resourceGroup: RG,
      name: 'worker-3',
      privateIp: '10.240.0.23',
      tags: { 'pod-cidr': '10.200.4.0/24' },
    });
    cluster.emulator.externalWrite(cluster.tableId, {
      removeRoutes: [ROUTE('10.200.1.0/24')],
      addRoutes: [
        // worker-3's route points at a stale IP; worker-2's route is still at its old pod CIDR; worker-9 left.
        appliance('10.200.4.0/24', '10.240.0.99'),
        { ...appliance('10.200.2.0/24', '10.240.0.22') },
        appliance('10.200.9.0/24', '10.240.0.29'),
        {
          name: 'firewall',
          properties: {
            addressPrefix: '0.0.0.0/0',
            nextHopType: 'VirtualAppliance',
            nextHopIpAddress: '10.240.0.4',
          },
        },
      ],
    });
    // A Failed route: an operator's PUT of worker-0's route whose operation failed (admin traffic, not validated).
    cluster.emulator.faults.add({
      kind: 'lroFail',
      method: 'PUT',
      path: `routes/${ROUTE('10.200.0.0/24')}`,
      times: 1,
    });
    await expect(
      cluster.putRoute(ROUTE('10.200.0.0/24'), appliance('10.200.0.0/24', '10.240.0.20').properties),
    ).rejects.toThrow();
    const result = await engineRun({ MAX_ROUTE_DELETIONS: '10' });
    expect(result.status).toBe('Repaired');
    expect(kinds(result.plan.drift)).toEqual([
      'missing-route',
      'pod-cidr-changed',
      'route-not-provisioned',
      'stale-route',
      'wrong-next-hop',
    ]);
    expect(kinds(result.plan.actions)).toEqual(['create-route', 'delete-route', 'update-route']);
    expect(tablePuts(engineTraffic).at(-1)?.liveResponse.statusCode).toBe('200');
  });

  it('a 412 from another writer between our read and our write: re-read, re-planned, written again', async () => {
    cluster.emulator.externalWrite(cluster.tableId, { removeRoutes: [ROUTE('10.200.1.0/24')] });
    cluster.emulator.faults.add({
      kind: 'externalWrite',
      method: 'PUT',
      path: 'routeTables/kubernetes-routes',
      times: 1,
      externalWrite: { tags: { 'changed-by': 'netops' } },
    });
    const from = engineTraffic.length;
    const result = await engineRun();
    expect(result.status).toBe('Repaired');
    expect(result.arm.conflicts).toBe(1);
    expect(tablePuts(engineTraffic.slice(from)).map((t) => t.liveResponse.statusCode)).toEqual([
      '412',
      '200',
    ]);
  });

  it('a converged table: the second run only reads', async () => {
    const from = engineTraffic.length;
    const result = await engineRun();
    expect(result.status).toBe('Healthy');
    expect(engineTraffic.slice(from).every((t) => t.liveRequest.method === 'GET')).toBe(true);
  });

  it('every run read the VM and NIC lists page by page (page size 1)', () => {
    const pages = (type: string) =>
      engineTraffic.filter(
        (t) => t.liveRequest.method === 'GET' && new URL(t.liveRequest.url).pathname.endsWith(`/${type}`),
      );
    const vmPages = pages('virtualMachines');
    // 4 runs over at least 5 VMs (3 controllers, 2 workers, later 4), one per page.
    expect(vmPages.length).toBeGreaterThanOrEqual(4 * 5);
    expect(
      vmPages.filter((t) => (t.liveResponse.body as { nextLink?: string }).nextLink).length,
    ).toBeGreaterThan(0);
    expect(pages('networkInterfaces').length).toBeGreaterThanOrEqual(4 * 5);
  });
});

describe('oav validate-traffic on those route-table exchanges', () => {
  it('has zero errors', async () => {
    const traffic = routeTableTraffic(engineTraffic);
    const statuses = new Set(traffic.map((t) => `${t.liveRequest.method} ${t.liveResponse.statusCode}`));
    // Created, updated, conflicted, read, and read while missing.
    for (const s of ['PUT 201', 'PUT 200', 'PUT 412', 'GET 200', 'GET 404']) expect(statuses).toContain(s);
    const report = await validateTraffic(traffic, referencePath('oavRouteTableSpec'));
    console.info(
      `oav: ${traffic.length} route-table exchanges of the engine, ${report.coveredOperations}/${report.allOperations} operations covered, ${report.failedOperations} failed, ${report.errors.length} errors`,
    );
    expect(report.errors, JSON.stringify(report.errors, null, 1)).toEqual([]);
    expect(report.failedOperations).toBe(0);
    // The engine reads the table (RouteTables_Get) and writes it whole (RouteTables_CreateOrUpdate), nothing else.
    expect(report.coveredOperations).toBe(2);
  });
});
