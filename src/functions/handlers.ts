// The three triggers' handlers: parse the input, run the engine (coalesced per route table), record, flush.
// No reconcile logic here: the engine decides what is drift and what to write. The engine, the settings
// loader and the telemetry come in through createHandlers so that tests can replace them.
import type {
  EventGridHandler,
  HttpRequest,
  HttpResponseInit,
  InvocationContext,
  Timer,
  TimerHandler,
} from '@azure/functions';
import { routeTableId } from '../azure/ids.js';
import { type Config, ConfigError, EVENT_FLUSH_TIMEOUT_MS } from '../config.js';
import type { Logger, ReconcileResult, Trigger } from '../core/types.js';
import type { ReconcileOptions } from '../reconcile.js';
import { type FlushOutcome, noTelemetry, type ReconcileTelemetry } from '../telemetry/record.js';
import { verifyFindings } from '../telemetry/verify.js';
import type { VerifyOptions, VerifyResult, VerifyTrigger } from '../verify.js';
import { contextLogger } from './logger.js';
import { decideOnEvent, parseResourceEvent } from './resource-event.js';
import { SingleFlight } from './single-flight.js';

export interface HandlerDeps {
  /** The engine (src/reconcile.ts). It never throws for ARM failures: it returns status 'Failed'. */
  reconcile: (options: ReconcileOptions) => Promise<ReconcileResult>;
  /** Settings; called once per instance (the outcome, good or bad, is kept until the host restarts). */
  loadConfig: () => Config;
  telemetry?: ReconcileTelemetry;
  /** Upper bound of the telemetry flush at the end of each invocation. */
  flushTimeoutMs?: number;
  /** Recognises the events of the engine's own writes by correlation id (src/azure/own-writes.ts). */
  isOwnWrite?: (correlationId: string | undefined) => boolean;
  /** The effective-route check (src/verify.ts), run on VERIFY_SAMPLE_SIZE workers after a repair and on its timer. */
  verify?: (options: VerifyOptions) => Promise<VerifyResult>;
  /** Time budget of the check after a repair (default VERIFY_AFTER_REPAIR_BUDGET_MS). */
  verifyAfterRepairBudgetMs?: number;
}

export interface Handlers {
  reconcileOnSchedule: TimerHandler;
  verifyOnSchedule: TimerHandler;
  reconcileOnResourceChange: EventGridHandler<unknown>;
  driftReport: (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;
}

/** Thrown by the Event Grid handler so that Event Grid redelivers the event later (transient ARM failure). */
export class TransientReconcileError extends Error {
  override readonly name = 'TransientReconcileError';
}

/** Time the effective-route check after a repair may take (it runs inside the trigger's invocation). */
export const VERIFY_AFTER_REPAIR_BUDGET_MS = 15_000;

type ConfigOutcome = { ok: true; config: Config } | { ok: false; message: string };

export function routeTableKey(config: Config): string {
  return routeTableId(config).toLowerCase();
}

export function summarize(result: ReconcileResult): string {
  const parts = [
    `${result.plan.drift.length} drift found`,
    `${result.repaired.length} repaired`,
    `${result.unrepaired.length} unrepaired`,
    `${result.refused.length} refused`,
    `${result.managedRoutes} managed routes`,
  ];
  const error = result.error === undefined ? '' : `: ${result.error.message}`;
  return `reconcile ${result.routeTable.name} (${result.trigger}, ${result.mode}): ${result.status}${error} [${parts.join(', ')}; ${result.durationMs} ms, run ${result.runId}]`;
}

/** `work`'s outcome if it settles within `ms`, else `undefined` (`work` goes on). */
async function within<T>(work: Promise<T>, ms: number): Promise<{ value: T } | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), Math.max(0, ms));
  });
  try {
    return await Promise.race([work.then((value) => ({ value })), late]);
  } finally {
    clearTimeout(timer);
  }
}

function logResult(log: Logger, result: ReconcileResult): void {
  const message = summarize(result);
  if (result.status === 'Failed') log.error(message);
  else if (result.status === 'Drifted' || result.status === 'Refused') log.warn(message);
  else log.info(message);
  for (const refusal of result.refused)
    log.warn(`refused (${refusal.reason}) ${refusal.subject}: ${refusal.message}`);
}

