// One reconcile of a cluster of several route tables (issue 19): the workers are read once (every worker group,
// until their NICs have settled) together with the peerings of the cluster's vnets; then every table runs the
// one-table phases in parallel (read the table and its subnets until settled -> plan -> guard -> one If-Match
// PUT -> associations -> read back), with the same desired routes: every table holds every worker's pod route.
// One result: each table's part, the peering findings (never repaired), the cluster's status (the worst).
import { randomUUID } from 'node:crypto';
import type { ArmClients } from './azure/clients.js';
import { clientsFor } from './azure/clients.js';
import {
  type ClientsOf,
  readPeerings,
  readTable,
  readWorkers,
  vnetsOf,
  type WorkerInventory,
} from './azure/cluster-inventory.js';
import { describeFailure } from './azure/errors.js';
import { subnetRefId } from './azure/ids.js';
import type { InventoryRead } from './azure/inventory.js';
import { newCounts, withArmRun } from './azure/session.js';
import { readUntilSettled } from './azure/settle.js';
import type { Config, RouteTableTarget } from './config.js';
import { peeringFindings, peeringRefusal } from './core/peerings.js';
import { unsettledResources } from './core/settled.js';
import type {
  HealthStatus,
  Inventory,
  PeeringFindingRecord as PeeringFinding,
  Plan,
  PlanSettings,
  ReconcileResult,
  TableResult,
} from './core/types.js';
import type { RunContext } from './reconcile-phases.js';
import { type ReconcileOptions, type RunRecord, runPhases, tableResultOf } from './reconcile-table.js';
import { planSettingsFor, silent } from './run-settings.js';

/** Today's settings (one table, one subnet, one worker group) keep today's run; anything more is a cluster run. */
export function isClusterRun(config: Config): boolean {
  const { routeTables, workerGroups } = config.cluster;
  return routeTables.length !== 1 || workerGroups.length !== 1 || routeTables[0]!.subnets.length !== 1;
}

const tableIdOf = (t: RouteTableTarget) =>
  `/subscriptions/${t.subscriptionId}/resourceGroups/${t.resourceGroup}/providers/Microsoft.Network/routeTables/${t.name}`;

/** The one-table settings of a cluster's table: its table, its subnets, its subscription. */
function tableConfig(config: Config, table: RouteTableTarget): Config {
  const first = table.subnets[0];
  return {
    ...config,
    subscriptionId: table.subscriptionId,
    routeTableResourceGroup: table.resourceGroup,
    routeTableName: table.name,
    ...(first
      ? { vnetResourceGroup: first.resourceGroup, vnetName: first.virtualNetwork, subnetName: first.name }
      : {}),
  };
}

/**
 * What the table's plan sees of the workers. IP forwarding is a worker's, not a table's: the first table's run
 * checks and repairs it; the others see it as it will be, so that no NIC is written twice in parallel.
 */
function workersFor(workers: WorkerInventory, index: number): WorkerInventory {
  if (index === 0) return workers;
  const forwarding = (nic: WorkerInventory['nics'][number]) => ({ ...nic, enableIpForwarding: true });
  return {
    ...workers,
    nics: workers.nics.map(forwarding),
    scaleSetNics: workers.scaleSetNics.map(forwarding),
  };
}

interface ClusterRun {
  clientsOf: ClientsOf;
  config: Config;
  options: ReconcileOptions;
  writes: boolean;
}

interface ClusterRecord {
  failure?: unknown;
  findings: PeeringFinding[];
  tables: Array<{ record: RunRecord; settings: PlanSettings; config: Config }>;
}

/** The workers until their NICs have settled, and the peerings of every vnet of the cluster's subnets. */
async function readShared(run: ClusterRun, settings: PlanSettings) {
  const { config, clientsOf, options } = run;
  const signal = options.signal;
  const clients = clientsOf(config.cluster.workerGroups[0]?.subscriptionId ?? config.subscriptionId);
  const noTable = { routeTable: null, vnetLocation: undefined, subnets: [] };
  const subnets = config.cluster.routeTables.flatMap((t) => t.subnets);
  const [workers, peerings] = await Promise.all([
    readUntilSettled(
      () => readWorkers(clientsOf, config, config.cluster.workerGroups, signal),
      (w) => unsettledResources({ ...w, ...noTable }, settings),
      clients.pollIntervalMs,
      signal,
      options.log,
    ),
    readPeerings(clientsOf, vnetsOf(subnets), signal),
  ]);
  return { workers, peerings };
}

function tableRun(run: ClusterRun, workers: WorkerInventory, table: RouteTableTarget, index: number) {
  const config = tableConfig(run.config, table);
  const settings: PlanSettings = {
    ...planSettingsFor(config, run.options.forceDeletions ?? false),
    routeTableId: tableIdOf(table),
    subnetIds: table.subnets.map(subnetRefId),
  };
  const seen = workersFor(workers, index);
  const open = (): RunContext => ({
    config,
    clients: run.clientsOf(table.subscriptionId),
    clientsOf: run.clientsOf,
    settings,
    log: run.options.log ?? silent,
    signal: run.options.signal,
  });
  const read = (ctx: RunContext): Promise<InventoryRead> =>
    readUntilSettled(
      async () => {
        const t = await readTable(ctx.clients, table, ctx.signal);
        const inventory: Inventory = {
          ...seen,
          routeTable: t.routeTable,
          vnetLocation: t.vnetLocation,
          subnets: t.subnets,
        };
        return { inventory, table: t.table };
      },
      (r) => unsettledResources(r.inventory, settings),
      ctx.clients.pollIntervalMs,
      ctx.signal,
      ctx.log,
    );
  return runPhases(open, run.writes, read).then((record) => ({ record, settings, config }));
}

