// Desired vs actual: drift, refusals, and the one whole-table write that repairs what may be repaired.
// planReconcile = planUnguarded + guardPlan, so no caller can forget the safety rules (guardPlan is
// idempotent, so a caller applying it again changes nothing).
//
// Rules, in the order they apply:
// - Ownership: our name prefix AND a prefix inside a cluster CIDR (ownership.ts). Everything else is
//   foreign: written back as `{keep}` in table order, never changed, never dropped.
// - Foreign routes repeating a prefix among themselves: ARM rejects any PUT of that table, and they are
//   not ours to fix -> `duplicate-route-prefix`, no table write at all.
// - A claim whose prefix or canonical name a foreign route holds -> `foreign-route-conflict`, not written.
// - Owned routes are grouped by normalised prefix. A claimed group keeps one route (the canonically
//   named one, else the first by name), rewritten when its next hop, provisioning state, name or prefix
//   text is wrong (a legacy name is replaced by the canonical one in the same write); the others go.
// - Unclaimed groups of refused claims (their prefix, or a next hop of a refused worker) are kept as
//   they are; other unclaimed groups are stale, except that a stale route pointing at a worker whose
//   claim of that family has no route is reported once as `pod-cidr-changed`.
// - Names are compared case-insensitively and exactly: never by prefix of a name.
// - Keeps come first (table order), then puts sorted by name; a write equal to the table is no write.
import type { IpFamily } from './cidr.js';
import { type DesiredRoute, deriveDesired } from './desired.js';
import { guardPlan } from './guard.js';
import { routeNameForCidr, sameRouteName } from './naming.js';
import { classifyRoutes, normaliseWrite, routeViewOf, sortBySubject, type TableRoute } from './ownership.js';
import { scaleSetInstanceOf, unlistedNicHops } from './scale-sets.js';
import type {
  Action,
  Drift,
  Inventory,
  Plan,
  PlanSettings,
  Refusal,
  RouteEntry,
  RouteSpec,
  RouteView,
  TableWrite,
} from './types.js';

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function specView(spec: RouteSpec): RouteView {
  return {
    name: spec.name,
    addressPrefix: spec.addressPrefix,
    nextHopType: spec.nextHopType,
    nextHopIpAddress: spec.nextHopIpAddress,
  };
}

function toSpec(d: DesiredRoute): RouteSpec {
  return {
    name: d.name,
    addressPrefix: d.addressPrefix,
    nextHopType: d.nextHopType,
    nextHopIpAddress: d.nextHopIpAddress,
  };
}

function describe(r: TableRoute): string {
  return `'${r.route.name}' (${r.route.addressPrefix ?? '?'} -> ${r.route.nextHopType ?? '?'} ${r.route.nextHopIpAddress ?? ''})`.trim();
}

/** Among owned routes with one prefix, the one to keep: the canonically named one, else the first by name. */
function survivorOf(group: readonly TableRoute[], canonicalName: string | undefined): TableRoute {
  const named =
    canonicalName === undefined ? undefined : group.find((r) => sameRouteName(r.route.name, canonicalName));
  return named ?? group[0]!;
}

/** Plan with the guard applied: what the reconcile writes. */
export function planReconcile(inventory: Inventory, settings: PlanSettings): Plan {
  return guardPlan(planUnguarded(inventory, settings), inventory, settings);
}

/**
 * The plan before the safety guard (mass deletion, route limit). Exported for tests and renderers that
 * want to show what the guard held back; the reconcile uses planReconcile.
 *
 * When the table is missing the write has `create: true` and `location: inventory.vnetLocation`; if that
 * is undefined the caller must read the vnet (or fail the run): the core cannot guess a region.
 */
