// The phases of one reconcile, each returning what it learned (src/reconcile.ts runs them in order):
// read until settled -> plan -> write the table (bounded retries on 412 or a failed operation) -> side
// writes (subnet association, IP forwarding) -> after a failed table write, read the table back.
import type { ArmClients } from './azure/clients.js';
import { httpStatusOf, InventoryError, LroFailedError } from './azure/errors.js';
import { sameId, subscriptionOfId } from './azure/ids.js';
import { type InventoryRead, readRouteTable } from './azure/inventory.js';
import { toRouteTableRecord } from './azure/records.js';
import { readSettledInventory, readUntilSettled } from './azure/settle.js';
import { associateSubnet, enableIpForwarding, writeRouteTable } from './azure/writer.js';
import type { Config } from './config.js';
import { countRouteDeletions, emptyInventoryLooksWrong, routeDeletionLimit } from './core/guard.js';
import { planReconcile } from './core/plan.js';
import { unsettledResources } from './core/settled.js';
import type { Inventory, Logger, Plan, PlanSettings, RouteRecord, SubnetAssociation } from './core/types.js';

/**
 * Attempts at the table write when someone else changes the table between our read and our write (412), or
 * ARM fails the write's operation with a transient error (it then puts the old table back, marked Failed).
 */
export const MAX_WRITE_ATTEMPTS = 3;

export interface RunContext {
  config: Config;
  clients: ArmClients;
  /**
   * The clients of a subscription, for a cluster's worker NICs (its worker groups may span subscriptions):
   * a NIC is written in its own subscription, never the table's. Absent: every NIC is in `clients`'.
   */
  clientsOf?: (subscriptionId: string) => ArmClients;
  settings: PlanSettings;
  log: Logger;
  signal: AbortSignal | undefined;
}

/** The table as one phase left it: the plan made from it, its routes and its ETag. */
export interface TableSnapshot {
  plan: Plan;
  routes: RouteRecord[];
  etag: string | undefined;
}

export function snapshotOf(plan: Plan, inventory: Inventory): TableSnapshot {
  return { plan, routes: inventory.routeTable?.routes ?? [], etag: inventory.routeTable?.etag };
}

// ------------------------------------------------------------------------------------- read and plan

/** Phase 1: nothing is planned from a table, route, subnet or NIC that an ARM operation is still writing. */
export function readSettled(ctx: RunContext): Promise<InventoryRead> {
  return readSettledInventory(ctx.clients, ctx.config, ctx.settings, ctx.signal, ctx.log);
}

export interface FirstPlan {
  read: InventoryRead;
  /** The settings every plan of this run uses: the deletion limit is fixed from the first read. */
  runSettings: PlanSettings;
  plan: Plan;
}

/** Phase 2: the plan of the first read. */
export function planFirst(ctx: RunContext, read: InventoryRead): FirstPlan {
  // Re-plans in this run (after a 412, and after the writes) must not find a larger deletion limit just
  // because this run created routes for new workers.
  const { ownedPrefixes } = countRouteDeletions(null, read.inventory, ctx.settings);
  const runSettings = {
    ...ctx.settings,
    maxRouteDeletions: routeDeletionLimit(ownedPrefixes, ctx.settings.maxRouteDeletions),
  };
  ctx.log.debug('inventory read', {
    vms: read.inventory.vms.length,
    nics: read.inventory.nics.length,
    routes: read.inventory.routeTable?.routes.length ?? 0,
  });
  return { read, runSettings, plan: planReconcile(read.inventory, runSettings) };
}

/** The guard's suspicious-empty-inventory rule (core/guard.ts), as the run's failure. */
export function suspiciousEmptyVmList(ctx: RunContext, first: FirstPlan): InventoryError | undefined {
  if (!emptyInventoryLooksWrong(first.read.inventory, first.plan, ctx.settings)) return undefined;
  return new InventoryError(
    `the VM list of resource group '${ctx.config.clusterResourceGroup}' came back empty while the route table holds routes we own; ` +
      'refusing to treat that as "no workers" (check CLUSTER_RESOURCE_GROUP, or apply with --force if the cluster really has no workers)',
  );
}

export function needsWrite(plan: Plan): boolean {
  return plan.tableWrite !== null || plan.associateSubnets.length > 0 || plan.enableIpForwarding.length > 0;
}

// ------------------------------------------------------------------------------------- the table write

type TableWritten =
  | {
      ok: true;
      attempts: number;
      /** The inventory with the table as the write confirmed it (the LRO's final read). */
      inventory: Inventory;
      /** The plan of the confirmed table; undefined when no table write was needed. */
      confirmed: TableSnapshot | undefined;
    }
  | { ok: false; attempts: number; error: unknown };

function withTable(inventory: Inventory, table: InventoryRead['table']): Inventory {
  return { ...inventory, routeTable: table === null ? null : toRouteTableRecord(table) };
}

function retryableWriteFailure(error: unknown): LroFailedError | 412 | undefined {
  if (httpStatusOf(error) === 412) return 412;
  return error instanceof LroFailedError && error.transient ? error : undefined;
}

/**
 * The table again after a 412 or a failed write operation, read until settled: whoever changed it may still be
 * writing it, and nothing is planned from such a table (src/azure/settle.ts). A table deleted meanwhile is
 * created again where it was (its subnets' region), as any run creates a missing table.
 */
