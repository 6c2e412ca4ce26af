// One Functions instance's state and the steps its handlers share: the settings (loaded once), one reconcile
// per route table at a time (plus one queued follow-up), the effective-route sample after a repair, and the
// bounded telemetry flush. The handlers (handlers.ts) are thin on top of these.
import { routeTableId } from '../azure/ids.js';
import { type Config, ConfigError } from '../config.js';
import type { Logger, ReconcileResult, Trigger } from '../core/types.js';
import type { FleetCluster } from '../fleet/load.js';
import { type FlushOutcome, noTelemetry, type ReconcileTelemetry } from '../telemetry/record.js';
import { verifyFindings } from '../telemetry/verify.js';
import type { VerifyResult, VerifyTrigger } from '../verify.js';
import { within } from '../within.js';
import type { HandlerDeps } from './handlers.js';
import { SingleFlight } from './single-flight.js';

/** Time the effective-route check after a repair may take (it runs inside the trigger's invocation). */
const VERIFY_AFTER_REPAIR_BUDGET_MS = 15_000;

type SettingsOutcome = { ok: true; fleet: FleetCluster[] } | { ok: false; message: string };

export interface Instance {
  deps: HandlerDeps;
  telemetry: ReconcileTelemetry;
  runs: SingleFlight<ReconcileResult>;
  flushes: SingleFlight<FlushOutcome>;
  verifies: SingleFlight<VerifyResult | undefined>;
  /** The settings as loaded on first use, good or bad, until the host restarts. */
  settings: SettingsOutcome | undefined;
  /** Where the next sample starts: successive samples rotate through the workers. */
  sampleOffset: number;
}

export function newInstance(deps: HandlerDeps): Instance {
  return {
    deps,
    telemetry: deps.telemetry ?? noTelemetry,
    runs: new SingleFlight<ReconcileResult>(),
    flushes: new SingleFlight<FlushOutcome>(),
    verifies: new SingleFlight<VerifyResult | undefined>(),
    settings: undefined,
    // Instances start at different places.
    sampleOffset: Math.floor(Math.random() * 1_000),
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

/** One reconcile of the configured table, shared with concurrent triggers on this instance. */
export function reconcileOnce(
  instance: Instance,
  config: Config,
  request: RunRequest,
  log: Logger,
): Promise<ReconcileResult> {
  const { trigger, dryRun, timeoutMs } = request;
  const key = `${dryRun ? 'plan' : 'apply'} ${routeTableKey(config)}`;
  return instance.runs.run(key, () =>
    instance.telemetry.traceRun(
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
    ),
  );
}

function verificationOf(checked: VerifyResult): NonNullable<ReconcileResult['verification']> {
  return {
    status: checked.status,
    runId: checked.runId,
    shadowed: checked.summary.shadowed,
    missing: checked.summary.missing,
    notApplicable: checked.summary.notApplicable,
    findings: verifyFindings(checked),
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
  return instance.verifies.run(`verify ${routeTableKey(config)}`, async () => {
    const offset = instance.sampleOffset;
    instance.sampleOffset += size;
    try {
      // After a repair the check shares the invocation with the reconcile: it must end well within Event Grid's
      // 30 s delivery timeout, or the event would be delivered again.
      const budget = Math.min(
        instance.deps.verifyAfterRepairBudgetMs ?? VERIFY_AFTER_REPAIR_BUDGET_MS,
        leftMs ?? Number.POSITIVE_INFINITY,
      );
      const signal = trigger === 'repair' ? AbortSignal.timeout(budget) : undefined;
      const result = await verify({
        config,
        trigger,
        workers: size,
        offset,
        log,
        ...(signal ? { signal } : {}),
      });
      instance.telemetry.recordVerify?.(result);
      logVerify(log, config, trigger, result);
      return result;
    } catch (err) {
      log.error(`verify threw: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  });
}

function logVerify(log: Logger, config: Config, trigger: VerifyTrigger, result: VerifyResult): void {
  const { summary } = result;
  const line = `verify ${config.routeTableName} (${trigger}): ${result.status} [${summary.ok} ok, ${summary.shadowed} shadowed, ${summary.missing} missing, ${summary.notApplicable} not applicable; ${result.arm.posts} POSTs]`;
  if (result.status === 'Effective') log.info(line);
  else log.warn(line);
  for (const finding of verifyFindings(result)) log.warn(`verify: ${finding}`);
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