export function planUnguarded(inventory: Inventory, settings: PlanSettings): Plan {
  const table = inventory.routeTable;
  const desired = deriveDesired(inventory, settings);
  const refused: Refusal[] = [...desired.refusals];
  const drift: Drift[] = [];
  const actions: Action[] = [];
  const held = new Set(desired.heldPrefixes);

  const routes = classifyRoutes(table?.routes ?? [], settings);
  const foreign = routes.filter((r) => !r.owned);
  const owned = routes.filter((r) => r.owned).sort((a, b) => cmp(a.route.name, b.route.name));

  // Foreign routes sharing a prefix make any PUT of the table fail (RouteConflict); we may not drop them.
  const foreignByKey = new Map<string, TableRoute[]>();
  for (const r of foreign) {
    if (r.prefixKey === undefined) continue;
    foreignByKey.set(r.prefixKey, [...(foreignByKey.get(r.prefixKey) ?? []), r]);
  }
  let tableWritable = true;
  for (const [key, group] of [...foreignByKey].sort(([a], [b]) => cmp(a, b))) {
    if (group.length < 2) continue;
    tableWritable = false;
    refused.push({
      reason: 'duplicate-route-prefix',
      subject: key.replace(/^raw:/u, ''),
      message: `routes ${group.map(describe).join(', ')} share one address prefix and are not ours to remove; ARM rejects any write of this table until they are fixed`,
    });
  }
  const foreignNames = new Map(foreign.map((r) => [r.route.name.toLowerCase(), r]));

  // Our claims that a foreign route already holds (by prefix or by name) are not written.
  let active: DesiredRoute[] = [];
  for (const d of desired.routes) {
    const byPrefix = foreignByKey.get(d.addressPrefix)?.[0];
    const byName = foreignNames.get(d.name.toLowerCase());
    const holder = byPrefix ?? byName;
    if (holder === undefined) {
      active.push(d);
      continue;
    }
    held.add(d.addressPrefix);
    refused.push({
      reason: 'foreign-route-conflict',
      subject: d.name,
      worker: d.worker,
      message: `worker '${d.worker}' needs ${d.addressPrefix} -> ${d.nextHopIpAddress}, but foreign route ${describe(holder)} already holds its ${byPrefix ? 'prefix' : 'name'}; the foreign route is left untouched`,
    });
  }

  const ownedByPrefix = new Map<string, TableRoute[]>();
  for (const r of owned) ownedByPrefix.set(r.prefix!, [...(ownedByPrefix.get(r.prefix!) ?? []), r]);
  const canonicalNameOf = (prefix: string) => routeNameForCidr(prefix, settings.routeNamePrefix);

  // Unclaimed owned routes pointing at a scale-set instance's NIC (no listed VM) are held too.
  const scaleSetHops = unlistedNicHops(inventory);
  // Unclaimed owned routes of refused claims are held as they are. A held route's name may be the one a
  // claim needs (a misnamed legacy route): refuse that claim too, until nothing collides.
  const heldSurvivors = new Map<string, TableRoute>();
  for (;;) {
    heldSurvivors.clear();
    const claimed = new Set(active.map((d) => d.addressPrefix));
    for (const [prefix, group] of ownedByPrefix) {
      if (claimed.has(prefix) || foreignByKey.has(prefix)) continue;
      // The survivor must be a route that is itself held, or the next plan would find nothing holding it.
      const byHop = group.filter((r) => r.nextHop !== undefined && desired.heldNextHops.has(r.nextHop));
      const bySet = group.filter((r) => r.nextHop !== undefined && scaleSetHops.has(r.nextHop));
      if (held.has(prefix)) heldSurvivors.set(prefix, survivorOf(group, canonicalNameOf(prefix)));
      else if (byHop.length > 0) heldSurvivors.set(prefix, survivorOf(byHop, canonicalNameOf(prefix)));
      else if (bySet.length > 0) heldSurvivors.set(prefix, survivorOf(bySet, canonicalNameOf(prefix)));
    }
    const heldNames = new Map([...heldSurvivors.values()].map((r) => [r.route.name.toLowerCase(), r]));
    const colliding = active.filter((d) => heldNames.has(d.name.toLowerCase()));
    if (colliding.length === 0) break;
    for (const d of colliding) {
      held.add(d.addressPrefix);
      refused.push({
        reason: 'foreign-route-conflict',
        subject: d.name,
        worker: d.worker,
        message: `worker '${d.worker}' needs route '${d.name}' for ${d.addressPrefix}, but that name is taken by ${describe(heldNames.get(d.name.toLowerCase())!)}, which is kept because its own claim was refused`,
      });
    }
    active = active.filter((d) => !colliding.includes(d));
  }

  for (const r of heldSurvivors.values()) {
    const nic = r.nextHop === undefined ? undefined : scaleSetHops.get(r.nextHop);
    if (nic === undefined || held.has(r.prefix!) || desired.heldNextHops.has(r.nextHop!)) continue;
    refused.push({
      reason: 'next-hop-is-scale-set-instance',
      subject: r.route.name,
      worker: scaleSetInstanceOf(nic),
      message: `route ${describe(r)} is ours and no listed VM claims ${r.prefix}, but its next hop is held by NIC '${nic.name}' of scale-set instance ${scaleSetInstanceOf(nic)}, which is not in the VM list: the route is kept as it is (Uniform scale-set instances are never harmed, nor managed)`,
    });
  }

  const keep = new Set<TableRoute>(foreign);
  const puts: RouteSpec[] = [];
  const stale: TableRoute[] = [];
  const dropDuplicate = (r: TableRoute, why: string) => {
    drift.push({
      kind: 'stale-route',
      subject: r.route.name,
      before: routeViewOf(r.route),
      after: null,
      message: `route ${describe(r)} ${why}; removed`,
      repairable: true,
    });
    actions.push({ kind: 'delete-route', subject: r.route.name, before: routeViewOf(r.route), after: null });
  };

  const activeByPrefix = new Map(active.map((d) => [d.addressPrefix, d]));
  for (const [prefix, group] of [...ownedByPrefix].sort(([a], [b]) => cmp(a, b))) {
    const holder = foreignByKey.get(prefix)?.[0];
    if (holder !== undefined) {
      // A table cannot carry our route and a foreign one with one prefix: ours gives way.
      for (const r of group) dropDuplicate(r, `repeats the prefix of foreign route '${holder.route.name}'`);
      continue;
    }
    const d = activeByPrefix.get(prefix);
    const heldSurvivor = heldSurvivors.get(prefix);
    if (d === undefined && heldSurvivor === undefined) {
      stale.push(...group);
      continue;
    }
    const survivor = d !== undefined ? survivorOf(group, d.name) : heldSurvivor!;
    for (const r of group) {
      if (r !== survivor) dropDuplicate(r, `repeats prefix ${prefix} of route '${survivor.route.name}'`);
    }
    if (d === undefined) {
      keep.add(survivor); // held: a refused claim, left exactly as it is
      continue;
    }
    const s = survivor.route;
    const hopOk =
      s.nextHopType?.toLowerCase() === 'virtualappliance' && survivor.nextHop === d.nextHopIpAddress;
    const failed = s.provisioningState?.toLowerCase() === 'failed';
    const named = sameRouteName(s.name, d.name);
    const prefixExact = s.addressPrefix === d.addressPrefix;
    if (hopOk && !failed && named && prefixExact) {
      keep.add(survivor);
      continue;
    }
    puts.push(toSpec(d));
    const why: string[] = [];
    if (!hopOk) why.push(`next hop is ${s.nextHopType ?? '?'} ${s.nextHopIpAddress ?? ''}`.trim());
    if (failed) why.push(`provisioning state is ${s.provisioningState}`);
    if (!named) why.push(`name is not the canonical '${d.name}'`);
    if (!prefixExact) why.push(`prefix is written '${s.addressPrefix}'`);
    drift.push({
      kind: !hopOk ? 'wrong-next-hop' : failed ? 'route-not-provisioned' : 'missing-route',
      subject: d.name,
      worker: d.worker,
      before: routeViewOf(s),
      after: specView(d),
      message: `route for worker '${d.worker}' (${d.addressPrefix}): ${why.join('; ')}; rewritten to VirtualAppliance ${d.nextHopIpAddress}`,
      repairable: true,
    });
    actions.push({ kind: 'update-route', subject: d.name, before: routeViewOf(s), after: specView(d) });
  }

  // Claims with no owned route: a stale route of the same worker and family means its pod CIDR changed.
  const missing = active.filter((d) => !ownedByPrefix.has(d.addressPrefix));
  const paired = new Set<DesiredRoute>();
  for (const r of stale) {
    const family: IpFamily = r.prefix!.includes(':') ? 6 : 4;
    const d = missing.find((m) => !paired.has(m) && m.family === family && m.nextHopIpAddress === r.nextHop);
    if (d !== undefined) {
      paired.add(d);
      drift.push({
        kind: 'pod-cidr-changed',
        subject: d.name,
        worker: d.worker,
        before: routeViewOf(r.route),
        after: specView(d),
        message: `worker '${d.worker}' moved from ${r.prefix} to ${d.addressPrefix}: route '${r.route.name}' is replaced by '${d.name}' in one write`,
        repairable: true,
      });
    } else {
      drift.push({
        kind: 'stale-route',
        subject: r.route.name,
        before: routeViewOf(r.route),
        after: null,
        message: `route ${describe(r)} is ours but no worker claims ${r.prefix}; removed`,
        repairable: true,
      });
    }
    actions.push({ kind: 'delete-route', subject: r.route.name, before: routeViewOf(r.route), after: null });
  }
  for (const d of missing) {
    puts.push(toSpec(d));
    actions.push({ kind: 'create-route', subject: d.name, before: null, after: specView(d) });
    if (paired.has(d)) continue;
    drift.push({
      kind: 'missing-route',
      subject: d.name,
      worker: d.worker,
      before: null,
      after: specView(d),
      message: `worker '${d.worker}' has no route for ${d.addressPrefix}; created -> VirtualAppliance ${d.nextHopIpAddress}`,
      repairable: true,
    });
  }

  if (table === null) {
    drift.push({
      kind: 'table-missing',
      subject: settings.routeTableId,
      before: null,
      after: null,
      message: `route table '${settings.routeTableName}' does not exist; created in ${inventory.vnetLocation ?? 'the vnet location (unknown: the caller must read it)'}`,
      repairable: true,
    });
    actions.push({ kind: 'create-table', subject: settings.routeTableId, before: null, after: null });
  }

  const subnetId = settings.subnetId.toLowerCase();
  const associated = table?.subnetIds.some((id) => id.toLowerCase() === subnetId) ?? false;
  const associateSubnet = associated
    ? null
    : { subnetId: settings.subnetId, routeTableId: settings.routeTableId };
  if (!associated) {
    drift.push({
      kind: 'subnet-not-associated',
      subject: settings.subnetId,
      before: null,
      after: null,
      message: `subnet '${settings.subnetId}' is not associated with route table '${settings.routeTableName}': its pods use none of these routes`,
      repairable: true,
    });
    actions.push({ kind: 'associate-subnet', subject: settings.subnetId, before: null, after: null });
  }

  drift.push(...desired.ipForwardingDrift);
  for (const nicId of desired.enableIpForwarding) {
    actions.push({ kind: 'enable-ip-forwarding', subject: nicId, before: null, after: null });
  }

  const entries: RouteEntry[] = [
    ...routes.filter((r) => keep.has(r)).map((r) => ({ keep: r.route.name })),
    ...puts.sort((a, b) => cmp(a.name, b.name)).map((put) => ({ put })),
  ];
  const tableWrite: TableWrite | null = tableWritable
    ? {
        create: table === null,
        location: table === null ? inventory.vnetLocation : table.location,
        ifMatch: table?.etag,
        routes: entries,
      }
    : null;

  // Without a write, no route changes: drift stays reported, actions list only what will happen.
  const routeKinds = new Set<Action['kind']>(['create-route', 'update-route', 'delete-route']);
  return {
    inSync: !drift.some((x) => x.repairable),
    drift: sortBySubject(drift),
    refused: sortBySubject(refused),
    actions: sortBySubject(tableWritable ? actions : actions.filter((a) => !routeKinds.has(a.kind))),
    tableWrite: normaliseWrite(tableWrite, inventory),
    associateSubnet,
    enableIpForwarding: desired.enableIpForwarding,
    desiredRoutes: active.map(toSpec).sort((a, b) => cmp(a.name, b.name)),
  };
}

export { normaliseWrite, sortBySubject };
