import { HttpRequest } from '@azure/functions';
import { describe, expect, it, vi } from 'vitest';
import { exitCodeFor, render } from '../../src/cli/render.js';
import { ConfigError } from '../../src/config.js';
import type { Drift, ReconcileResult } from '../../src/core/types.js';
import { createHandlers, type HandlerDeps, TransientReconcileError } from '../../src/functions/handlers.js';
import type { ReconcileOptions } from '../../src/reconcile.js';
import {
  config,
  driftedResult,
  failedResult,
  healthyResult,
  IDS,
  invocation,
  type Kind,
  refusedResult,
  repairedResult,
  type Schema,
  sampleEvent,
  timer,
  untouchedSample,
} from './helpers.js';

function setup(
  result: (options: ReconcileOptions) => ReconcileResult = () => healthyResult(),
  extra: Partial<HandlerDeps> = {},
) {
  const calls: ReconcileOptions[] = [];
  const reconcile = vi.fn(async (options: ReconcileOptions) => {
    calls.push(options);
    await new Promise((r) => setTimeout(r, 5));
    return { ...result(options), trigger: options.trigger };
  });
  const loadConfig = vi.fn(() => config);
  const handlers = createHandlers({ reconcile, loadConfig, ...extra });
  return { handlers, reconcile, loadConfig, calls };
}

const request = () => new HttpRequest({ method: 'GET', url: 'http://localhost/api/driftReport' });

describe('reconcileOnResourceChange: malformed events are reported and dropped', () => {
  const good = () =>
    sampleEvent('event-grid-schema', 'write', IDS.vm, 'Microsoft.Compute/virtualMachines/write');
  const cases: Array<[string, unknown, string]> = [
    ['not an object', 'hello', '(event)'],
    ['an array (a whole batch)', [good()], '(event)'],
    ['no subject', (({ subject: _s, ...rest }) => rest)(good()), 'subject'],
    ['subject not a string', { ...good(), subject: 42 }, 'subject'],
    ['no id', (({ id: _i, ...rest }) => rest)(good()), 'id'],
    ['no data', (({ data: _d, ...rest }) => rest)(good()), 'data'],
    ['data without operationName', { ...good(), data: { resourceUri: IDS.vm } }, 'data.operationName'],
    ['empty operationName', { ...good(), data: { operationName: '' } }, 'data.operationName'],
    [
      'CloudEvent without a subject',
      (({ subject: _s, ...rest }) => rest)(
        sampleEvent('cloud-events-schema', 'write', IDS.vm, 'Microsoft.Compute/virtualMachines/write'),
      ),
      'subject',
    ],
    [
      'CloudEvent with specversion 0.3',
      {
        ...sampleEvent('cloud-events-schema', 'write', IDS.vm, 'Microsoft.Compute/virtualMachines/write'),
        specversion: '0.3',
      },
      'specversion',
    ],
  ];
  it.each(cases)('%s: logs the field %s, does not throw, does not reconcile', async (_name, event, field) => {
    const { handlers, reconcile } = setup();
    const { context, logs } = invocation('reconcileOnResourceChange');
    await expect(handlers.reconcileOnResourceChange(event, context)).resolves.toBeUndefined();
    expect(reconcile).not.toHaveBeenCalled();
    const errors = logs.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toContain('malformed Event Grid event');
    expect(errors[0]?.message).toContain(`${field}:`);
  });
});

