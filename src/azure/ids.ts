// ARM resource ids for the configured resources. ARM compares ids case-insensitively; so do we.
import type { Config } from '../config.js';

export function routeTableId(config: Config): string {
  return `/subscriptions/${config.subscriptionId}/resourceGroups/${config.routeTableResourceGroup}/providers/Microsoft.Network/routeTables/${config.routeTableName}`;
}

export function subnetId(config: Config): string {
  return `/subscriptions/${config.subscriptionId}/resourceGroups/${config.vnetResourceGroup}/providers/Microsoft.Network/virtualNetworks/${config.vnetName}/subnets/${config.subnetName}`;
}

export function sameId(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}
