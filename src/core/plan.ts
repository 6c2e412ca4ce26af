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
import { type DesiredRoute, type DesiredState, deriveDesired } from './desired.js';
import { guardPlan } from './guard.js';
import { routeNameForCidr, sameRouteName } from './naming.js';
import { byName, compareOrdinal } from './order.js';
import { classifyRoutes, normaliseWrite, sortBySubject, type TableRoute } from './ownership.js';
import { scaleSetInstanceOf, unlistedNicHops } from './scale-sets.js';
import { planSubnets } from './subnets.js';
import type {
  Action,
  Drift,
  Inventory,
  Plan,
  PlanSettings,
  Refusal,
  RouteEntry,
  RouteSpec,
  TableWrite,
} from './types.js';

/** A route as messages name it; a next hop without IP (Internet, VnetLocal) leaves no blank inside the parentheses. */
function describe(r: TableRoute): string {
  const hop = `${r.route.nextHopType ?? '?'} ${r.route.nextHopIpAddress ?? ''}`.trim();
  return `'${r.route.name}' (${r.route.addressPrefix ?? '?'} -> ${hop})`;
}

/** Among owned routes with one prefix, the one to keep: the canonically named one, else the first by name. */
function survivorOf(group: readonly TableRoute[], canonicalName: string | undefined): TableRoute {
  const named =
    canonicalName === undefined ? undefined : group.find((r) => sameRouteName(r.route.name, canonicalName));
  return named ?? group[0]!;
}

/** What the planner finds, in the order it finds it: one collector for every section below. */
interface Findings {
  drift: Drift[];
  actions: Action[];
  refused: Refusal[];
}

/** An owned route that goes: its drift record and its delete action. */
function removeStale(findings: Findings, r: TableRoute, message: string): void {
  findings.drift.push({
    kind: 'stale-route',
    subject: r.route.name,
    before: r.route,
    after: null,
    message,
    repairable: true,
  });
  findings.actions.push({ kind: 'delete-route', subject: r.route.name, before: r.route, after: null });
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
  const desired = deriveDesired(inventory, settings);
  const findings: Findings = { drift: [], actions: [], refused: [...desired.refusals] };
  const routes = classifyRoutes(inventory.routeTable?.routes ?? [], settings);
  const foreign = foreignConflicts(routes, desired, findings);
  const owned = ownedByPrefix(routes);
  const survivors = keepUnclaimed(owned, foreign.active, foreign, desired, inventory, settings, findings);
  const groups = planOwnedGroups(owned, survivors, foreign, routes, findings);
  const missing = survivors.active.filter((d) => !owned.has(d.route.addressPrefix));
  const created = pairStaleWithMissing(groups.stale, missing, findings);
  const associateSubnets = infrastructureDrift(inventory, settings, desired, findings);
  const puts = [...groups.puts, ...created].sort(byName);
  return assemble(inventory, routes, groups.keep, puts, foreign.tableWritable, survivors.active, {
    findings,
    associateSubnets,
    enableIpForwarding: desired.enableIpForwarding,
  });
}

// ------------------------------------------------------------------------------ foreign conflicts

interface ForeignView {
  /** Foreign routes by prefix key (normalised prefix, or raw text). */
  byKey: Map<string, TableRoute[]>;
  /** false when foreign routes repeat a prefix: ARM rejects any PUT of the table. */
  tableWritable: boolean;
  /** Claims no foreign route holds. */
  active: DesiredRoute[];
  /** Prefixes of refused claims (any reason): their owned routes stay as they are; grows as claims are refused. */
  refusedPrefixes: Set<string>;
  /** IPs of workers with a refused claim and no accepted one of its family: routes to them are kept. */
  refusedWorkerIps: Set<string>;
}

/**
 * A refused claim protects its worker's routes in every family where no claim of that worker goes ahead, as a
 * refusal found in the tags does (desired.ts).
 */
