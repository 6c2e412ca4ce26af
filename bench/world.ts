// Synthetic clusters for the benchmark: N workers (+3 controllers without a pod CIDR), one NIC each, the vnet
// and subnet (associated with the route table), and the route table holding every worker's route, then D
// routes drifted. Worker i: pod CIDR 10.(200 + i/256).(i%256).0/24, private IP 10.240.0.20 + i (in a /16).
import type { Config } from '../src/config.js';
import { loadConfig } from '../src/config.js';
import { routeNameForCidr } from '../src/core/naming.js';
import type { Inventory, NicRecord, RouteRecord, VmRecord } from '../src/core/types.js';
import type { Json, WorldFile } from '../src/emulator/world.js';

const SUBSCRIPTION = '3f2a7c1e-8b4d-4e6f-9a1b-2c3d4e5f6a7b';
const TENANT = '9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f';
export const RG = 'kubernetes';
const LOCATION = 'eastus2';
export const TABLE = 'kubernetes-routes';
const VNET = 'kubernetes-vnet';
const SUBNET = 'kubernetes-subnet';
const CLUSTER_CIDR = '10.192.0.0/10';
export const ROUTE_PREFIX = 'kubernetes-route-';
export const CONTROLLERS = 3;

const base = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RG}/providers`;
export const TABLE_ID = `${base}/Microsoft.Network/routeTables/${TABLE}`;
const VNET_ID = `${base}/Microsoft.Network/virtualNetworks/${VNET}`;
export const SUBNET_ID = `${VNET_ID}/subnets/${SUBNET}`;

function ipAt(offset: number): string {
  return `10.240.${Math.floor(offset / 256)}.${offset % 256}`;
}

export function podCidr(i: number): string {
  return `10.${200 + Math.floor(i / 256)}.${i % 256}.0/24`;
}

export function workerIp(i: number): string {
  return ipAt(20 + i);
}

export function workerName(i: number): string {
  return `worker-${i}`;
}

export interface DesiredRoute {
  name: string;
  addressPrefix: string;
  nextHopIpAddress: string;
}

export function desiredRoute(i: number): DesiredRoute {
  const cidr = podCidr(i);
  return { name: routeNameForCidr(cidr, ROUTE_PREFIX), addressPrefix: cidr, nextHopIpAddress: workerIp(i) };
}

/** Drift kinds, applied in turn to workers 0..D-1: the route is missing, or points at a stale next hop. */
function driftKind(i: number): 'missing' | 'wrong-next-hop' {
  return i % 2 === 0 ? 'missing' : 'wrong-next-hop';
}

/** The table's routes with D of them drifted. */
function tableRoutes(n: number, d: number): DesiredRoute[] {
  const routes: DesiredRoute[] = [];
  for (let i = 0; i < n; i++) {
    const want = desiredRoute(i);
    if (i < d && driftKind(i) === 'missing') continue;
    routes.push(i < d ? { ...want, nextHopIpAddress: ipAt(60_000 - i) } : want);
  }
  return routes;
}

function vmJson(name: string, tags: Record<string, string>, nicId: string): Json {
  return {
    id: `${base}/Microsoft.Compute/virtualMachines/${name}`,
    name,
    type: 'Microsoft.Compute/virtualMachines',
    location: LOCATION,
    tags,
    properties: {
      hardwareProfile: { vmSize: 'Standard_B2s' },
      osProfile: { computerName: name, adminUsername: 'kuberoot' },
      networkProfile: { networkInterfaces: [{ id: nicId, properties: { primary: true } }] },
    },
  };
}

function nicJson(vmName: string, ip: string): Json {
  const name = `${vmName}-nic`;
  return {
    id: `${base}/Microsoft.Network/networkInterfaces/${name}`,
    name,
    type: 'Microsoft.Network/networkInterfaces',
    location: LOCATION,
    properties: {
      enableIPForwarding: true,
      virtualMachine: { id: `${base}/Microsoft.Compute/virtualMachines/${vmName}` },
      ipConfigurations: [
        {
          name: 'ipconfig1',
          properties: {
            privateIPAddress: ip,
            privateIPAllocationMethod: 'Static',
            primary: true,
            privateIPAddressVersion: 'IPv4',
            subnet: { id: SUBNET_ID },
          },
        },
      ],
    },
  };
}

/** The emulator world of N workers with D drifted routes. */
export function makeWorld(n: number, d: number): WorldFile {
  const resources: Json[] = [
    {
      id: VNET_ID,
      name: VNET,
      type: 'Microsoft.Network/virtualNetworks',
      location: LOCATION,
      properties: {
        addressSpace: { addressPrefixes: ['10.240.0.0/16'] },
        subnets: [
          { name: SUBNET, properties: { addressPrefix: '10.240.0.0/16', routeTable: { id: TABLE_ID } } },
        ],
      },
    },
    {
      id: TABLE_ID,
      name: TABLE,
      type: 'Microsoft.Network/routeTables',
      location: LOCATION,
      properties: {
        disableBgpRoutePropagation: false,
        routes: tableRoutes(n, d).map((r) => ({
          name: r.name,
          properties: {
            addressPrefix: r.addressPrefix,
            nextHopType: 'VirtualAppliance',
            nextHopIpAddress: r.nextHopIpAddress,
          },
        })),
      },
    },
  ];
  for (let c = 0; c < CONTROLLERS; c++) {
    const name = `controller-${c}`;
    const nic = nicJson(name, ipAt(10 + c));
    resources.push(nic, vmJson(name, { role: 'controller' }, String(nic.id)));
  }
  for (let i = 0; i < n; i++) {
    const name = workerName(i);
    const nic = nicJson(name, workerIp(i));
    resources.push(nic, vmJson(name, { role: 'worker', 'pod-cidr': podCidr(i) }, String(nic.id)));
  }
  return {
    subscriptionId: SUBSCRIPTION,
    tenantId: TENANT,
    resourceGroups: [{ name: RG, location: LOCATION }],
    resources,
  };
}

/** The engine's settings for the synthetic cluster on an emulator endpoint. */
export function benchConfig(endpoint: string, caFile: string): Config {
  return loadConfig({
    AZURE_SUBSCRIPTION_ID: SUBSCRIPTION,
    CLUSTER_RESOURCE_GROUP: RG,
    ROUTE_TABLE_NAME: TABLE,
    VNET_NAME: VNET,
    SUBNET_NAME: SUBNET,
    CLUSTER_CIDR,
    ROUTE_NAME_PREFIX: ROUTE_PREFIX,
    ARM_ENDPOINT: endpoint,
    ARM_CA_FILE: caFile,
  });
}

/** The planner's input for N workers with D drifted routes, built directly (no ARM, no SDK models). */
export function makeInventory(n: number, d: number): Inventory {
  const vms: VmRecord[] = [];
  const nics: NicRecord[] = [];
  for (let i = 0; i < n; i++) {
    const vmId = `${base}/Microsoft.Compute/virtualMachines/${workerName(i)}`;
    const nicId = `${base}/Microsoft.Network/networkInterfaces/${workerName(i)}-nic`;
    vms.push({
      id: vmId,
      name: workerName(i),
      tags: { role: 'worker', 'pod-cidr': podCidr(i) },
      nicRefs: [{ id: nicId, primary: true }],
    });
    nics.push({
      id: nicId,
      name: `${workerName(i)}-nic`,
      vmId,
      enableIpForwarding: true,
      ipConfigurations: [
        {
          name: 'ipconfig1',
          primary: true,
          privateIpAddress: workerIp(i),
          privateIpVersion: 'IPv4',
          subnetId: SUBNET_ID,
        },
      ],
    });
  }
  const routes: RouteRecord[] = tableRoutes(n, d).map((r) => ({
    name: r.name,
    addressPrefix: r.addressPrefix,
    nextHopType: 'VirtualAppliance',
    nextHopIpAddress: r.nextHopIpAddress,
    provisioningState: 'Succeeded',
  }));
  return {
    vms,
    nics,
    routeTable: {
      id: TABLE_ID,
      name: TABLE,
      location: LOCATION,
      etag: 'W/"bench"',
      provisioningState: 'Succeeded',
      routes,
      subnetIds: [SUBNET_ID],
    },
    vnetLocation: LOCATION,
  };
}
