// Azure's route limit: 1,000 user-defined routes per table since 2026 (400 before; MicrosoftDocs/azure-docs
// #128572, #128759). A cluster of 450 workers is reconciled whole; a cloud that still has the old limit is
// served by lowering MAX_ROUTES_PER_TABLE, and then the plan is refused rather than sent to a certain 400.
import { describe, expect, it } from 'vitest';
import { RG, useCluster } from '../support/cluster.js';

const cluster = useCluster();

const WORKERS = 450;
const puts = () => cluster.emulator.requests().filter((r) => r.method === 'PUT');

/**
 * Workers 2..449 join the two of the world file: 450 in all, each with its own /26 pod range. The vnet and its
 * subnet grow to 10.240.0.0/22 first: a /24 has only 251 usable addresses.
 */
function addWorkers(): void {
  const vnetId = cluster.subnetId.replace(/\/subnets\/[^/]+$/u, '');
  const vnet = cluster.emulator.getResource(vnetId) as {
    properties: {
      addressSpace: { addressPrefixes: string[] };
      subnets: Array<{ properties: Record<string, unknown> }>;
    };
  };
  vnet.properties.addressSpace.addressPrefixes = ['10.240.0.0/22'];
  vnet.properties.subnets[0]!.properties.addressPrefix = '10.240.0.0/22';
  cluster.emulator.upsertResource(vnet, { emitEvent: false });
  for (let n = 2; n < WORKERS; n++) {
    cluster.emulator.upsertVm(
      {
        resourceGroup: RG,
        name: `worker-${n}`,
        privateIp: `10.240.${1 + (n >> 8)}.${n & 255}`,
        tags: { 'pod-cidr': `10.200.${8 + (n >> 2)}.${(n & 3) * 64}/26` },
      },
      { emitEvent: false },
    );
  }
}

describe('the route limit', () => {
  it('450 workers: one write puts all 450 routes in the table (the default limit is 1,000)', async () => {
    addWorkers();
    cluster.emulator.clearRequests();
    const result = await cluster.run();
    expect(result.status).toBe('Repaired');
    expect(result.refused).toEqual([]);
    expect(puts()).toHaveLength(1);
    const stored = cluster.storedRoutes();
    expect(stored).toHaveLength(WORKERS);
    expect(stored.find((r) => r.name === 'kubernetes-route-10-200-120-64-26')?.properties).toMatchObject({
      addressPrefix: '10.200.120.64/26',
      nextHopIpAddress: '10.240.2.193',
    });
    expect((await cluster.run()).status).toBe('Healthy');
  });

  it('MAX_ROUTES_PER_TABLE=400 (a cloud with the old limit): the 450-route plan is refused, nothing written', async () => {
    addWorkers();
    cluster.emulator.clearRequests();
    const result = await cluster.run({ settings: { MAX_ROUTES_PER_TABLE: '400' } });
    expect(result.status).toBe('Refused');
    expect(result.refused.map((r) => r.reason)).toEqual(['route-limit-exceeded']);
    expect(result.refused[0]?.message).toContain('the table would hold 450 routes, over the limit of 400');
    expect(puts()).toHaveLength(0);
    expect(cluster.storedRoutes()).toHaveLength(2);
  });
});
