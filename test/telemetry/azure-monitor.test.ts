// The real pipeline: useAzureMonitor() exporting over HTTPS to a local ingestion endpoint (a self-signed
// certificate trusted through the exporter's tlsOptions, no NODE_TLS_REJECT_UNAUTHORIZED), plus in-memory
// processors registered next to Azure Monitor's to see the SDK's own spans and log records.
// Its own file: useAzureMonitor() sets process-global OpenTelemetry state.
import { type AzureMonitorOpenTelemetryOptions, shutdownAzureMonitor } from '@azure/monitor-opentelemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  registeredProviders,
  type StartedTelemetry,
  startTelemetry,
} from '../../src/telemetry/azure-monitor.js';
import { HEALTH_RECORD_NAME, METRICS } from '../../src/telemetry/catalog.js';
import { refusedResult, repairedResult } from '../functions/helpers.js';
import {
  type IngestionEndpoint,
  metricPoints,
  metricNames as namesIn,
  startIngestionEndpoint,
  until,
} from './ingestion.js';

type SpanProcessor = NonNullable<AzureMonitorOpenTelemetryOptions['spanProcessors']>[number];
type LogRecordProcessor = NonNullable<AzureMonitorOpenTelemetryOptions['logRecordProcessors']>[number];
type FinishedSpan = Parameters<SpanProcessor['onEnd']>[0];
type EmittedLogRecord = Parameters<LogRecordProcessor['onEmit']>[0];

let ingestion: IngestionEndpoint;
const spans: FinishedSpan[] = [];
const logRecords: EmittedLogRecord[] = [];
let started: StartedTelemetry;

const spanCapture: SpanProcessor = {
  onStart: () => undefined,
  onEnd: (span) => {
    spans.push(span);
  },
  forceFlush: async () => undefined,
  shutdown: async () => undefined,
};
const logCapture: LogRecordProcessor = {
  onEmit: (record) => {
    logRecords.push(record);
  },
  forceFlush: async () => undefined,
  shutdown: async () => undefined,
};

beforeAll(async () => {
  // The same self-signed certificate helper the emulator uses (openssl at start, ~10 ms).
  ingestion = await startIngestionEndpoint();
  started = await startTelemetry(
    {
      APPLICATIONINSIGHTS_CONNECTION_STRING: ingestion.connectionString,
    },
    {
      exporterOptions: { tlsOptions: { ca: ingestion.cert }, disableOfflineStorage: true },
      spanProcessors: [spanCapture],
      logRecordProcessors: [logCapture],
    },
  );
});

afterAll(async () => {
  await shutdownAzureMonitor();
  await ingestion?.stop();
});

const envelopes = () => ingestion.envelopes;
const metricNames = () => namesIn(envelopes());
const healthEvents = () =>
  envelopes().filter((e) => e.data?.baseType === 'EventData' && e.data.baseData?.name === HEALTH_RECORD_NAME);

describe('Azure Monitor pipeline to a local HTTPS ingestion endpoint', () => {
  it('uses the providers useAzureMonitor registered, not no-ops', () => {
    expect(started.mode.kind).toBe('connection-string');
    const providers = registeredProviders();
    expect(typeof (providers.meterProvider as { forceFlush?: unknown }).forceFlush).toBe('function');
    expect(providers.tracerProvider.constructor.name).not.toMatch(/^Noop/u);
  });

  it('delivers the metrics, the span and the PodRouteHealth custom events to /v2.1/track', async () => {
    started.telemetry.record(repairedResult());
    started.telemetry.record(refusedResult());
    await expect(started.telemetry.flush(10_000)).resolves.toBe('flushed');
    await until(() => healthEvents().length >= 2 && metricNames().has(METRICS.runs.name));

    expect(new Set(ingestion.paths)).toEqual(new Set(['/v2.1/track']));
    const names = metricNames();
    for (const metric of [
      METRICS.runs,
      METRICS.duration,
      METRICS.driftDetected,
      METRICS.driftRepaired,
      METRICS.refused,
      METRICS.managedRoutes,
      METRICS.driftUnrepaired,
      METRICS.health,
      METRICS.throttled,
      METRICS.etagConflicts,
    ]) {
      expect(names, metric.name).toContain(metric.name);
    }
    const runs = metricPoints(envelopes(), METRICS.runs.name);
    expect(runs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ cluster: 'default', trigger: 'timer', result: 'Repaired', value: 1 }),
        expect.objectContaining({ cluster: 'default', trigger: 'timer', result: 'Refused', value: 1 }),
      ]),
    );

    const events = healthEvents().map((e) => e.data?.baseData?.properties as Record<string, string>);
    expect(events.map((p) => p.status).sort()).toEqual(['Refused', 'Repaired']);
    const repaired = events.find((p) => p.status === 'Repaired');
    expect(JSON.parse(repaired?.changes ?? '[]')).toHaveLength(2);
    expect(repaired).toMatchObject({ trigger: 'timer', mode: 'enforce', managedRoutes: '2' });

    const dependencies = envelopes().filter(
      (e) =>
        e.data?.baseType === 'RemoteDependencyData' &&
        e.data.baseData?.name === 'reconcile kubernetes-routes',
    );
    expect(dependencies).toHaveLength(2);
  });

  it('the SDK itself saw one span and one health log record per run (sampling keeps them all)', () => {
    const ours = spans.filter((s) => s.name === 'reconcile kubernetes-routes');
    expect(ours).toHaveLength(2);
    expect(ours.map((s) => s.attributes['podroutes.status']).sort()).toEqual(['Refused', 'Repaired']);
    const health = logRecords.filter(
      (r) => r.attributes['microsoft.custom_event.name'] === HEALTH_RECORD_NAME,
    );
    expect(health).toHaveLength(2);
  });
});
