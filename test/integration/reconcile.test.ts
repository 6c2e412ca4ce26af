// The engine end to end: real SDK clients over HTTPS against the emulator, one scenario per drift kind and
// refusal. Each test starts from the provisioning report's converged cluster.
import { describe, expect, it } from 'vitest';
import { CONVERGED, RG, routeMap, startCluster, useCluster } from '../support/cluster.js';

const cluster = useCluster();

const puts = () => cluster.emulator.requests().filter((r) => r.method === 'PUT');

describe('a converged cluster', () => {
  it('is Healthy with five reads (VM list, NIC list, scale-set list, table, subnet) and no write', async () => {
    cluster.emulator.clearRequests();
    const result = await cluster.run();
    expect(result.status).toBe('Healthy');
    expect(result.plan.drift).toEqual([]);
    expect(result.arm).toMatchObject({ reads: 5, writes: 0, polls: 0 });
    expect(puts()).toHaveLength(0);
    expect(result.managedRoutes).toBe(2);
  });

  it('reads paged VM and NIC lists completely (page size 1)', async () => {
    const paged = await startCluster({ pageSize: 1 });
    try {
      const result = await paged.run();
      expect(result.status).toBe('Healthy');
      // 5 VMs and 5 NICs, one per page, plus the (empty) scale-set list, the table and the subnet.
      expect(result.arm.reads).toBe(13);
    } finally {
      await paged.stop();
    }
  });
});