export function createHandlers(deps: HandlerDeps): Handlers {
  const telemetry = deps.telemetry ?? noTelemetry;
  const runs = new SingleFlight<ReconcileResult>();
  const flushes = new SingleFlight<FlushOutcome>();
  const verifies = new SingleFlight<VerifyResult | undefined>();
  let configOutcome: ConfigOutcome | undefined;
  // Successive samples rotate through the workers; instances start at different places.
  let sampleOffset = Math.floor(Math.random() * 1_000);

  /** The settings, or undefined after logging why they are unusable (on every invocation). */
  function config(log: Logger): Config | undefined {
    if (configOutcome === undefined) {
      try {
        configOutcome = { ok: true, config: deps.loadConfig() };
      } catch (err) {
        const message =
          err instanceof ConfigError
            ? err.message
            : `could not load settings: ${err instanceof Error ? err.message : String(err)}`;
        configOutcome = { ok: false, message };
      }
    }
    if (configOutcome.ok) return configOutcome.config;
    log.error(
      `pod-route-reconciler is not configured, nothing was reconciled. Fix the app settings: ${configOutcome.message}`,
    );
    return undefined;
  }

  /**
   * One reconcile of the configured table, shared with concurrent triggers on this instance. `timeoutMs`: the
   * run's retry budget (default: the engine's 120 s).
   */
  function reconcileOnce(
    cfg: Config,
    trigger: Trigger,
    log: Logger,
    dryRun: boolean,
    timeoutMs?: number,
  ): Promise<ReconcileResult> {
    const key = `${dryRun ? 'plan' : 'apply'} ${routeTableKey(cfg)}`;
    return runs.run(key, () =>
      telemetry.traceRun({ routeTableName: cfg.routeTableName, trigger }, async () => {
        const startedAt = Date.now();
        const result = await deps.reconcile({
          config: cfg,
          trigger,
          dryRun,
          log,
          ...(timeoutMs !== undefined ? { timeoutMs } : {}),
        });
        if (result.repaired.length === 0) return result;
        // After a repair: are the routes now in effect on a sample of workers? (Reported, never repaired.) An
        // event run's check gets what is left of the run's budget, so the invocation still answers in time.
        const left = timeoutMs === undefined ? undefined : timeoutMs - (Date.now() - startedAt);
        const checked = await verifySample(cfg, 'repair', log, left);
        if (checked === undefined) return result;
        return {
          ...result,
          verification: {
            status: checked.status,
            runId: checked.runId,
            shadowed: checked.summary.shadowed,
            missing: checked.summary.missing,
            notApplicable: checked.summary.notApplicable,
            findings: verifyFindings(checked),
          },
        };
      }),
    );
  }

  /** One verify of VERIFY_SAMPLE_SIZE workers (none when 0); never throws: a failure is its result. */
  function verifySample(
    cfg: Config,
    trigger: VerifyTrigger,
    log: Logger,
    leftMs?: number,
  ): Promise<VerifyResult | undefined> {
    const size = cfg.verifySampleSize;
    if (deps.verify === undefined || size <= 0) return Promise.resolve(undefined);
    if (leftMs !== undefined && leftMs <= 0) {
      log.warn(`verify ${cfg.routeTableName} (${trigger}) skipped: the run's time budget is spent`);
      return Promise.resolve(undefined);
    }
    const verifyFn = deps.verify;
    return verifies.run(`verify ${routeTableKey(cfg)}`, async () => {
      const offset = sampleOffset;
      sampleOffset += size;
      try {
        // After a repair the check shares the invocation with the reconcile: it must end well within Event Grid's
        // 30 s delivery timeout, or the event would be delivered again.
        const budget = Math.min(
          deps.verifyAfterRepairBudgetMs ?? VERIFY_AFTER_REPAIR_BUDGET_MS,
          leftMs ?? Number.POSITIVE_INFINITY,
        );
        const signal = trigger === 'repair' ? AbortSignal.timeout(budget) : undefined;
        const result = await verifyFn({
          config: cfg,
          trigger,
          workers: size,
          offset,
          log,
          ...(signal ? { signal } : {}),
        });
        telemetry.recordVerify?.(result);
        const line = `verify ${cfg.routeTableName} (${trigger}): ${result.status} [${result.summary.ok} ok, ${result.summary.shadowed} shadowed, ${result.summary.missing} missing, ${result.summary.notApplicable} not applicable; ${result.arm.posts} POSTs]`;
        if (result.status === 'Effective') log.info(line);
        else log.warn(line);
        for (const finding of verifyFindings(result)) log.warn(`verify: ${finding}`);
        return result;
      } catch (err) {
        log.error(`verify threw: ${err instanceof Error ? err.message : String(err)}`);
        return undefined;
      }
    });
  }

  /** `boundMs`: the most this invocation waits for the (shared) flush. */
  async function flush(log: Logger, boundMs?: number): Promise<void> {
    const flushing = flushes.run('flush', () => telemetry.flush(deps.flushTimeoutMs));
    const outcome = boundMs === undefined ? { value: await flushing } : await within(flushing, boundMs);
    if (outcome === undefined || outcome.value === 'timed-out')
      log.warn('telemetry flush timed out; the exporter sends the rest later');
  }

  return {
    async reconcileOnSchedule(timer: Timer, context: InvocationContext): Promise<void> {
      const log = contextLogger(context);
      log.info(timer.isPastDue ? 'timer is past due: reconciling now' : 'timer: reconciling', {
        isPastDue: timer.isPastDue,
      });
      const cfg = config(log);
      if (cfg === undefined) return;
      try {
        logResult(log, await reconcileOnce(cfg, 'timer', log, false));
      } finally {
        await flush(log);
      }
    },

    async verifyOnSchedule(_timer: Timer, context: InvocationContext): Promise<void> {
      const log = contextLogger(context);
      const cfg = config(log);
      if (cfg === undefined) return;
      if (cfg.verifySampleSize <= 0) {
        log.debug('verify timer: VERIFY_SAMPLE_SIZE is 0, nothing checked');
        return;
      }
      try {
        await verifySample(cfg, 'timer', log);
      } finally {
        await flush(log);
      }
    },

    async reconcileOnResourceChange(raw: unknown, context: InvocationContext): Promise<void> {
      const log = contextLogger(context);
      const parsed = parseResourceEvent(raw);
      if (!parsed.ok) {
        // Not thrown: a malformed event would fail the same way on every redelivery.
        log.error(
          `malformed Event Grid event ${parsed.id ?? '(no id)'} dropped: ${parsed.field}: ${parsed.message}`,
          { field: parsed.field },
        );
        return;
      }
      const event = parsed.event;
      const cfg = config(log);
      if (cfg === undefined) return; // not thrown: settings do not fix themselves on retry
      const decision = decideOnEvent(event, cfg, deps.isOwnWrite);
      if (!decision.act) {
        log.debug(`event ${event.id} ignored: ${decision.reason}`, {
          eventType: event.eventType,
          subject: event.subject,
          operationName: event.operationName,
        });
        return;
      }
      log.info(`event ${event.id}: ${event.operationName} on ${event.subject}: reconciling`, {
        resource: decision.resource,
        tagsWrite: decision.tagsWrite,
        schema: event.schema,
      });
      const started = Date.now();
      let outcome: { value: ReconcileResult } | undefined;
      try {
        // Event Grid counts an answer later than 30 s as a failure and redelivers: whether this event starts a
        // run or joins the one in flight (and its queued follow-up), the invocation answers by its deadline.
        const work = reconcileOnce(cfg, 'event', log, false, cfg.eventRunTimeoutMs);
        outcome = await within(work, cfg.eventRunTimeoutMs);
        if (outcome === undefined) work.catch(() => undefined); // settles later; its run records itself
      } catch (err) {
        // The engine reports ARM failures in its result; a throw is a bug that a redelivery would repeat.
        // The timer still covers the change.
        log.error(
          `reconcile threw (event ${event.id} not retried): ${err instanceof Error ? err.stack : String(err)}`,
        );
        await flush(log, EVENT_FLUSH_TIMEOUT_MS);
        return;
      }
      if (outcome === undefined) {
        log.warn(
          `event ${event.id}: the reconcile has not ended within EVENT_RUN_TIMEOUT_MS (${Date.now() - started} ms); answering now so that Event Grid does not redeliver. The run goes on (its health record and metrics report it) and the timer covers what it misses.`,
          { eventRunTimeoutMs: cfg.eventRunTimeoutMs },
        );
        await flush(log, EVENT_FLUSH_TIMEOUT_MS);
        return;
      }
      const result = outcome.value;
      logResult(log, result);
      await flush(log, EVENT_FLUSH_TIMEOUT_MS);
      if (result.status === 'Failed' && result.error?.transient === true) {
        throw new TransientReconcileError(
          `transient failure reconciling ${result.routeTable.name}, Event Grid will redeliver event ${event.id}: ${result.error.message}`,
        );
      }
    },

    async driftReport(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
      const log = contextLogger(context);
      const cfg = config(log);
      if (cfg === undefined) {
        return {
          status: 500,
          jsonBody: {
            error: 'configuration',
            message: `pod-route-reconciler is not configured: ${configOutcome?.ok === false ? configOutcome.message : 'unknown error'}`,
          },
        };
      }
      let result: ReconcileResult;
      try {
        result = await reconcileOnce(cfg, 'http', log, true);
      } catch (err) {
        log.error(`drift report failed: ${err instanceof Error ? err.stack : String(err)}`);
        await flush(log);
        return {
          status: 500,
          jsonBody: { error: 'internal', message: err instanceof Error ? err.message : String(err) },
        };
      }
      logResult(log, result);
      await flush(log);
      const failed = result.status === 'Failed';
      return {
        status: failed ? 503 : 200,
        headers: { 'cache-control': 'no-store' },
        jsonBody: {
          inSync: !failed && result.plan.inSync,
          status: result.status,
          mode: result.mode,
          routeTable: result.routeTable,
          drift: result.plan.drift,
          refused: result.refused,
          actions: result.plan.actions,
          managedRoutes: result.managedRoutes,
          runId: result.runId,
          startedAt: result.startedAt,
          durationMs: result.durationMs,
          ...(result.error !== undefined ? { error: result.error } : {}),
        },
      };
    },
  };
}
