// verify end to end: the real SDK reads every worker NIC's effective routes from the emulator, and each
// finding kind comes out of a world that really is that way (a BGP /25 from a gateway, a deleted route, a
// deallocated VM, a NIC in another subnet), with the shadow gone once the table disables BGP propagation.
import { RestError } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import type { Json } from '../../src/emulator/index.js';
import { type VerifyOptions, verify } from '../../src/verify.js';
import { FAST_LRO, RG, TABLE, useCluster, VNET } from '../support/cluster.js';

// Reset before each test (useCluster): each one starts from the world file.
const cluster = useCluster();

const id = (type: string, name: string) =>
  `/subscriptions/${cluster.emulator.subscriptionId}/resourceGroups/${RG}/providers/${type}/${name}`;
const gatewayId = () => id('Microsoft.Network/virtualNetworkGateways', 'kubernetes-gw');

function addGateway(advertised: string[]): void {
  cluster.emulator.upsertResource(
    {
      id: gatewayId(),
      location: 'eastus2',
      properties: {
        gatewayType: 'Vpn',
        ipConfigurations: [
          {
            name: 'default',
            properties: {
              subnet: { id: `${id('Microsoft.Network/virtualNetworks', VNET)}/subnets/GatewaySubnet` },
            },
          },
        ],
      },
    },
    { emitEvent: false },
  );
  cluster.emulator.setLearnedRoutes(
    advertised.map((network) => ({ gateway: gatewayId(), network, nextHop: '10.240.0.254' })),
  );
}

