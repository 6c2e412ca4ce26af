// Scenario: workers behind a load balancer (examples/load-balanced.world.json). The Kubernetes cloud provider put
// the worker NICs in the `kubernetes` load balancer's backend pool, worker-0 is the target of an inbound NAT rule,
// both are in an application security group and worker-1 in an application gateway's pool (the last two in
// `network-security`), and both lost IP forwarding. The repair writes the whole NIC back: ARM checks a join on
// each of those references, so the deployed role must hold them, at each one's resource group.
import { describe, expect, it } from 'vitest';
import { roleActions } from '../../src/azure/operations.js';
import type { Json } from '../../src/emulator/index.js';
import { RG, startCluster, type TestCluster } from '../support/cluster.js';

const WORLD = 'examples/load-balanced.world.json';
const REPAIR = { settings: { REPAIR_IP_FORWARDING: 'true' } };
const NIC_JOINS = [
  'Microsoft.Network/applicationGateways/backendAddressPools/join/action',
  'Microsoft.Network/applicationSecurityGroups/joinIpConfiguration/action',
  'Microsoft.Network/loadBalancers/backendAddressPools/join/action',
  'Microsoft.Network/loadBalancers/inboundNatRules/join/action',
];

const props = (r: Json | undefined) => (r?.properties ?? {}) as Json;

function nic(cluster: TestCluster, name: string): Json {
  return cluster.emulator.getResource(
    `/subscriptions/${cluster.emulator.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Network/networkInterfaces/${name}`,
  )!;
}

async function withCluster(
  rbac: { actions: readonly string[]; resourceGroups?: string[] },
  test: (cluster: TestCluster) => Promise<void>,
): Promise<void> {
  const cluster = await startCluster({ world: WORLD, rbac });
  try {
    await test(cluster);
  } finally {
    await cluster.stop();
  }
}

describe('IP forwarding repair of load-balanced workers, in RBAC mode with the deployed role', () => {
  it('the role (REPAIR_IP_FORWARDING on) repairs both NICs; the writes needed every pool, NAT rule and ASG join', async () => {
    await withCluster({ actions: roleActions(true) }, async (cluster) => {
      const before = structuredClone(nic(cluster, 'worker-0-nic'));
      const result = await cluster.run(REPAIR);
      expect(result.error).toBeUndefined();
      expect(result.status).toBe('Repaired');
      for (const name of ['worker-0-nic', 'worker-1-nic'])
        expect(props(nic(cluster, name)).enableIPForwarding).toBe(true);
      // The memberships survive the write.
      const ipConfig = (n: Json) => props((props(n).ipConfigurations as Json[])[0]);
      for (const field of [
        'loadBalancerBackendAddressPools',
        'loadBalancerInboundNatRules',
        'applicationSecurityGroups',
      ])
        expect(ipConfig(nic(cluster, 'worker-0-nic'))[field]).toEqual(ipConfig(before)[field]);
      const linked = cluster.emulator
        .requests()
        .filter((r) => r.method === 'PUT' && r.path.includes('/networkInterfaces/'))
        .flatMap((r) => r.linkedActions ?? []);
      expect(linked).toEqual(expect.arrayContaining(NIC_JOINS));
    });
  });

  it.each(NIC_JOINS)(
    'a role without %s: the repair is refused with LinkedAuthorizationFailed',
    async (join) => {
      await withCluster({ actions: roleActions(true).filter((a) => a !== join) }, async (cluster) => {
        const result = await cluster.run(REPAIR);
        expect(result.status).toBe('Failed');
        expect(result.error).toMatchObject({ statusCode: 403, code: 'LinkedAuthorizationFailed' });
        expect(result.error?.message).toContain(join);
      });
    },
  );

  it('the ASG and the application gateway in network-security: refused until NETWORK_RESOURCE_GROUPS lists that group', async () => {
    await withCluster({ actions: roleActions(true), resourceGroups: [RG] }, async (cluster) => {
      const refused = await cluster.run(REPAIR);
      expect(refused.error).toMatchObject({ statusCode: 403, code: 'LinkedAuthorizationFailed' });
      expect(refused.error?.message).toContain('/resourceGroups/network-security/');
    });
    await withCluster(
      { actions: roleActions(true), resourceGroups: [RG, 'network-security'] },
      async (cluster) => {
        expect((await cluster.run(REPAIR)).status).toBe('Repaired');
      },
    );
  });
});