describe('reconcileOnResourceChange: events that cannot concern the routes are ignored', () => {
  const cases: Array<[string, unknown]> = [
    ['the storage account write sample', untouchedSample('event-grid-schema', 'write')],
    ['the storage account delete sample (CloudEvents)', untouchedSample('cloud-events-schema', 'delete')],
    ['the event hub listKeys action sample', untouchedSample('event-grid-schema', 'action')],
    [
      'a VM in another resource group',
      sampleEvent(
        'event-grid-schema',
        'write',
        IDS.vm.replace('/kubernetes/', '/other-rg/'),
        'Microsoft.Compute/virtualMachines/write',
        undefined,
        'other-rg',
      ),
    ],
    [
      'a VM in another subscription',
      sampleEvent(
        'event-grid-schema',
        'write',
        IDS.vm.replace('00000000-0000-0000-0000-000000000000', '11111111-1111-1111-1111-111111111111'),
        'Microsoft.Compute/virtualMachines/write',
        '11111111-1111-1111-1111-111111111111',
      ),
    ],
    [
      'another route table',
      sampleEvent(
        'event-grid-schema',
        'write',
        IDS.routeTable.replace(/kubernetes-routes$/u, 'other'),
        'Microsoft.Network/routeTables/write',
      ),
    ],
    [
      'another subnet of the vnet',
      sampleEvent(
        'event-grid-schema',
        'write',
        IDS.subnet.replace(/kubernetes-subnet$/u, 'gateway'),
        'Microsoft.Network/virtualNetworks/subnets/write',
      ),
    ],
    [
      'a disk of a worker (a child of no interest)',
      sampleEvent(
        'event-grid-schema',
        'write',
        `${IDS.vm}/extensions/foo`,
        'Microsoft.Compute/virtualMachines/extensions/write',
      ),
    ],
    [
      'an operation that cannot change routes (VM restart)',
      sampleEvent('event-grid-schema', 'action', IDS.vm, 'Microsoft.Compute/virtualMachines/restart/action'),
    ],
    [
      'a failure event type we do not subscribe to (a canceled write)',
      {
        ...sampleEvent('event-grid-schema', 'write', IDS.vm, 'Microsoft.Compute/virtualMachines/write'),
        eventType: 'Microsoft.Resources.ResourceWriteCancel',
      },
    ],
    [
      'a storage blob event (no operationName in its data)',
      {
        ...sampleEvent('event-grid-schema', 'write', IDS.vm, 'x'),
        eventType: 'Microsoft.Storage.BlobCreated',
        data: { api: 'PutBlob' },
      },
    ],
  ];
  it.each(cases)('%s: no reconcile, a debug log', async (_name, event) => {
    const { handlers, reconcile } = setup();
    const { context, logs } = invocation('reconcileOnResourceChange');
    await handlers.reconcileOnResourceChange(event, context);
    expect(reconcile).not.toHaveBeenCalled();
    expect(logs.filter((l) => l.level === 'error' || l.level === 'warning')).toEqual([]);
    expect(logs.some((l) => l.level === 'debug' && l.message.includes('ignored'))).toBe(true);
  });
});

