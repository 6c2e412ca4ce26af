import { SpanStatusCode } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { describe, expect, it } from 'vitest';
import type { ReconcileResult } from '../../src/core/types.js';
import {
  CUSTOM_EVENT_NAME_ATTRIBUTE,
  HEALTH_RECORD_FIELDS,
  HEALTH_RECORD_NAME,
  METRICS,
} from '../../src/telemetry/catalog.js';
import { createReconcileTelemetry, healthRecord } from '../../src/telemetry/record.js';
import { failedResult, refusedResult, repairedResult } from '../functions/helpers.js';
import { inMemoryMeter, pointsNamed, RecordingLoggerProvider, RecordingTracerProvider } from './in-memory.js';

function capture() {
  const meter = inMemoryMeter();
  const tracerProvider = new RecordingTracerProvider();
  const loggerProvider = new RecordingLoggerProvider();
  const telemetry = createReconcileTelemetry({
    meterProvider: meter.meterProvider,
    tracerProvider,
    loggerProvider,
  });
  return { telemetry, meter, tracerProvider, loggerProvider };
}

async function recordOne(result: ReconcileResult) {
  const c = capture();
  c.telemetry.record(result);
  return { ...c, points: await c.meter.collect() };
}

describe('record: a repaired run', () => {
  it('counts the run, its duration, drift detected and repaired by kind, ARM throttling and ETag conflicts', async () => {
    const result = { ...repairedResult(), cluster: 'blue' };
    const { points } = await recordOne(result);
    // Every point names the cluster and the table.
    const table = { cluster: 'blue', route_table: 'kubernetes-routes' };
    const run = { ...table, trigger: 'timer', result: 'Repaired' };
    expect(pointsNamed(points, METRICS.runs.name)).toEqual([
      { name: METRICS.runs.name, unit: '{run}', attributes: run, value: 1 },
    ]);
    expect(pointsNamed(points, METRICS.duration.name)).toEqual([
      { name: METRICS.duration.name, unit: 'ms', attributes: run, value: 120 },
    ]);
    for (const name of [METRICS.driftDetected.name, METRICS.driftRepaired.name]) {
      expect(pointsNamed(points, name).map((p) => [p.attributes, p.value])).toEqual(
        expect.arrayContaining([
          [{ ...table, kind: 'wrong-next-hop' }, 1],
          [{ ...table, kind: 'missing-route' }, 1],
        ]),
      );
    }
    expect(pointsNamed(points, METRICS.throttled.name)).toMatchObject([{ attributes: table, value: 1 }]);
    expect(pointsNamed(points, METRICS.etagConflicts.name)).toMatchObject([{ attributes: table, value: 1 }]);
    expect(pointsNamed(points, METRICS.refused.name)).toEqual([]);
  });

  it('sets the gauges: managed routes, unrepaired drift, health 1 with the status', async () => {
    const { points } = await recordOne(repairedResult());
    const table = { route_table: 'kubernetes-routes' };
    expect(pointsNamed(points, METRICS.managedRoutes.name)).toMatchObject([{ attributes: table, value: 2 }]);
    expect(pointsNamed(points, METRICS.driftUnrepaired.name)).toMatchObject([
      { attributes: table, value: 0 },
    ]);
    expect(pointsNamed(points, METRICS.health.name)).toMatchObject([
      { attributes: { ...table, status: 'Repaired' }, value: 1 },
    ]);
  });

  it('emits only catalogued metrics with catalogued dimensions', async () => {
    const { points } = await recordOne(repairedResult());
    const specs = new Map<string, (typeof METRICS)[keyof typeof METRICS]>(
      Object.values(METRICS).map((m) => [m.name, m]),
    );
    for (const point of points) {
      const spec = specs.get(point.name);
      expect(spec, point.name).toBeDefined();
      expect(point.unit).toBe(spec?.unit);
      expect(Object.keys(point.attributes).sort()).toEqual([...(spec?.dimensions ?? [])].sort());
    }
  });

  it('writes one span `reconcile <table>` with the counts, over the run', async () => {
    const result = repairedResult();
    const { tracerProvider } = await recordOne(result);
    expect(tracerProvider.spans).toHaveLength(1);
    const span = tracerProvider.spans[0];
    expect(span).toMatchObject({
      name: 'reconcile kubernetes-routes',
      ended: true,
      status: { code: SpanStatusCode.UNSET },
      attributes: {
        'podroutes.status': 'Repaired',
        'podroutes.trigger': 'timer',
        'podroutes.drift.detected': 2,
        'podroutes.drift.repaired': 2,
        'podroutes.drift.unrepaired': 0,
        'podroutes.routes.managed': 2,
        'podroutes.arm.etag_conflicts': 1,
        'podroutes.arm.throttled': 1,
        'podroutes.attempts': 2,
      },
    });
    const start = Date.parse(result.startedAt);
    expect(span?.startTime).toBe(start);
    expect(span?.endTime).toBe(start + 120);
  });

  it('emits one health record as a custom event, with the changed routes before and after', async () => {
    const result = repairedResult();
    const { loggerProvider } = await recordOne(result);
    expect(loggerProvider.records).toHaveLength(1);
    const record = loggerProvider.records[0];
    expect(record?.severityNumber).toBe(SeverityNumber.INFO);
    const attributes = record?.attributes ?? {};
    expect(attributes[CUSTOM_EVENT_NAME_ATTRIBUTE]).toBe(HEALTH_RECORD_NAME);
    expect(
      Object.keys(attributes)
        .filter((k) => k !== CUSTOM_EVENT_NAME_ATTRIBUTE)
        .sort(),
    ).toEqual([...HEALTH_RECORD_FIELDS].sort());
    expect(attributes).toMatchObject({
      runId: result.runId,
      trigger: 'timer',
      mode: 'enforce',
      status: 'Repaired',
      durationMs: 120,
      driftDetected: 2,
      driftRepaired: 2,
      driftUnrepaired: 0,
      refused: 0,
      managedRoutes: 2,
      refusals: '[]',
      error: '',
    });
    expect(JSON.parse(String(attributes.routeTable))).toMatchObject({
      name: 'kubernetes-routes',
      etagAfter: 'W/"b"',
    });
    expect(JSON.parse(String(attributes.changes))).toEqual([
      {
        kind: 'wrong-next-hop',
        subject: 'kubernetes-route-10-200-0-0-24',
        worker: 'worker-0',
        before: expect.objectContaining({ nextHopIpAddress: '10.240.0.99' }),
        after: expect.objectContaining({ nextHopIpAddress: '10.240.0.20' }),
      },
      {
        kind: 'missing-route',
        subject: 'kubernetes-route-10-200-1-0-24',
        worker: 'worker-1',
        before: null,
        after: expect.objectContaining({ addressPrefix: '10.200.1.0/24' }),
      },
    ]);
  });
});