describe('drift is repaired in one table write, and confirmed', () => {
  it('a route deleted by hand comes back', async () => {
    await cluster.deleteRoute('kubernetes-route-10-200-1-0-24');
    cluster.emulator.clearRequests();
    const result = await cluster.run();
    expect(result.status).toBe('Repaired');
    expect(result.repaired.map((d) => d.kind)).toEqual(['missing-route']);
    expect(routeMap(cluster.storedRoutes())).toEqual(CONVERGED);
    expect(puts()).toHaveLength(1);
    expect(result.arm.writes).toBe(1);
  });

  it('a route pointing at a stale IP is pointed back at its worker', async () => {
    await cluster.putRoute('kubernetes-route-10-200-0-0-24', {
      addressPrefix: '10.200.0.0/24',
      nextHopType: 'VirtualAppliance',
      nextHopIpAddress: '10.240.0.99',
    });
    const result = await cluster.run();
    expect(result.repaired).toEqual([
      expect.objectContaining({
        kind: 'wrong-next-hop',
        before: expect.objectContaining({ nextHopIpAddress: '10.240.0.99' }),
        after: expect.objectContaining({ nextHopIpAddress: '10.240.0.20' }),
      }),
    ]);
    expect(routeMap(cluster.storedRoutes())).toEqual(CONVERGED);
  });

  it('a route with the right prefix but the wrong next hop type is repaired (the existing controller never does)', async () => {
    await cluster.putRoute('kubernetes-route-10-200-0-0-24', {
      addressPrefix: '10.200.0.0/24',
      nextHopType: 'VnetLocal',
    });
    const result = await cluster.run();
    expect(result.repaired.map((d) => d.kind)).toEqual(['wrong-next-hop']);
    expect(routeMap(cluster.storedRoutes())).toEqual(CONVERGED);
  });

  it("a departed worker's leftover route is deleted", async () => {
    await cluster.putRoute('kubernetes-route-10-200-2-0-24', {
      addressPrefix: '10.200.2.0/24',
      nextHopType: 'VirtualAppliance',
      nextHopIpAddress: '10.240.0.22',
    });
    const result = await cluster.run();
    expect(result.repaired.map((d) => d.kind)).toEqual(['stale-route']);
    expect(routeMap(cluster.storedRoutes())).toEqual(CONVERGED);
  });

  it('a worker whose pod CIDR changed gets its old route replaced in one write', async () => {
    cluster.emulator.upsertVm({
      resourceGroup: RG,
      name: 'worker-1',
      privateIp: '10.240.0.21',
      tags: { 'pod-cidr': '10.200.9.0/24' },
    });
    cluster.emulator.clearRequests();
    const result = await cluster.run();
    expect(result.status).toBe('Repaired');
    expect(result.plan.drift.map((d) => d.kind)).toContain('pod-cidr-changed');
    expect(routeMap(cluster.storedRoutes())).toEqual({
      'kubernetes-route-10-200-0-0-24': '10.200.0.0/24 -> VirtualAppliance 10.240.0.20',
      'kubernetes-route-10-200-9-0-24': '10.200.9.0/24 -> VirtualAppliance 10.240.0.21',
    });
    expect(puts()).toHaveLength(1);
  });

  it('a route ARM failed to provision is rewritten', async () => {
    // An operator's route PUT whose operation ends Failed leaves the route in provisioningState Failed.
    cluster.emulator.faults.add({
      kind: 'lroFail',
      method: 'PUT',
      path: 'routes/kubernetes-route-10-200-0-0-24',
      times: 1,
    });
    await expect(
      cluster.putRoute('kubernetes-route-10-200-0-0-24', {
        addressPrefix: '10.200.0.0/24',
        nextHopType: 'VirtualAppliance',
        nextHopIpAddress: '10.240.0.20',
      }),
    ).rejects.toThrow();
    const failed = cluster.storedRoutes().find((r) => r.name === 'kubernetes-route-10-200-0-0-24');
    expect(failed?.properties.provisioningState).toBe('Failed');
    const result = await cluster.run();
    // The emulator, like ARM, marks the table and its routes Failed when the operation fails.
    expect(new Set(result.plan.drift.map((d) => d.kind))).toEqual(new Set(['route-not-provisioned']));
    expect(result.plan.drift.map((d) => d.subject)).toContain('kubernetes-route-10-200-0-0-24');
    expect(result.status).toBe('Repaired');
    expect(cluster.storedRoutes().every((r) => r.properties.provisioningState === 'Succeeded')).toBe(true);
  });

  it('a deleted route table is created in the vnet location and associated with the subnet', async () => {
    cluster.emulator.deleteResource(cluster.tableId, { emitEvent: false });
    const result = await cluster.run();
    expect(result.plan.drift.map((d) => d.kind)).toEqual(expect.arrayContaining(['table-missing']));
    expect(result.status).toBe('Repaired');
    const table = cluster.emulator.getResource(cluster.tableId) as {
      location: string;
      properties: { subnets?: Array<{ id: string }> };
    };
    expect(table.location).toBe('eastus2');
    expect(routeMap(cluster.storedRoutes())).toEqual(CONVERGED);
    expect(table.properties.subnets?.map((s) => s.id.toLowerCase())).toContain(
      cluster.subnetId.toLowerCase(),
    );
  });

  it('a missing table whose vnet cannot be found fails naming VNET_NAME, and writes nothing', async () => {
    cluster.emulator.deleteResource(cluster.tableId, { emitEvent: false });
    cluster.emulator.clearRequests();
    const result = await cluster.run({ settings: { VNET_NAME: 'no-such-vnet' } });
    expect(result.status).toBe('Failed');
    expect(result.error).toMatchObject({ transient: false });
    expect(result.error?.message).toMatch(/^VNET_NAME: virtual network 'no-such-vnet' was not found/);
    expect(puts()).toHaveLength(0);
  });

  it('a detached subnet is associated again, keeping every other subnet property', async () => {
    await cluster.detachSubnet();
    const before = cluster.emulator.getResource(cluster.subnetId) as { properties: Record<string, unknown> };
    const result = await cluster.run();
    expect(result.repaired.map((d) => d.kind)).toEqual(['subnet-not-associated']);
    const after = cluster.emulator.getResource(cluster.subnetId) as { properties: Record<string, unknown> };
    expect((after.properties.routeTable as { id: string }).id.toLowerCase()).toBe(
      cluster.tableId.toLowerCase(),
    );
    const { routeTable: _r, provisioningState: _p1, ...restAfter } = after.properties;
    const { routeTable: _n, provisioningState: _p2, ...restBefore } = before.properties;
    expect(restAfter).toEqual(restBefore);
    // The association needed no table write.
    expect(result.arm.writes).toBe(1);
  });

  it('IP forwarding turned off on a worker NIC is reported, and repaired only when enabled by a setting', async () => {
    const nicId = `/subscriptions/${cluster.emulator.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Network/networkInterfaces/worker-0-nic`;
    const nic = cluster.emulator.getResource(nicId) as { properties: Record<string, unknown> };
    nic.properties.enableIPForwarding = false;
    cluster.emulator.upsertResource(nic, { emitEvent: false });

    const reported = await cluster.run();
    expect(reported.status).toBe('Drifted');
    expect(reported.unrepaired.map((d) => [d.kind, d.repairable])).toEqual([
      ['ip-forwarding-disabled', false],
    ]);
    expect(reported.arm.writes).toBe(0);

    const repaired = await cluster.run({ settings: { REPAIR_IP_FORWARDING: 'true' } });
    expect(repaired.status).toBe('Repaired');
    expect(
      (cluster.emulator.getResource(nicId) as { properties: Record<string, unknown> }).properties
        .enableIPForwarding,
    ).toBe(true);
  });

  it('everything the demo breaks is repaired in one run, and the second run writes nothing', async () => {
    await cluster.deleteRoute('kubernetes-route-10-200-1-0-24');
    await cluster.putRoute('kubernetes-route-10-200-0-0-24', {
      addressPrefix: '10.200.0.0/24',
      nextHopType: 'VirtualAppliance',
      nextHopIpAddress: '10.240.0.99',
    });
    await cluster.putRoute('kubernetes-route-10-200-2-0-24', {
      addressPrefix: '10.200.2.0/24',
      nextHopType: 'VirtualAppliance',
      nextHopIpAddress: '10.240.0.22',
    });
    await cluster.putRoute('firewall', {
      addressPrefix: '0.0.0.0/0',
      nextHopType: 'VirtualAppliance',
      nextHopIpAddress: '10.240.0.4',
    });
    await cluster.detachSubnet();
    const first = await cluster.run();
    expect(first.status).toBe('Repaired');
    expect(first.repaired).toHaveLength(4);
    expect(routeMap(cluster.storedRoutes())).toEqual({
      ...CONVERGED,
      firewall: '0.0.0.0/0 -> VirtualAppliance 10.240.0.4',
    });
    cluster.emulator.clearRequests();
    const second = await cluster.run();
    expect(second.status).toBe('Healthy');
    expect(second.arm.writes).toBe(0);
  });
});