// confirmAfterMs 0: every finding counts at once (the confirmation has its own tests below).
const run = (over: Record<string, string> = {}, options: Partial<VerifyOptions> = {}) => {
  const config = cluster.config(over);
  return verify({
    config,
    trigger: 'cli',
    workers: 'all',
    clients: cluster.clients(config),
    confirmAfterMs: 0,
    ...options,
  });
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const verdicts = (r: Awaited<ReturnType<typeof run>>) =>
  r.workers.flatMap((w) =>
    w.status === 'checked'
      ? w.checks.map((c) => `${w.worker} -> ${c.toWorker} ${c.prefix}: ${c.verdict}`)
      : [`${w.worker}: ${w.reason}`],
  );

describe('verify on the emulator', () => {
  it('ok: every worker sees every other pod CIDR routed to its worker, for 2 reads + 1 POST and its polls per NIC', async () => {
    const result = await run();
    expect(result.status).toBe('Effective');
    expect(verdicts(result)).toEqual([
      'worker-0 -> worker-1 10.200.1.0/24: ok',
      'worker-1 -> worker-0 10.200.0.0/24: ok',
    ]);
    expect(result.arm).toMatchObject({ reads: 2, posts: 2, throttled: 0 });
    expect(result.arm.polls).toBe(4);
    const posts = cluster.emulator.requests().filter((q) => q.method === 'POST');
    expect(posts.map((q) => q.path.split('/').slice(-2).join('/'))).toEqual([
      'worker-0-nic/effectiveRouteTable',
      'worker-1-nic/effectiveRouteTable',
    ]);
  });

  it('shadowed: a gateway learning 10.200.1.0/25 over BGP takes half of worker-1 pod CIDR; disabling propagation ends it', async () => {
    addGateway(['10.200.1.0/25']);
    const result = await run();
    expect(result.status).toBe('Findings');
    const check = result.workers.find((w) => w.worker === 'worker-0')?.checks[0];
    expect(check?.verdict).toBe('shadowed');
    expect(check?.winner).toMatchObject({
      addressPrefix: '10.200.1.0/25',
      source: 'VirtualNetworkGateway',
      nextHopType: 'VirtualNetworkGateway',
      nextHopIpAddress: '10.240.0.254',
    });
    // The network team's prefix is reported, never touched: the table is the same after verify.
    expect(cluster.emulator.requests().filter((q) => q.method === 'PUT')).toEqual([]);

    const table = await cluster.network.routeTables.get(RG, TABLE);
    await cluster.network.routeTables
      .createOrUpdate(RG, TABLE, { ...table, disableBgpRoutePropagation: true }, FAST_LRO)
      .pollUntilDone();
    const after = await run();
    expect(after.status).toBe('Effective');
  });

  it('missing: a deleted route leaves worker-1 pods to the 10.0.0.0/8 system route (dropped)', async () => {
    await cluster.deleteRoute('kubernetes-route-10-200-1-0-24');
    const result = await run();
    const check = result.workers.find((w) => w.worker === 'worker-0')?.checks[0];
    expect(check?.verdict).toBe('missing');
    expect(check?.winner).toMatchObject({
      addressPrefix: '10.0.0.0/8',
      source: 'Default',
      nextHopType: 'None',
    });
    expect(result.status).toBe('Findings');
  });

  it('not applicable: a deallocated VM is not read (ARM refuses its NIC), the others still are', async () => {
    const vmId = id('Microsoft.Compute/virtualMachines', 'worker-1');
    cluster.emulator.setPowerState(vmId, 'deallocated');
    const result = await run();
    expect(verdicts(result)).toEqual(['worker-0 -> worker-1 10.200.1.0/24: ok', 'worker-1: vm-not-running']);
    expect(result.status).toBe('Effective');
    expect(result.arm.posts).toBe(1);
    // What the check avoids: ARM's answer for that NIC.
    const error = await cluster.network.networkInterfaces
      .getEffectiveRouteTable(RG, 'worker-1-nic', FAST_LRO)
      .pollUntilDone()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RestError);
    expect((error as RestError).statusCode).toBe(400);
    expect((error as RestError).message).toContain('is deallocated');
    // The power state comes from the instance view, which a plain GET does not show.
    const plain = await cluster.compute.virtualMachines.get(RG, 'worker-1');
    expect(plain.instanceView).toBeUndefined();
    const view = await cluster.compute.virtualMachines.instanceView(RG, 'worker-1');
    expect(view.statuses?.map((s) => s.code)).toContain('PowerState/deallocated');
  });

  it('power state when ARM refuses $expand=instanceView on the list: the plain list and one instanceView GET per VM', async () => {
    cluster.emulator.setPowerState(id('Microsoft.Compute/virtualMachines', 'worker-1'), 'stopped');
    cluster.emulator.faults.add({
      method: 'GET',
      path: '/providers/Microsoft.Compute/virtualMachines',
      status: 400,
      error: {
        code: 'InvalidParameter',
        message: "The value 'instanceView' of $expand needs a valid $filter.",
      },
      times: 1,
    });
    const result = await run();
    expect(verdicts(result)).toEqual(['worker-0 -> worker-1 10.200.1.0/24: ok', 'worker-1: vm-not-running']);
    const views = cluster.emulator.requests().filter((q) => q.path.endsWith('/instanceView'));
    expect(views).toHaveLength(5); // 3 controllers and 2 workers
  });

  it('not applicable: a worker whose NIC sits in another subnet', async () => {
    cluster.emulator.upsertVm(
      {
        resourceGroup: RG,
        name: 'worker-2',
        privateIp: '10.240.1.22',
        tags: { 'pod-cidr': '10.200.2.0/24' },
        subnetId: `${id('Microsoft.Network/virtualNetworks', VNET)}/subnets/other-subnet`,
      },
      { emitEvent: false },
    );
    const result = await run();
    const w2 = result.workers.find((w) => w.worker === 'worker-2');
    expect(w2).toMatchObject({ status: 'not-applicable', reason: 'nic-outside-subnet' });
    expect(w2?.message).toContain('/subnets/other-subnet');
    // Its pod CIDR has no route yet: the other workers report it missing.
    expect(verdicts(result)).toContain('worker-0 -> worker-2 10.200.2.0/24: missing');
  });
});

