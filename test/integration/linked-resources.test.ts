// Scenario: a subnet and worker NICs as a production cluster has them: an NSG (the seed's kubernetes-nsg), a NAT
// gateway, service endpoints and their policy, a delegation; NICs with a public IP, an NSG, tags and a second IP
// configuration. ARM authorizes every write for the resources its body links to, the engine writes back what
// it read, and the deployed role is exactly enough: the emulator runs in RBAC mode with that role.
import { describe, expect, it } from 'vitest';
import { REQUIRED_ACTIONS, roleActions } from '../../src/azure/operations.js';
import type { Json } from '../../src/emulator/index.js';
import {
  FAST_LRO,
  RG,
  SUBNET,
  startCluster,
  type TestCluster,
  useCluster,
  VNET,
} from '../support/cluster.js';

const cluster = useCluster();

const network = (type: string, name: string, rg = RG, on: TestCluster = cluster) =>
  `/subscriptions/${on.emulator.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Network/${type}/${name}`;
const props = (r: Json | undefined) => (r?.properties ?? {}) as Json;

/** Adds a resource as an operator would, to this file's cluster or to `on`. */
function addResource(
  type: string,
  name: string,
  rg = RG,
  properties: Json = {},
  on: TestCluster = cluster,
): string {
  const id = network(type, name, rg, on);
  on.emulator.upsertResource({ id, location: 'eastus2', properties }, { emitEvent: false });
  return id;
}

/** The actions the engine's requests needed in this run (its own and the linked ones), sorted. */
function actionsNeeded(): string[] {
  const needed = cluster.emulator
    .requests()
    .filter((r) => r.caller === 'role')
    .flatMap((r) => [...(r.action ? [r.action] : []), ...(r.linkedActions ?? [])]);
  return [...new Set(needed)].sort();
}

/** An operator gives the subnet everything a production subnet may carry, then detaches it from the table. */
async function productionSubnetDetached(): Promise<Json> {
  const nat = addResource('natGateways', 'kubernetes-nat');
  const policy = addResource('serviceEndpointPolicies', 'kubernetes-storage-policy');
  const subnet = await cluster.network.subnets.get(RG, VNET, SUBNET);
  await cluster.network.subnets
    .createOrUpdate(
      RG,
      VNET,
      SUBNET,
      {
        ...subnet,
        routeTable: undefined,
        natGateway: { id: nat },
        serviceEndpoints: [{ service: 'Microsoft.Storage', locations: ['eastus2', 'centralus'] }],
        serviceEndpointPolicies: [{ id: policy }],
        delegations: [{ name: 'aci', serviceName: 'Microsoft.ContainerInstance/containerGroups' }],
      },
      FAST_LRO,
    )
    .pollUntilDone();
  return cluster.emulator.getResource(cluster.subnetId)!;
}