function protectWorkerOf(
  refused: DesiredRoute,
  active: readonly DesiredRoute[],
  desired: DesiredState,
  ips: Set<string>,
): void {
  const worker = desired.workers.find((w) => w.vm.name === refused.worker);
  for (const family of [4, 6] as const) {
    const ip = worker?.ips[family];
    if (ip !== undefined && !active.some((a) => a.worker === refused.worker && a.family === family))
      ips.add(ip);
  }
}

function foreignConflicts(routes: TableRoute[], desired: DesiredState, findings: Findings): ForeignView {
  const foreign = routes.filter((r) => !r.owned);
  // Foreign routes sharing a prefix make any PUT of the table fail (RouteConflict); we may not drop them.
  const byKey = new Map<string, TableRoute[]>();
  for (const r of foreign) {
    if (r.prefixKey === undefined) continue;
    byKey.set(r.prefixKey, [...(byKey.get(r.prefixKey) ?? []), r]);
  }
  let tableWritable = true;
  // No order needed here: the plan lists refusals by subject, and distinct keys give distinct subjects.
  for (const [key, group] of byKey) {
    if (group.length < 2) continue;
    tableWritable = false;
    findings.refused.push({
      reason: 'duplicate-route-prefix',
      subject: key.replace(/^raw:/u, ''),
      message: `routes ${group.map(describe).join(', ')} share one address prefix and are not ours to remove; ARM rejects any write of this table until they are fixed`,
    });
  }
  const foreignByName = new Map(foreign.map((r) => [r.route.name.toLowerCase(), r]));
  // Our claims that a foreign route already holds (by prefix or by name) are not written.
  const refusedPrefixes = new Set(desired.refusedPrefixes);
  const active: DesiredRoute[] = [];
  for (const d of desired.routes) {
    const byPrefix = byKey.get(d.route.addressPrefix)?.[0];
    const holder = byPrefix ?? foreignByName.get(d.route.name.toLowerCase());
    if (holder === undefined) {
      active.push(d);
      continue;
    }
    refusedPrefixes.add(d.route.addressPrefix);
    findings.refused.push({
      reason: 'foreign-route-conflict',
      subject: d.route.name,
      worker: d.worker,
      message: `worker '${d.worker}' needs ${d.route.addressPrefix} -> ${d.route.nextHopIpAddress}, but foreign route ${describe(holder)} already holds its ${byPrefix ? 'prefix' : 'name'}; the foreign route is left untouched`,
    });
  }
  const refusedWorkerIps = new Set(desired.refusedWorkerIps);
  for (const d of desired.routes)
    if (!active.includes(d)) protectWorkerOf(d, active, desired, refusedWorkerIps);
  return { byKey, tableWritable, active, refusedPrefixes, refusedWorkerIps };
}

/** Owned routes by normalised prefix, each group sorted by name. */
function ownedByPrefix(routes: TableRoute[]): Map<string, TableRoute[]> {
  const owned = routes.filter((r) => r.owned).sort((a, b) => compareOrdinal(a.route.name, b.route.name));
  const groups = new Map<string, TableRoute[]>();
  for (const r of owned) groups.set(r.prefix!, [...(groups.get(r.prefix!) ?? []), r]);
  return groups;
}

// ------------------------------------------------------------------------------ unclaimed routes kept by refusals

interface Survivors {
  /** Unclaimed owned prefixes kept as they are (a refusal or a scale-set instance), and the route kept for each. */
  keptUnclaimed: Map<string, TableRoute>;
  /** Claims still to be written once the kept routes' names are out of the way. */
  active: DesiredRoute[];
}

