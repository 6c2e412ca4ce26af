// One Functions instance's state and the steps its handlers share: the settings (loaded once), one reconcile
// per route table at a time (plus one queued follow-up), the effective-route sample after a repair, and the
// bounded telemetry flush. The handlers (handlers.ts) are thin on top of these.
import { routeTableId } from '../azure/ids.js';
import { type Config, ConfigError } from '../config.js';
import type { Logger, ReconcileResult, Trigger } from '../core/types.js';
import type { PendingFinding } from '../core/verify-confirm.js';
import type { FleetCluster } from '../fleet/load.js';
import type { ReconcileOptions } from '../reconcile.js';
import { type FlushOutcome, noTelemetry, type ReconcileTelemetry } from '../telemetry/record.js';
import { unconfirmedFindings, verifyFindings } from '../telemetry/verify.js';
import type { VerifyOptions, VerifyResult, VerifyTrigger } from '../verify.js';
import { within } from '../within.js';
import { SingleFlight } from './single-flight.js';

/** Time the effective-route check after a repair may take (it runs inside the trigger's invocation). */
const VERIFY_AFTER_REPAIR_BUDGET_MS = 15_000;

export interface HandlerDeps {
  /** The engine (src/reconcile.ts). It never throws for ARM failures: it returns status 'Failed'. */
  reconcile: (options: ReconcileOptions) => Promise<ReconcileResult>;
  /** Settings; called once per instance (the outcome, good or bad, is kept until the host restarts). */
  loadConfig: () => Config;
  /** The fleet (src/fleet/load.ts); when given, it replaces loadConfig's one cluster. Called once per instance. */
  loadFleet?: () => FleetCluster[];
  telemetry?: ReconcileTelemetry;
  /** Upper bound of the telemetry flush at the end of each invocation. */
  flushTimeoutMs?: number;
  /** Recognises the events of the engine's own writes by correlation id (src/azure/own-writes.ts). */
  isOwnWrite?: (correlationId: string | undefined) => boolean;
  /** The effective-route check (src/verify.ts), run on VERIFY_SAMPLE_SIZE workers after a repair and on its timer. */
  verify?: (options: VerifyOptions) => Promise<VerifyResult>;
  /** Time budget of the check after a repair (default VERIFY_AFTER_REPAIR_BUDGET_MS, instance.ts). */
  verifyAfterRepairBudgetMs?: number;
  /** How long a verify finding must persist before it counts (default DEFAULT_CONFIRM_AFTER_MS, verify.ts). */
  verifyConfirmAfterMs?: number;
  /**
   * After a transient ARM failure the Event Grid handler answers 2xx ('acknowledge', the default and the only
   * policy the app uses); 'redeliver' throws so that the host answers 500 and Event Grid redelivers. Tests only:
   * test/functions/delayed-delivery.test.ts shows why redelivery is the wrong choice (docs/functions.md).
   */
  transientFailurePolicy?: 'acknowledge' | 'redeliver';
}

type SettingsOutcome = { ok: true; fleet: FleetCluster[] } | { ok: false; message: string };

export interface Instance {
  deps: HandlerDeps;
  telemetry: ReconcileTelemetry;
  runs: SingleFlight<ReconcileResult, QueuedRun>;
  flushes: SingleFlight<FlushOutcome>;
  verifies: SingleFlight<VerifyResult | undefined>;
  /** The settings as loaded on first use, good or bad, until the host restarts. */
  settings: SettingsOutcome | undefined;
  /** Where the next sample starts: successive samples rotate through the workers. */
  sampleOffset: number;
  /** Per route table, verify findings not confirmed yet: the next check reads their workers again. */
  pendingFindings: Map<string, readonly PendingFinding[]>;
}

export function newInstance(deps: HandlerDeps): Instance {
  return {
    deps,
    telemetry: deps.telemetry ?? noTelemetry,
    runs: new SingleFlight<ReconcileResult, QueuedRun>(joinRuns),
    flushes: new SingleFlight<FlushOutcome>(),
    verifies: new SingleFlight<VerifyResult | undefined>(),
    settings: undefined,
    // Instances start at different places.
    sampleOffset: Math.floor(Math.random() * 1_000),
    pendingFindings: new Map(),
  };
}

function routeTableKey(config: Config): string {
  return routeTableId(config).toLowerCase();
}

const oneCluster = (config: Config): FleetCluster => ({ name: config.cluster.name, config });