describe('the subnet association write keeps everything the subnet refers to', () => {
  it('the seed subnet has kubernetes-nsg, and its association repair needs (and gets) the NSG join', async () => {
    expect(props(cluster.emulator.getResource(cluster.subnetId)).networkSecurityGroup).toEqual({
      id: network('networkSecurityGroups', 'kubernetes-nsg'),
    });
    await cluster.detachSubnet();
    cluster.emulator.clearRequests();
    const result = await cluster.run();
    expect(result.repaired.map((d) => d.kind)).toEqual(['subnet-not-associated']);
    expect(actionsNeeded()).toContain('Microsoft.Network/networkSecurityGroups/join/action');
  });

  it('NAT gateway, service endpoints, endpoint policy, delegation and NSG all survive the association', async () => {
    const before = await productionSubnetDetached();
    cluster.emulator.clearRequests();
    const result = await cluster.run();
    expect(result.status).toBe('Repaired');
    expect(result.repaired.map((d) => d.kind)).toEqual(['subnet-not-associated']);
    const after = cluster.emulator.getResource(cluster.subnetId)!;
    expect(String((props(after).routeTable as Json).id).toLowerCase()).toBe(cluster.tableId.toLowerCase());
    const { routeTable: _a, provisioningState: _b, ...keptAfter } = props(after);
    const { provisioningState: _c, ...keptBefore } = props(before);
    expect(keptAfter).toEqual(keptBefore);
    expect(keptAfter).toMatchObject({
      networkSecurityGroup: { id: network('networkSecurityGroups', 'kubernetes-nsg') },
      natGateway: { id: network('natGateways', 'kubernetes-nat') },
      serviceEndpoints: [{ service: 'Microsoft.Storage' }],
      serviceEndpointPolicies: [{ id: network('serviceEndpointPolicies', 'kubernetes-storage-policy') }],
      delegations: [{ name: 'aci' }],
    });
    // ARM checked the join of every reference the body carried, unchanged ones included.
    const subnetPut = cluster.emulator
      .requests()
      .find((r) => r.method === 'PUT' && r.path.includes('/subnets/'));
    expect(subnetPut?.linkedActions?.sort()).toEqual([
      'Microsoft.Network/natGateways/join/action',
      'Microsoft.Network/networkSecurityGroups/join/action',
      'Microsoft.Network/routeTables/join/action',
      'Microsoft.Network/serviceEndpointPolicies/join/action',
    ]);
  });

  it('an NSG in a group without the role: the association is refused (LinkedAuthorizationFailed) until the role is assigned there', async () => {
    // Clusters of their own, with the role assigned in the cluster group only, then in both groups.
    const restricted = await startCluster({ rbac: { actions: roleActions(false), resourceGroups: [RG] } });
    let world: { subscriptionId: string; resources: Json[] };
    try {
      const nsg = addResource('networkSecurityGroups', 'shared-nsg', 'network-security', {}, restricted);
      const subnet = await restricted.network.subnets.get(RG, VNET, SUBNET);
      await restricted.network.subnets
        .createOrUpdate(
          RG,
          VNET,
          SUBNET,
          { ...subnet, routeTable: undefined, networkSecurityGroup: { id: nsg } },
          FAST_LRO,
        )
        .pollUntilDone();
      const refused = await restricted.run();
      expect(refused.status).toBe('Failed');
      expect(refused.error).toMatchObject({ statusCode: 403, code: 'LinkedAuthorizationFailed' });
      expect(refused.error?.message).toContain(nsg);
      expect(props(restricted.emulator.getResource(restricted.subnetId)).routeTable).toBeUndefined();
      world = {
        subscriptionId: restricted.emulator.subscriptionId,
        resources: ['networkSecurityGroups', 'virtualNetworks', 'routeTables', 'networkInterfaces']
          .flatMap((t) => restricted.emulator.listResources(`Microsoft.Network/${t}`))
          .concat(restricted.emulator.listResources('Microsoft.Compute/virtualMachines')),
      };
    } finally {
      await restricted.stop();
    }

    // NETWORK_RESOURCE_GROUPS=network-security assigns the role there too.
    const assigned = await startCluster({
      world,
      rbac: { actions: roleActions(false), resourceGroups: [RG, 'network-security'] },
    });
    try {
      const repaired = await assigned.run();
      expect(repaired.repaired.map((d) => d.kind)).toEqual(['subnet-not-associated']);
    } finally {
      await assigned.stop();
    }
  });
});

describe('a subnet whose prefixes come from an IPAM pool', () => {
  const IPAM = 'Microsoft.Network/networkManagers/ipamPools/associateResourcesToPool/action';

  /** The operator's subnet takes its prefix from an AVNM IPAM pool (in another group), and is detached. */
  async function ipamSubnetDetached(on: TestCluster): Promise<string> {
    const pool = `/subscriptions/${on.emulator.subscriptionId}/resourceGroups/network-manager/providers/Microsoft.Network/networkManagers/avnm/ipamPools/kubernetes`;
    const subnet = await on.network.subnets.get(RG, VNET, SUBNET);
    await on.network.subnets
      .createOrUpdate(
        RG,
        VNET,
        SUBNET,
        {
          ...subnet,
          routeTable: undefined,
          // The SDK flattens the wire's `pool.id` into `id`.
          ipamPoolPrefixAllocations: [{ id: pool, numberOfIpAddresses: '256' }],
        },
        FAST_LRO,
      )
      .pollUntilDone();
    return pool;
  }

  it('the association keeps the allocation and needed the pool action, which the role grants', async () => {
    const pool = await ipamSubnetDetached(cluster);
    cluster.emulator.clearRequests();
    const result = await cluster.run();
    expect(result.repaired.map((d) => d.kind)).toEqual(['subnet-not-associated']);
    expect(props(cluster.emulator.getResource(cluster.subnetId)).ipamPoolPrefixAllocations).toMatchObject([
      { pool: { id: pool } },
    ]);
    expect(actionsNeeded()).toContain(IPAM);
    expect(REQUIRED_ACTIONS).toContain(IPAM);
  });

  it('a role without the pool action: the association is refused (LinkedAuthorizationFailed)', async () => {
    const restricted = await startCluster({
      rbac: { actions: roleActions(false).filter((a) => a !== IPAM) },
    });
    try {
      const pool = await ipamSubnetDetached(restricted);
      const refused = await restricted.run();
      expect(refused.error).toMatchObject({ statusCode: 403, code: 'LinkedAuthorizationFailed' });
      expect(refused.error?.message).toContain(pool);
    } finally {
      await restricted.stop();
    }
  });
});