/** For each unclaimed owned group: the route a refusal (or a scale-set instance) keeps, if any. */
function keptUnclaimedOf(
  owned: Map<string, TableRoute[]>,
  active: readonly DesiredRoute[],
  foreign: ForeignView,
  scaleSetHops: ReadonlyMap<string, unknown>,
  settings: PlanSettings,
): Map<string, TableRoute> {
  const survivors = new Map<string, TableRoute>();
  const claimed = new Set(active.map((d) => d.route.addressPrefix));
  const hopIn = (hops: { has(ip: string): boolean }) => (r: TableRoute) =>
    r.nextHop !== undefined && hops.has(r.nextHop);
  for (const [prefix, group] of owned) {
    if (claimed.has(prefix) || foreign.byKey.has(prefix)) continue;
    const canonical = routeNameForCidr(prefix, settings.routeNamePrefix);
    // The survivor must be a route that is itself kept for that reason, or the next plan would not keep it.
    const byHop = group.filter(hopIn(foreign.refusedWorkerIps));
    const bySet = group.filter(hopIn(scaleSetHops));
    if (foreign.refusedPrefixes.has(prefix)) survivors.set(prefix, survivorOf(group, canonical));
    else if (byHop.length > 0) survivors.set(prefix, survivorOf(byHop, canonical));
    else if (bySet.length > 0) survivors.set(prefix, survivorOf(bySet, canonical));
  }
  return survivors;
}

function keepUnclaimed(
  owned: Map<string, TableRoute[]>,
  claims: DesiredRoute[],
  foreign: ForeignView,
  desired: DesiredState,
  inventory: Inventory,
  settings: PlanSettings,
  findings: Findings,
): Survivors {
  // Unclaimed owned routes pointing at a scale-set instance's NIC (no listed VM) are kept too.
  const scaleSetHops = unlistedNicHops(inventory);
  // A kept route's name may be the one a claim needs (a misnamed legacy route): refuse that claim too,
  // until nothing collides.
  let active = claims;
  let kept = new Map<string, TableRoute>();
  for (;;) {
    // A route kept in an earlier round stays the one kept: a claim was refused for its name, and a later
    // round's refused worker must not swap it for a duplicate of its prefix (the refusal would then protect
    // nothing and the next plan would undo this one).
    kept = new Map([...keptUnclaimedOf(owned, active, foreign, scaleSetHops, settings), ...kept]);
    const keptNames = new Map([...kept.values()].map((r) => [r.route.name.toLowerCase(), r]));
    const colliding = active.filter((d) => keptNames.has(d.route.name.toLowerCase()));
    if (colliding.length === 0) {
      refuseScaleSetHolds(kept, scaleSetHops, foreign, findings);
      return { keptUnclaimed: kept, active };
    }
    for (const d of colliding) {
      foreign.refusedPrefixes.add(d.route.addressPrefix);
      findings.refused.push({
        reason: 'foreign-route-conflict',
        subject: d.route.name,
        worker: d.worker,
        message: `worker '${d.worker}' needs route '${d.route.name}' for ${d.route.addressPrefix}, but that name is taken by ${describe(keptNames.get(d.route.name.toLowerCase())!)}, which is kept as it is (its own refusal says why)`,
      });
    }
    active = active.filter((d) => !colliding.includes(d));
    for (const d of colliding) protectWorkerOf(d, active, desired, foreign.refusedWorkerIps);
  }
}

/** A route kept only because a scale-set instance holds its next hop is reported as such. */
function refuseScaleSetHolds(
  kept: Map<string, TableRoute>,
  scaleSetHops: ReturnType<typeof unlistedNicHops>,
  foreign: ForeignView,
  findings: Findings,
): void {
  for (const r of kept.values()) {
    const nic = r.nextHop === undefined ? undefined : scaleSetHops.get(r.nextHop);
    if (
      nic === undefined ||
      foreign.refusedPrefixes.has(r.prefix!) ||
      foreign.refusedWorkerIps.has(r.nextHop!)
    )
      continue;
    findings.refused.push({
      reason: 'next-hop-is-scale-set-instance',
      subject: r.route.name,
      worker: scaleSetInstanceOf(nic),
      message: `route ${describe(r)} is ours and no listed VM claims ${r.prefix}, but its next hop is held by NIC '${nic.name}' of scale-set instance ${scaleSetInstanceOf(nic)}, which is not in the VM list: the route is kept as it is (Uniform scale-set instances are never harmed, nor managed)`,
    });
  }
}

