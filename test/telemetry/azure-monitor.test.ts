// The real pipeline: useAzureMonitor() exporting over HTTPS to a local ingestion endpoint (a self-signed
// certificate trusted through the exporter's tlsOptions, no NODE_TLS_REJECT_UNAUTHORIZED), plus in-memory
// processors registered next to Azure Monitor's to see the SDK's own spans and log records.
// Its own file: useAzureMonitor() sets process-global OpenTelemetry state.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { type AzureMonitorOpenTelemetryOptions, shutdownAzureMonitor } from '@azure/monitor-opentelemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSelfSignedCertificate, type TlsMaterial } from '../../src/emulator/tls.js';
import {
  registeredProviders,
  type StartedTelemetry,
  startTelemetry,
} from '../../src/telemetry/azure-monitor.js';
import { HEALTH_RECORD_NAME, METRICS } from '../../src/telemetry/catalog.js';
import { refusedResult, repairedResult } from '../functions/helpers.js';

type SpanProcessor = NonNullable<AzureMonitorOpenTelemetryOptions['spanProcessors']>[number];
type LogRecordProcessor = NonNullable<AzureMonitorOpenTelemetryOptions['logRecordProcessors']>[number];
type FinishedSpan = Parameters<SpanProcessor['onEnd']>[0];
type EmittedLogRecord = Parameters<LogRecordProcessor['onEmit']>[0];

interface Envelope {
  name: string;
  iKey?: string;
  data?: { baseType?: string; baseData?: Record<string, unknown> };
}

let tls: TlsMaterial | undefined;
let server: Server;
let port: number;
const envelopes: Envelope[] = [];
const paths: string[] = [];
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
  tls = makeSelfSignedCertificate();
  const cert = tls.cert;
  server = createServer({ key: tls.key, cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      paths.push(req.url ?? '');
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const text = body.toString('utf8').trim();
      const items = (
        text.startsWith('[') ? JSON.parse(text) : text.split('\n').map((l) => JSON.parse(l))
      ) as Envelope[];
      envelopes.push(...items);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ itemsReceived: items.length, itemsAccepted: items.length, errors: [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;

  started = await startTelemetry(
    {
      APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1:${port}/`,
    },
    {
      exporterOptions: { tlsOptions: { ca: cert }, disableOfflineStorage: true },
      spanProcessors: [spanCapture],
      logRecordProcessors: [logCapture],
    },
  );
});

afterAll(async () => {
  await shutdownAzureMonitor();
  await new Promise((resolve) => server?.close(resolve));
  tls?.dispose();
});

async function until(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for telemetry');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const metricNames = () =>
  new Set(
    envelopes
      .filter((e) => e.data?.baseType === 'MetricData')
      .flatMap((e) => (e.data?.baseData?.metrics as Array<{ name: string }> | undefined) ?? [])
      .map((m) => m.name),
  );
const healthEvents = () =>
  envelopes.filter((e) => e.data?.baseType === 'EventData' && e.data.baseData?.name === HEALTH_RECORD_NAME);

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

    expect(new Set(paths)).toEqual(new Set(['/v2.1/track']));
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
    const runs = envelopes
      .filter((e) => e.data?.baseType === 'MetricData')
      .flatMap((e) => {
        const data = e.data?.baseData as {
          metrics: Array<{ name: string; value: number }>;
          properties?: Record<string, string>;
        };
        return data.metrics
          .filter((m) => m.name === METRICS.runs.name)
          .map((m) => ({ ...data.properties, value: m.value }));
      });
    expect(runs).toEqual(
      expect.arrayContaining([
        { trigger: 'timer', result: 'Repaired', value: 1 },
        { trigger: 'timer', result: 'Refused', value: 1 },
      ]),
    );

    const events = healthEvents().map((e) => e.data?.baseData?.properties as Record<string, string>);
    expect(events.map((p) => p.status).sort()).toEqual(['Refused', 'Repaired']);
    const repaired = events.find((p) => p.status === 'Repaired');
    expect(JSON.parse(repaired?.changes ?? '[]')).toHaveLength(2);
    expect(repaired).toMatchObject({ trigger: 'timer', mode: 'enforce', managedRoutes: '2' });

    const dependencies = envelopes.filter(
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