describe('reconcileOnResourceChange: relevant events run exactly one reconcile', () => {
  const cases: Array<[string, Schema, Kind, string, string]> = [
    ['VM write', 'event-grid-schema', 'write', IDS.vm, 'Microsoft.Compute/virtualMachines/write'],
    [
      'VM delete (CloudEvents)',
      'cloud-events-schema',
      'delete',
      IDS.vm,
      'Microsoft.Compute/virtualMachines/delete',
    ],
    [
      'VM deallocate',
      'event-grid-schema',
      'action',
      IDS.vm,
      'Microsoft.Compute/virtualMachines/deallocate/action',
    ],
    ['NIC write', 'event-grid-schema', 'write', IDS.nic, 'Microsoft.Network/networkInterfaces/write'],
    [
      'NIC write (CloudEvents)',
      'cloud-events-schema',
      'write',
      IDS.nic,
      'Microsoft.Network/networkInterfaces/write',
    ],
    [
      'route table write',
      'event-grid-schema',
      'write',
      IDS.routeTable,
      'Microsoft.Network/routeTables/write',
    ],
    ['route delete', 'event-grid-schema', 'delete', IDS.route, 'Microsoft.Network/routeTables/routes/delete'],
    [
      'route write (CloudEvents)',
      'cloud-events-schema',
      'write',
      IDS.route,
      'Microsoft.Network/routeTables/routes/write',
    ],
    ['vnet write', 'event-grid-schema', 'write', IDS.vnet, 'Microsoft.Network/virtualNetworks/write'],
    [
      'subnet write',
      'event-grid-schema',
      'write',
      IDS.subnet,
      'Microsoft.Network/virtualNetworks/subnets/write',
    ],
    ['tags write on a VM', 'event-grid-schema', 'write', IDS.tags(IDS.vm), 'Microsoft.Resources/tags/write'],
    [
      'tags write on the route table (CloudEvents)',
      'cloud-events-schema',
      'write',
      IDS.tags(IDS.routeTable),
      'Microsoft.Resources/tags/write',
    ],
    [
      'VM write, ids in other cases',
      'event-grid-schema',
      'write',
      IDS.vm.toUpperCase().replace('/SUBSCRIPTIONS/', '/subscriptions/'),
      'microsoft.compute/VIRTUALMACHINES/write',
    ],
  ];
  it.each(cases)('%s', async (_name, schema, kind, subject, operation) => {
    const { handlers, calls } = setup();
    const { context, logs } = invocation('reconcileOnResourceChange');
    await handlers.reconcileOnResourceChange(sampleEvent(schema, kind, subject, operation), context);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ trigger: 'event', dryRun: false, config });
    expect(logs.some((l) => l.level === 'information' && l.message.includes('reconciling'))).toBe(true);
  });
});

describe('reconcileOnResourceChange: coalescing', () => {
  it('a burst of 20 events on one instance leads to at most 2 reconciles, every caller gets a result', async () => {
    const { handlers, calls } = setup();
    const events = Array.from({ length: 20 }, (_, i) =>
      sampleEvent(
        'event-grid-schema',
        'write',
        i % 2 ? IDS.route : IDS.vm,
        i % 2 ? 'Microsoft.Network/routeTables/routes/write' : 'Microsoft.Compute/virtualMachines/write',
      ),
    );
    await Promise.all(
      events.map((e) =>
        handlers.reconcileOnResourceChange(e, invocation('reconcileOnResourceChange').context),
      ),
    );
    expect(calls.length).toBeGreaterThanOrEqual(1);
    expect(calls.length).toBeLessThanOrEqual(2);
  });

  it('an event arriving after a run finished gets a new run (duplicates later on are harmless but not merged)', async () => {
    const { handlers, calls } = setup();
    const event = sampleEvent(
      'event-grid-schema',
      'write',
      IDS.route,
      'Microsoft.Network/routeTables/routes/write',
    );
    await handlers.reconcileOnResourceChange(event, invocation('x').context);
    await handlers.reconcileOnResourceChange(event, invocation('x').context);
    expect(calls).toHaveLength(2);
  });

  it('timer and events share the in-flight run and one follow-up', async () => {
    const { handlers, calls } = setup();
    const event = () =>
      sampleEvent('event-grid-schema', 'write', IDS.vm, 'Microsoft.Compute/virtualMachines/write');
    await Promise.all([
      handlers.reconcileOnSchedule(timer(), invocation('t').context),
      handlers.reconcileOnResourceChange(event(), invocation('e').context),
      handlers.reconcileOnResourceChange(event(), invocation('e').context),
      handlers.reconcileOnSchedule(timer(), invocation('t').context),
    ]);
    // The follow-up's waiters are two events and a timer: it runs for the timer, the strongest of them.
    expect(calls.map((c) => c.trigger)).toEqual(['timer', 'timer']);
  });

  it("a follow-up runs with its strongest waiter's needs: the timer's budget and trigger, logs to every waiter (bug 4)", async () => {
    const { handlers, calls } = setup();
    const event = () =>
      sampleEvent('event-grid-schema', 'write', IDS.vm, 'Microsoft.Compute/virtualMachines/write');
    const [first, second, third] = [invocation('e1'), invocation('e2'), invocation('t')];
    // An event run is in flight; a second event queues the follow-up; then the timer joins it.
    const runs = [
      handlers.reconcileOnResourceChange(event(), first.context),
      handlers.reconcileOnResourceChange(event(), second.context),
      handlers.reconcileOnSchedule(timer(), third.context),
    ];
    await Promise.all(runs);
    expect(calls.map((c) => [c.trigger, c.timeoutMs])).toEqual([
      ['event', config.eventRunTimeoutMs],
      ['timer', undefined], // the engine's 120 s, not the event's 20 s
    ]);
    calls[1]!.log!.info('from the follow-up');
    for (const waiter of [second, third]) {
      expect(waiter.logs.map((l) => l.message)).toContain('from the follow-up');
    }
    expect(first.logs.map((l) => l.message)).not.toContain('from the follow-up');
  });

  it('the drift report never shares a run with a writing trigger', async () => {
    const { handlers, calls } = setup();
    await Promise.all([
      handlers.reconcileOnSchedule(timer(), invocation('t').context),
      handlers.driftReport(request(), invocation('d').context),
    ]);
    expect(calls.map((c) => [c.trigger, c.dryRun])).toEqual([
      ['timer', false],
      ['http', true],
    ]);
  });
});

