// One reconcile, the same straight line for the timer, Event Grid, the HTTP drift report and the CLI:
// config -> read inventory -> plan + guard (pure) -> one write -> verify -> result.
import { randomUUID } from 'node:crypto';
import type { RouteTable } from '@azure/arm-network';
import { type ArmClients, createArmClients } from './azure/clients.js';
import { describeFailure, InventoryError, LroFailedError, statusOf } from './azure/errors.js';
import { routeTableId, sameId, subnetId } from './azure/ids.js';
import { type InventoryRead, readRouteTable, toRouteTableRecord } from './azure/inventory.js';
import { newCounts, withArmRun } from './azure/session.js';
import { readSettledInventory } from './azure/settle.js';
import { associateSubnet, enableIpForwarding, writeRouteTable } from './azure/writer.js';
import type { Config } from './config.js';
import { countRouteDeletions, routeDeletionLimit, withRefusal } from './core/guard.js';
import { classifyRoutes, routeViewsOf } from './core/ownership.js';
import { planReconcile } from './core/plan.js';
import type {
  Drift,
  HealthStatus,
  Inventory,
  Logger,
  Plan,
  PlanSettings,
  ReconcileResult,
  Refusal,
  Trigger,
} from './core/types.js';

export interface ReconcileOptions {
  config: Config;
  trigger: Trigger;
  /** Plan only: never write, whatever REMEDIATION_MODE says (CLI plan, HTTP drift report). */
  dryRun?: boolean;
  /** Operator override of the mass-deletion guard (CLI --force). */
  forceDeletions?: boolean;
  log?: Logger;
  /** Aborts waits (Retry-After, LRO polling) when the host is shutting down. */
  signal?: AbortSignal;
  /** Reused clients (one per Functions instance); made from the config when absent. */
  clients?: ArmClients;
  /** Total time budget: no retry wait starts past it. Default 120 s. */
  timeoutMs?: number;
}

/**
 * Attempts at the table write when someone else changes the table between our read and our write (412), or
 * ARM fails the write's operation with a transient error (it then puts the old table back, marked Failed).
 */
export const MAX_WRITE_ATTEMPTS = 3;

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

const clientCache = new Map<string, ArmClients>();

/** One set of clients per endpoint, subscription and trust: connections and tokens are reused across runs. */
export function clientsFor(config: Config): ArmClients {
  const key = `${config.armEndpoint}|${config.subscriptionId}|${config.armCaFile ?? ''}`;
  let clients = clientCache.get(key);
  if (!clients) {
    clients = createArmClients(config);
    clientCache.set(key, clients);
  }
  return clients;
}

export function planSettingsFor(config: Config, forceDeletions = false): PlanSettings {
  return {
    clusterCidrs: config.clusterCidrs,
    podCidrTag: config.podCidrTag,
    routeNamePrefix: config.routeNamePrefix,
    routeTableId: routeTableId(config),
    routeTableName: config.routeTableName,
    subnetId: subnetId(config),
    maxRouteDeletions: config.maxRouteDeletions,
    forceDeletions,
    repairIpForwarding: config.repairIpForwarding,
    maxRoutesPerTable: config.maxRoutesPerTable,
  };
}

function driftKey(d: Drift): string {
  return `${d.kind}|${d.subject.toLowerCase()}`;
}

function needsWrite(plan: Plan): boolean {
  return plan.tableWrite !== null || plan.associateSubnet !== null || plan.enableIpForwarding.length > 0;
}

function statusOfRun(
  failed: boolean,
  unrepaired: Drift[],
  refused: Refusal[],
  repaired: Drift[],
): HealthStatus {
  if (failed) return 'Failed';
  // Drift a safety rule held back is not "drifted": it is what the refusal is about.
  if (unrepaired.some((d) => d.repairable || d.kind === 'ip-forwarding-disabled')) return 'Drifted';
  if (refused.length > 0 || unrepaired.length > 0) return 'Refused';
  if (repaired.length > 0) return 'Repaired';
  return 'Healthy';
}

function withTable(inventory: Inventory, table: RouteTable | null): Inventory {
  return { ...inventory, routeTable: table === null ? null : toRouteTableRecord(table) };
}

/**
 * Never throws for ARM or planning failures: a failed run comes back with status 'Failed' and `error`
 * (`error.transient` tells a caller such as the Event Grid trigger whether a retry may help).
 */
