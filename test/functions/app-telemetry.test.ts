// One run through everything the deployed app does: src/index.ts imported with the app settings in process.env
// (Azure Monitor on, pointed at a local HTTPS ingestion endpoint), its registered timer handler invoked, the real
// engine repairing the emulator's route table, and the run's metrics, span and PodRouteHealth record arriving at
// the ingestion endpoint through the Azure Monitor exporter. The endpoint's self-signed certificate is added to
// the process's default CAs (tls.setDefaultCACertificates), as NODE_EXTRA_CA_CERTS would at process start: the
// app itself gets no test-only option. Its own file: useAzureMonitor() sets process-global state.
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { app, type TimerHandler } from '@azure/functions';
import { shutdownAzureMonitor } from '@azure/monitor-opentelemetry';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HEALTH_RECORD_NAME, METRICS } from '../../src/telemetry/catalog.js';
import { CONVERGED, routeMap, startCluster, type TestCluster } from '../support/cluster.js';
import {
  type IngestionEndpoint,
  metricPoints,
  startIngestionEndpoint,
  until,
} from '../telemetry/ingestion.js';
import { invocation, timer } from './helpers.js';

const ROUTE_1 = 'kubernetes-route-10-200-1-0-24';
const timerSpy = vi.spyOn(app, 'timer');
vi.spyOn(console, 'warn').mockImplementation(() => undefined);

let cluster: TestCluster;
let ingestion: IngestionEndpoint;
let reconcileOnSchedule: TimerHandler;

beforeAll(async () => {
  cluster = await startCluster({ lro: { inProgressPolls: 0, retryAfterSeconds: 0 } });
  ingestion = await startIngestionEndpoint();
  setDefaultCACertificates([...getCACertificates('default'), ingestion.cert]);
  for (const [key, value] of Object.entries(cluster.settings)) vi.stubEnv(key, value);
  vi.stubEnv('APPLICATIONINSIGHTS_CONNECTION_STRING', ingestion.connectionString);
  await import('../../src/index.js');
  const call = timerSpy.mock.calls.find((c) => c[0] === 'reconcileOnSchedule');
  if (call === undefined) throw new Error('src/index.ts registered no reconcileOnSchedule timer');
  reconcileOnSchedule = (call[1] as { handler: TimerHandler }).handler;
});

afterAll(async () => {
  await shutdownAzureMonitor();
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  await ingestion?.stop();
  await cluster?.stop();
});

const events = () => ingestion.envelopes;
const healthRecords = () =>
  events()
    .filter((e) => e.data?.baseType === 'EventData' && e.data.baseData?.name === HEALTH_RECORD_NAME)
    .map((e) => e.data?.baseData?.properties as Record<string, string>);

describe('timer handler -> engine -> Azure Monitor exporter -> ingestion endpoint, in one run', () => {
  it('a route deleted by hand is repaired and the run arrives as metrics, a span and a PodRouteHealth record', async () => {
    await cluster.deleteRoute(ROUTE_1);
    const { context } = invocation('reconcileOnSchedule');
    // The handler flushes telemetry before it returns (the host may freeze the instance afterwards).
    await reconcileOnSchedule(timer(), context);
    expect(routeMap(cluster.storedRoutes())).toEqual(CONVERGED);

    await until(
      () => healthRecords().length >= 1 && metricPoints(events(), METRICS.runs.name).length >= 1,
      10_000,
    );
    expect(new Set(ingestion.paths)).toEqual(new Set(['/v2.1/track']));
    const [record] = healthRecords();
    expect(record).toMatchObject({
      cluster: 'default',
      trigger: 'timer',
      mode: 'enforce',
      status: 'Repaired',
      managedRoutes: '2',
    });
    expect(JSON.parse(record?.changes ?? '[]')).toEqual([
      expect.objectContaining({ subject: ROUTE_1, before: null }),
    ]);
    expect(metricPoints(events(), METRICS.runs.name)).toEqual([
      {
        cluster: 'default',
        route_table: 'kubernetes-routes',
        trigger: 'timer',
        result: 'Repaired',
        value: 1,
      },
    ]);
    expect(metricPoints(events(), METRICS.driftRepaired.name)).toEqual([
      expect.objectContaining({ kind: 'missing-route', value: 1 }),
    ]);
    const spans = events().filter(
      (e) =>
        e.data?.baseType === 'RemoteDependencyData' &&
        e.data.baseData?.name === 'reconcile kubernetes-routes',
    );
    expect(spans).toHaveLength(1);
  });
});