describe('reconcileOnResourceChange: failures', () => {
  const event = () =>
    sampleEvent('event-grid-schema', 'delete', IDS.route, 'Microsoft.Network/routeTables/routes/delete');

  it('a transient failure is acknowledged (2xx) with a warning: redeliveries would get the endpoint delayed', async () => {
    const { handlers } = setup(() => failedResult(true));
    const { context, logs } = invocation('reconcileOnResourceChange');
    await expect(handlers.reconcileOnResourceChange(event(), context)).resolves.toBeUndefined();
    expect(
      logs.some(
        (l) =>
          l.level === 'warning' &&
          l.message.includes('transient failure') &&
          l.message.includes('acknowledged'),
      ),
    ).toBe(true);
  });

  it("under the tests' 'redeliver' policy, a transient failure throws (the host answers 500)", async () => {
    const { handlers } = setup(() => failedResult(true), { transientFailurePolicy: 'redeliver' });
    const { context } = invocation('reconcileOnResourceChange');
    await expect(handlers.reconcileOnResourceChange(event(), context)).rejects.toBeInstanceOf(
      TransientReconcileError,
    );
  });

  it('a non-transient failure is logged, not thrown', async () => {
    const { handlers } = setup(() => failedResult(false));
    const { context, logs } = invocation('reconcileOnResourceChange');
    await expect(handlers.reconcileOnResourceChange(event(), context)).resolves.toBeUndefined();
    expect(logs.some((l) => l.level === 'error' && l.message.includes('AuthorizationFailed'))).toBe(true);
  });

  it('an engine that throws (a bug) is logged, not retried', async () => {
    const { handlers } = setup(() => {
      throw new Error('boom');
    });
    const { context, logs } = invocation('reconcileOnResourceChange');
    await expect(handlers.reconcileOnResourceChange(event(), context)).resolves.toBeUndefined();
    expect(logs.some((l) => l.level === 'error' && l.message.includes('boom'))).toBe(true);
  });
});