/** The fleet (CLUSTERS_FILE), or the one cluster of the app settings. */
function loadSettings(deps: HandlerDeps): SettingsOutcome {
  try {
    const fleet = deps.loadFleet?.() ?? [oneCluster(deps.loadConfig())];
    return { ok: true, fleet };
  } catch (err) {
    const message =
      err instanceof ConfigError
        ? err.message
        : `could not load settings: ${err instanceof Error ? err.message : String(err)}`;
    return { ok: false, message };
  }
}

/** The fleet's clusters, or undefined after logging why the settings are unusable (on every invocation). */
export function fleetOf(instance: Instance, log: Logger): FleetCluster[] | undefined {
  instance.settings ??= loadSettings(instance.deps);
  if (instance.settings.ok) return instance.settings.fleet;
  log.error(
    `pod-route-reconciler is not configured, nothing was reconciled. Fix the app settings: ${instance.settings.message}`,
  );
  return undefined;
}

/** Why the settings are unusable, for an HTTP answer. */
export function settingsProblem(instance: Instance): string {
  return instance.settings?.ok === false ? instance.settings.message : 'unknown error';
}

function summarize(result: ReconcileResult): string {
  const parts = [
    `${result.plan.drift.length} drift found`,
    `${result.repaired.length} repaired`,
    `${result.unrepaired.length} unrepaired`,
    `${result.refused.length} refused`,
    `${result.managedRoutes} managed routes`,
  ];
  const error = result.error === undefined ? '' : `: ${result.error.message}`;
  const cluster = result.cluster === undefined ? '' : `${result.cluster}/`;
  return `reconcile ${cluster}${result.routeTable.name} (${result.trigger}, ${result.mode}): ${result.status}${error} [${parts.join(', ')}; ${result.durationMs} ms, run ${result.runId}]`;
}

export function logResult(log: Logger, result: ReconcileResult): void {
  const message = summarize(result);
  if (result.status === 'Failed') log.error(message);
  else if (result.status === 'Drifted' || result.status === 'Refused') log.warn(message);
  else log.info(message);
  for (const refusal of result.refused)
    log.warn(`refused (${refusal.reason}) ${refusal.subject}: ${refusal.message}`);
}

interface RunRequest {
  trigger: Trigger;
  dryRun: boolean;
  /** The run's retry budget (default: the engine's 120 s). */
  timeoutMs?: number;
}

/** What one run is asked for: a queued follow-up runs with every waiter's request joined (joinRuns). */
interface QueuedRun extends RunRequest {
  config: Config;
  log: Logger;
}

/** Logs reach every waiter's invocation. */
function fanOut(a: Logger, b: Logger): Logger {
  if (a === b) return a;
  const both =
    (level: keyof Logger) =>
    (message: string, properties?: Record<string, unknown>): void => {
      a[level](message, properties);
      b[level](message, properties);
    };
  return { debug: both('debug'), info: both('info'), warn: both('warn'), error: both('error') };
}

/** A budget left open is the engine's default (120 s), longer than any event deadline (at most 22 s). */
const budgetOf = (request: RunRequest) => request.timeoutMs ?? Number.POSITIVE_INFINITY;

/**
 * The follow-up's request once `joining` waits for it too: the longest budget, and the trigger that asked for
 * it (so the run records whom it ran for), a logger reaching every waiter. Same key: same table and dry-run.
 */
function joinRuns(queued: QueuedRun, joining: QueuedRun): QueuedRun {
  const strongest = budgetOf(joining) > budgetOf(queued) ? joining : queued;
  const { timeoutMs: _dropped, ...rest } = queued;
  return {
    ...rest,
    trigger: strongest.trigger,
    ...(strongest.timeoutMs !== undefined ? { timeoutMs: strongest.timeoutMs } : {}),
    log: fanOut(queued.log, joining.log),
  };
}

/** One reconcile of the configured table, shared with concurrent triggers on this instance. */
export function reconcileOnce(
  instance: Instance,
  config: Config,
  request: RunRequest,
  log: Logger,
): Promise<ReconcileResult> {
  const key = `${request.dryRun ? 'plan' : 'apply'} ${routeTableKey(config)}`;
  return instance.runs.runWith(key, { ...request, config, log }, (run) => runOnce(instance, run));
}

function runOnce(instance: Instance, run: QueuedRun): Promise<ReconcileResult> {
  const { config, trigger, dryRun, timeoutMs, log } = run;
  return instance.telemetry.traceRun(
    { routeTableName: config.routeTableName, trigger, cluster: config.cluster.name },
    async () => {
      const startedAt = Date.now();
      const result = await instance.deps.reconcile({
        config,
        trigger,
        dryRun,
        log,
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      });
      if (result.repaired.length === 0) return result;
      // After a repair: are the routes now in effect on a sample of workers? (Reported, never repaired.) An
      // event run's check gets what is left of the run's budget, so the invocation still answers in time.
      const left = timeoutMs === undefined ? undefined : timeoutMs - (Date.now() - startedAt);
      const checked = await verifySample(instance, config, 'repair', log, left);
      return checked === undefined ? result : { ...result, verification: verificationOf(checked) };
    },
  );
}

