// The Functions app as the host loads it: src/index.ts imported with the app settings in process.env (its real
// registrations through @azure/functions, spied on to capture what they register; outside the host the package
// runs in test mode and skips the registration itself), the binding options checked, then the registered
// handlers invoked against the ARM emulator: the real runtime.ts wiring (settings from process.env, the engine,
// the ARM clients made from ARM_ENDPOINT / ARM_CA_FILE, telemetry off), not createHandlers with test deps.
import {
  app,
  type EventGridHandler,
  type HttpHandler,
  HttpRequest,
  type HttpResponseInit,
  type TimerHandler,
} from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EventGridEvent } from '../../src/emulator/index.js';
import { CONVERGED, routeMap, startCluster, type TestCluster } from '../support/cluster.js';
import { invocation, timer } from './helpers.js';

const ROUTE_1 = 'kubernetes-route-10-200-1-0-24';

const KINDS = [
  'timer',
  'eventGrid',
  'http',
  'get',
  'post',
  'put',
  'patch',
  'deleteRequest',
  'storageQueue',
  'serviceBusQueue',
  'generic',
] as const;
type RegistrationKind = (typeof KINDS)[number];
const spies = Object.fromEntries(KINDS.map((kind) => [kind, vi.spyOn(app, kind)])) as unknown as Record<
  RegistrationKind,
  { mock: { calls: unknown[][] } }
>;
const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
const calls: Partial<Record<RegistrationKind, unknown[][]>> = {};
let warnings: string[] = [];

/** The names registered through app.<kind>. */
const names = (kind: RegistrationKind) => (calls[kind] ?? []).map((c) => c[0]);

/** The options object app.<kind> received for that function name. */
function registered<T>(kind: RegistrationKind, name: string): T {
  const call = (calls[kind] ?? []).find((c) => c[0] === name);
  if (call === undefined) throw new Error(`no app.${kind} registration of '${name}'`);
  return call[1] as T;
}

let cluster: TestCluster;
const events: EventGridEvent[] = [];

beforeAll(async () => {
  // The emulator's operations answer Retry-After: 0, so the engine's LRO polls do not wait a second each.
  cluster = await startCluster({ lro: { inProgressPolls: 0, retryAfterSeconds: 0 } });
  cluster.emulator.subscribe((event) => events.push(event));
  for (const [key, value] of Object.entries(cluster.settings)) vi.stubEnv(key, value);
  vi.stubEnv('APPLICATIONINSIGHTS_CONNECTION_STRING', '');
  await import('../../src/index.js');
  // Vitest clears mock calls before each test: keep what the import registered.
  for (const kind of KINDS) calls[kind] = spies[kind].mock.calls.map((c) => [...c]);
  warnings = warn.mock.calls.map((c) => String(c[0]));
});

afterAll(async () => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  await cluster?.stop();
});

const writes = () => cluster.emulator.requests().filter((r) => r.method !== 'GET');

describe('src/index.ts as registered', () => {
  it('registers reconcileOnSchedule and verifyOnSchedule (timers), reconcileOnResourceChange (Event Grid) and driftReport (HTTP GET, function key), nothing else', () => {
    expect(names('timer')).toEqual(['reconcileOnSchedule', 'verifyOnSchedule']);
    expect(registered('timer', 'reconcileOnSchedule')).toEqual({
      schedule: '%RECONCILE_SCHEDULE%',
      handler: expect.any(Function),
    });
    expect(registered('timer', 'verifyOnSchedule')).toEqual({
      schedule: '%VERIFY_SCHEDULE%',
      handler: expect.any(Function),
    });
    expect(names('eventGrid')).toEqual(['reconcileOnResourceChange']);
    expect(registered('eventGrid', 'reconcileOnResourceChange')).toEqual({ handler: expect.any(Function) });
    expect(names('http')).toEqual(['driftReport']);
    expect(registered('http', 'driftReport')).toEqual({
      methods: ['GET'],
      authLevel: 'function',
      handler: expect.any(Function),
      // Added by the real app.http: the HTTP response output binding.
      return: expect.objectContaining({ type: 'http' }),
    });
    for (const kind of KINDS.slice(3)) expect(names(kind), kind).toEqual([]);
    // Without Application Insights settings, telemetry is off with exactly one warning.
    expect(warnings.filter((w) => w.includes('telemetry is off'))).toHaveLength(1);
  });

  it('the registered timer handler repairs a deleted route on the ARM endpoint named by process.env', async () => {
    await cluster.deleteRoute(ROUTE_1);
    cluster.emulator.clearRequests();
    const { handler } = registered<{ handler: TimerHandler }>('timer', 'reconcileOnSchedule');
    const { context, logs } = invocation('reconcileOnSchedule');
    await handler(timer(), context);
    expect(routeMap(cluster.storedRoutes())).toEqual(CONVERGED);
    expect(writes().map((r) => `${r.method} ${r.path.split('/').pop()}`)).toEqual(['PUT kubernetes-routes']);
    expect(logs.some((l) => l.message.includes('(timer, enforce): Repaired'))).toBe(true);
  });

  it('the registered Event Grid handler repairs from the event the emulator raised for a route deleted by hand', async () => {
    events.length = 0;
    await cluster.deleteRoute(ROUTE_1);
    const deleted = events.filter(
      (e) => e.data.operationName === 'Microsoft.Network/routeTables/routes/delete',
    );
    expect(deleted).toHaveLength(1);
    events.length = 0;
    const { handler } = registered<{ handler: EventGridHandler<unknown> }>(
      'eventGrid',
      'reconcileOnResourceChange',
    );
    const { context, logs } = invocation('reconcileOnResourceChange');
    await handler(structuredClone(deleted[0]!), context);
    expect(routeMap(cluster.storedRoutes())).toEqual(CONVERGED);
    expect(logs.some((l) => l.message.includes('(event, enforce): Repaired'))).toBe(true);
    // The echo of that repair reaches the instance that wrote it: recognised, nothing run.
    const echo = events.splice(0);
    expect(echo.length).toBeGreaterThan(0);
    cluster.emulator.clearRequests();
    for (const event of echo) await handler(structuredClone(event), invocation('echo').context);
    expect(cluster.emulator.requests()).toEqual([]);
  });

  it('the registered HTTP handler reports the drift as JSON and writes nothing', async () => {
    await cluster.deleteRoute(ROUTE_1);
    cluster.emulator.clearRequests();
    const { handler } = registered<{ handler: HttpHandler }>('http', 'driftReport');
    const response = (await handler(
      new HttpRequest({ method: 'GET', url: 'http://localhost/api/driftReport' }),
      invocation('driftReport').context,
    )) as HttpResponseInit;
    expect(response.status).toBe(200);
    expect(response.jsonBody).toMatchObject({ inSync: false, mode: 'report' });
    expect(response.jsonBody.drift).toEqual([
      expect.objectContaining({ kind: 'missing-route', subject: ROUTE_1 }),
    ]);
    expect(writes()).toEqual([]);
    expect(routeMap(cluster.storedRoutes())[ROUTE_1]).toBeUndefined();
  });
});
