// Safety rules applied to a plan, pure: the mass-deletion guard, the per-table route limit, and the
// suspicious-empty-inventory rule (the run fails instead of planning from such a read).
// A wrong or partial inventory read looks exactly like "every worker is gone"; the guard keeps such a
// run from emptying the table, while the other repairs of the same run still go ahead.
import { sameRouteName } from './naming.js';
import { byName, compareOrdinal } from './order.js';
import { classifyRoutes, normaliseWrite, sortBySubject, type TableRoute } from './ownership.js';
import type { Drift, Inventory, Plan, PlanSettings, Refusal, TableWrite } from './types.js';

/** Most owned prefixes one run may remove: 'auto' = half of the owned ones (all of a single one). */
export function routeDeletionLimit(ownedPrefixes: number, setting: number | 'auto'): number {
  if (setting !== 'auto') return setting;
  return ownedPrefixes <= 1 ? ownedPrefixes : Math.floor(ownedPrefixes / 2);
}

interface DeletionCount {
  /** Distinct prefixes of owned routes in the table as read. */
  ownedPrefixes: number;
  /** Owned routes whose prefix the write leaves in no route at all, by prefix. */
  deleted: Map<string, TableRoute[]>;
}

/**
 * Counts deletions by prefix, not by route: dropping a duplicate or renaming a route keeps its prefix
 * routed, so only prefixes that vanish from the table count against the limit.
 */
export function countRouteDeletions(
  write: TableWrite | null,
  inventory: Inventory,
  settings: PlanSettings,
): DeletionCount {
  const routes = classifyRoutes(inventory.routeTable?.routes ?? [], settings);
  const owned = routes.filter((r) => r.owned);
  const deleted = new Map<string, TableRoute[]>();
  if (write === null || write.create)
    return { ownedPrefixes: new Set(owned.map((r) => r.prefix)).size, deleted };
  const tableRouteByName = new Map(routes.map((r) => [r.route.name.toLowerCase(), r]));
  const written = new Set<string | undefined>();
  for (const e of write.routes) {
    if ('put' in e) written.add(e.put.addressPrefix);
    else written.add(tableRouteByName.get(e.keep.toLowerCase())?.prefixKey);
  }
  for (const r of owned) {
    if (written.has(r.prefix)) continue;
    deleted.set(r.prefix!, [...(deleted.get(r.prefix!) ?? []), r]);
  }
  return { ownedPrefixes: new Set(owned.map((r) => r.prefix)).size, deleted };
}

/**
 * An empty VM list next to routes we own that the plan would delete is more likely a bad read than a cluster
 * scaled to zero: the run fails rather than write (unless the operator forces deletions).
 */
export function emptyInventoryLooksWrong(inventory: Inventory, plan: Plan, settings: PlanSettings): boolean {
  const deletes = plan.actions.some((action) => action.kind === 'delete-route');
  return inventory.vms.length === 0 && deletes && !settings.forceDeletions;
}

export function guardPlan(plan: Plan, inventory: Inventory, settings: PlanSettings): Plan {
  let out = guardDeletions(plan, inventory, settings);
  out = guardRouteLimit(out, inventory, settings.maxRoutesPerTable);
  return out;
}