describe('configuration errors', () => {
  const broken = () =>
    vi.fn(() => {
      throw new ConfigError([{ setting: 'CLUSTER_CIDR', message: 'is required: expected one CIDR' }]);
    });

  it('are logged on every invocation, loaded once, never thrown by the timer or Event Grid', async () => {
    const loadConfig = broken();
    const reconcile = vi.fn();
    const handlers = createHandlers({ reconcile, loadConfig });
    for (let i = 0; i < 3; i++) {
      const t = invocation('reconcileOnSchedule');
      await expect(handlers.reconcileOnSchedule(timer(), t.context)).resolves.toBeUndefined();
      expect(t.logs.some((l) => l.level === 'error' && l.message.includes('CLUSTER_CIDR'))).toBe(true);
      const e = invocation('reconcileOnResourceChange');
      const event = sampleEvent(
        'event-grid-schema',
        'write',
        IDS.vm,
        'Microsoft.Compute/virtualMachines/write',
      );
      await expect(handlers.reconcileOnResourceChange(event, e.context)).resolves.toBeUndefined();
      expect(e.logs.some((l) => l.level === 'error' && l.message.includes('CLUSTER_CIDR'))).toBe(true);
    }
    expect(loadConfig).toHaveBeenCalledTimes(1);
    expect(reconcile).not.toHaveBeenCalled();
  });

  it('make the drift report answer 500 with the setting named', async () => {
    const handlers = createHandlers({ reconcile: vi.fn(), loadConfig: broken() });
    const response = await handlers.driftReport(request(), invocation('driftReport').context);
    expect(response).toMatchObject({ status: 500, jsonBody: { error: 'configuration' } });
    expect(JSON.stringify(response)).toContain('CLUSTER_CIDR');
  });
});

describe('reconcileOnSchedule', () => {
  it('logs isPastDue and runs one reconcile of the configured table', async () => {
    const { handlers, calls } = setup(() => repairedResult());
    const { context, logs } = invocation('reconcileOnSchedule');
    await handlers.reconcileOnSchedule(timer(true), context);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ trigger: 'timer', dryRun: false, config });
    expect(logs.some((l) => l.message.includes('past due') && l.message.includes('"isPastDue":true'))).toBe(
      true,
    );
    expect(logs.some((l) => l.message.includes('Repaired'))).toBe(true);
  });

  it('a failed run is logged as an error, not thrown (the next tick retries)', async () => {
    const { handlers } = setup(() => failedResult(true));
    const { context, logs } = invocation('reconcileOnSchedule');
    await expect(handlers.reconcileOnSchedule(timer(), context)).resolves.toBeUndefined();
    expect(logs.some((l) => l.level === 'error' && l.message.includes('Failed'))).toBe(true);
  });

  it('records every run once and flushes telemetry at the end of each invocation', async () => {
    const recorded: ReconcileResult[] = [];
    const flush = vi.fn(async () => 'flushed' as const);
    const { handlers } = setup(() => healthyResult(), {
      telemetry: {
        traceRun: async (_label, run) => {
          const result = await run();
          recorded.push(result);
          return result;
        },
        record: () => undefined,
        flush,
      },
    });
    await handlers.reconcileOnSchedule(timer(), invocation('t').context);
    expect(recorded).toHaveLength(1);
    expect(flush).toHaveBeenCalledTimes(1);
  });
});