describe('record: a refused run', () => {
  it('counts the refusal by reason, health 0, a warning health record with the refusal', async () => {
    const { points, loggerProvider } = await recordOne(refusedResult());
    expect(pointsNamed(points, METRICS.refused.name)).toMatchObject([
      { attributes: { reason: 'pod-cidr-outside-cluster' }, value: 1 },
    ]);
    expect(pointsNamed(points, METRICS.runs.name)).toMatchObject([
      { attributes: { trigger: 'timer', result: 'Refused' }, value: 1 },
    ]);
    expect(pointsNamed(points, METRICS.health.name)).toMatchObject([
      { attributes: { route_table: 'kubernetes-routes', status: 'Refused' }, value: 0 },
    ]);
    expect(pointsNamed(points, METRICS.driftRepaired.name)).toEqual([]);
    const record = loggerProvider.records[0];
    expect(record?.severityNumber).toBe(SeverityNumber.WARN);
    expect(record?.attributes).toMatchObject({ status: 'Refused', refused: 1, changes: '[]' });
    expect(JSON.parse(String(record?.attributes?.refusals))).toEqual([
      expect.objectContaining({ reason: 'pod-cidr-outside-cluster', worker: 'worker-2' }),
    ]);
  });
});

describe('record: a failed run', () => {
  it('health 0 (Failed), no route gauges, an error span and an error health record', async () => {
    const { points, tracerProvider, loggerProvider } = await recordOne(failedResult(true));
    expect(pointsNamed(points, METRICS.health.name)).toMatchObject([
      { attributes: { status: 'Failed' }, value: 0 },
    ]);
    expect(pointsNamed(points, METRICS.managedRoutes.name)).toEqual([]);
    expect(pointsNamed(points, METRICS.driftUnrepaired.name)).toEqual([]);
    expect(tracerProvider.spans[0]?.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: 'ARM answered 429 TooManyRequests',
    });
    expect(loggerProvider.records[0]?.severityNumber).toBe(SeverityNumber.ERROR);
    expect(JSON.parse(String(loggerProvider.records[0]?.attributes?.error))).toMatchObject({
      code: 'TooManyRequests',
      transient: true,
    });
  });
});

