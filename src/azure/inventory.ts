// Reads everything one reconcile needs in five parallel calls (plus paging): the VM list, the NIC list and the
// scale-set list of the cluster group (plus one NIC list per Uniform scale set: scale-sets.ts), the route
// table, and the cluster subnet (its provisioning state, and the route table it is associated with now). No per-VM calls. A failed page fails the whole
// read: a partial or throttled list must never look like "fewer workers".
import type { RouteTable, Subnet } from '@azure/arm-network';
import type { Config } from '../config.js';
import type { Inventory } from '../core/types.js';
import type { ArmClients } from './clients.js';
import { InventoryError, isResourceNotFound, orNullIfNotFound } from './errors.js';
import { collect, required, toNicRecord, toRouteTableRecord, toSubnetRecord, toVmRecord } from './records.js';
import { readScaleSetNics } from './scale-sets.js';

export interface InventoryRead {
  inventory: Inventory;
  /** The table exactly as the SDK returned it: the write starts from it so nothing we do not own changes. */
  table: RouteTable | null;
}

export async function readRouteTable(
  clients: ArmClients,
  config: Config,
  abortSignal?: AbortSignal,
): Promise<RouteTable | null> {
  return orNullIfNotFound(
    clients.network.routeTables.get(
      config.routeTableResourceGroup,
      config.routeTableName,
      abortSignal ? { abortSignal } : {},
    ),
  );
}

/** The cluster subnet, or null when it does not exist (reported as not associated; the write then names it). */
async function readSubnet(
  clients: ArmClients,
  config: Config,
  abortSignal?: AbortSignal,
): Promise<Subnet | null> {
  return orNullIfNotFound(
    clients.network.subnets.get(
      config.vnetResourceGroup,
      config.vnetName,
      config.subnetName,
      abortSignal ? { abortSignal } : {},
    ),
  );
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