describe('verify does not cry wolf: a finding counts once it persists', () => {
  const ROUTE = 'kubernetes-route-10-200-1-0-24';
  const putBack = () =>
    cluster.putRoute(ROUTE, {
      addressPrefix: '10.200.1.0/24',
      nextHopType: 'VirtualAppliance',
      nextHopIpAddress: '10.240.0.21',
    });

  it('a route repaired just before the check: seen missing (not propagated yet), cleared on re-check, never counted', async () => {
    cluster.emulator.setRoutePropagation(400);
    await cluster.deleteRoute(ROUTE);
    await sleep(450); // the deletion has reached the NICs
    await putBack(); // the repair: the NICs still show the route missing for 400 ms
    const result = await run({}, { confirmAfterMs: 600 });
    expect(result.status).toBe('Effective');
    expect(result.summary).toMatchObject({ missing: 0, unconfirmed: 0, effective: true });
    expect(result.cleared).toEqual([
      expect.objectContaining({ worker: 'worker-0', prefix: '10.200.1.0/24', verdict: 'missing' }),
    ]);
    // Only the worker with a finding was read again.
    expect(result.arm.posts).toBe(3);
    expect(result.pending).toEqual([]);
  });

  it('a finding that persists through the delay is confirmed and counted', async () => {
    await cluster.deleteRoute(ROUTE);
    const started = Date.now();
    const result = await run({}, { confirmAfterMs: 300 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(result.status).toBe('Findings');
    expect(result.summary).toMatchObject({ missing: 1, unconfirmed: 0 });
    expect(result.workers.find((w) => w.worker === 'worker-0')?.checks[0]).toMatchObject({
      verdict: 'missing',
      confirmed: true,
    });
    expect(result.arm.posts).toBe(3);
  });

  it('without time to re-check in its budget, a finding stays unconfirmed; the next check reads its worker again and confirms it', async () => {
    await cluster.deleteRoute(ROUTE);
    const first = await run({}, { confirmAfterMs: 300, timeoutMs: 50 });
    expect(first.status).toBe('Unconfirmed');
    expect(first.summary).toMatchObject({ missing: 0, unconfirmed: 1, effective: false });
    expect(first.pending).toEqual([
      expect.objectContaining({ key: 'worker-0 10.200.1.0/24', worker: 'worker-0' }),
    ]);
    await sleep(320);
    cluster.emulator.clearRequests();
    // A sample of one that would be worker-1: worker-0 is read too, for its pending finding, and no wait is needed.
    const next = await run({}, { confirmAfterMs: 300, workers: 1, offset: 1, pending: first.pending });
    expect(next.workers.map((w) => w.worker).sort()).toEqual(['worker-0', 'worker-1']);
    expect(next.status).toBe('Findings');
    expect(next.summary).toMatchObject({ missing: 1, unconfirmed: 0 });
    expect(next.arm.posts).toBe(2);
  });
});

describe('verify when one NIC cannot be read', () => {
  it('a failed effective-route operation is that worker finding; the other workers results are kept', async () => {
    cluster.emulator.faults.add({
      kind: 'lroFail',
      method: 'POST',
      path: 'worker-1-nic/effectiveRouteTable',
      lroError: { code: 'InternalServerError', message: 'An error occurred.' },
    });
    const result = await run();
    expect(verdicts(result)).toEqual(['worker-0 -> worker-1 10.200.1.0/24: ok', 'worker-1: read-failed']);
    const w1 = result.workers.find((w) => w.worker === 'worker-1');
    expect(w1).toMatchObject({ status: 'read-failed', confirmed: true });
    expect(w1?.message).toContain('The long-running operation has failed');
    expect(result.status).toBe('Findings');
    expect(result.summary).toMatchObject({ ok: 1, readFailed: 1 });
    expect(result.error).toBeUndefined();
  });

  it('a refused read (403) is that worker finding too; a throttled ARM ends the run but keeps what was read', async () => {
    cluster.emulator.faults.add({
      method: 'POST',
      path: 'worker-1-nic/effectiveRouteTable',
      status: 403,
      error: { code: 'AuthorizationFailed', message: 'no access to worker-1-nic' },
    });
    const refused = await run();
    expect(refused.workers.find((w) => w.worker === 'worker-1')).toMatchObject({ status: 'read-failed' });
    expect(refused.summary.ok).toBe(1);
    cluster.emulator.faults.clear();
    cluster.emulator.faults.add({
      method: 'POST',
      path: 'worker-1-nic/effectiveRouteTable',
      status: 429,
      headers: { 'retry-after': '0' },
      error: { code: 'SubscriptionRequestsThrottled', message: 'throttled' },
    });
    const throttled = await run({}, { concurrency: 1 });
    expect(throttled.status).toBe('Failed');
    expect(throttled.error).toMatchObject({ statusCode: 429, transient: true });
    expect(verdicts(throttled)).toEqual(['worker-0 -> worker-1 10.200.1.0/24: ok']);
  });

  it('honours hasBgpOverride as ARM sends it: our route with it keeps a BGP /25 from taking part of it', async () => {
    addGateway(['10.200.1.0/25']);
    expect((await run()).status).toBe('Findings');
    const table = cluster.emulator.getResource(cluster.tableId) as Json & {
      properties: { routes: Array<{ name: string; properties: Json }> };
    };
    for (const r of table.properties.routes) r.properties.hasBgpOverride = true;
    cluster.emulator.upsertResource(table, { emitEvent: false });
    const result = await run();
    expect(result.status).toBe('Effective');
  });
});

describe('verify with bad input', () => {
  it('a gateway advertising 0.0.0.0/0 replaces the Internet default route but does not beat our /24s', async () => {
    addGateway(['0.0.0.0/0']);
    const result = await run();
    expect(result.status).toBe('Effective');
    const routes = await cluster.network.networkInterfaces
      .getEffectiveRouteTable(RG, 'worker-0-nic', FAST_LRO)
      .pollUntilDone();
    const defaults = (routes.value ?? []).filter((r) => r.addressPrefix?.[0] === '0.0.0.0/0');
    expect(defaults.map((r) => `${r.source} ${r.state} ${r.nextHopType}`).sort()).toEqual([
      'Default Invalid Internet',
      'VirtualNetworkGateway Active VirtualNetworkGateway',
    ]);
  });

  it('a worker with two NICs: the primary one is checked and the second is noted', async () => {
    const nic2 = id('Microsoft.Network/networkInterfaces', 'worker-1-nic2');
    const subnet = `${id('Microsoft.Network/virtualNetworks', VNET)}/subnets/kubernetes-subnet`;
    cluster.emulator.upsertResource(
      {
        id: nic2,
        location: 'eastus2',
        properties: {
          ipConfigurations: [
            { name: 'ipconfig1', properties: { privateIPAddress: '10.240.0.31', subnet: { id: subnet } } },
          ],
        },
      },
      { emitEvent: false },
    );
    const vm = cluster.emulator.getResource(id('Microsoft.Compute/virtualMachines', 'worker-1')) as Json & {
      properties: { networkProfile: { networkInterfaces: Json[] } };
    };
    vm.properties.networkProfile.networkInterfaces.push({ id: nic2, properties: { primary: false } });
    cluster.emulator.upsertResource(vm, { emitEvent: false });
    const result = await run();
    const w1 = result.workers.find((w) => w.worker === 'worker-1');
    expect(w1?.nicId?.endsWith('/worker-1-nic')).toBe(true);
    expect(w1?.notes[0]).toContain('has 2 NICs');
    expect(result.status).toBe('Effective');
    expect(result.arm.posts).toBe(2);
  });

  it('an IPv6 pod CIDR: missing (only ::/0) until the route exists, then ok', async () => {
    const vnet = cluster.emulator.getResource(id('Microsoft.Network/virtualNetworks', VNET)) as Json & {
      properties: { addressSpace: { addressPrefixes: string[] } };
    };
    vnet.properties.addressSpace.addressPrefixes.push('fd00:10:240::/64');
    cluster.emulator.upsertResource(vnet, { emitEvent: false });
    cluster.emulator.upsertVm(
      {
        resourceGroup: RG,
        name: 'worker-1',
        privateIp: '10.240.0.21',
        tags: { 'pod-cidr': '10.200.1.0/24,fd00:10:200:1::/64' },
      },
      { emitEvent: false },
    );
    const nic = cluster.emulator.getResource(
      id('Microsoft.Network/networkInterfaces', 'worker-1-nic'),
    ) as Json & {
      properties: { ipConfigurations: Json[] };
    };
    nic.properties.ipConfigurations.push({
      name: 'ipconfig-v6',
      properties: { privateIPAddress: 'fd00:10:240::21', privateIPAddressVersion: 'IPv6', primary: false },
    });
    cluster.emulator.upsertResource(nic, { emitEvent: false });
    const dual = { CLUSTER_CIDR: '10.200.0.0/16,fd00:10:200::/56' };
    const before = await run(dual);
    const v6 = before.workers
      .find((w) => w.worker === 'worker-0')
      ?.checks.find((c) => c.prefix.includes(':'));
    expect(v6?.verdict).toBe('missing');
    expect(v6?.winner).toMatchObject({ addressPrefix: '::/0', nextHopType: 'Internet' });
    await cluster.run({ settings: dual });
    const after = await run(dual);
    expect(verdicts(after)).toContain('worker-0 -> worker-1 fd00:10:200:1::/64: ok');
    expect(after.status).toBe('Effective');
  });
});
