// The handlers of the four functions (the reconcile timer, the verify timer, Event Grid, the HTTP drift report):
// parse the input, run the engine (coalesced per route table), record, flush.
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
import { verdictOf } from '../core/outcome.js';
import type { Logger, ReconcileResult } from '../core/types.js';
import type { FleetCluster } from '../fleet/load.js';
import { type ClusterOutcome, runFleet } from '../fleet/runner.js';
import { within } from '../within.js';
import {
  fleetOf,
  flush,
  type HandlerDeps,
  type Instance,
  logResult,
  newInstance,
  reconcileOnce,
  settingsProblem,
  verifySample,
} from './instance.js';
import { contextLogger } from './logger.js';
import { decideOnEvent, parseResourceEvent, type ResourceEvent } from './resource-event.js';
import { topologyPage, wantsHtml } from './topology-page.js';

export interface Handlers {
  reconcileOnSchedule: TimerHandler;
  verifyOnSchedule: TimerHandler;
  reconcileOnResourceChange: EventGridHandler<unknown>;
  driftReport: (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;
}

/** Declared where the instance keeps them; re-exported for the app's entry and tests. */
export type { HandlerDeps } from './instance.js';

/** Thrown by the Event Grid handler, under the 'redeliver' policy only, on a transient ARM failure. */
export class TransientReconcileError extends Error {
  override readonly name = 'TransientReconcileError';
}

export function createHandlers(deps: HandlerDeps): Handlers {
  const instance = newInstance(deps);
  return {
    reconcileOnSchedule: (timer, context) => onSchedule(instance, timer, context),
    verifyOnSchedule: (_timer, context) => onVerifySchedule(instance, context),
    reconcileOnResourceChange: (raw, context) => onResourceChange(instance, raw, context),
    driftReport: (request, context) => driftReport(instance, request, context),
  };
}

/** The timer's budget for one tick over the fleet; each cluster's run gets what is left when it starts. */
const TIMER_TICK_BUDGET_MS = 240_000;
/** A timer run's own budget, as before fleets: the engine's default (it is passed only when the tick has less). */
const TIMER_RUN_BUDGET_MS = 120_000;

async function onSchedule(instance: Instance, timer: Timer, context: InvocationContext): Promise<void> {
  const log = contextLogger(context);
  log.info(timer.isPastDue ? 'timer is past due: reconciling now' : 'timer: reconciling', {
    isPastDue: timer.isPastDue,
  });
  const fleet = fleetOf(instance, log);
  if (fleet === undefined) return;
  try {
    const outcomes = await runFleet({
      clusters: fleet,
      timeoutMs: TIMER_TICK_BUDGET_MS,
      run: ({ config }, budget) =>
        reconcileOnce(
          instance,
          config,
          {
            trigger: 'timer',
            dryRun: false,
            ...(budget.timeoutMs < TIMER_RUN_BUDGET_MS ? { timeoutMs: budget.timeoutMs } : {}),
          },
          log,
        ),
    });
    for (const outcome of outcomes) logOutcome(log, outcome);
  } finally {
    await flush(instance, log);
  }
}

/** One line per cluster of a tick: its result, or why it has none. */
function logOutcome(log: Logger, outcome: ClusterOutcome<ReconcileResult>): void {
  if (outcome.status === 'done') logResult(log, outcome.result);
  else if (outcome.status === 'threw')
    log.error(`cluster ${outcome.cluster}: reconcile threw: ${String(outcome.error)}`);
  else log.warn(`cluster ${outcome.cluster}: not reconciled this tick: ${outcome.reason}`);
}

async function onVerifySchedule(instance: Instance, context: InvocationContext): Promise<void> {
  const log = contextLogger(context);
  const fleet = fleetOf(instance, log);
  if (fleet === undefined) return;
  const sampled = fleet.filter(({ config }) => config.verifySampleSize > 0);
  if (sampled.length === 0) {
    log.debug('verify timer: VERIFY_SAMPLE_SIZE is 0, nothing checked');
    return;
  }
  try {
    await runFleet({
      clusters: sampled,
      timeoutMs: TIMER_TICK_BUDGET_MS,
      run: ({ config }) => verifySample(instance, config, 'timer', log),
    });
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
  const fleet = fleetOf(instance, log);
  if (fleet === undefined) return; // not thrown: settings do not fix themselves on retry
  // Only the clusters whose groups, tables or vnets hold the resource: anything else writes nothing.
  const routed = fleet
    .map((cluster) => ({ cluster, decision: decideOnEvent(event, cluster.config, instance.deps.isOwnWrite) }))
    .filter((c) => c.decision.act);
  if (routed.length === 0) {
    const reasons = fleet.map(({ name, config }) => {
      const decision = decideOnEvent(event, config, instance.deps.isOwnWrite);
      return `${name}: ${decision.act ? 'acts' : decision.reason}`;
    });
    log.debug(`event ${event.id} ignored: ${reasons.join('; ')}`, {
      eventType: event.eventType,
      subject: event.subject,
      operationName: event.operationName,
    });
    return;
  }
  log.info(`event ${event.id}: ${event.operationName} on ${event.subject}: reconciling`, {
    clusters: routed.map((c) => c.cluster.name),
    resource: routed.map((c) => (c.decision.act ? c.decision.resource : undefined))[0],
    tagsWrite: routed.some((c) => c.decision.act && c.decision.tagsWrite),
    schema: event.schema,
  });
  const results = await Promise.all(routed.map((c) => runForEvent(instance, c.cluster.config, event, log)));
  await flush(instance, log, EVENT_FLUSH_TIMEOUT_MS);
  const transient = results.find((r) => r?.status === 'Failed' && r.error?.transient === true);
  if (transient?.error === undefined) return;
  if (instance.deps.transientFailurePolicy === 'redeliver')
    throw new TransientReconcileError(
      `transient failure reconciling ${transient.routeTable.name}, Event Grid will redeliver event ${event.id}: ${transient.error.message}`,
    );
  // Acknowledged, not thrown: Event Grid delays every delivery to an endpoint that keeps failing ("delayed
  // delivery", up to hours), so during an ARM incident redeliveries would hold back the events that follow the
  // recovery. The event is only a hint: the next event or timer run (RECONCILE_SCHEDULE) re-reads everything.
  log.warn(
    `event ${event.id}: transient failure reconciling ${transient.routeTable.name} (${transient.error.message}); the event is acknowledged, the next event or timer run repairs what it missed`,
    { code: transient.error.code, statusCode: transient.error.statusCode },
  );
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

/** The cluster `?cluster=` names; with one cluster the parameter may be left out. */
function reportedCluster(
  fleet: FleetCluster[],
  request: HttpRequest,
): { cluster: FleetCluster } | { answer: HttpResponseInit } {
  const name = request.query.get('cluster')?.trim() || undefined;
  const names = fleet.map((c) => c.name);
  if (name === undefined && fleet.length === 1) return { cluster: fleet[0]! };
  const cluster = fleet.find((c) => c.name === name);
  if (cluster !== undefined) return { cluster };
  const message =
    name === undefined
      ? `this deployment keeps ${fleet.length} clusters: name one with ?cluster= (${names.join(', ')})`
      : `no cluster '${name}' in this deployment's fleet (${names.join(', ')})`;
  return {
    answer: {
      status: name === undefined ? 400 : 404,
      jsonBody: { error: 'cluster', message, clusters: names },
    },
  };
}

async function driftReport(
  instance: Instance,
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const log = contextLogger(context);
  const fleet = fleetOf(instance, log);
  if (fleet === undefined) {
    return {
      status: 500,
      jsonBody: {
        error: 'configuration',
        message: `pod-route-reconciler is not configured: ${settingsProblem(instance)}`,
      },
    };
  }
  const chosen = reportedCluster(fleet, request);
  if ('answer' in chosen) return chosen.answer;
  let result: ReconcileResult;
  try {
    result = await reconcileOnce(instance, chosen.cluster.config, { trigger: 'http', dryRun: true }, log);
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
  if (wantsHtml(request) && result.status !== 'Failed') return topologyPage(result, chosen.cluster.config);
  return driftReportAnswer(chosen.cluster.name, result);
}

function driftReportAnswer(cluster: string, result: ReconcileResult): HttpResponseInit {
  // The drift report never writes: the same verdict as `pod-routes plan` (core/outcome.ts).
  const verdict = verdictOf(result.status, false);
  return {
    status: verdict.httpStatus,
    headers: { 'cache-control': 'no-store' },
    jsonBody: {
      cluster,
      inSync: verdict.inSync,
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
