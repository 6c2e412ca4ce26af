// Synthetic fleets for the fleet demo, bench and tests: C clusters of N workers spread over S subscriptions.
// Cluster c lives in resource group cluster-c of subscription c mod S: its vnet 10.c.0.0/16 with one subnet
// associated with its (empty) route table, and N workers (VM + NIC, 10.c.0.(20 + i)) with pod CIDRs
// 100.64.i.0/24. Every table starts without routes: one tick must write every cluster's table once.
import type { Json, WorldFile } from '../emulator/world.js';
import type { FleetFile } from '../fleet/schema.js';

const TENANT = '9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f';
const LOCATION = 'eastus2';
const FLEET_CLUSTER_CIDR = '100.64.0.0/16';

/** The i-th subscription of a fleet world. */
export function fleetSubscription(index: number): string {
  return `5ab1c2d3-0000-4000-8000-${String(index).padStart(12, '0')}`;
}

export interface FleetShape {
  clusters: number;
  workersPerCluster: number;
  subscriptions: number;
}

const clusterName = (c: number) => `cluster-${c}`;

function clusterResources(c: number, subscriptionId: string, workers: number): Json[] {
  const name = clusterName(c);
  const base = `/subscriptions/${subscriptionId}/resourceGroups/${name}/providers`;
  const tableId = `${base}/Microsoft.Network/routeTables/${name}-routes`;
  const vnetId = `${base}/Microsoft.Network/virtualNetworks/${name}-vnet`;
  const subnetId = `${vnetId}/subnets/nodes`;
  const resources: Json[] = [
    {
      id: vnetId,
      name: `${name}-vnet`,
      type: 'Microsoft.Network/virtualNetworks',
      location: LOCATION,
      properties: {
        addressSpace: { addressPrefixes: [`10.${c}.0.0/16`] },
        subnets: [
          { name: 'nodes', properties: { addressPrefix: `10.${c}.0.0/16`, routeTable: { id: tableId } } },
        ],
      },
    },
    {
      id: tableId,
      name: `${name}-routes`,
      type: 'Microsoft.Network/routeTables',
      location: LOCATION,
      properties: { disableBgpRoutePropagation: false, routes: [] },
    },
  ];
  for (let i = 0; i < workers; i++) {
    const vm = `worker-${i}`;
    const vmId = `${base}/Microsoft.Compute/virtualMachines/${vm}`;
    const nicId = `${base}/Microsoft.Network/networkInterfaces/${vm}-nic`;
    resources.push(
      {
        id: nicId,
        name: `${vm}-nic`,
        type: 'Microsoft.Network/networkInterfaces',
        location: LOCATION,
        properties: {
          enableIPForwarding: true,
          virtualMachine: { id: vmId },
          ipConfigurations: [
            {
              name: 'ipconfig1',
              properties: {
                privateIPAddress: `10.${c}.${Math.floor((20 + i) / 256)}.${(20 + i) % 256}`,
                privateIPAllocationMethod: 'Static',
                primary: true,
                privateIPAddressVersion: 'IPv4',
                subnet: { id: subnetId },
              },
            },
          ],
        },
      },
      {
        id: vmId,
        name: vm,
        type: 'Microsoft.Compute/virtualMachines',
        location: LOCATION,
        tags: { role: 'worker', 'pod-cidr': `100.64.${i}.0/24` },
        properties: {
          hardwareProfile: { vmSize: 'Standard_B2s' },
          networkProfile: { networkInterfaces: [{ id: nicId, properties: { primary: true } }] },
        },
      },
    );
  }
  return resources;
}

/** The emulator world of a fleet. */
export function makeFleetWorld(shape: FleetShape): WorldFile {
  const subscriptions = Array.from({ length: shape.subscriptions }, (_, s) => fleetSubscription(s));
  const resources: Json[] = [];
  const resourceGroups: WorldFile['resourceGroups'] = [];
  for (let c = 0; c < shape.clusters; c++) {
    const subscriptionId = subscriptions[c % subscriptions.length]!;
    resourceGroups.push({ name: clusterName(c), location: LOCATION, subscriptionId });
    resources.push(...clusterResources(c, subscriptionId, shape.workersPerCluster));
  }
  return {
    subscriptionId: subscriptions[0]!,
    subscriptions: subscriptions.slice(1).map((subscriptionId) => ({ subscriptionId })),
    tenantId: TENANT,
    resourceGroups,
    resources,
  };
}

/** The fleet file of the same fleet. */
export function makeFleetFile(shape: FleetShape): FleetFile {
  return {
    clusters: Array.from({ length: shape.clusters }, (_, c) => ({
      name: clusterName(c),
      subscriptionId: fleetSubscription(c % shape.subscriptions),
      clusterCidr: FLEET_CLUSTER_CIDR,
      workers: [{ resourceGroup: clusterName(c) }],
      routeTables: [
        {
          name: `${clusterName(c)}-routes`,
          resourceGroup: clusterName(c),
          subnets: [{ virtualNetwork: `${clusterName(c)}-vnet`, name: 'nodes' }],
        },
      ],
    })),
  };
}
