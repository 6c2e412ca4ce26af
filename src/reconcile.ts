// One reconcile, the same straight line for the timer, Event Grid, the HTTP drift report and the CLI:
// config -> read until settled -> plan + guard (pure) -> one table write -> side writes -> result. A cluster of
// several tables runs each through reconcile-cluster.ts; one table's run is reconcile-table.ts, its phases
// reconcile-phases.ts; which plan the run reports is decided in core/outcome.ts.
import { randomUUID } from 'node:crypto';
import { clientsFor } from './azure/clients.js';
import { newCounts, withArmRun } from './azure/session.js';
import type { ReconcileResult, TableResult } from './core/types.js';
import { isClusterRun, reconcileCluster } from './reconcile-cluster.js';
import type { RunContext } from './reconcile-phases.js';
import { type ReconcileOptions, runPhases, tableResultOf } from './reconcile-table.js';
import { planSettingsFor, silent } from './run-settings.js';

export { MAX_WRITE_ATTEMPTS } from './reconcile-phases.js';
export type { ReconcileOptions } from './reconcile-table.js';

/** A single-table result keeps today's shape (schemaVersion 1): the table's subnets are in its settings. */
function withoutSubnets(table: TableResult): Omit<TableResult, 'subnetIds' | 'error'> {
  const { subnetIds: _, error: __, ...rest } = table;
  return rest;
}

/**
 * Never throws for ARM or planning failures: a failed run comes back with status 'Failed' and `error`
 * (`error.transient` tells a caller such as the Event Grid trigger whether a retry may help).
 */
export async function reconcile(options: ReconcileOptions): Promise<ReconcileResult> {
  if (isClusterRun(options.config)) return reconcileCluster(options);
  const { config, trigger } = options;
  const log = options.log ?? silent;
  const startedAt = new Date();
  const counts = newCounts();
  const settings = planSettingsFor(config, options.forceDeletions ?? false);
  const writes = !(options.dryRun ?? false) && config.mode === 'enforce';
  const open = (): RunContext => ({
    config,
    clients: options.clients ?? clientsFor(config),
    settings,
    log,
    signal: options.signal,
  });
  const armRun = {
    counts,
    deadline: startedAt.getTime() + (options.timeoutMs ?? 120_000),
    signal: options.signal,
  };
  const record = await withArmRun(armRun, () => runPhases(open, writes));
  const table = tableResultOf(record, settings, config);
  if (table.error) {
    log.error(`reconcile failed: ${table.error.message}`, {
      code: table.error.code,
      statusCode: table.error.statusCode,
    });
  }
  const result: ReconcileResult = {
    runId: randomUUID(),
    cluster: config.cluster.name,
    trigger,
    mode: writes ? 'enforce' : 'report',
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    ...withoutSubnets(table),
    arm: counts,
    ...(record.initial?.workers ? { workers: record.initial.workers } : {}),
    ...(table.error ? { error: table.error } : {}),
  };
  log.info(`reconcile ${result.status}`, {
    runId: result.runId,
    trigger,
    drift: result.plan.drift.length,
    repaired: result.repaired.length,
    refused: result.refused.length,
    durationMs: result.durationMs,
  });
  return result;
}