describe('driftReport', () => {
  it('200 with inSync true when in sync, planned without writing', async () => {
    const { handlers, calls } = setup(() => healthyResult());
    const response = await handlers.driftReport(request(), invocation('driftReport').context);
    expect(calls[0]).toMatchObject({ trigger: 'http', dryRun: true });
    expect(response.status).toBe(200);
    expect(response.jsonBody).toMatchObject({ inSync: true, status: 'Healthy', drift: [], refused: [] });
    expect(response.jsonBody.routeTable.name).toBe('kubernetes-routes');
  });

  it('200 with the drift listed when drifted', async () => {
    const { handlers } = setup(() => driftedResult());
    const response = await handlers.driftReport(request(), invocation('driftReport').context);
    expect(response.status).toBe(200);
    expect(response.jsonBody).toMatchObject({ inSync: false, status: 'Drifted' });
    expect(response.jsonBody.drift).toEqual([
      expect.objectContaining({ kind: 'missing-route', worker: 'worker-1' }),
    ]);
  });

  it('200 with the refusals listed when a safety rule refused a change', async () => {
    const { handlers } = setup(() => refusedResult());
    const response = await handlers.driftReport(request(), invocation('driftReport').context);
    expect(response.status).toBe(200);
    expect(response.jsonBody.refused).toEqual([
      expect.objectContaining({ reason: 'pod-cidr-outside-cluster' }),
    ]);
  });

  it('IP forwarding off and its repair not enabled: Drifted, not in sync, as pod-routes plan says (bug 3)', async () => {
    // The planner has nothing it may repair (the drift is reported only), yet the status is Drifted.
    const ipForwardingOff: Drift = {
      kind: 'ip-forwarding-disabled',
      subject: 'worker-0-nic',
      worker: 'worker-0',
      before: null,
      after: null,
      message: 'NIC worker-0-nic has IP forwarding disabled (REPAIR_IP_FORWARDING is off: reported only)',
      repairable: false,
    };
    const result = healthyResult({
      status: 'Drifted',
      mode: 'report',
      plan: { ...healthyResult().plan, nothingToRepair: true, drift: [ipForwardingOff] },
      unrepaired: [ipForwardingOff],
    });
    const { handlers } = setup(() => result);
    const response = await handlers.driftReport(request(), invocation('driftReport').context);
    const cli = JSON.parse(render('json', 'plan', result)) as { inSync: boolean; status: string };
    expect(response.jsonBody).toMatchObject({ inSync: false, status: 'Drifted' });
    expect(cli).toMatchObject({ inSync: false, status: 'Drifted' });
    expect(exitCodeFor('plan', result)).toBe(2);
  });

  it('503 with the error when the run failed', async () => {
    const { handlers } = setup(() => failedResult(true));
    const response = await handlers.driftReport(request(), invocation('driftReport').context);
    expect(response.status).toBe(503);
    expect(response.jsonBody).toMatchObject({
      inSync: false,
      status: 'Failed',
      error: { code: 'TooManyRequests' },
    });
  });
});

describe('reconcileOnResourceChange: the echo of our own write', () => {
  const OURS = '0f3c7f0e-1b7a-4d55-9d1e-3c2a7f6b9e01';
  const isOwnWrite = (id: string | undefined) => id === OURS;
  const withCorrelation = (event: Record<string, unknown>, correlationId: string) => {
    (event.data as Record<string, unknown>).correlationId = correlationId;
    return event;
  };

  it.each([
    ['the route table', IDS.routeTable, 'Microsoft.Network/routeTables/write'],
    ['a route', IDS.route, 'Microsoft.Network/routeTables/routes/write'],
    ['the subnet', IDS.subnet, 'Microsoft.Network/virtualNetworks/subnets/write'],
    ['a worker NIC', IDS.nic, 'Microsoft.Network/networkInterfaces/write'],
  ])('a write on %s carrying our correlation id runs nothing', async (_what, subject, operation) => {
    const { handlers, reconcile } = setup(undefined, { isOwnWrite });
    const event = withCorrelation(sampleEvent('event-grid-schema', 'write', subject, operation), OURS);
    const { context, logs } = invocation('reconcileOnResourceChange');
    await handlers.reconcileOnResourceChange(event, context);
    expect(reconcile).not.toHaveBeenCalled();
    expect(logs.some((l) => l.message.includes('our own write'))).toBe(true);
  });

  it('somebody else writing the table (another correlation id) reconciles', async () => {
    const { handlers, reconcile } = setup(undefined, { isOwnWrite });
    const event = withCorrelation(
      sampleEvent('event-grid-schema', 'write', IDS.routeTable, 'Microsoft.Network/routeTables/write'),
      '5b0e6a51-3f7c-4a0e-8f6a-2d9c1e7b4a22',
    );
    await handlers.reconcileOnResourceChange(event, invocation('reconcileOnResourceChange').context);
    expect(reconcile).toHaveBeenCalledTimes(1);
  });

  it('a VM write is never taken for ours, whatever its correlation id', async () => {
    const { handlers, reconcile } = setup(undefined, { isOwnWrite });
    const event = withCorrelation(
      sampleEvent('event-grid-schema', 'write', IDS.vm, 'Microsoft.Compute/virtualMachines/write'),
      OURS,
    );
    await handlers.reconcileOnResourceChange(event, invocation('reconcileOnResourceChange').context);
    expect(reconcile).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['ResourceWriteFailure', 'write', IDS.routeTable, 'Microsoft.Network/routeTables/write'],
    ['ResourceWriteFailure', 'write', IDS.subnet, 'Microsoft.Network/virtualNetworks/subnets/write'],
    ['ResourceDeleteFailure', 'delete', IDS.route, 'Microsoft.Network/routeTables/routes/delete'],
  ] as const)(
    'a %s of our own %s (the run may have stopped polling it) reconciles',
    async (type, kind, subject, operation) => {
      const { handlers, reconcile } = setup(undefined, { isOwnWrite });
      const event = withCorrelation(
        {
          ...sampleEvent('event-grid-schema', kind, subject, operation),
          eventType: `Microsoft.Resources.${type}`,
        },
        OURS,
      );
      (event.data as Record<string, unknown>).status = 'Failed';
      await handlers.reconcileOnResourceChange(event, invocation('reconcileOnResourceChange').context);
      expect(reconcile).toHaveBeenCalledTimes(1);
    },
  );

  it('a tags write on the route table is somebody else editing tags: it reconciles', async () => {
    const { handlers, reconcile } = setup(undefined, { isOwnWrite });
    const event = withCorrelation(
      sampleEvent('event-grid-schema', 'write', IDS.tags(IDS.routeTable), 'Microsoft.Resources/tags/write'),
      OURS,
    );
    await handlers.reconcileOnResourceChange(event, invocation('reconcileOnResourceChange').context);
    expect(reconcile).toHaveBeenCalledTimes(1);
  });
});

