// ARM bodies as the engine's records: the one place the SDK's optional fields become the engine's types, and
// where a listed resource without an id or name fails the read (InventoryError) instead of being skipped.
import type { VirtualMachine } from '@azure/arm-compute';
import type { NetworkInterface, RouteTable, Subnet } from '@azure/arm-network';
import type { NicRecord, RouteRecord, RouteTableRecord, SubnetRecord, VmRecord } from '../core/types.js';
import { InventoryError } from './errors.js';

/** Every item of a paged list (the SDK follows nextLink). */
export async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of pages) items.push(item);
  return items;
}

/** A field ARM must return; its absence fails the read with the resource named. */
export function required(value: string | undefined, what: string, where: string): string {
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