// ------------------------------------------------------------------------------ owned groups

interface OwnedGroups {
  /** Routes written back as they are (every foreign route, and owned routes that are right or kept by a refusal). */
  keep: Set<TableRoute>;
  puts: RouteSpec[];
  /** Owned routes no claim and no refusal holds. */
  stale: TableRoute[];
}

function planOwnedGroups(
  owned: Map<string, TableRoute[]>,
  survivors: Survivors,
  foreign: ForeignView,
  routes: TableRoute[],
  findings: Findings,
): OwnedGroups {
  const result: OwnedGroups = { keep: new Set(routes.filter((r) => !r.owned)), puts: [], stale: [] };
  const activeByPrefix = new Map(survivors.active.map((d) => [d.route.addressPrefix, d]));
  for (const [prefix, group] of [...owned].sort(([a], [b]) => compareOrdinal(a, b))) {
    const holder = foreign.byKey.get(prefix)?.[0];
    if (holder !== undefined) {
      // A table cannot carry our route and a foreign one with one prefix: ours gives way.
      const why = `repeats the prefix of foreign route '${holder.route.name}'`;
      for (const r of group) removeStale(findings, r, `route ${describe(r)} ${why}; removed`);
      continue;
    }
    const claim = activeByPrefix.get(prefix);
    const keptSurvivor = survivors.keptUnclaimed.get(prefix);
    if (claim === undefined && keptSurvivor === undefined) {
      result.stale.push(...group);
      continue;
    }
    const survivor = claim !== undefined ? survivorOf(group, claim.route.name) : keptSurvivor!;
    for (const r of group) {
      if (r === survivor) continue;
      const why = `repeats prefix ${prefix} of route '${survivor.route.name}'`;
      removeStale(findings, r, `route ${describe(r)} ${why}; removed`);
    }
    // Kept by a refused claim: left exactly as it is. Claimed: kept if right, else rewritten.
    if (claim === undefined || !rewriteIfWrong(survivor, claim, findings)) result.keep.add(survivor);
    else result.puts.push(claim.route);
  }
  return result;
}

/** The survivor of a claimed group against its claim: true (and recorded) when it must be rewritten. */
function rewriteIfWrong(survivor: TableRoute, claim: DesiredRoute, findings: Findings): boolean {
  const current = survivor.route;
  const want = claim.route;
  const hopOk =
    current.nextHopType?.toLowerCase() === 'virtualappliance' && survivor.nextHop === want.nextHopIpAddress;
  const failed = current.provisioningState?.toLowerCase() === 'failed';
  const named = sameRouteName(current.name, want.name);
  const prefixExact = current.addressPrefix === want.addressPrefix;
  if (hopOk && !failed && named && prefixExact) return false;
  const why: string[] = [];
  if (!hopOk) why.push(`next hop is ${current.nextHopType ?? '?'} ${current.nextHopIpAddress ?? ''}`.trim());
  if (failed) why.push(`provisioning state is ${current.provisioningState}`);
  if (!named) why.push(`name is not the canonical '${want.name}'`);
  if (!prefixExact) why.push(`prefix is written '${current.addressPrefix}'`);
  findings.drift.push({
    kind: !hopOk ? 'wrong-next-hop' : failed ? 'route-not-provisioned' : 'missing-route',
    subject: want.name,
    worker: claim.worker,
    before: current,
    after: want,
    message: `route for worker '${claim.worker}' (${want.addressPrefix}): ${why.join('; ')}; rewritten to VirtualAppliance ${want.nextHopIpAddress}`,
    repairable: true,
  });
  findings.actions.push({ kind: 'update-route', subject: want.name, before: current, after: want });
  return true;
}

// ------------------------------------------------------------------------------ stale paired with missing

