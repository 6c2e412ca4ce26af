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
import { type Config, EVENT_FLUSH_TIMEOUT_MS } from '../config.js';
import type { Logger, ReconcileResult } from '../core/types.js';
import type { ReconcileOptions } from '../reconcile.js';
import type { ReconcileTelemetry } from '../telemetry/record.js';
import type { VerifyOptions, VerifyResult } from '../verify.js';
import { within } from '../within.js';
import {
  flush,
  type Instance,
  logResult,
  newInstance,
  reconcileOnce,
  settingsOf,
  settingsProblem,
  verifySample,
} from './instance.js';
import { contextLogger } from './logger.js';
import { decideOnEvent, parseResourceEvent, type ResourceEvent } from './resource-event.js';
import { topologyPage, wantsHtml } from './topology-page.js';

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
  /** Time budget of the check after a repair (default VERIFY_AFTER_REPAIR_BUDGET_MS, instance.ts). */
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

export function createHandlers(deps: HandlerDeps): Handlers {
  const instance = newInstance(deps);
  return {
    reconcileOnSchedule: (timer, context) => onSchedule(instance, timer, context),
    verifyOnSchedule: (_timer, context) => onVerifySchedule(instance, context),
    reconcileOnResourceChange: (raw, context) => onResourceChange(instance, raw, context),
    driftReport: (request, context) => driftReport(instance, context, request),
  };
}

async function onSchedule(instance: Instance, timer: Timer, context: InvocationContext): Promise<void> {
  const log = contextLogger(context);
  log.info(timer.isPastDue ? 'timer is past due: reconciling now' : 'timer: reconciling', {
    isPastDue: timer.isPastDue,
  });
  const config = settingsOf(instance, log);
  if (config === undefined) return;
  try {
    logResult(log, await reconcileOnce(instance, config, { trigger: 'timer', dryRun: false }, log));
  } finally {
    await flush(instance, log);
  }
}

async function onVerifySchedule(instance: Instance, context: InvocationContext): Promise<void> {
  const log = contextLogger(context);
  const config = settingsOf(instance, log);
  if (config === undefined) return;
  if (config.verifySampleSize <= 0) {
    log.debug('verify timer: VERIFY_SAMPLE_SIZE is 0, nothing checked');
    return;
  }
  try {
    await verifySample(instance, config, 'timer', log);
  } finally {
    await flush(instance, log);
  }
}

async function onResourceChange(instance: Instance, raw: unknown, context: InvocationContext): Promise<void> {
  const log = contextLogger(context);
  const parsed = parseResourceEvent(raw);
  if (!parsed.ok) {
    // Not thrown: a malformed event would fail the same way on every redelivery.
    log.error(
      `malformed Event Grid event ${parsed.id ?? '(no id)'} dropped: ${parsed.field}: ${parsed.message}`,
      {
        field: parsed.field,
      },
    );
    return;
  }
  const event = parsed.event;
  const config = settingsOf(instance, log);
  if (config === undefined) return; // not thrown: settings do not fix themselves on retry
  const decision = decideOnEvent(event, config, instance.deps.isOwnWrite);
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
  const result = await runForEvent(instance, config, event, log);
  await flush(instance, log, EVENT_FLUSH_TIMEOUT_MS);
  if (result?.status === 'Failed' && result.error?.transient === true) {
    throw new TransientReconcileError(
      `transient failure reconciling ${result.routeTable.name}, Event Grid will redeliver event ${event.id}: ${result.error.message}`,
    );
  }
}

/**
 * The event's run, or undefined when it did not end within EVENT_RUN_TIMEOUT_MS (it goes on) or threw.
 * Event Grid counts an answer later than 30 s as a failure and redelivers: whether this event starts a run
 * or joins the one in flight (and its queued follow-up), the invocation answers by its deadline.
 */
async function runForEvent(
  instance: Instance,
  config: Config,
  event: ResourceEvent,
  log: Logger,
): Promise<ReconcileResult | undefined> {
  const started = Date.now();
  const request = { trigger: 'event', dryRun: false, timeoutMs: config.eventRunTimeoutMs } as const;
  let outcome: { value: ReconcileResult } | undefined;
  try {
    const work = reconcileOnce(instance, config, request, log);
    outcome = await within(work, config.eventRunTimeoutMs);
    if (outcome === undefined) work.catch(() => undefined); // settles later; its run records itself
  } catch (err) {
    // The engine reports ARM failures in its result; a throw is a bug that a redelivery would repeat.
    // The timer still covers the change.
    log.error(
      `reconcile threw (event ${event.id} not retried): ${err instanceof Error ? err.stack : String(err)}`,
    );
    return undefined;
  }
  if (outcome === undefined) {
    log.warn(
      `event ${event.id}: the reconcile has not ended within EVENT_RUN_TIMEOUT_MS (${Date.now() - started} ms); answering now so that Event Grid does not redeliver. The run goes on (its health record and metrics report it) and the timer covers what it misses.`,
      { eventRunTimeoutMs: config.eventRunTimeoutMs },
    );
    return undefined;
  }
  logResult(log, outcome.value);
  return outcome.value;
}

async function driftReport(
  instance: Instance,
  context: InvocationContext,
  request: HttpRequest,
): Promise<HttpResponseInit> {
  const log = contextLogger(context);
  const config = settingsOf(instance, log);
  if (config === undefined) {
    return {
      status: 500,
      jsonBody: {
        error: 'configuration',
        message: `pod-route-reconciler is not configured: ${settingsProblem(instance)}`,
      },
    };
  }
  let result: ReconcileResult;
  try {
    result = await reconcileOnce(instance, config, { trigger: 'http', dryRun: true }, log);
  } catch (err) {
    log.error(`drift report failed: ${err instanceof Error ? err.stack : String(err)}`);
    await flush(instance, log);
    return {
      status: 500,
      jsonBody: { error: 'internal', message: err instanceof Error ? err.message : String(err) },
    };
  }
  logResult(log, result);
  await flush(instance, log);
  if (wantsHtml(request) && result.status !== 'Failed') return topologyPage(result, config);
  return driftReportAnswer(result);
}

function driftReportAnswer(result: ReconcileResult): HttpResponseInit {
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
}
