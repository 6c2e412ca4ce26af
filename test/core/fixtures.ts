// The provisioning report's cluster as plain inventory, plus a tiny table simulator for the write.
import type {
  Inventory,
  NicRecord,
  PlanSettings,
  RouteRecord,
  RouteTableRecord,
  TableWrite,
  VmRecord,
} from '../../src/core/types.js';

export const SUB = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/kubernetes/providers';
const TABLE_ID = `${SUB}/Microsoft.Network/routeTables/kubernetes-routes`;
export const SUBNET_ID = `${SUB}/Microsoft.Network/virtualNetworks/kubernetes-vnet/subnets/kubernetes-subnet`;

export function settings(over: Partial<PlanSettings> = {}): PlanSettings {
  return {
    clusterCidrs: ['10.200.0.0/16'],
    podCidrTag: 'pod-cidr',
    routeNamePrefix: 'kubernetes-route-',
    routeTableId: TABLE_ID,
    routeTableName: 'kubernetes-routes',
    subnetIds: [SUBNET_ID],
    maxRouteDeletions: 'auto',
    forceDeletions: false,
    repairIpForwarding: false,
    maxRoutesPerTable: 1000,
    ...over,
  };
}

export function vm(name: string, podCidr: string | undefined, nicName = `${name}-nic`): VmRecord {
  return {
    id: `${SUB}/Microsoft.Compute/virtualMachines/${name}`,
    name,
    tags: podCidr === undefined ? {} : { 'pod-cidr': podCidr },
    nicRefs: [{ id: `${SUB}/Microsoft.Network/networkInterfaces/${nicName}`, primary: true }],
  };
}

export function nic(
  vmName: string,
  ipv4: string | undefined,
  opts: { ipv6?: string; forwarding?: boolean } = {},
): NicRecord {
  const configs: NicRecord['ipConfigurations'] = [];
  if (ipv4 !== undefined)
    configs.push({
      name: 'ipconfig1',
      primary: true,
      privateIpAddress: ipv4,
      privateIpVersion: 'IPv4',
      subnetId: SUBNET_ID,
    });
  if (opts.ipv6 !== undefined)
    configs.push({
      name: 'ipconfig-v6',
      primary: false,
      privateIpAddress: opts.ipv6,
      privateIpVersion: 'IPv6',
      subnetId: SUBNET_ID,
    });
  return {
    id: `${SUB}/Microsoft.Network/networkInterfaces/${vmName}-nic`,
    name: `${vmName}-nic`,
    vmId: `${SUB}/Microsoft.Compute/virtualMachines/${vmName}`,
    enableIpForwarding: opts.forwarding ?? true,
    ipConfigurations: configs,
  };
}

/** A Uniform scale set: its instances' VM and NIC ids live under it. */
const VMSS = `${SUB}/Microsoft.Compute/virtualMachineScaleSets/pool`;

/** The NIC of instance `instanceId` of the scale set VMSS (from its NIC list, so no subnet id). */
export function instanceNic(
  instanceId: string,
  ip: string,
  vmId = `${VMSS}/virtualMachines/${instanceId}`,
): NicRecord {
  return {
    id: `${VMSS}/virtualMachines/${instanceId}/networkInterfaces/pool-nic`,
    name: 'pool-nic',
    vmId,
    enableIpForwarding: true,
    ipConfigurations: [
      {
        name: 'ipconfig1',
        primary: true,
        privateIpAddress: ip,
        privateIpVersion: 'IPv4',
        subnetId: undefined,
      },
    ],
  };
}

export function route(
  name: string,
  addressPrefix: string,
  nextHopIpAddress: string | undefined,
  over: Partial<RouteRecord> = {},
): RouteRecord {
  return {
    name,
    addressPrefix,
    nextHopType: nextHopIpAddress === undefined ? 'Internet' : 'VirtualAppliance',
    nextHopIpAddress,
    provisioningState: 'Succeeded',
    ...over,
  };
}

export function table(routes: RouteRecord[], subnetIds: string[] = [SUBNET_ID]): RouteTableRecord {
  return {
    id: TABLE_ID,
    name: 'kubernetes-routes',
    location: 'eastus2',
    etag: 'W/"e1"',
    provisioningState: 'Succeeded',
    routes,
    subnetIds,
  };
}

/** The report's cluster: two workers, three controllers without pod CIDR, routes all correct. */
export function reportCluster(): Inventory {
  const controllers = ['controller-0', 'controller-1', 'controller-2'];
  return {
    vms: [
      vm('worker-0', '10.200.0.0/24'),
      vm('worker-1', '10.200.1.0/24'),
      ...controllers.map((c) => vm(c, undefined)),
    ],
    nics: [
      nic('worker-0', '10.240.0.20'),
      nic('worker-1', '10.240.0.21'),
      ...controllers.map((c, i) => nic(c, `10.240.0.1${i}`)),
    ],
    routeTable: table([
      route('kubernetes-route-10-200-0-0-24', '10.200.0.0/24', '10.240.0.20'),
      route('kubernetes-route-10-200-1-0-24', '10.200.1.0/24', '10.240.0.21'),
    ]),
    vnetLocation: 'eastus2',
  };
}

/**
 * What ARM would hold after the table PUT: keep entries stay as read, put entries are written
 * (provisioning Succeeded). Names resolve case-insensitively, as in ARM.
 */
export function applyWrite(inventory: Inventory, write: TableWrite | null, associate = true): Inventory {
  let routeTable = inventory.routeTable;
  if (write !== null) {
    const current = routeTable?.routes ?? [];
    const routes = write.routes.map((e): RouteRecord => {
      if ('put' in e) return { ...e.put, provisioningState: 'Succeeded' };
      const found = current.find((r) => r.name.toLowerCase() === e.keep.toLowerCase());
      if (found === undefined) throw new Error(`keep of unknown route ${e.keep}`);
      return found;
    });
    routeTable = {
      ...(routeTable ?? table([], [])),
      location: routeTable?.location ?? write.location ?? 'unknown',
      etag: 'W/"after"',
      routes,
    };
  }
  if (associate && routeTable !== null && !routeTable.subnetIds.includes(SUBNET_ID)) {
    routeTable = { ...routeTable, subnetIds: [...routeTable.subnetIds, SUBNET_ID] };
  }
  return { ...inventory, routeTable };
}
