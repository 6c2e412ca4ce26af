// The reads of a cluster (src/reconcile-cluster.ts): its workers once (VM, NIC and scale-set lists of every
// worker group, in parallel), the peerings of the vnets its subnets are in (one list per vnet), and per route
// table the table and each of its subnets (one GET each; the vnet too when the table must be created). A failed
// page fails the whole read: a partial list must never look like "fewer workers".
import type { RouteTable, VirtualNetworkPeering } from '@azure/arm-network';
import type { Config, ResourceGroupRef, RouteTableTarget, SubnetRef } from '../config.js';
import type { PeeringRecord, VnetPeerings } from '../core/peerings.js';
import type { NicRecord, RouteTableRecord, SubnetRecord, VmRecord } from '../core/types.js';
import type { ArmClients } from './clients.js';
import { InventoryError, orNullIfNotFound } from './errors.js';
import { collect, toNicRecord, toRouteTableRecord, toSubnetRecord, toVmRecord } from './records.js';
import { readScaleSetNics } from './scale-sets.js';

/** The clients of one subscription. */
export type ClientsOf = (subscriptionId: string) => ArmClients;

export interface WorkerInventory {
  vms: VmRecord[];
  nics: NicRecord[];
  scaleSetNics: NicRecord[];
}

/** Runs the reads together; when one gives up, the others stop rather than retry behind a failed run. */
async function together<T>(
  signal: AbortSignal | undefined,
  reads: (abortSignal: AbortSignal) => Array<Promise<T>>,
): Promise<T[]> {
  const siblings = new AbortController();
  const abortSignal = signal ? AbortSignal.any([signal, siblings.signal]) : siblings.signal;
  return Promise.all(
    reads(abortSignal).map((read) =>
      read.catch((error: unknown) => {
        siblings.abort(error);
        throw error;
      }),
    ),
  );
}

export async function readWorkers(
  clientsOf: ClientsOf,
  config: Config,
  groups: readonly ResourceGroupRef[],
  signal?: AbortSignal,
): Promise<WorkerInventory> {
  const perGroup = await together(signal, (abortSignal) =>
    groups.map(async (g) => {
      const clients = clientsOf(g.subscriptionId);
      const [vms, nics, scaleSetNics] = await Promise.all([
        collect(clients.compute.virtualMachines.list(g.resourceGroup, { abortSignal })),
        collect(clients.network.networkInterfaces.list(g.resourceGroup, { abortSignal })),
        readScaleSetNics(clients, { ...config, clusterResourceGroup: g.resourceGroup }, abortSignal),
      ]);
      return { vms: vms.map(toVmRecord), nics: nics.map(toNicRecord), scaleSetNics };
    }),
  );
  return {
    vms: perGroup.flatMap((g) => g.vms),
    nics: perGroup.flatMap((g) => g.nics),
    scaleSetNics: perGroup.flatMap((g) => g.scaleSetNics),
  };
}

/** One route table of the cluster as read: the SDK's table (the write starts from it), its record, its subnets. */
export interface TableRead {
  table: RouteTable | null;
  routeTable: RouteTableRecord | null;
  /** The subnets found (a missing one is left out: the planner reports it, the association names it). */
  subnets: SubnetRecord[];
  /** Where a missing table is created: its own setting, else its first subnet's vnet location. */
  vnetLocation: string | undefined;
}

export async function readTable(
  clients: ArmClients,
  target: RouteTableTarget,
  signal?: AbortSignal,
): Promise<TableRead> {
  const [table, ...subnets] = await together(signal, (abortSignal) => [
    orNullIfNotFound(clients.network.routeTables.get(target.resourceGroup, target.name, { abortSignal })),
    ...target.subnets.map((s) =>
      orNullIfNotFound(
        clients.network.subnets.get(s.resourceGroup, s.virtualNetwork, s.name, { abortSignal }),
      ),
    ),
  ]);
  const routeTable = table === null ? null : toRouteTableRecord(table as RouteTable);
  const vnetLocation =
    table === null ? (target.location ?? (await readVnetLocation(clients, target, signal))) : undefined;
  return {
    table: table as RouteTable | null,
    routeTable,
    subnets: subnets.filter((s) => s !== null).map((s) => toSubnetRecord(s as never)),
    vnetLocation,
  };
}

async function readVnetLocation(
  clients: ArmClients,
  target: RouteTableTarget,
  signal?: AbortSignal,
): Promise<string> {
  const first = target.subnets[0];
  const where = `route table '${target.name}' (resource group '${target.resourceGroup}')`;
  if (first === undefined)
    throw new InventoryError(`${where} does not exist and has no subnet whose region it could be created in`);
  const vnet = await orNullIfNotFound(
    clients.network.virtualNetworks.get(
      first.resourceGroup,
      first.virtualNetwork,
      signal ? { abortSignal: signal } : {},
    ),
  );
  if (vnet === null || !vnet.location)
    throw new InventoryError(
      `virtual network '${first.virtualNetwork}' was not found in resource group '${first.resourceGroup}'; it is needed to create the missing ${where} in its region`,
    );
  return vnet.location;
}

/** The distinct vnets the given subnets are in. */
export function vnetsOf(subnets: readonly SubnetRef[]): SubnetRef[] {
  const seen = new Map<string, SubnetRef>();
  for (const s of subnets) seen.set(vnetId(s).toLowerCase(), s);
  return [...seen.values()];
}

const vnetId = (s: Pick<SubnetRef, 'subscriptionId' | 'resourceGroup' | 'virtualNetwork'>): string =>
  `/subscriptions/${s.subscriptionId}/resourceGroups/${s.resourceGroup}/providers/Microsoft.Network/virtualNetworks/${s.virtualNetwork}`;

function toPeeringRecord(p: VirtualNetworkPeering): PeeringRecord {
  const id = p.id ?? '';
  return {
    id,
    name: p.name ?? id.slice(id.lastIndexOf('/') + 1),
    remoteVnetId: p.remoteVirtualNetwork?.id ?? undefined,
    peeringState: p.peeringState ?? undefined,
    allowVirtualNetworkAccess: p.allowVirtualNetworkAccess === true,
    allowForwardedTraffic: p.allowForwardedTraffic === true,
  };
}

/** The peerings of each vnet (one list per vnet); a missing vnet is an error naming it. */
export async function readPeerings(
  clientsOf: ClientsOf,
  vnets: readonly SubnetRef[],
  signal?: AbortSignal,
): Promise<VnetPeerings[]> {
  return together(signal, (abortSignal) =>
    vnets.map(async (v) => {
      const list = await orNullIfNotFound(
        collect(
          clientsOf(v.subscriptionId).network.virtualNetworkPeerings.list(v.resourceGroup, v.virtualNetwork, {
            abortSignal,
          }),
        ),
      );
      if (list === null)
        throw new InventoryError(
          `virtual network '${v.virtualNetwork}' of subnet '${v.name}' was not found in resource group '${v.resourceGroup}'`,
        );
      return { vnetId: vnetId(v), peerings: list.map(toPeeringRecord) };
    }),
  );
}
