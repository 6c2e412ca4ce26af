// Reads everything one reconcile needs in five parallel calls (plus paging): the VM list, the NIC list and the
// scale-set list of the cluster group (plus one NIC list per Uniform scale set: scale-sets.ts), the route
// table, and the cluster subnet (its provisioning state, and the route table it is associated with now). No per-VM calls. A failed page fails the whole
// read: a partial or throttled list must never look like "fewer workers".
import type { VirtualMachine } from '@azure/arm-compute';
import type { NetworkInterface, RouteTable, Subnet } from '@azure/arm-network';
import type { Config } from '../config.js';
import type {
  Inventory,
  NicRecord,
  RouteRecord,
  RouteTableRecord,
  SubnetRecord,
  VmRecord,
} from '../core/types.js';
import type { ArmClients } from './clients.js';
import { InventoryError, isResourceNotFound } from './errors.js';
import { readScaleSetNics } from './scale-sets.js';

export interface InventoryRead {
  inventory: Inventory;
  /** The table exactly as the SDK returned it: the write starts from it so nothing we do not own changes. */
  table: RouteTable | null;
}

/** Every item of a paged list (the SDK follows nextLink). */
export async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of pages) items.push(item);
  return items;
}

export async function readRouteTable(
  clients: ArmClients,
  config: Config,
  abortSignal?: AbortSignal,
): Promise<RouteTable | null> {
  try {
    return await clients.network.routeTables.get(
      config.routeTableResourceGroup,
      config.routeTableName,
      abortSignal ? { abortSignal } : {},
    );
  } catch (error) {
    if (isResourceNotFound(error)) return null;
    throw error;
  }
}

/** The cluster subnet, or null when it does not exist (reported as not associated; the write then names it). */
async function readSubnet(
  clients: ArmClients,
  config: Config,
  abortSignal?: AbortSignal,
): Promise<Subnet | null> {
  try {
    return await clients.network.subnets.get(
      config.vnetResourceGroup,
      config.vnetName,
      config.subnetName,
      abortSignal ? { abortSignal } : {},
    );
  } catch (error) {
    if (isResourceNotFound(error)) return null;
    throw error;
  }
}

export async function readInventory(
  clients: ArmClients,
  config: Config,
  signal?: AbortSignal,
): Promise<InventoryRead> {
  // The reads run together; when one gives up, the others are stopped rather than left retrying
  // behind a run that has already failed.
  const siblings = new AbortController();
  const abortSignal = signal ? AbortSignal.any([signal, siblings.signal]) : siblings.signal;
  const stopSiblingsOnFailure = <T>(read: Promise<T>) =>
    read.catch((error: unknown) => {
      siblings.abort(error);
      throw error;
    });
  // The subnet is read for its provisioning state (the table's list of subnets does not say whether an
  // association is still being written: src/core/settled.ts) and for the table it is associated with now
  // (the planner refuses to move it from another one: src/core/subnets.ts).
  const [vms, nics, scaleSetNics, table, subnet] = await Promise.all([
    stopSiblingsOnFailure(
      collect(clients.compute.virtualMachines.list(config.clusterResourceGroup, { abortSignal })),
    ),
    stopSiblingsOnFailure(
      collect(clients.network.networkInterfaces.list(config.clusterResourceGroup, { abortSignal })),
    ),
    stopSiblingsOnFailure(readScaleSetNics(clients, config, abortSignal)),
    stopSiblingsOnFailure(readRouteTable(clients, config, abortSignal)),
    stopSiblingsOnFailure(readSubnet(clients, config, abortSignal)),
  ]);
  // Only a missing table needs the vnet: its location is where the table is created.
  const vnetLocation = table === null ? await readVnetLocation(clients, config, signal) : undefined;
  return {
    inventory: {
      vms: vms.map(toVmRecord),
      nics: nics.map(toNicRecord),
      scaleSetNics,
      routeTable: table === null ? null : toRouteTableRecord(table),
      vnetLocation,
      subnets: subnet === null ? [] : [toSubnetRecord(subnet)],
    },
    table,
  };
}

