// One route table's run, shared by the one-table reconcile (reconcile.ts) and each table of a cluster
// (reconcile-cluster.ts): the phases in order, what they produced, and the table's part of the result.
import type { ArmClients } from './azure/clients.js';
import { describeFailure } from './azure/errors.js';
import type { InventoryRead } from './azure/inventory.js';
import type { Config } from './config.js';
import { outcome } from './core/outcome.js';
import { classifyRoutes } from './core/ownership.js';
import type { Logger, PlanSettings, RouteRecord, TableResult, Trigger, WorkerFacts } from './core/types.js';
import {
  type FirstPlan,
  needsWrite,
  planFirst,
  type RunContext,
  readBack,
  readSettled,
  sideWrites,
  snapshotOf,
  suspiciousEmptyVmList,
  type TableSnapshot,
  writeTable,
} from './reconcile-phases.js';
import { workerFacts } from './topology/workers.js';

export interface ReconcileOptions {
  config: Config;
  trigger: Trigger;
  /** Plan only: never write, whatever REMEDIATION_MODE says (CLI plan, HTTP drift report). */
  dryRun?: boolean;
  /** Operator override of the mass-deletion guard (CLI --force). */
  forceDeletions?: boolean;
  log?: Logger;
  /**
   * Ends the run's waits (Retry-After, LRO polling, the settle wait) at once: the Functions host's shutdown
   * (src/functions/shutdown.ts), Ctrl-C in the CLI. The run then ends Failed.
   */
  signal?: AbortSignal;
  /** Reused clients (one per Functions instance); made from the config when absent. */
  clients?: ArmClients;
  /** Total time budget: no retry wait starts past it. Default 120 s. */
  timeoutMs?: number;
}

/** What the phases of one run produced, as far as it got. */
export interface RunRecord {
  /** The table as first read, and the plan made from it (and the workers, for the pictures). */
  initial?: TableSnapshot & { workers?: WorkerFacts[] };
  attempts: number;
  /** The table as its write confirmed it. */
  confirmed?: TableSnapshot;
  /** The table at the end of a run that did not fail. */
  final?: TableSnapshot;
  /** What the table holds after a write that was attempted but not confirmed (best effort). */
  readBack?: Omit<TableSnapshot, 'plan'>;
  failure?: unknown;
}

/**
 * `open` makes the clients, which may fail too (an unreadable ARM_CA_FILE): that is a failed run, not a throw.
 * `read` is the settled first read: the whole inventory (one table), or one table of a cluster with its workers.
 */
export async function runPhases(
  open: () => RunContext,
  writes: boolean,
  read: (ctx: RunContext) => Promise<InventoryRead> = readSettled,
): Promise<RunRecord> {
  let ctx: RunContext;
  let first: FirstPlan;
  try {
    ctx = open();
    first = planFirst(ctx, await read(ctx));
  } catch (error) {
    return { attempts: 0, failure: error };
  }
  const initial = {
    ...snapshotOf(first.plan, first.read.inventory),
    workers: workerFacts(first.read.inventory, first.runSettings),
  };
  const suspicious = suspiciousEmptyVmList(ctx, first);
  if (suspicious !== undefined) return { initial, attempts: 0, failure: suspicious };
  if (!writes || !needsWrite(first.plan)) return { initial, attempts: 0, final: initial };

  const table = await writeTable(ctx, first);
  if (!table.ok) {
    const readback = table.attempts > 0 ? await readBack(ctx) : undefined;
    return {
      initial,
      attempts: table.attempts,
      failure: table.error,
      ...(readback ? { readBack: readback } : {}),
    };
  }
  const { attempts, confirmed } = table;
  const confirmedPart = confirmed ? { confirmed } : {};
  try {
    const plan = confirmed?.plan ?? first.plan;
    const side = await sideWrites(ctx, table.inventory, plan, first.runSettings);
    return { initial, attempts, ...confirmedPart, final: snapshotOf(side.plan, side.inventory) };
  } catch (error) {
    return { initial, attempts, ...confirmedPart, failure: error };
  }
}

/** The routes after the run: as it left them, as its write confirmed them, as read back, or as found. */
function tableAfter(record: RunRecord): { routes: RouteRecord[]; etag: string | undefined } {
  const after = record.failure === undefined ? record.final : (record.confirmed ?? record.readBack);
  return after ?? { routes: record.initial?.routes ?? [], etag: undefined };
}

/** One table's part of a result: what its run found, repaired, left and refused, and its status. */
export function tableResultOf(record: RunRecord, settings: PlanSettings, config: Config): TableResult {
  const failure = record.failure === undefined ? undefined : describeFailure(record.failure);
  const reported = outcome({
    initial: record.initial?.plan,
    confirmed: record.confirmed?.plan,
    final: record.final?.plan,
    failed: failure !== undefined,
  });
  const after = tableAfter(record);
  return {
    status: reported.status,
    routeTable: {
      id: settings.routeTableId,
      name: config.routeTableName,
      resourceGroup: config.routeTableResourceGroup,
      etagBefore: record.initial?.etag,
      etagAfter: after.etag,
    },
    subnetIds: settings.subnetIds,
    plan: reported.found,
    repaired: reported.repaired,
    unrepaired: reported.unrepaired,
    refused: reported.refused,
    before: record.initial?.routes ?? [],
    after: after.routes,
    managedRoutes: classifyRoutes(after.routes, settings).filter((route) => route.owned).length,
    attempts: record.attempts,
    ...(failure ? { error: failure } : {}),
  };
}
