// Workers in scale sets, engine end to end (real SDK against the emulator). Uniform instances are in neither
// the VM list nor the NIC list, so a route of ours pointing at one looked stale; it must survive, reported
// with its own refusal reason. Flexible VMs are ordinary VMs: their tags give them routes like any worker.
import { describe, expect, it } from 'vitest';
import { CONVERGED, RG, routeMap, useCluster } from '../support/cluster.js';
import { FLEXIBLE, scaleSetId, UNIFORM, worldWithScaleSets } from '../support/scale-sets.js';

const cluster = useCluster({ world: worldWithScaleSets() });

const puts = () => cluster.emulator.requests().filter((r) => r.method === 'PUT');
const uniformId = () => scaleSetId(cluster.emulator.subscriptionId, UNIFORM);
const flexId = () => scaleSetId(cluster.emulator.subscriptionId, FLEXIBLE);
const vmId = (name: string) =>
  `/subscriptions/${cluster.emulator.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines/${name}`;
const route = (n: number, ip: string) => ({
  addressPrefix: `10.200.${n}.0/24`,
  nextHopType: 'VirtualAppliance' as const,
  nextHopIpAddress: ip,
});

describe('a Uniform scale set of workers', () => {
  it("its instances' routes survive, each reported as next-hop-is-scale-set-instance; a truly stale route goes", async () => {
    const [i0, i1] = cluster.emulator.scaleSetInstances(uniformId());
    // Routes written for the instances by whatever provisions the pool, and one left by a departed worker.
    await cluster.putRoute('kubernetes-route-10-200-10-0-24', route(10, i0!.privateIp));
    await cluster.putRoute('kubernetes-route-10-200-11-0-24', route(11, i1!.privateIp));
    await cluster.putRoute('kubernetes-route-10-200-12-0-24', route(12, '10.240.0.99'));
    cluster.emulator.clearRequests();

    const result = await cluster.run();

    expect(result.refused.map((r) => [r.reason, r.subject, r.worker])).toEqual([
      ['next-hop-is-scale-set-instance', 'kubernetes-route-10-200-10-0-24', `${UNIFORM}/0`],
      ['next-hop-is-scale-set-instance', 'kubernetes-route-10-200-11-0-24', `${UNIFORM}/1`],
    ]);
    expect(result.refused[0]?.message).toContain(`NIC '${UNIFORM}-nic' of scale-set instance ${UNIFORM}/0`);
    expect(result.repaired.map((d) => [d.kind, d.subject])).toEqual([
      ['stale-route', 'kubernetes-route-10-200-12-0-24'],
    ]);
    expect(result.status).toBe('Refused');
    expect(routeMap(cluster.storedRoutes())).toEqual({
      ...CONVERGED,
      'kubernetes-route-10-200-10-0-24': `10.200.10.0/24 -> VirtualAppliance ${i0!.privateIp}`,
      'kubernetes-route-10-200-11-0-24': `10.200.11.0/24 -> VirtualAppliance ${i1!.privateIp}`,
    });
    // The scale sets cost one list, plus one NIC list per Uniform scale set, at the version ARM registers.
    const scaleSetReads = cluster.emulator.requests().filter((r) => /virtualMachineScaleSets/iu.test(r.path));
    expect(scaleSetReads.map((r) => [r.path.replace(/^.*\/providers\//u, ''), r.apiVersion])).toEqual([
      ['Microsoft.Compute/virtualMachineScaleSets', '2026-04-01'],
      [`Microsoft.Compute/virtualMachineScaleSets/${UNIFORM}/networkInterfaces`, '2018-10-01'],
    ]);
    // Kept as they are: the next run writes nothing.
    cluster.emulator.clearRequests();
    expect((await cluster.run()).refused).toHaveLength(2);
    expect(puts()).toHaveLength(0);
  });

  it('a refused scale-set read (a role without the action) fails the run before any write', async () => {
    const [i0] = cluster.emulator.scaleSetInstances(uniformId());
    await cluster.putRoute('kubernetes-route-10-200-10-0-24', route(10, i0!.privateIp));
    cluster.emulator.faults.add({
      method: 'GET',
      pathRegex: '/virtualMachineScaleSets$',
      status: 403,
      error: {
        code: 'AuthorizationFailed',
        message: 'The client does not have authorization to perform action.',
      },
    });
    cluster.emulator.clearRequests();
    const result = await cluster.run();
    expect(result.status).toBe('Failed');
    expect(result.error?.statusCode).toBe(403);
    expect(puts()).toHaveLength(0);
    expect(cluster.storedRoutes().map((r) => r.name)).toContain('kubernetes-route-10-200-10-0-24');
  });

  it('after a scale-out, the new instance is protected too', async () => {
    const [added] = cluster.emulator.scaleOut(uniformId(), 1);
    expect(cluster.emulator.events.map((e) => e.data.operationName)).toEqual([
      'Microsoft.Compute/virtualMachineScaleSets/write',
    ]);
    await cluster.putRoute('kubernetes-route-10-200-20-0-24', route(20, added!.privateIp));
    const result = await cluster.run();
    expect(result.refused.map((r) => [r.reason, r.worker])).toEqual([
      ['next-hop-is-scale-set-instance', `${UNIFORM}/${added!.instanceId}`],
    ]);
    expect(cluster.storedRoutes().map((r) => r.name)).toContain('kubernetes-route-10-200-20-0-24');
  });

  it('a listed VM that lost its pod-cidr tag still loses its route (stale), scale sets or not', async () => {
    cluster.emulator.setTags(vmId('worker-1'), {}, { operation: 'Replace' });
    const result = await cluster.run();
    expect(result.status).toBe('Repaired');
    expect(result.repaired.map((d) => [d.kind, d.subject])).toEqual([
      ['stale-route', 'kubernetes-route-10-200-1-0-24'],
    ]);
    expect(result.refused).toEqual([]);
    expect(Object.keys(routeMap(cluster.storedRoutes()))).toEqual(['kubernetes-route-10-200-0-0-24']);
  });
});

describe('a Flexible scale set of workers', () => {
  it('its VMs are ordinary VMs: their pod-cidr tags give them routes; one that loses its tag loses its route', async () => {
    const vms = cluster.emulator.scaleOut(flexId(), 2);
    vms.forEach((vm, i) => {
      cluster.emulator.setTags(vm.id, { 'pod-cidr': `10.200.${30 + i}.0/24` });
    });
    const first = await cluster.run();
    expect(first.status).toBe('Repaired');
    expect(first.refused).toEqual([]);
    expect(routeMap(cluster.storedRoutes())).toEqual({
      ...CONVERGED,
      'kubernetes-route-10-200-30-0-24': `10.200.30.0/24 -> VirtualAppliance ${vms[0]!.privateIp}`,
      'kubernetes-route-10-200-31-0-24': `10.200.31.0/24 -> VirtualAppliance ${vms[1]!.privateIp}`,
    });
    expect((await cluster.run()).status).toBe('Healthy');

    cluster.emulator.setTags(vms[1]!.id, {}, { operation: 'Replace' });
    const second = await cluster.run();
    expect(second.repaired.map((d) => [d.kind, d.subject])).toEqual([
      ['stale-route', 'kubernetes-route-10-200-31-0-24'],
    ]);
    expect(second.refused).toEqual([]);
  });
});
