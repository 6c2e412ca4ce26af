// The Functions path of verify: a sample of workers checked after every repair the app makes and on the verify
// timer, the findings in the health record and the podroutes.verify.findings metric; off while
// VERIFY_SAMPLE_SIZE is 0. Real engine, real SDK, the emulator.
import { beforeEach, describe, expect, it } from 'vitest';
import { HANDLED_OPERATION_NAMES } from '../../src/functions/event-filter-catalog.js';
import { createHandlers, type Handlers } from '../../src/functions/handlers.js';
import { type ReconcileOptions, reconcile } from '../../src/reconcile.js';
import { METRICS, VERIFY_RECORD_NAME } from '../../src/telemetry/catalog.js';
import { createReconcileTelemetry } from '../../src/telemetry/record.js';
import { type VerifyOptions, verify } from '../../src/verify.js';
import { RG, useCluster, VNET } from '../support/cluster.js';
import {
  inMemoryMeter,
  pointsNamed,
  RecordingLoggerProvider,
  RecordingTracerProvider,
} from '../telemetry/in-memory.js';
import { invocation, timer } from './helpers.js';

const cluster = useCluster();
let meter: ReturnType<typeof inMemoryMeter>;
let logs: RecordingLoggerProvider;
let verifyCalls: VerifyOptions[];

function handlersWith(settings: Record<string, string>, budgetMs?: number, confirmAfterMs = 0): Handlers {
  const clients = cluster.clients();
  meter = inMemoryMeter();
  logs = new RecordingLoggerProvider();
  return createHandlers({
    reconcile: (options: ReconcileOptions) => reconcile({ ...options, clients }),
    verify: (options: VerifyOptions) => {
      verifyCalls.push(options);
      return verify({ ...options, clients });
    },
    loadConfig: () => cluster.config(settings),
    ...(budgetMs !== undefined ? { verifyAfterRepairBudgetMs: budgetMs } : {}),
    verifyConfirmAfterMs: confirmAfterMs,
    telemetry: createReconcileTelemetry({
      meterProvider: meter.meterProvider,
      tracerProvider: new RecordingTracerProvider(),
      loggerProvider: logs,
    }),
  });
}

const record = (name: string) =>
  logs.records
    .filter((r) => r.attributes?.['microsoft.custom_event.name'] === name)
    .map((r) => r.attributes ?? {});
const effectivePosts = () =>
  cluster.emulator.requests().filter((q) => q.method === 'POST' && q.path.endsWith('/effectiveRouteTable'));

/** A VPN gateway in the vnet that learned 10.200.0.0/25 over BGP: half of worker-0's pod CIDR. */
function addBgpShadow(): void {
  cluster.emulator.upsertResource(
    {
      id: `/subscriptions/${cluster.emulator.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Network/virtualNetworkGateways/gw`,
      location: 'eastus2',
      properties: {
        ipConfigurations: [
          {
            name: 'default',
            properties: {
              subnet: {
                id: `/subscriptions/${cluster.emulator.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Network/virtualNetworks/${VNET}/subnets/GatewaySubnet`,
              },
            },
          },
        ],
      },
    },
    { emitEvent: false },
  );
  cluster.emulator.setLearnedRoutes([
    {
      gateway: `/subscriptions/${cluster.emulator.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Network/virtualNetworkGateways/gw`,
      network: '10.200.0.0/25',
      nextHop: '10.240.0.254',
    },
  ]);
}

beforeEach(() => {
  verifyCalls = [];
});