async function rereadTable(ctx: RunContext, before: InventoryRead): Promise<InventoryRead> {
  const location = before.inventory.routeTable?.location ?? before.inventory.vnetLocation;
  const read = async (): Promise<InventoryRead> => {
    const table = await readRouteTable(ctx.clients, ctx.config, ctx.signal);
    const inventory = withTable(before.inventory, table);
    return { inventory: table === null ? { ...inventory, vnetLocation: location } : inventory, table };
  };
  return readUntilSettled(
    read,
    (got) => unsettledResources(got.inventory, ctx.settings),
    ctx.clients.pollIntervalMs,
    ctx.signal,
    ctx.log,
  );
}

/** Phase 3: one PUT of the whole table; on 412 or a transient failed operation, re-read, re-plan, retry. */
export async function writeTable(ctx: RunContext, first: FirstPlan): Promise<TableWritten> {
  let read = first.read;
  let plan = first.plan;
  let attempts = 0;
  while (plan.tableWrite !== null) {
    attempts++;
    try {
      const table = await writeRouteTable(ctx.clients, ctx.config, read.table, plan.tableWrite, ctx.signal);
      read = { inventory: withTable(read.inventory, table), table };
      break;
    } catch (error) {
      const cause = retryableWriteFailure(error);
      if (cause === undefined || attempts >= MAX_WRITE_ATTEMPTS) return { ok: false, attempts, error };
      ctx.log.warn(
        cause === 412
          ? 'route table changed between our read and our write (412); re-reading and re-planning'
          : `the route table write's operation failed (${cause.code}); re-reading and re-planning`,
        { attempt: attempts },
      );
      try {
        read = await rereadTable(ctx, read);
      } catch (readError) {
        return { ok: false, attempts, error: readError };
      }
      plan = planReconcile(read.inventory, first.runSettings);
    }
  }
  // What the write confirmed is what the rest of the run plans from.
  const confirmed =
    attempts > 0 ? snapshotOf(planReconcile(read.inventory, first.runSettings), read.inventory) : undefined;
  return { ok: true, attempts, inventory: read.inventory, confirmed };
}

// ------------------------------------------------------------------------------------- side writes

interface SideWritten {
  inventory: Inventory;
  plan: Plan;
}

/** Phase 4: the subnet associations and IP forwarding; the plan is re-made from what they changed. */
export async function sideWrites(
  ctx: RunContext,
  inventory: Inventory,
  plan: Plan,
  runSettings: PlanSettings,
): Promise<SideWritten> {
  let after = inventory;
  for (const association of plan.associateSubnets) after = await associate(ctx, after, association);
  if (plan.enableIpForwarding.length > 0) after = await forwardIp(ctx, after, plan.enableIpForwarding);
  // A subnet that took another table since the read is refused by the re-plan (src/core/subnets.ts).
  const replanned = after === inventory ? plan : planReconcile(after, runSettings);
  return { inventory: after, plan: replanned };
}

async function associate(
  ctx: RunContext,
  inventory: Inventory,
  association: SubnetAssociation,
): Promise<Inventory> {
  // A table this run created has its id in the inventory now.
  const routeTableId = inventory.routeTable?.id ?? association.routeTableId;
  const result = await associateSubnet(ctx.clients, { ...association, routeTableId }, ctx.signal);
  const now = result.kind === 'associated-elsewhere' ? result.otherRouteTableId : routeTableId;
  const record = { id: association.subnetId, provisioningState: 'Succeeded', routeTableId: now };
  const subnets = [...(inventory.subnets ?? []).filter((s) => !sameId(s.id, association.subnetId)), record];
  const table = inventory.routeTable;
  if (table === null || !sameId(now, routeTableId)) return { ...inventory, subnets };
  // The subnet write is confirmed by its own LRO; the table's read-only subnet list may lag behind it.
  const subnetIds = table.subnetIds.some((id) => sameId(id, association.subnetId))
    ? table.subnetIds
    : [...table.subnetIds, association.subnetId];
  return { ...inventory, subnets, routeTable: { ...table, subnetIds } };
}

/** The clients of the NIC's own subscription (from its id). */
function nicClients(ctx: RunContext, nicId: string): ArmClients {
  const subscriptionId = subscriptionOfId(nicId);
  return subscriptionId === undefined || ctx.clientsOf === undefined
    ? ctx.clients
    : ctx.clientsOf(subscriptionId);
}

async function forwardIp(
  ctx: RunContext,
  inventory: Inventory,
  nicIds: readonly string[],
): Promise<Inventory> {
  for (const nicId of nicIds) await enableIpForwarding(nicClients(ctx, nicId), nicId, ctx.signal);
  const enabled = new Set(nicIds.map((id) => id.toLowerCase()));
  return {
    ...inventory,
    nics: inventory.nics.map((nic) =>
      enabled.has(nic.id.toLowerCase()) ? { ...nic, enableIpForwarding: true } : nic,
    ),
  };
}

// ------------------------------------------------------------------------------------- read back

/** Phase 5, after a table write that was attempted but not confirmed: what the table holds now (best effort). */
export async function readBack(ctx: RunContext): Promise<Omit<TableSnapshot, 'plan'> | undefined> {
  try {
    const table = await readRouteTable(ctx.clients, ctx.config);
    const record = table === null ? null : toRouteTableRecord(table);
    return { routes: record?.routes ?? [], etag: table?.etag ?? undefined };
  } catch {
    // The failure that led here is what the run reports.
    return undefined;
  }
}