async function readVnetLocation(clients: ArmClients, config: Config, signal?: AbortSignal): Promise<string> {
  try {
    const vnet = await clients.network.virtualNetworks.get(
      config.vnetResourceGroup,
      config.vnetName,
      signal ? { abortSignal: signal } : {},
    );
    return required(vnet.location, 'a location', `virtual network '${config.vnetName}'`);
  } catch (error) {
    if (isResourceNotFound(error)) {
      throw new InventoryError(
        `VNET_NAME: virtual network '${config.vnetName}' was not found in resource group '${config.vnetResourceGroup}'; ` +
          `it is needed to create the missing route table '${config.routeTableName}' in its region`,
      );
    }
    throw error;
  }
}

function required(value: string | undefined, what: string, where: string): string {
  if (value === undefined || value === null || value === '') {
    throw new InventoryError(
      `ARM returned ${where} without ${what}; expected every listed resource to have one`,
    );
  }
  return value;
}

export function toVmRecord(vm: VirtualMachine): VmRecord {
  const id = required(vm.id, 'an id', 'a virtual machine');
  const tags: Record<string, string> = {};
  for (const [key, value] of Object.entries(vm.tags ?? {})) {
    if (typeof value === 'string') tags[key] = value;
  }
  return {
    id,
    name: vm.name ?? id.slice(id.lastIndexOf('/') + 1),
    tags,
    nicRefs: (vm.networkProfile?.networkInterfaces ?? [])
      .filter((ref) => typeof ref?.id === 'string')
      .map((ref) => ({ id: ref.id as string, primary: ref.primary ?? undefined })),
  };
}

export function toNicRecord(nic: NetworkInterface): NicRecord {
  const id = required(nic.id, 'an id', 'a network interface');
  return {
    id,
    name: nic.name ?? id.slice(id.lastIndexOf('/') + 1),
    vmId: nic.virtualMachine?.id ?? undefined,
    enableIpForwarding: nic.enableIPForwarding === true,
    provisioningState: nic.provisioningState ?? undefined,
    ipConfigurations: (nic.ipConfigurations ?? []).filter(Boolean).map((ipc) => ({
      name: ipc.name ?? '',
      primary: ipc.primary ?? undefined,
      privateIpAddress: ipc.privateIPAddress ?? undefined,
      privateIpVersion:
        ipc.privateIPAddressVersion === 'IPv6'
          ? 'IPv6'
          : ipc.privateIPAddressVersion === 'IPv4'
            ? 'IPv4'
            : undefined,
      subnetId: ipc.subnet?.id ?? undefined,
    })),
  };
}

function toRouteRecord(route: NonNullable<RouteTable['routes']>[number]): RouteRecord {
  return {
    name: required(route.name, 'a name', 'a route'),
    addressPrefix: route.addressPrefix ?? undefined,
    nextHopType: route.nextHopType ?? undefined,
    nextHopIpAddress: route.nextHopIpAddress ?? undefined,
    provisioningState: route.provisioningState ?? undefined,
  };
}

export function toRouteTableRecord(table: RouteTable): RouteTableRecord {
  const id = required(table.id, 'an id', 'the route table');
  return {
    id,
    name: table.name ?? id.slice(id.lastIndexOf('/') + 1),
    location: required(table.location, 'a location', 'the route table'),
    etag: table.etag ?? undefined,
    provisioningState: table.provisioningState ?? undefined,
    routes: (table.routes ?? []).filter(Boolean).map(toRouteRecord),
    subnetIds: (table.subnets ?? [])
      .map((s: Subnet) => s?.id)
      .filter((s): s is string => typeof s === 'string'),
  };
}

export function toSubnetRecord(subnet: Subnet): SubnetRecord {
  return {
    id: required(subnet.id, 'an id', 'the subnet'),
    provisioningState: subnet.provisioningState ?? undefined,
    routeTableId: subnet.routeTable?.id ?? undefined,
  };
}
