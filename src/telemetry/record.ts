// Turns one ReconcileResult into telemetry: the metrics of catalog.ts, one span per run and one health record
// (the audit trail) as an OTel log record that Azure Monitor stores as a customEvent. Providers are injected:
// the Function app passes the ones useAzureMonitor() registered, tests pass in-memory ones.

import {
  type Attributes,
  type Counter,
  type Gauge,
  type Histogram,
  type Meter,
  type MeterProvider,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { type LoggerProvider, type Logger as OtelLogger, SeverityNumber } from '@opentelemetry/api-logs';
import type { HealthStatus, ReconcileResult, Trigger } from '../core/types.js';
import { compactTopology } from '../topology/compact.js';
import type { VerifyResult } from '../verify.js';
import { within } from '../within.js';
import {
  CUSTOM_EVENT_NAME_ATTRIBUTE,
  type HEALTH_RECORD_FIELDS,
  HEALTH_RECORD_NAME,
  METER_NAME,
  METRICS,
} from './catalog.js';
import { createVerifyRecorder } from './verify.js';

export interface TelemetryProviders {
  meterProvider: MeterProvider;
  tracerProvider: TracerProvider;
  loggerProvider: LoggerProvider;
}

export type FlushOutcome = 'flushed' | 'timed-out';

export interface ReconcileTelemetry {
  /** Runs one reconcile inside its span (`reconcile <table>`, so ARM calls nest under it) and records the result. */
  traceRun(
    label: { routeTableName: string; trigger: Trigger; cluster?: string },
    run: () => Promise<ReconcileResult>,
  ): Promise<ReconcileResult>;
  /** Records a finished run: metrics, health record, and a span (with the run's own times) unless one is given. */
  record(result: ReconcileResult, span?: Span): void;
  /** Records one verify run: the findings metric and its PodRouteVerify record (src/telemetry/verify.ts). */
  recordVerify?(result: VerifyResult): void;
  /** forceFlush of every provider, bounded so that a slow exporter never hangs an invocation. */
  flush(timeoutMs?: number): Promise<FlushOutcome>;
}

const DEFAULT_FLUSH_TIMEOUT_MS = 5_000;
const INSTRUMENTATION_SCOPE = METER_NAME;

type HealthRecord = Record<(typeof HEALTH_RECORD_FIELDS)[number], string | number>;

/** The run's cluster; a result from before fleets (no cluster) is the app settings' one cluster. */
const clusterOf = (result: ReconcileResult): string => result.cluster ?? 'default';

/** 1 when the last run left every owned route in sync. */
function healthValue(status: HealthStatus): 0 | 1 {
  return status === 'Healthy' || status === 'Repaired' ? 1 : 0;
}

/** The health record of one run: scalars as they are, lists and objects JSON-encoded (customDimensions are strings). */
export function healthRecord(result: ReconcileResult): HealthRecord {
  return {
    runId: result.runId,
    cluster: clusterOf(result),
    trigger: result.trigger,
    mode: result.mode,
    status: result.status,
    routeTable: JSON.stringify(result.routeTable),
    durationMs: result.durationMs,
    driftDetected: result.plan.drift.length,
    driftRepaired: result.repaired.length,
    driftUnrepaired: result.unrepaired.length,
    refused: result.refused.length,
    managedRoutes: result.managedRoutes,
    // The audit trail: every change made, with the route before and after.
    changes: JSON.stringify(
      result.repaired.map((d) => ({
        kind: d.kind,
        subject: d.subject,
        ...(d.worker !== undefined ? { worker: d.worker } : {}),
        before: d.before,
        after: d.after,
      })),
    ),
    refusals: JSON.stringify(result.refused),
    error: result.error === undefined ? '' : JSON.stringify(result.error),
    verification: result.verification === undefined ? '' : JSON.stringify(result.verification),
    // The workbook's topology graph: subnets, the workers needing attention, counts of the rest.
    topology: JSON.stringify(compactTopology(result)),
  };
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

function severityOf(status: HealthStatus): { number: SeverityNumber; text: string } {
  if (status === 'Failed') return { number: SeverityNumber.ERROR, text: 'ERROR' };
  if (status === 'Drifted' || status === 'Refused') return { number: SeverityNumber.WARN, text: 'WARN' };
  return { number: SeverityNumber.INFO, text: 'INFO' };
}

function spanAttributes(result: ReconcileResult): Attributes {
  return {
    'podroutes.run_id': result.runId,
    'podroutes.cluster': clusterOf(result),
    'podroutes.trigger': result.trigger,
    'podroutes.mode': result.mode,
    'podroutes.status': result.status,
    'podroutes.route_table': result.routeTable.name,
    'podroutes.route_table.id': result.routeTable.id,
    'podroutes.drift.detected': result.plan.drift.length,
    'podroutes.drift.repaired': result.repaired.length,
    'podroutes.drift.unrepaired': result.unrepaired.length,
    'podroutes.drift.refused': result.refused.length,
    'podroutes.routes.managed': result.managedRoutes,
    'podroutes.attempts': result.attempts,
    'podroutes.arm.reads': result.arm.reads,
    'podroutes.arm.writes': result.arm.writes,
    'podroutes.arm.polls': result.arm.polls,
    'podroutes.arm.throttled': result.arm.throttled,
    'podroutes.arm.etag_conflicts': result.arm.conflicts,
    ...(result.error?.code !== undefined ? { 'podroutes.error.code': result.error.code } : {}),
    ...(result.error !== undefined ? { 'podroutes.error.transient': result.error.transient } : {}),
  };
}

function flushable(provider: unknown): { forceFlush(): Promise<void> } | undefined {
  let target = provider as { forceFlush?: unknown; getDelegate?: unknown } | undefined;
  // The global tracer provider is a ProxyTracerProvider: its delegate is the SDK provider.
  if (typeof target?.getDelegate === 'function' && typeof target.forceFlush !== 'function') {
    target = (target.getDelegate as () => typeof target)();
  }
  return typeof target?.forceFlush === 'function' ? (target as { forceFlush(): Promise<void> }) : undefined;
}

type InstrumentSpec = { name: string; unit: string; description: string };

/** The run instruments of METRICS. */
function runInstruments(meter: Meter) {
  const counter = (spec: InstrumentSpec): Counter =>
    meter.createCounter(spec.name, { unit: spec.unit, description: spec.description });
  const gauge = (spec: InstrumentSpec): Gauge =>
    meter.createGauge(spec.name, { unit: spec.unit, description: spec.description });
  const duration: Histogram = meter.createHistogram(METRICS.duration.name, {
    unit: METRICS.duration.unit,
    description: METRICS.duration.description,
  });
  return {
    runs: counter(METRICS.runs),
    duration,
    driftDetected: counter(METRICS.driftDetected),
    driftRepaired: counter(METRICS.driftRepaired),
    refused: counter(METRICS.refused),
    throttled: counter(METRICS.throttled),
    etagConflicts: counter(METRICS.etagConflicts),
    driftUnrepaired: gauge(METRICS.driftUnrepaired),
    managedRoutes: gauge(METRICS.managedRoutes),
    health: gauge(METRICS.health),
  };
}

type RunInstruments = ReturnType<typeof runInstruments>;

function recordMetrics(instruments: RunInstruments, result: ReconcileResult): void {
  // Every point names the cluster and the table (the alert rules split by cluster).
  const table = { cluster: clusterOf(result), route_table: result.routeTable.name };
  const run = { ...table, trigger: result.trigger, result: result.status };
  instruments.runs.add(1, run);
  instruments.duration.record(result.durationMs, run);
  for (const [kind, n] of countBy(result.plan.drift, (d) => d.kind))
    instruments.driftDetected.add(n, { ...table, kind });
  for (const [kind, n] of countBy(result.repaired, (d) => d.kind))
    instruments.driftRepaired.add(n, { ...table, kind });
  for (const [reason, n] of countBy(result.refused, (r) => r.reason))
    instruments.refused.add(n, { ...table, reason });
  if (result.arm.throttled > 0) instruments.throttled.add(result.arm.throttled, table);
  if (result.arm.conflicts > 0) instruments.etagConflicts.add(result.arm.conflicts, table);
  // A failed run may not have read the table: its counts would read as "no routes, no drift". The health
  // gauge (0, status Failed) carries the failure instead.
  if (result.status !== 'Failed') {
    instruments.driftUnrepaired.record(result.unrepaired.length, table);
    instruments.managedRoutes.record(result.managedRoutes, table);
  }
  instruments.health.record(healthValue(result.status), { ...table, status: result.status });
}

function emitHealthRecord(logger: OtelLogger, result: ReconcileResult): void {
  const severity = severityOf(result.status);
  logger.emit({
    severityNumber: severity.number,
    severityText: severity.text,
    body: `${HEALTH_RECORD_NAME} ${result.status} ${result.routeTable.name} (${result.trigger}, run ${result.runId})`,
    attributes: { [CUSTOM_EVENT_NAME_ATTRIBUTE]: HEALTH_RECORD_NAME, ...healthRecord(result) },
  });
}

function finishSpan(span: Span, result: ReconcileResult, endTime?: number): void {
  span.setAttributes(spanAttributes(result));
  if (result.status === 'Failed') {
    span.setStatus({ code: SpanStatusCode.ERROR, message: result.error?.message ?? 'reconcile failed' });
  }
  span.end(endTime);
}

/** A run recorded without a span of its own (e.g. a run that ended after its invocation) gets one after the fact. */
function spanAfterTheFact(tracer: Tracer, result: ReconcileResult): void {
  const start = Date.parse(result.startedAt);
  const startTime = Number.isNaN(start) ? Date.now() - result.durationMs : start;
  const span = tracer.startSpan(`reconcile ${result.routeTable.name}`, {
    kind: SpanKind.INTERNAL,
    startTime,
  });
  finishSpan(span, result, startTime + result.durationMs);
}

function traceRun(
  tracer: Tracer,
  record: ReconcileTelemetry['record'],
  label: Parameters<ReconcileTelemetry['traceRun']>[0],
  run: () => Promise<ReconcileResult>,
): Promise<ReconcileResult> {
  const attributes = {
    'podroutes.trigger': label.trigger,
    ...(label.cluster !== undefined ? { 'podroutes.cluster': label.cluster } : {}),
  };
  return tracer.startActiveSpan(
    `reconcile ${label.routeTableName}`,
    { kind: SpanKind.INTERNAL, attributes },
    async (span) => {
      let result: ReconcileResult;
      try {
        result = await run();
      } catch (err) {
        span.recordException(err instanceof Error ? err : String(err));
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message ?? String(err) });
        span.end();
        throw err;
      }
      // Inside the span's context: the health record is correlated with the run's trace. Telemetry
      // never fails a run.
      try {
        record(result, span);
      } catch {
        span.end();
      }
      return result;
    },
  );
}