describe('verify in the Functions app', () => {
  it('is off by default: a repair reads no effective routes and the verify timer does nothing', async () => {
    const handlers = handlersWith({});
    await cluster.deleteRoute('kubernetes-route-10-200-1-0-24');
    await handlers.reconcileOnSchedule(timer(), invocation('reconcileOnSchedule').context);
    await handlers.verifyOnSchedule(timer(), invocation('verifyOnSchedule').context);
    expect(verifyCalls).toEqual([]);
    expect(effectivePosts()).toEqual([]);
    expect(record('PodRouteHealth')[0]?.verification).toBe('');
  });

  it('after a repair, checks VERIFY_SAMPLE_SIZE workers and puts the outcome in the health record', async () => {
    const handlers = handlersWith({ VERIFY_SAMPLE_SIZE: '1' });
    await cluster.deleteRoute('kubernetes-route-10-200-1-0-24');
    cluster.emulator.clearRequests();
    await handlers.reconcileOnSchedule(timer(), invocation('reconcileOnSchedule').context);
    expect(verifyCalls.map((c) => [c.trigger, c.workers])).toEqual([['repair', 1]]);
    expect(effectivePosts()).toHaveLength(1);
    const health = record('PodRouteHealth')[0];
    expect(health?.status).toBe('Repaired');
    expect(JSON.parse(String(health?.verification))).toMatchObject({
      status: 'Effective',
      shadowed: 0,
      missing: 0,
    });
    // A run with nothing to repair does not verify.
    await handlers.reconcileOnSchedule(timer(), invocation('reconcileOnSchedule').context);
    expect(verifyCalls).toHaveLength(1);
  });

  it('after a repair, gives up on a slow check within its budget and records the failure', async () => {
    const handlers = handlersWith({ VERIFY_SAMPLE_SIZE: '2' }, 300);
    await cluster.deleteRoute('kubernetes-route-10-200-1-0-24');
    // Effective routes take 2 s to compute; the route table write is unaffected.
    cluster.emulator.faults.add({ method: 'POST', path: 'effectiveRouteTable', latencyMs: 2_000 });
    const started = Date.now();
    await handlers.reconcileOnSchedule(timer(), invocation('reconcileOnSchedule').context);
    expect(Date.now() - started).toBeLessThan(1_900);
    const health = record('PodRouteHealth')[0];
    expect(health?.status).toBe('Repaired');
    expect(JSON.parse(String(health?.verification))).toMatchObject({ status: 'Failed' });
  });

  it('the verify timer reports a BGP shadow: findings metric, PodRouteVerify record, warnings; rotating samples', async () => {
    addBgpShadow();
    const handlers = handlersWith({ VERIFY_SAMPLE_SIZE: '1' });
    const first = invocation('verifyOnSchedule');
    await handlers.verifyOnSchedule(timer(), first.context);
    await handlers.verifyOnSchedule(timer(), invocation('verifyOnSchedule').context);
    // Two runs of one worker each: both workers were checked once (the sample rotates).
    expect(
      effectivePosts()
        .map((q) => q.path.split('/').at(-2))
        .sort(),
    ).toEqual(['worker-0-nic', 'worker-1-nic']);
    const records = record(VERIFY_RECORD_NAME);
    expect(records).toHaveLength(2);
    // Only worker-1 reaches worker-0's pods through the shadowed prefix.
    const findings = records.map((r) => `${r.shadowed}`).sort();
    expect(findings).toEqual(['0', '1']);
    const shadowed = records.find((r) => r.shadowed === 1);
    expect(shadowed?.status).toBe('Findings');
    expect(String(shadowed?.findings)).toContain('10.200.0.0/25 (VirtualNetworkGateway)');
    const points = pointsNamed(await meter.collect(), METRICS.verifyFindings.name);
    expect(points.map((p) => [p.attributes.verdict, p.attributes.trigger, p.value])).toEqual([
      ['shadowed', 'timer', 1],
    ]);
    // Reported, never repaired: no write at all.
    expect(cluster.emulator.requests().filter((q) => q.method === 'PUT' || q.method === 'DELETE')).toEqual(
      [],
    );
    // ARM reports each POST as an action event; the Event Grid filter keeps it from waking a reconcile per NIC.
    expect(HANDLED_OPERATION_NAMES).not.toContain(
      'Microsoft.Network/networkInterfaces/effectiveRouteTable/action',
    );
  });
});

describe('verify in the Functions app does not cry wolf', () => {
  const ROUTE = 'kubernetes-route-10-200-1-0-24';

  it('after a repair, the routes it just wrote not yet in effect: re-checked within the budget, cleared, never counted', async () => {
    cluster.emulator.setRoutePropagation(400);
    await cluster.deleteRoute(ROUTE);
    await new Promise((r) => setTimeout(r, 450));
    const handlers = handlersWith({ VERIFY_SAMPLE_SIZE: '2' }, 10_000, 700);
    await handlers.reconcileOnSchedule(timer(), invocation('reconcileOnSchedule').context);
    const health = record('PodRouteHealth')[0];
    expect(health?.status).toBe('Repaired');
    expect(JSON.parse(String(health?.verification))).toMatchObject({
      status: 'Effective',
      missing: 0,
      unconfirmed: [],
    });
    const verifyRecord = record(VERIFY_RECORD_NAME)[0];
    expect(verifyRecord).toMatchObject({ status: 'Effective', missing: 0, unconfirmed: 0 });
    expect(pointsNamed(await meter.collect(), METRICS.verifyFindings.name)).toEqual([]);
  });

  it('a finding the repair check cannot confirm in its budget is recorded as unconfirmed, not counted; the timer confirms it', async () => {
    addBgpShadow();
    await cluster.deleteRoute(ROUTE);
    const handlers = handlersWith({ VERIFY_SAMPLE_SIZE: '2' }, 2_000, 2_500);
    await handlers.reconcileOnSchedule(timer(), invocation('reconcileOnSchedule').context);
    const verification = JSON.parse(String(record('PodRouteHealth')[0]?.verification));
    expect(verification).toMatchObject({ status: 'Unconfirmed', shadowed: 0 });
    expect(verification.unconfirmed).toEqual([expect.stringContaining('worker-1: shadowed: 10.200.0.0/24')]);
    expect(record(VERIFY_RECORD_NAME)[0]).toMatchObject({
      status: 'Unconfirmed',
      shadowed: 0,
      unconfirmed: 1,
    });
    expect(pointsNamed(await meter.collect(), METRICS.verifyFindings.name)).toEqual([]);
    // The timer reads worker-1 again: its finding, pending since the repair check, is now old enough to count.
    await new Promise((r) => setTimeout(r, 2_600));
    cluster.emulator.clearRequests();
    await handlers.verifyOnSchedule(timer(), invocation('verifyOnSchedule').context);
    expect(effectivePosts()).toHaveLength(2); // confirmed at its first read: no wait, no re-read
    const timerRecord = record(VERIFY_RECORD_NAME)[1];
    expect(timerRecord).toMatchObject({ status: 'Findings', shadowed: 1, unconfirmed: 0 });
    const points = pointsNamed(await meter.collect(), METRICS.verifyFindings.name);
    expect(points.map((p) => [p.attributes.verdict, p.attributes.trigger, p.value])).toEqual([
      ['shadowed', 'timer', 1],
    ]);
  });
});