describe('what we do not own is never changed', () => {
  it('foreign routes, their order and the table tags are written back as read', async () => {
    await cluster.network.routeTables.updateTags(RG, 'kubernetes-routes', {
      tags: { owner: 'netops', 'cost-center': '42' },
    });
    await cluster.putRoute('firewall', {
      addressPrefix: '0.0.0.0/0',
      nextHopType: 'VirtualAppliance',
      nextHopIpAddress: '10.240.0.4',
    });
    await cluster.putRoute('onprem', {
      addressPrefix: '192.168.0.0/16',
      nextHopType: 'VirtualNetworkGateway',
    });
    await cluster.putRoute('kubernetes-route-10-200-99-0-24-legacy', {
      addressPrefix: '172.16.0.0/24',
      nextHopType: 'None',
    });
    await cluster.deleteRoute('kubernetes-route-10-200-0-0-24');
    const foreignBefore = cluster
      .storedRoutes()
      .filter(
        (r) =>
          !r.name.startsWith('kubernetes-route-10-200-0') && !r.name.startsWith('kubernetes-route-10-200-1'),
      );
    const result = await cluster.run();
    expect(result.status).toBe('Repaired');
    const foreignAfter = cluster.storedRoutes().filter((r) => foreignBefore.some((f) => f.name === r.name));
    const strip = (routes: typeof foreignBefore) =>
      routes.map(({ name, properties }) => ({
        name,
        properties: { ...properties, provisioningState: undefined },
      }));
    expect(strip(foreignAfter)).toEqual(strip(foreignBefore));
    const table = cluster.emulator.getResource(cluster.tableId) as { tags: Record<string, string> };
    expect(table.tags).toEqual({ owner: 'netops', 'cost-center': '42' });
  });
});

