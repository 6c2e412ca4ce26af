// ARM resource ids for the configured resources. ARM compares ids case-insensitively; so do we.
import type { Config, SubnetRef } from '../config.js';

export function routeTableId(config: Config): string {
  return `/subscriptions/${config.subscriptionId}/resourceGroups/${config.routeTableResourceGroup}/providers/Microsoft.Network/routeTables/${config.routeTableName}`;
}

export function subnetId(config: Config): string {
  return `/subscriptions/${config.subscriptionId}/resourceGroups/${config.vnetResourceGroup}/providers/Microsoft.Network/virtualNetworks/${config.vnetName}/subnets/${config.subnetName}`;
}

/** The id of a subnet of the cluster topology (a table's subnets may be in other groups and vnets). */
export function subnetRefId(s: SubnetRef): string {
  return `/subscriptions/${s.subscriptionId}/resourceGroups/${s.resourceGroup}/providers/Microsoft.Network/virtualNetworks/${s.virtualNetwork}/subnets/${s.name}`;
}

/** The subscription an ARM id (or request path) starts with; undefined when it names none. */
export function subscriptionOfId(id: string): string | undefined {
  return /^\/subscriptions\/([^/]+)/iu.exec(id)?.[1];
}

export function sameId(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

export interface SubnetAddress {
  resourceGroup: string;
  virtualNetwork: string;
  name: string;
}

/** The resource group, virtual network and name in a subnet id (the planner names subnets by id). */
export function parseSubnetId(id: string): SubnetAddress {
  const match =
    /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/virtualNetworks\/([^/]+)\/subnets\/([^/]+)$/iu.exec(
      id,
    );
  if (!match) throw new Error(`internal: '${id}' is not a subnet id`);
  const [, resourceGroup, virtualNetwork, name] = match as unknown as [string, string, string, string];
  return { resourceGroup, virtualNetwork, name };
}