/** Claims with no owned route are created; a stale route of the same worker and family means its pod CIDR changed. */
function pairStaleWithMissing(stale: TableRoute[], missing: DesiredRoute[], findings: Findings): RouteSpec[] {
  const paired = new Set<DesiredRoute>();
  for (const r of stale) {
    const family: IpFamily = r.prefix!.includes(':') ? 6 : 4;
    const moved = missing.find(
      (m) => !paired.has(m) && m.family === family && m.route.nextHopIpAddress === r.nextHop,
    );
    if (moved === undefined) {
      removeStale(findings, r, `route ${describe(r)} is ours but no worker claims ${r.prefix}; removed`);
      continue;
    }
    paired.add(moved);
    findings.drift.push({
      kind: 'pod-cidr-changed',
      subject: moved.route.name,
      worker: moved.worker,
      before: r.route,
      after: moved.route,
      message: `worker '${moved.worker}' moved from ${r.prefix} to ${moved.route.addressPrefix}: route '${r.route.name}' is replaced by '${moved.route.name}' in one write`,
      repairable: true,
    });
    findings.actions.push({ kind: 'delete-route', subject: r.route.name, before: r.route, after: null });
  }
  for (const d of missing) {
    findings.actions.push({ kind: 'create-route', subject: d.route.name, before: null, after: d.route });
    if (paired.has(d)) continue;
    findings.drift.push({
      kind: 'missing-route',
      subject: d.route.name,
      worker: d.worker,
      before: null,
      after: d.route,
      message: `worker '${d.worker}' has no route for ${d.route.addressPrefix}; created -> VirtualAppliance ${d.route.nextHopIpAddress}`,
      repairable: true,
    });
  }
  return missing.map((d) => d.route);
}

// ------------------------------------------------------------------------------ infrastructure drift

/** The table itself, its subnets' associations and IP forwarding; returns the associations to make. */
function infrastructureDrift(
  inventory: Inventory,
  settings: PlanSettings,
  desired: DesiredState,
  findings: Findings,
): Plan['associateSubnets'] {
  const table = inventory.routeTable;
  if (table === null) {
    findings.drift.push({
      kind: 'table-missing',
      subject: settings.routeTableId,
      before: null,
      after: null,
      message: `route table '${settings.routeTableName}' does not exist; created in ${inventory.vnetLocation ?? 'the vnet location (unknown: the caller must read it)'}`,
      repairable: true,
    });
    findings.actions.push({
      kind: 'create-table',
      subject: settings.routeTableId,
      before: null,
      after: null,
    });
  }
  const associate = planSubnets(inventory, settings, findings);
  findings.drift.push(...desired.ipForwardingDrift);
  for (const nicId of desired.enableIpForwarding) {
    findings.actions.push({ kind: 'enable-ip-forwarding', subject: nicId, before: null, after: null });
  }
  return associate;
}

// ------------------------------------------------------------------------------ the write

const ROUTE_ACTIONS = new Set<Action['kind']>(['create-route', 'update-route', 'delete-route']);

function assemble(
  inventory: Inventory,
  routes: TableRoute[],
  keep: Set<TableRoute>,
  puts: RouteSpec[],
  tableWritable: boolean,
  active: DesiredRoute[],
  rest: Pick<Plan, 'associateSubnets' | 'enableIpForwarding'> & { findings: Findings },
): Plan {
  const { drift, actions, refused } = rest.findings;
  const table = inventory.routeTable;
  // Keeps come first (table order), then puts sorted by name.
  const entries: RouteEntry[] = [
    ...routes.filter((r) => keep.has(r)).map((r) => ({ keep: r.route.name })),
    ...puts.map((put) => ({ put })),
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
  return {
    nothingToRepair: !drift.some((x) => x.repairable),
    drift: sortBySubject(drift),
    refused: sortBySubject(refused),
    actions: sortBySubject(tableWritable ? actions : actions.filter((a) => !ROUTE_ACTIONS.has(a.kind))),
    tableWrite: normaliseWrite(tableWrite, inventory),
    associateSubnets: rest.associateSubnets,
    enableIpForwarding: rest.enableIpForwarding,
    // desired.routes are in name order, and the claims still active are a subsequence of them.
    desiredRoutes: active.map((d) => d.route),
  };
}