describe('refused, reported, never written', () => {
  it.each([
    ['banana', 'invalid-pod-cidr'],
    ['', 'invalid-pod-cidr'],
    ['10.200.1.0/33', 'invalid-pod-cidr'],
    ['10.200.1.1/24', 'pod-cidr-host-bits'],
    ['0.0.0.0/0', 'pod-cidr-outside-cluster'],
    ['10.99.0.0/24', 'pod-cidr-outside-cluster'],
  ])('a pod-cidr tag of %j is refused (%s) and the existing route is left alone', async (tag, reason) => {
    cluster.emulator.upsertVm({
      resourceGroup: RG,
      name: 'worker-1',
      privateIp: '10.240.0.21',
      tags: { 'pod-cidr': tag },
    });
    cluster.emulator.clearRequests();
    const result = await cluster.run();
    expect(result.refused.map((r) => r.reason)).toContain(reason);
    expect(result.status).toBe('Refused');
    expect(puts()).toHaveLength(0);
    expect(routeMap(cluster.storedRoutes())).toEqual(CONVERGED);
  });

  it('two workers claiming overlapping CIDRs change neither route', async () => {
    cluster.emulator.upsertVm({
      resourceGroup: RG,
      name: 'worker-1',
      privateIp: '10.240.0.21',
      tags: { 'pod-cidr': '10.200.0.0/23' },
    });
    cluster.emulator.clearRequests();
    const result = await cluster.run();
    expect(result.refused.map((r) => r.reason)).toContain('overlapping-pod-cidrs');
    expect(puts()).toHaveLength(0);
    expect(routeMap(cluster.storedRoutes())).toEqual(CONVERGED);
  });

  it('a foreign route already holding a prefix we need is not overwritten', async () => {
    await cluster.deleteRoute('kubernetes-route-10-200-1-0-24');
    await cluster.putRoute('netops-special', {
      addressPrefix: '10.200.1.0/24',
      nextHopType: 'VirtualAppliance',
      nextHopIpAddress: '10.240.0.50',
    });
    cluster.emulator.clearRequests();
    const result = await cluster.run();
    expect(result.refused.map((r) => r.reason)).toContain('foreign-route-conflict');
    expect(routeMap(cluster.storedRoutes())['netops-special']).toBe(
      '10.200.1.0/24 -> VirtualAppliance 10.240.0.50',
    );
    expect(puts()).toHaveLength(0);
  });

  it('deleting most owned routes at once is refused unless forced', async () => {
    for (const [name, ip] of [
      ['worker-0', '10.240.0.20'],
      ['worker-1', '10.240.0.21'],
    ] as const) {
      cluster.emulator.upsertVm({ resourceGroup: RG, name, privateIp: ip, tags: { role: 'worker' } });
    }
    for (let i = 2; i < 4; i++) {
      await cluster.putRoute(`kubernetes-route-10-200-${i}-0-24`, {
        addressPrefix: `10.200.${i}.0/24`,
        nextHopType: 'VirtualAppliance',
        nextHopIpAddress: `10.240.0.${20 + i}`,
      });
    }
    cluster.emulator.clearRequests();
    const refused = await cluster.run();
    expect(refused.status).toBe('Refused');
    expect(refused.refused.map((r) => r.reason)).toContain('mass-deletion');
    expect(cluster.storedRoutes()).toHaveLength(4);

    const forced = await cluster.run({ forceDeletions: true });
    expect(forced.status).toBe('Repaired');
    expect(cluster.storedRoutes()).toHaveLength(0);
  });

  it('a run that both adds workers and is refused a mass deletion ends Refused: its own new routes do not raise its limit', async () => {
    for (let i = 2; i < 5; i++) {
      await cluster.putRoute(`kubernetes-route-10-200-${i}-0-24`, {
        addressPrefix: `10.200.${i}.0/24`,
        nextHopType: 'VirtualAppliance',
        nextHopIpAddress: `10.240.0.${20 + i}`,
      });
    }
    for (const i of [7, 8]) {
      cluster.emulator.upsertVm({
        resourceGroup: RG,
        name: `worker-${i}`,
        privateIp: `10.240.0.${20 + i}`,
        tags: { 'pod-cidr': `10.200.${i}.0/24` },
      });
    }
    const result = await cluster.run();
    expect(result.status).toBe('Refused');
    expect(result.refused.map((r) => r.reason)).toEqual(['mass-deletion']);
    expect(result.repaired.map((d) => d.kind)).toEqual(['missing-route', 'missing-route']);
    expect(result.unrepaired.every((d) => d.kind === 'stale-route' && !d.repairable)).toBe(true);
    expect(cluster.storedRoutes()).toHaveLength(7);
  });

  it('an empty VM list next to routes we own aborts the run before any write', async () => {
    for (const name of ['controller-0', 'controller-1', 'controller-2', 'worker-0', 'worker-1']) {
      cluster.emulator.deleteResource(
        `/subscriptions/${cluster.emulator.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines/${name}`,
        { emitEvent: false },
      );
    }
    cluster.emulator.clearRequests();
    const result = await cluster.run({ settings: { MAX_ROUTE_DELETIONS: '10' } });
    expect(result.status).toBe('Failed');
    expect(result.error?.message).toMatch(/came back empty/);
    expect(result.error?.transient).toBe(false);
    expect(puts()).toHaveLength(0);
  });
});