describe('traceRun', () => {
  it('runs inside one span and records the result once', async () => {
    const { telemetry, tracerProvider, loggerProvider, meter } = capture();
    const result = await telemetry.traceRun(
      { routeTableName: 'kubernetes-routes', trigger: 'event' },
      async () => repairedResult({ trigger: 'event' }),
    );
    expect(result.status).toBe('Repaired');
    expect(tracerProvider.spans).toHaveLength(1);
    expect(tracerProvider.spans[0]).toMatchObject({
      name: 'reconcile kubernetes-routes',
      ended: true,
      attributes: { 'podroutes.trigger': 'event', 'podroutes.status': 'Repaired' },
    });
    expect(loggerProvider.records).toHaveLength(1);
    expect(pointsNamed(await meter.collect(), METRICS.runs.name)).toMatchObject([
      { attributes: { trigger: 'event', result: 'Repaired' }, value: 1 },
    ]);
  });

  it('a run that throws ends its span with the error and rethrows', async () => {
    const { telemetry, tracerProvider } = capture();
    await expect(
      telemetry.traceRun({ routeTableName: 't', trigger: 'timer' }, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(tracerProvider.spans[0]).toMatchObject({ ended: true, status: { code: SpanStatusCode.ERROR } });
  });
});

describe('flush', () => {
  it('is bounded by its timeout when an exporter hangs', async () => {
    const never = { forceFlush: () => new Promise<void>(() => undefined) };
    const c = capture();
    const telemetry = createReconcileTelemetry({
      meterProvider: Object.assign(c.meter.meterProvider, never),
      tracerProvider: c.tracerProvider,
      loggerProvider: c.loggerProvider,
    });
    const started = Date.now();
    await expect(telemetry.flush(50)).resolves.toBe('timed-out');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('flushes providers that can', async () => {
    const { telemetry } = capture();
    await expect(telemetry.flush(1_000)).resolves.toBe('flushed');
  });
});

describe('healthRecord', () => {
  it('has exactly the catalogued fields, all strings or numbers', () => {
    const record = healthRecord(repairedResult());
    expect(Object.keys(record).sort()).toEqual([...HEALTH_RECORD_FIELDS].sort());
    for (const value of Object.values(record)) expect(['string', 'number']).toContain(typeof value);
  });
});

describe('healthRecord.topology (the workbook graph)', () => {
  const worker = (i: number, subnet = 'kubernetes-subnet') => ({
    name: `worker-${i}`,
    ips: [`10.240.0.${20 + i}`],
    podCidrs: [`10.200.${i}.0/24`],
    subnetId: `/subscriptions/s/resourceGroups/kubernetes/providers/Microsoft.Network/virtualNetworks/v/subnets/${subnet}`,
  });

  it('lists the workers needing attention worst first and counts the healthy ones', () => {
    const result = repairedResult({ workers: [0, 1, 2].map((i) => worker(i)) });
    const topology = JSON.parse(String(healthRecord(result).topology));
    expect(topology).toEqual({
      subnets: [{ name: 'kubernetes-subnet', associated: true }],
      workers: [
        { name: 'worker-1', ip: '10.240.0.21', subnet: 'kubernetes-subnet', state: 'missing' },
        { name: 'worker-0', ip: '10.240.0.20', subnet: 'kubernetes-subnet', state: 'wrong-next-hop' },
      ],
      healthy: 1,
      unlisted: 0,
      stale: 0,
    });
  });

  it('stays small at 1,000 drifted workers: 40 listed, the rest counted', () => {
    const workers = Array.from({ length: 1000 }, (_, i) => worker(i));
    const drift = workers.map((w) => ({
      kind: 'missing-route' as const,
      subject: `kubernetes-route-${w.name}`,
      worker: w.name,
      before: null,
      after: null,
      message: 'missing',
      repairable: true,
    }));
    const base = repairedResult();
    const record = healthRecord({ ...base, workers, plan: { ...base.plan, drift } });
    const topology = JSON.parse(String(record.topology));
    expect(topology.workers).toHaveLength(40);
    expect(topology.unlisted).toBe(960);
    expect(String(record.topology).length).toBeLessThan(8192);
  });
});