function verificationOf(checked: VerifyResult): NonNullable<ReconcileResult['verification']> {
  return {
    status: checked.status,
    runId: checked.runId,
    shadowed: checked.summary.shadowed,
    missing: checked.summary.missing,
    readFailed: checked.summary.readFailed,
    notApplicable: checked.summary.notApplicable,
    findings: verifyFindings(checked),
    unconfirmed: unconfirmedFindings(checked),
  };
}

/** One verify of VERIFY_SAMPLE_SIZE workers (none when 0); never throws: a failure is its result. */
export function verifySample(
  instance: Instance,
  config: Config,
  trigger: VerifyTrigger,
  log: Logger,
  leftMs?: number,
): Promise<VerifyResult | undefined> {
  const size = config.verifySampleSize;
  const verify = instance.deps.verify;
  if (verify === undefined || size <= 0) return Promise.resolve(undefined);
  if (leftMs !== undefined && leftMs <= 0) {
    log.warn(`verify ${config.routeTableName} (${trigger}) skipped: the run's time budget is spent`);
    return Promise.resolve(undefined);
  }
  const key = routeTableKey(config);
  // After a repair the check shares the invocation with the reconcile: it must end well within Event Grid's 30 s
  // delivery timeout, or the event would be delivered again.
  const budget =
    trigger === 'repair'
      ? Math.min(
          instance.deps.verifyAfterRepairBudgetMs ?? VERIFY_AFTER_REPAIR_BUDGET_MS,
          leftMs ?? Number.POSITIVE_INFINITY,
        )
      : undefined;
  const checked = instance.verifies.run(`verify ${key}`, async () => {
    const offset = instance.sampleOffset;
    instance.sampleOffset += size;
    try {
      const result = await verify({
        config,
        trigger,
        workers: size,
        offset,
        log,
        pending: instance.pendingFindings.get(key) ?? [],
        ...(instance.deps.verifyConfirmAfterMs !== undefined
          ? { confirmAfterMs: instance.deps.verifyConfirmAfterMs }
          : {}),
        ...(budget !== undefined ? { signal: AbortSignal.timeout(budget), timeoutMs: budget } : {}),
      });
      // What this run read replaces what was pending for those workers; a run that ended early keeps the rest.
      const read = new Set(result.workers.map((w) => w.worker));
      const kept = (instance.pendingFindings.get(key) ?? []).filter((p) => !read.has(p.worker));
      instance.pendingFindings.set(key, [...kept, ...result.pending]);
      instance.telemetry.recordVerify?.(result);
      logVerify(log, config, trigger, result);
      return result;
    } catch (err) {
      log.error(`verify threw: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  });
  // A check in flight (the timer's may wait out the propagation delay) is not waited for past this one's budget.
  return budget === undefined ? checked : within(checked, budget).then((settled) => settled?.value);
}

function logVerify(log: Logger, config: Config, trigger: VerifyTrigger, result: VerifyResult): void {
  const { summary } = result;
  const line = `verify ${config.routeTableName} (${trigger}): ${result.status} [${summary.ok} ok, ${summary.shadowed} shadowed, ${summary.missing} missing, ${summary.readFailed} read failed, ${summary.unconfirmed} unconfirmed, ${summary.notApplicable} not applicable; ${result.arm.posts} POSTs]`;
  if (result.status === 'Effective' || result.status === 'Unconfirmed') log.info(line);
  else log.warn(line);
  for (const finding of verifyFindings(result)) log.warn(`verify: ${finding}`);
  for (const finding of unconfirmedFindings(result))
    log.info(`verify: not confirmed yet (re-checked at the next check): ${finding}`);
}

/** The telemetry flush, shared by concurrent invocations; `boundMs`: the most this invocation waits for it. */
export async function flush(instance: Instance, log: Logger, boundMs?: number): Promise<void> {
  const flushing = instance.flushes.run('flush', () =>
    instance.telemetry.flush(instance.deps.flushTimeoutMs),
  );
  const outcome = boundMs === undefined ? { value: await flushing } : await within(flushing, boundMs);
  if (outcome === undefined || outcome.value === 'timed-out')
    log.warn('telemetry flush timed out; the exporter sends the rest later');
}