describe('driftReport in a browser (Accept: text/html)', () => {
  const htmlRequest = (accept: string) =>
    new HttpRequest({
      method: 'GET',
      url: 'http://localhost/api/driftReport',
      headers: { accept },
    });

  it('answers the self-contained topology page: the drift drawn and listed, no request to anywhere', async () => {
    const { handlers, calls } = setup(() => driftedResult());
    const response = await handlers.driftReport(
      htmlRequest('text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'),
      invocation('driftReport').context,
    );
    expect(calls[0]).toMatchObject({ trigger: 'http', dryRun: true });
    expect(response.status).toBe(200);
    expect(response.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
    });
    const page = String(response.body);
    expect(page).toMatch(/^<!doctype html>/u);
    expect(page).toContain('<svg');
    expect(page).toMatch(/missing route: kubernetes-route-10-200-1-0-24/u);
    expect(page).toContain('worker-1');
    // Nothing loads from anywhere: no src or href attributes, the SVG namespace is the only URL.
    expect(page).not.toMatch(/\b(?:src|href)=/u);
    expect(page.match(/https?:\/\/[^"\s]*/gu)).toEqual(['http://www.w3.org/2000/svg']);
  });

  it('keeps JSON for */*, for application/json and for text/html;q=0', async () => {
    const { handlers } = setup(() => driftedResult());
    for (const accept of ['*/*', 'application/json', 'text/html;q=0, application/json']) {
      const response = await handlers.driftReport(htmlRequest(accept), invocation('driftReport').context);
      expect(response.jsonBody, accept).toMatchObject({ inSync: false, status: 'Drifted' });
    }
  });

  it('keeps the 503 JSON answer when the run failed', async () => {
    const { handlers } = setup(() => failedResult(true));
    const response = await handlers.driftReport(htmlRequest('text/html'), invocation('driftReport').context);
    expect(response.status).toBe(503);
    expect(response.jsonBody).toMatchObject({ status: 'Failed' });
  });
});