async function runCluster(run: ClusterRun): Promise<ClusterRecord> {
  let shared: Awaited<ReturnType<typeof readShared>>;
  try {
    shared = await readShared(run, planSettingsFor(run.config, run.options.forceDeletions ?? false));
  } catch (error) {
    return { failure: error, findings: [], tables: [] };
  }
  const tables = await Promise.all(
    run.config.cluster.routeTables.map((table, i) => tableRun(run, shared.workers, table, i)),
  );
  return { findings: peeringFindings(shared.peerings), tables };
}

/** The clients of each subscription: the given ones for the config's subscription, the cache for the others. */
function clientsBySubscription(config: Config, given: ArmClients | undefined): ClientsOf {
  return (subscriptionId) =>
    given !== undefined && subscriptionId.toLowerCase() === config.subscriptionId.toLowerCase()
      ? given
      : clientsFor({ ...config, subscriptionId });
}

const SEVERITY: HealthStatus[] = ['Healthy', 'Repaired', 'Refused', 'Drifted', 'Failed'];
const worst = (statuses: HealthStatus[]): HealthStatus =>
  statuses.reduce((a, b) => (SEVERITY.indexOf(b) > SEVERITY.indexOf(a) ? b : a), 'Healthy');

/** Every table's plan in one, the peering findings among its refusals. */
function mergedPlan(tables: readonly TableResult[], findings: readonly PeeringFinding[]): Plan {
  const plans = tables.map((t) => t.plan);
  return {
    nothingToRepair: plans.every((p) => p.nothingToRepair),
    drift: plans.flatMap((p) => p.drift),
    refused: [...plans.flatMap((p) => p.refused), ...findings.map(peeringRefusal)],
    actions: plans.flatMap((p) => p.actions),
    tableWrite: plans[0]?.tableWrite ?? null,
    associateSubnets: plans.flatMap((p) => p.associateSubnets),
    enableIpForwarding: plans.flatMap((p) => p.enableIpForwarding),
    desiredRoutes: plans[0]?.desiredRoutes ?? [],
  };
}

/** The cluster's result (see ReconcileResult.cluster): never throws for ARM or planning failures. */
export async function reconcileCluster(options: ReconcileOptions): Promise<ReconcileResult> {
  const { config, trigger } = options;
  const log = options.log ?? silent;
  const startedAt = new Date();
  const counts = newCounts();
  const writes = !(options.dryRun ?? false) && config.mode === 'enforce';
  const armRun = {
    counts,
    deadline: startedAt.getTime() + (options.timeoutMs ?? 120_000),
    signal: options.signal,
  };
  let run: ClusterRun;
  let record: ClusterRecord;
  try {
    run = { clientsOf: clientsBySubscription(config, options.clients), config, options, writes };
    record = await withArmRun(armRun, () => runCluster(run));
  } catch (error) {
    record = { failure: error, findings: [], tables: [] };
  }
  const tables = record.tables.map((t) => tableResultOf(t.record, t.settings, t.config));
  const failure = record.failure === undefined ? undefined : describeFailure(record.failure);
  const refusals = record.findings.map(peeringRefusal);
  const first = tables[0];
  const result: ReconcileResult = {
    runId: randomUUID(),
    trigger,
    mode: writes ? 'enforce' : 'report',
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    status: failure
      ? 'Failed'
      : worst([...tables.map((t) => t.status), ...(refusals.length > 0 ? ['Refused' as const] : [])]),
    cluster: config.cluster.name,
    tables,
    peerings: record.findings,
    routeTable: first?.routeTable ?? {
      id: tableIdOf(config.cluster.routeTables[0]!),
      name: config.cluster.routeTables[0]?.name ?? '',
      resourceGroup: config.cluster.routeTables[0]?.resourceGroup ?? '',
      etagBefore: undefined,
      etagAfter: undefined,
    },
    plan: mergedPlan(tables, record.findings),
    repaired: tables.flatMap((t) => t.repaired),
    unrepaired: tables.flatMap((t) => t.unrepaired),
    refused: [...tables.flatMap((t) => t.refused), ...refusals],
    before: first?.before ?? [],
    after: first?.after ?? [],
    managedRoutes: first?.managedRoutes ?? 0,
    attempts: first?.attempts ?? 0,
    arm: counts,
    ...((failure ?? tables.find((t) => t.error)?.error)
      ? { error: failure ?? tables.find((t) => t.error)!.error }
      : {}),
  };
  log.info(`reconcile ${result.status}`, {
    runId: result.runId,
    cluster: config.cluster.name,
    tables: tables.map((t) => `${t.routeTable.name}: ${t.status}`).join(', '),
    peeringFindings: record.findings.length,
    durationMs: result.durationMs,
  });
  return result;
}