export async function reconcile(options: ReconcileOptions): Promise<ReconcileResult> {
  const { config, trigger } = options;
  const log = options.log ?? silent;
  const startedAt = new Date();
  const runId = randomUUID();
  const counts = newCounts();
  const settings = planSettingsFor(config, options.forceDeletions ?? false);
  const writes = !(options.dryRun ?? false) && config.mode === 'enforce';

  let initialPlan: Plan | undefined;
  let before: ReconcileResult['before'] = [];
  let after: ReconcileResult['after'] = [];
  let etagBefore: string | undefined;
  let etagAfter: string | undefined;
  let finalPlan: Plan | undefined;
  /** Set once the table write is confirmed: a later step's failure does not undo what it repaired. */
  let confirmedPlan: Plan | undefined;
  let attempts = 0;
  let failure: ReturnType<typeof describeFailure> | undefined;

  const run = async () => {
    const clients = options.clients ?? clientsFor(config);
    // Nothing is planned from a table, route, subnet or NIC that an ARM operation is still writing.
    let read: InventoryRead = await readSettledInventory(clients, config, settings, options.signal, log);
    // The deletion limit is fixed from the table as first read: re-plans in this run (after a 412, and the
    // verification) must not find a larger limit just because this run created routes for new workers.
    const { ownedPrefixes } = countRouteDeletions(null, read.inventory, settings);
    const runSettings = {
      ...settings,
      maxRouteDeletions: routeDeletionLimit(ownedPrefixes, settings.maxRouteDeletions),
    };
    initialPlan = planReconcile(read.inventory, runSettings);
    before = routeViewsOf(read.inventory.routeTable);
    etagBefore = read.inventory.routeTable?.etag;
    log.debug('inventory read', {
      vms: read.inventory.vms.length,
      nics: read.inventory.nics.length,
      routes: read.inventory.routeTable?.routes.length ?? 0,
    });

    // An empty VM list next to routes we own is more likely a bad read than a cluster scaled to zero.
    if (
      read.inventory.vms.length === 0 &&
      initialPlan.actions.some((a) => a.kind === 'delete-route') &&
      !settings.forceDeletions
    ) {
      throw new InventoryError(
        `the VM list of resource group '${config.clusterResourceGroup}' came back empty while the route table holds routes we own; ` +
          'refusing to treat that as "no workers" (check CLUSTER_RESOURCE_GROUP, or apply with --force if the cluster really has no workers)',
      );
    }

    let plan = initialPlan;
    let inventory = read.inventory;
    if (writes && needsWrite(plan)) {
      // The table: one PUT; on 412 re-read the table, re-plan and try again (bounded).
      while (plan.tableWrite !== null) {
        attempts++;
        try {
          const written = await writeRouteTable(clients, config, read.table, plan.tableWrite, options.signal);
          inventory = withTable(inventory, written);
          read = { inventory, table: written };
          break;
        } catch (error) {
          const lroFailed = error instanceof LroFailedError ? error : undefined;
          const retryable = statusOf(error) === 412 || lroFailed?.transient === true;
          if (!retryable || attempts >= MAX_WRITE_ATTEMPTS) throw error;
          log.warn(
            lroFailed
              ? `the route table write's operation failed (${lroFailed.code}); re-reading and re-planning`
              : 'route table changed between our read and our write (412); re-reading and re-planning',
            { attempt: attempts },
          );
          const table = await readRouteTable(clients, config, options.signal);
          inventory = withTable(inventory, table);
          read = { inventory, table };
          plan = planReconcile(inventory, runSettings);
        }
      }
      // What the write confirmed (the LRO's final read) is what the rest of the run plans from.
      if (attempts > 0) {
        plan = planReconcile(inventory, runSettings);
        confirmedPlan = plan;
        after = routeViewsOf(inventory.routeTable);
        etagAfter = inventory.routeTable?.etag;
      }
      let inventoryChanged = false;
      let subnetRefusal: Refusal | undefined;
      if (plan.associateSubnet !== null) {
        const tableId = inventory.routeTable?.id ?? settings.routeTableId;
        const outcome = await associateSubnet(clients, config, tableId, options.signal);
        if (outcome.kind === 'associated-elsewhere') {
          subnetRefusal = {
            reason: 'foreign-route-conflict',
            subject: settings.subnetId,
            message: `subnet '${config.subnetName}' is associated with another route table (${outcome.otherRouteTableId}); it is not ours to move`,
          };
        } else if (inventory.routeTable !== null) {
          // The subnet write is confirmed by its own LRO; the table's read-only subnet list may lag behind it.
          const subnetIds = inventory.routeTable.subnetIds.some((id) => sameId(id, settings.subnetId))
            ? inventory.routeTable.subnetIds
            : [...inventory.routeTable.subnetIds, settings.subnetId];
          inventory = { ...inventory, routeTable: { ...inventory.routeTable, subnetIds } };
          inventoryChanged = true;
        }
      }
      if (plan.enableIpForwarding.length > 0) {
        for (const nicId of plan.enableIpForwarding) await enableIpForwarding(clients, nicId, options.signal);
        const enabled = new Set(plan.enableIpForwarding.map((id) => id.toLowerCase()));
        inventory = {
          ...inventory,
          nics: inventory.nics.map((nic) =>
            enabled.has(nic.id.toLowerCase()) ? { ...nic, enableIpForwarding: true } : nic,
          ),
        };
        inventoryChanged = true;
      }
      if (inventoryChanged) plan = planReconcile(inventory, runSettings);
      // The subnet is tied to another table: held back like any drift a safety rule holds back.
      if (subnetRefusal !== undefined) {
        plan = withRefusal(plan, subnetRefusal, (d) => d.kind === 'subnet-not-associated');
      }
    }
    finalPlan = plan;
    after = routeViewsOf(inventory.routeTable);
    etagAfter = inventory.routeTable?.etag;
  };

  const armRun = {
    counts,
    deadline: startedAt.getTime() + (options.timeoutMs ?? 120_000),
    signal: options.signal,
  };
  try {
    await withArmRun(armRun, run);
  } catch (error) {
    failure = describeFailure(error);
    log.error(`reconcile failed: ${failure.message}`, { code: failure.code, statusCode: failure.statusCode });
    if (confirmedPlan === undefined) after = before;
    if (attempts > 0 && confirmedPlan === undefined) {
      // A write was attempted but not confirmed: show what the table holds now, not what we hoped (best effort).
      try {
        const table = await withArmRun(armRun, () =>
          readRouteTable(options.clients ?? clientsFor(config), config),
        );
        after = routeViewsOf(table === null ? null : toRouteTableRecord(table));
        etagAfter = table?.etag ?? undefined;
      } catch {
        // The failure above is what the run reports.
      }
    }
  }

  const plan = initialPlan ?? emptyPlan();
  // A failed run keeps what its confirmed table write repaired; nothing else counts as repaired.
  const endPlan = failure ? (confirmedPlan ?? plan) : (finalPlan ?? plan);
  const stillThere = new Set(endPlan.drift.map(driftKey));
  const repaired = !writes || endPlan === plan ? [] : plan.drift.filter((d) => !stillThere.has(driftKey(d)));
  const unrepaired = endPlan.drift;
  const refused = endPlan.refused;
  const managedRoutes = countManaged(after, settings);
  const status = statusOfRun(failure !== undefined, unrepaired, refused, repaired);
  const result: ReconcileResult = {
    runId,
    trigger,
    mode: writes ? 'enforce' : 'report',
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    status,
    routeTable: {
      id: settings.routeTableId,
      name: config.routeTableName,
      resourceGroup: config.routeTableResourceGroup,
      etagBefore,
      etagAfter,
    },
    plan,
    repaired,
    unrepaired,
    refused,
    before,
    after,
    managedRoutes,
    attempts,
    arm: counts,
    ...(failure ? { error: failure } : {}),
  };
  log.info(`reconcile ${status}`, {
    runId,
    trigger,
    drift: plan.drift.length,
    repaired: repaired.length,
    refused: refused.length,
    durationMs: result.durationMs,
  });
  return result;
}

function countManaged(routes: ReconcileResult['after'], settings: PlanSettings): number {
  const records = routes.map((r) => ({
    name: r.name,
    addressPrefix: r.addressPrefix,
    nextHopType: r.nextHopType,
    nextHopIpAddress: r.nextHopIpAddress,
    provisioningState: r.provisioningState,
  }));
  return classifyRoutes(records, settings).filter((r) => r.owned).length;
}

function emptyPlan(): Plan {
  return {
    inSync: false,
    drift: [],
    refused: [],
    actions: [],
    tableWrite: null,
    associateSubnet: null,
    enableIpForwarding: [],
    desiredRoutes: [],
  };
}