describe('the IP forwarding repair (NIC write) keeps the NIC whole', () => {
  it('IP configurations, public IP, NSG and tags survive; the write needed the subnet, public IP and NSG joins', async () => {
    const pip = addResource('publicIPAddresses', 'worker-1-pip');
    const nic = await cluster.network.networkInterfaces.get(RG, 'worker-1-nic');
    const primary = nic.ipConfigurations![0]!;
    await cluster.network.networkInterfaces
      .createOrUpdate(
        RG,
        'worker-1-nic',
        {
          ...nic,
          enableIPForwarding: false,
          tags: { role: 'worker', owner: 'platform-team' },
          networkSecurityGroup: { id: network('networkSecurityGroups', 'kubernetes-nsg') },
          ipConfigurations: [
            { ...primary, publicIPAddress: { id: pip } },
            {
              name: 'ipconfig2',
              privateIPAddress: '10.240.0.31',
              privateIPAllocationMethod: 'Static',
              primary: false,
              subnet: { id: cluster.subnetId },
            },
          ],
        },
        FAST_LRO,
      )
      .pollUntilDone();
    const before = cluster.emulator.getResource(network('networkInterfaces', 'worker-1-nic'))!;
    cluster.emulator.clearRequests();
    const result = await cluster.run({ settings: { REPAIR_IP_FORWARDING: 'true' } });
    expect(result.status).toBe('Repaired');
    const after = cluster.emulator.getResource(network('networkInterfaces', 'worker-1-nic'))!;
    expect(props(after).enableIPForwarding).toBe(true);
    expect(after.tags).toEqual({ role: 'worker', owner: 'platform-team' });
    const strip = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(strip);
      if (!value || typeof value !== 'object') return value;
      const out: Json = {};
      for (const [k, v] of Object.entries(value))
        if (!['etag', 'provisioningState', 'enableIPForwarding'].includes(k)) out[k] = strip(v);
      return out;
    };
    expect(strip(props(after))).toEqual(strip(props(before)));
    expect(props(after).ipConfigurations).toHaveLength(2);
    const nicPut = cluster.emulator
      .requests()
      .find((r) => r.method === 'PUT' && r.path.includes('/networkInterfaces/'));
    expect(nicPut?.linkedActions?.sort()).toEqual([
      'Microsoft.Network/networkSecurityGroups/join/action',
      'Microsoft.Network/publicIPAddresses/join/action',
      'Microsoft.Network/virtualNetworks/subnets/join/action',
    ]);
  });
});

describe('the deployed role is exactly what a run needs', () => {
  it('a run repairing every kind of drift needs only actions of the role (REPAIR_IP_FORWARDING on)', async () => {
    await productionSubnetDetached();
    addResource('publicIPAddresses', 'worker-0-pip');
    const nicId = network('networkInterfaces', 'worker-0-nic');
    const nic = cluster.emulator.getResource(nicId)!;
    props(nic).enableIPForwarding = false;
    cluster.emulator.upsertResource(nic, { emitEvent: false });
    await cluster.deleteRoute('kubernetes-route-10-200-1-0-24');
    cluster.emulator.clearRequests();
    const result = await cluster.run({ settings: { REPAIR_IP_FORWARDING: 'true' } });
    expect(result.status).toBe('Repaired');
    const needed = actionsNeeded();
    expect(needed.filter((a) => !roleActions(true).includes(a))).toEqual([]);
    expect(needed).toEqual(
      expect.arrayContaining([
        'Microsoft.Network/networkInterfaces/write',
        'Microsoft.Network/natGateways/join/action',
        'Microsoft.Network/serviceEndpointPolicies/join/action',
        'Microsoft.Network/virtualNetworks/subnets/join/action',
      ]),
    );
  });

  it('a run without REPAIR_IP_FORWARDING needs only the always-granted actions', async () => {
    await productionSubnetDetached();
    await cluster.deleteRoute('kubernetes-route-10-200-1-0-24');
    cluster.emulator.clearRequests();
    const result = await cluster.run();
    expect(result.status).toBe('Repaired');
    expect(actionsNeeded().filter((a) => !REQUIRED_ACTIONS.includes(a))).toEqual([]);
  });
});
