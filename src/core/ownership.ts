// Which routes of a table are ours. A route is owned only if BOTH its name carries our prefix AND its
// address prefix lies inside a cluster CIDR: a firewall route named like ours, or a pod-looking route
// named by someone else, is foreign and kept verbatim.
import { canonicalIp, cidrContains, parseCidr } from './cidr.js';
import { isOwnedRouteName } from './naming.js';
import { compareOrdinal } from './order.js';
import type { Inventory, PlanSettings, RouteRecord, TableWrite } from './types.js';

export interface TableRoute {
  route: RouteRecord;
  /** Position in the table as read: foreign routes are written back in this order. */
  index: number;
  owned: boolean;
  /** Normalised prefix when the address prefix parses as a CIDR. */
  prefix: string | undefined;
  /** Key for "same prefix" comparisons: the normalised prefix, or the raw text when it does not parse. */
  prefixKey: string | undefined;
  /** Canonical next-hop IP, when it parses. */
  nextHop: string | undefined;
}

export function classifyRoutes(routes: readonly RouteRecord[], settings: PlanSettings): TableRoute[] {
  return routes.map((route, index) => {
    const parsed = route.addressPrefix === undefined ? undefined : parseCidr(route.addressPrefix);
    const prefix = parsed?.ok ? parsed.cidr : undefined;
    const prefixKey =
      prefix ?? (route.addressPrefix === undefined ? undefined : `raw:${route.addressPrefix}`);
    const owned =
      prefix !== undefined &&
      isOwnedRouteName(route.name, settings.routeNamePrefix) &&
      settings.clusterCidrs.some((cluster) => cidrContains(cluster, prefix));
    const nextHop = route.nextHopIpAddress === undefined ? undefined : canonicalIp(route.nextHopIpAddress);
    return { route, index, owned, prefix, prefixKey, nextHop };
  });
}

/** Stable order for people and diffs: by subject, keeping the original order within one subject. */
export function sortBySubject<T extends { subject: string }>(items: T[]): T[] {
  // Array.prototype.sort is stable (ES2019): equal subjects keep their order.
  return [...items].sort((a, b) => compareOrdinal(a.subject, b.subject));
}

/** A write that would leave the table exactly as read is no write. */
export function normaliseWrite(write: TableWrite | null, inventory: Inventory): TableWrite | null {
  if (write === null || write.create) return write;
  const current = inventory.routeTable?.routes ?? [];
  const unchanged =
    write.routes.length === current.length &&
    write.routes.every((e, i) => 'keep' in e && e.keep === current[i]?.name);
  return unchanged ? null : write;
}
