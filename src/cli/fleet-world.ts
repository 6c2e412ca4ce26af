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

interface WorkerSpec {
  name: string;
  ip: string;
  podCidr: string;
  subnetId: string;
  location: string;
}

/** A worker VM (tagged with its pod CIDR) and its NIC (IP forwarding on) in the group of `base`. */
function workerResources(base: string, w: WorkerSpec): Json[] {
  const vmId = `${base}/Microsoft.Compute/virtualMachines/${w.name}`;
  const nicId = `${base}/Microsoft.Network/networkInterfaces/${w.name}-nic`;
  return [
    {
      id: nicId,
      name: `${w.name}-nic`,
      type: 'Microsoft.Network/networkInterfaces',
      location: w.location,
      properties: {
        enableIPForwarding: true,
        virtualMachine: { id: vmId },
        ipConfigurations: [
          {
            name: 'ipconfig1',
            properties: {
              privateIPAddress: w.ip,
              privateIPAllocationMethod: 'Static',
              primary: true,
              privateIPAddressVersion: 'IPv4',
              subnet: { id: w.subnetId },
            },
          },
        ],
      },
    },
    {
      id: vmId,
      name: w.name,
      type: 'Microsoft.Compute/virtualMachines',
      location: w.location,
      tags: { role: 'worker', 'pod-cidr': w.podCidr },
      properties: {
        hardwareProfile: { vmSize: 'Standard_B2s' },
        networkProfile: { networkInterfaces: [{ id: nicId, properties: { primary: true } }] },
      },
    },
  ];
}

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
  for (let i = 0; i < workers; i++)
    resources.push(
      ...workerResources(base, {
        name: `worker-${i}`,
        ip: `10.${c}.${Math.floor((20 + i) / 256)}.${(20 + i) % 256}`,
        podCidr: `100.64.${i}.0/24`,
        subnetId,
        location: LOCATION,
      }),
    );
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

// The large cluster: N workers (at most 1,000, the per-table route limit) in four subnets across two regions,
// a vnet and a route table per region (each table associated with its region's two subnets, and empty: both
// need their write), the two vnets peered both ways (Connected, forwarded traffic allowed). Worker i sits in
// subnet i mod 4; its pod CIDR is 100.(64 + i / 256).(i % 256).0/24 (the cluster range 100.64.0.0/10).
const LARGE_CLUSTER = 'large';
const LARGE_REGIONS = [
  { key: 'east', location: 'eastus2', subnets: ['nodes-a', 'nodes-b'] },
  { key: 'west', location: 'westus2', subnets: ['nodes-c', 'nodes-d'] },
] as const;

const largeGroup = (r: number) => `${LARGE_CLUSTER}-${LARGE_REGIONS[r]!.key}`;
const largeVnetName = (r: number) => `${largeGroup(r)}-vnet`;
const largeTableName = (r: number) => `${largeGroup(r)}-routes`;
const largeBase = (r: number) =>
  `/subscriptions/${fleetSubscription(0)}/resourceGroups/${largeGroup(r)}/providers`;
const largeVnetId = (r: number) => `${largeBase(r)}/Microsoft.Network/virtualNetworks/${largeVnetName(r)}`;

/** Region r's vnet 10.(1 + r).0.0/16 with its two /20 subnets (associated with its table) and its peering. */
function largeVnet(r: number): Json {
  const region = LARGE_REGIONS[r]!;
  const tableId = `${largeBase(r)}/Microsoft.Network/routeTables/${largeTableName(r)}`;
  const other = 1 - r;
  return {
    id: largeVnetId(r),
    name: largeVnetName(r),
    type: 'Microsoft.Network/virtualNetworks',
    location: region.location,
    properties: {
      addressSpace: { addressPrefixes: [`10.${1 + r}.0.0/16`] },
      subnets: region.subnets.map((name, s) => ({
        name,
        properties: { addressPrefix: `10.${1 + r}.${16 * s}.0/20`, routeTable: { id: tableId } },
      })),
      virtualNetworkPeerings: [
        {
          name: `${region.key}-to-${LARGE_REGIONS[other]!.key}`,
          properties: {
            remoteVirtualNetwork: { id: largeVnetId(other) },
            allowVirtualNetworkAccess: true,
            allowForwardedTraffic: true,
          },
        },
      ],
    },
  };
}

/** The emulator world of one cluster of N workers in four subnets over two regions (two tables). */
export function makeLargeClusterWorld(workers: number): WorldFile {
  const resources: Json[] = [];
  for (let r = 0; r < LARGE_REGIONS.length; r++)
    resources.push(largeVnet(r), {
      id: `${largeBase(r)}/Microsoft.Network/routeTables/${largeTableName(r)}`,
      name: largeTableName(r),
      type: 'Microsoft.Network/routeTables',
      location: LARGE_REGIONS[r]!.location,
      properties: { disableBgpRoutePropagation: false, routes: [] },
    });
  for (let i = 0; i < workers; i++) {
    const subnet = i % 4;
    const r = Math.floor(subnet / 2);
    const host = 4 + Math.floor(i / 4); // Azure keeps the first four addresses of a subnet
    resources.push(
      ...workerResources(largeBase(r), {
        name: `worker-${i}`,
        ip: `10.${1 + r}.${16 * (subnet % 2) + Math.floor(host / 256)}.${host % 256}`,
        podCidr: `100.${64 + Math.floor(i / 256)}.${i % 256}.0/24`,
        subnetId: `${largeVnetId(r)}/subnets/${LARGE_REGIONS[r]!.subnets[subnet % 2]}`,
        location: LARGE_REGIONS[r]!.location,
      }),
    );
  }
  return {
    subscriptionId: fleetSubscription(0),
    tenantId: TENANT,
    resourceGroups: LARGE_REGIONS.map((region, r) => ({ name: largeGroup(r), location: region.location })),
    resources,
  };
}

/** The fleet file of that cluster: a worker group and a table per region. */
export function makeLargeClusterFile(): FleetFile {
  return {
    clusters: [
      {
        name: LARGE_CLUSTER,
        subscriptionId: fleetSubscription(0),
        clusterCidr: '100.64.0.0/10',
        workers: LARGE_REGIONS.map((_, r) => ({ resourceGroup: largeGroup(r) })),
        routeTables: LARGE_REGIONS.map((region, r) => ({
          name: largeTableName(r),
          resourceGroup: largeGroup(r),
          subnets: region.subnets.map((name) => ({ virtualNetwork: largeVnetName(r), name })),
        })),
      },
    ],
  };
}
