// The writes: one PUT of the whole route table (If-Match), then the subnet association, then (only when
// enabled) IP forwarding. Each starts from what ARM returned, so every property we do not own goes back as read.
import type { Route, RouteTable, Subnet } from '@azure/arm-network';
import type { Config } from '../config.js';
import type { RouteEntry, SubnetAssociation, TableWrite } from '../core/types.js';
import type { ArmClients } from './clients.js';
import { InventoryError, isResourceNotFound } from './errors.js';
import { parseSubnetId, sameId } from './ids.js';
import { ownWriteCorrelationId } from './own-writes.js';
import { awaitLro } from './session.js';

function lroOptions(clients: ArmClients, signal: AbortSignal | undefined, headers: Record<string, string>) {
  return {
    updateIntervalInMs: clients.pollIntervalMs,
    ...(signal ? { abortSignal: signal } : {}),
    // ARM puts this id into the operation's events: how the Event Grid trigger recognises our own writes.
    requestOptions: { headers: { ...headers, 'x-ms-correlation-request-id': ownWriteCorrelationId() } },
  };
}

function routesFor(entries: RouteEntry[], current: Route[]): Route[] {
  return entries.map((entry) => {
    if ('put' in entry) return { ...entry.put };
    const kept =
      current.find((r) => r.name === entry.keep) ??
      current.find((r) => r.name?.toLowerCase() === entry.keep.toLowerCase());
    if (!kept)
      throw new Error(`internal: the plan keeps route '${entry.keep}', which the table read does not hold`);
    return kept;
  });
}

/** PUTs the table with exactly the planned routes; everything else is sent back as read. */
export async function writeRouteTable(
  clients: ArmClients,
  config: Config,
  table: RouteTable | null,
  write: TableWrite,
  signal?: AbortSignal,
): Promise<RouteTable> {
  let body: RouteTable;
  let headers: Record<string, string>;
  if (write.create || table === null) {
    if (!write.location) throw new Error('internal: creating the route table needs a location');
    body = { location: write.location, routes: routesFor(write.routes, []) };
    headers = { 'If-None-Match': '*' };
  } else {
    body = { ...table, routes: routesFor(write.routes, table.routes ?? []) };
    headers = write.ifMatch ? { 'If-Match': write.ifMatch } : {};
  }
  const poller = clients.network.routeTables.createOrUpdate(
    config.routeTableResourceGroup,
    config.routeTableName,
    body,
    lroOptions(clients, signal, headers),
  );
  return await awaitLro(() => poller.pollUntilDone());
}

type AssociationOutcome =
  | { kind: 'associated' }
  | { kind: 'already-associated' }
  /** The subnet took another table since the read: nothing written; the planner decides (src/core/subnets.ts). */
  | { kind: 'associated-elsewhere'; otherRouteTableId: string };

/**
 * Associates a subnet the planner found free with the table, by a read-modify-write of the subnet (If-Match)
 * that keeps every other subnet property. The write goes ahead only while the subnet is still free: one that
 * took another table since the read is reported back, not moved (whether to move it is not the writer's call).
 */
export async function associateSubnet(
  clients: ArmClients,
  association: SubnetAssociation,
  signal?: AbortSignal,
): Promise<AssociationOutcome> {
  const { resourceGroup, virtualNetwork, name } = parseSubnetId(association.subnetId);
  let subnet: Subnet;
  try {
    subnet = await clients.network.subnets.get(resourceGroup, virtualNetwork, name);
  } catch (error) {
    if (isResourceNotFound(error)) {
      throw new InventoryError(
        `SUBNET_NAME: subnet '${name}' was not found in virtual network '${virtualNetwork}' (resource group '${resourceGroup}')`,
      );
    }
    throw error;
  }
  const current = subnet.routeTable?.id;
  if (sameId(current, association.routeTableId)) return { kind: 'already-associated' };
  if (current) return { kind: 'associated-elsewhere', otherRouteTableId: current };
  const poller = clients.network.subnets.createOrUpdate(
    resourceGroup,
    virtualNetwork,
    name,
    { ...subnet, routeTable: { id: association.routeTableId } },
    lroOptions(clients, signal, subnet.etag ? { 'If-Match': subnet.etag } : {}),
  );
  await awaitLro(() => poller.pollUntilDone());
  return { kind: 'associated' };
}

/** Turns IP forwarding on for a worker NIC (only with REPAIR_IP_FORWARDING=true). */
export async function enableIpForwarding(
  clients: ArmClients,
  nicId: string,
  signal?: AbortSignal,
): Promise<void> {
  const match =
    /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/networkInterfaces\/([^/]+)$/iu.exec(nicId);
  if (!match) throw new Error(`internal: '${nicId}' is not a network interface id`);
  const [, resourceGroup, name] = match as unknown as [string, string, string];
  const nic = await clients.network.networkInterfaces.get(resourceGroup, name);
  if (nic.enableIPForwarding === true) return;
  const poller = clients.network.networkInterfaces.createOrUpdate(
    resourceGroup,
    name,
    { ...nic, enableIPForwarding: true },
    lroOptions(clients, signal, nic.etag ? { 'If-Match': nic.etag } : {}),
  );
  await awaitLro(() => poller.pollUntilDone());
}