async function flushProviders(providers: TelemetryProviders, timeoutMs: number): Promise<FlushOutcome> {
  const providersToFlush = [providers.meterProvider, providers.tracerProvider, providers.loggerProvider]
    .map(flushable)
    .filter((p) => p !== undefined);
  const flushed = await within(Promise.allSettled(providersToFlush.map((p) => p.forceFlush())), timeoutMs, {
    unref: true,
  });
  return flushed === undefined ? 'timed-out' : 'flushed';
}

/** Creates the instruments; call it after the providers are registered (instruments made before never record). */
export function createReconcileTelemetry(providers: TelemetryProviders): ReconcileTelemetry {
  const meter = providers.meterProvider.getMeter(METER_NAME);
  const tracer = providers.tracerProvider.getTracer(INSTRUMENTATION_SCOPE);
  const logger = providers.loggerProvider.getLogger(INSTRUMENTATION_SCOPE);
  const instruments = runInstruments(meter);
  const record: ReconcileTelemetry['record'] = (result, span) => {
    recordMetrics(instruments, result);
    emitHealthRecord(logger, result);
    if (span !== undefined) finishSpan(span, result);
    else spanAfterTheFact(tracer, result);
  };
  return {
    recordVerify: createVerifyRecorder(meter, logger),
    record,
    traceRun: (label, run) => traceRun(tracer, record, label, run),
    flush: (timeoutMs = DEFAULT_FLUSH_TIMEOUT_MS) => flushProviders(providers, timeoutMs),
  };
}

/** When no Application Insights connection is configured: nothing is recorded, runs still happen. */
export const noTelemetry: ReconcileTelemetry = {
  traceRun: (_label, run) => run(),
  record: () => undefined,
  flush: async () => 'flushed',
};