function guardDeletions(plan: Plan, inventory: Inventory, settings: PlanSettings): Plan {
  const write = plan.tableWrite;
  if (write === null || settings.forceDeletions) return plan;
  const { ownedPrefixes, deleted } = countRouteDeletions(write, inventory, settings);
  const limit = routeDeletionLimit(ownedPrefixes, settings.maxRouteDeletions);
  if (deleted.size <= limit) return plan;

  // Keep one route per vanished prefix (the first by name), exactly as it is. A put reusing a kept
  // route's name cannot go in the same write and waits with the deletions; withholding it (a rename)
  // can make its old prefix vanish in turn, so repeat until no owned prefix vanishes.
  const routes = classifyRoutes(inventory.routeTable?.routes ?? [], settings);
  const restored: TableRoute[] = [];
  const restoredNames = new Set<string>();
  let routesOut = write.routes;
  let vanished = deleted;
  while (vanished.size > 0) {
    for (const group of vanished.values()) {
      const first = [...group].sort((a, b) => byName(a.route, b.route))[0]!;
      restored.push(first);
      restoredNames.add(first.route.name.toLowerCase());
    }
    const keptNames = new Set(
      write.routes.flatMap((e) => ('keep' in e ? [e.keep.toLowerCase()] : [])).concat([...restoredNames]),
    );
    routesOut = [
      ...routes.filter((r) => keptNames.has(r.route.name.toLowerCase())).map((r) => ({ keep: r.route.name })),
      ...write.routes.filter((e) => 'put' in e && !restoredNames.has(e.put.name.toLowerCase())),
    ];
    vanished = countRouteDeletions({ ...write, routes: routesOut }, inventory, settings).deleted;
  }
  const withheld = write.routes.flatMap((e) =>
    'put' in e && restoredNames.has(e.put.name.toLowerCase()) ? [e.put.name] : [],
  );
  const names = restored.map((r) => r.route.name).sort(compareOrdinal);
  const message =
    `the plan would remove the routes of ${deleted.size} of ${ownedPrefixes} owned prefixes (limit ${limit}` +
    `${settings.maxRouteDeletions === 'auto' ? ': half of the owned routes' : ''}); kept ${names.join(', ')}` +
    `${withheld.length > 0 ? `; also withheld ${withheld.join(', ')}, whose names they hold` : ''}. ` +
    'Check the VM and NIC inventory; rerun with --force if the deletions are intended';
  const dropped = (subject: string) => withheld.some((n) => sameRouteName(n, subject));
  const heldBack = (d: Drift) =>
    (d.before !== null && restoredNames.has(d.before.name.toLowerCase())) ||
    (d.after !== null && dropped(d.after.name));
  return {
    ...withRefusal(plan, { reason: 'mass-deletion', subject: settings.routeTableId, message }, heldBack),
    actions: plan.actions.filter(
      (a) =>
        !(a.kind === 'delete-route' && restoredNames.has(a.subject.toLowerCase())) &&
        !((a.kind === 'create-route' || a.kind === 'update-route') && dropped(a.subject)),
    ),
    tableWrite: normaliseWrite({ ...write, routes: routesOut }, inventory),
    desiredRoutes: plan.desiredRoutes.filter((d) => !dropped(d.name)),
  };
}

/**
 * Adds a refusal to a plan. The drift it holds back stays reported but is not repairable by this run, so the
 * run is "in sync except what was refused" rather than failing to repair.
 */
function withRefusal(plan: Plan, refusal: Refusal, holdsBack: (d: Drift) => boolean): Plan {
  const drift = plan.drift.map((d) =>
    d.repairable && holdsBack(d)
      ? { ...d, repairable: false, message: `${d.message} (held back: ${refusal.reason})` }
      : d,
  );
  return {
    ...plan,
    drift,
    nothingToRepair: !drift.some((d) => d.repairable),
    refused: sortBySubject([...plan.refused, refusal]),
  };
}

function guardRouteLimit(plan: Plan, inventory: Inventory, limit: number): Plan {
  const write = plan.tableWrite;
  if (write === null || write.routes.length <= limit) return plan;
  const routeActions = new Set(['create-table', 'create-route', 'update-route', 'delete-route']);
  const routeDrift = (d: Drift) =>
    d.kind !== 'ip-forwarding-disabled' && (d.kind !== 'subnet-not-associated' || write.create);
  const refusal: Refusal = {
    reason: 'route-limit-exceeded',
    subject: inventory.routeTable?.id ?? 'route table',
    message: `the table would hold ${write.routes.length} routes, over the limit of ${limit} routes per table (MAX_ROUTES_PER_TABLE); no route is written`,
  };
  return {
    ...withRefusal(plan, refusal, routeDrift),
    actions: plan.actions.filter(
      (a) => !routeActions.has(a.kind) && !(write.create && a.kind === 'associate-subnet'),
    ),
    tableWrite: null,
    associateSubnets: write.create ? [] : plan.associateSubnets,
  };
}