describe('report mode and plan', () => {
  it('REMEDIATION_MODE=report detects and reports and never writes', async () => {
    await cluster.deleteRoute('kubernetes-route-10-200-1-0-24');
    cluster.emulator.clearRequests();
    const result = await cluster.run({ settings: { REMEDIATION_MODE: 'report' } });
    expect(result.status).toBe('Drifted');
    expect(result.mode).toBe('report');
    expect(result.unrepaired.map((d) => d.kind)).toEqual(['missing-route']);
    expect(puts()).toHaveLength(0);
  });
});

describe('dual-stack', () => {
  it('a tag with an IPv4 and an IPv6 CIDR gets a route for each, the IPv6 one via the NIC IPv6 address', async () => {
    const nicId = `/subscriptions/${cluster.emulator.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Network/networkInterfaces/worker-0-nic`;
    const nic = cluster.emulator.getResource(nicId) as { properties: { ipConfigurations: unknown[] } };
    nic.properties.ipConfigurations.push({
      name: 'ipconfig-v6',
      properties: { privateIPAddress: 'fd00:10:240::20', privateIPAddressVersion: 'IPv6', primary: false },
    });
    cluster.emulator.upsertResource(nic, { emitEvent: false });
    cluster.emulator.upsertVm({
      resourceGroup: RG,
      name: 'worker-0',
      privateIp: '10.240.0.20',
      tags: { 'pod-cidr': '10.200.0.0/24, fd00:10:200::/64' },
    });
    // upsertVm rewrote the NIC; put the IPv6 configuration back.
    cluster.emulator.upsertResource(nic, { emitEvent: false });
    const result = await cluster.run({ settings: { CLUSTER_CIDR: '10.200.0.0/16,fd00:10:200::/56' } });
    expect(result.status).toBe('Repaired');
    const routes = routeMap(cluster.storedRoutes());
    expect(Object.values(routes)).toContain('fd00:10:200::/64 -> VirtualAppliance fd00:10:240::20');
  });
});

describe('a subnet tied to another route table', () => {
  it('is not moved: the association is refused and reported, the routes are still repaired', async () => {
    const other = await cluster.network.routeTables
      .createOrUpdate(RG, 'netops-routes', { location: 'eastus2', routes: [] }, { updateIntervalInMs: 1 })
      .pollUntilDone();
    const subnet = await cluster.network.subnets.get(RG, 'kubernetes-vnet', 'kubernetes-subnet');
    await cluster.network.subnets
      .createOrUpdate(
        RG,
        'kubernetes-vnet',
        'kubernetes-subnet',
        { ...subnet, routeTable: { id: other.id } },
        { updateIntervalInMs: 1 },
      )
      .pollUntilDone();
    await cluster.deleteRoute('kubernetes-route-10-200-1-0-24');
    // plan says what apply does: the same refusal, and no association promised.
    const planned = await cluster.run({ dryRun: true });
    expect(planned.plan.drift.find((d) => d.kind === 'subnet-not-associated')?.repairable).toBe(false);
    expect(planned.plan.actions.map((a) => a.kind)).not.toContain('associate-subnet');
    const result = await cluster.run();
    expect(result.status).toBe('Refused');
    for (const run of [planned, result]) {
      expect(run.refused).toEqual([
        expect.objectContaining({ reason: 'subnet-associated-elsewhere', subject: cluster.subnetId }),
      ]);
    }
    expect(result.repaired.map((d) => d.kind)).toEqual(['missing-route']);
    const after = cluster.emulator.getResource(cluster.subnetId) as {
      properties: { routeTable: { id: string } };
    };
    expect(after.properties.routeTable.id).toBe(other.id);
    expect(routeMap(cluster.storedRoutes())).toEqual(CONVERGED);
  });
});
