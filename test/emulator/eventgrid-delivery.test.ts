// Events flow through the event subscriptions the emulator holds, with Event Grid's delivery semantics: the
// filter of infra/event-filter.json decides what reaches the function, retries follow the documented
// schedule (time-scaled), timeouts and non-2xx answers fail an attempt, and exhausted events are dead-lettered.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Emulator, EventGridEvent } from '../../src/emulator/index.js';
import { parseResourceEvent } from '../../src/functions/resource-event.js';
import { clients, FAST, raw, repoRoot, start } from './helpers.js';

const V = 'api-version=2025-02-15';
const RG = 'kubernetes';
const TABLE = 'kubernetes-routes';
const ROUTE_1 = 'kubernetes-route-10-200-1-0-24';
// 10 s of Event Grid's schedule become 100 ms; the 30 s timeout 300 ms.
const TIME_SCALE = 0.01;

type Json = Record<string, unknown>;
interface EventFilterFile {
  includedEventTypes: string[];
  advancedFilters: Array<{ operatorType: string; key: string; values: string[] }>;
  retryPolicy: { maxDeliveryAttempts: number; eventTimeToLiveInMinutes: number };
}
const eventFilter = JSON.parse(
  readFileSync(join(repoRoot, 'infra/event-filter.json'), 'utf8'),
) as EventFilterFile;

interface Received {
  at: number;
  deliveryCount: string | undefined;
  events: EventGridEvent[];
}

/** A local "function": answers each POST with what `answer` says (status, or 'hang'). */
async function functionEndpoint(
  answer: (n: number) => number | 'hang' = () => 200,
): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.on('data', (c: Buffer) => {
      text += c.toString();
    });
    req.on('end', () => {
      received.push({
        at: performance.now(),
        deliveryCount: req.headers['aeg-delivery-count'] as string | undefined,
        events: JSON.parse(text) as EventGridEvent[],
      });
      const a = answer(received.length);
      if (a !== 'hang') res.writeHead(a).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/events`, received, server };
}

describe('Event Grid delivery through event subscriptions', () => {
  let emulator: Emulator;
  let sub: string;
  let functionId: string;
  const servers: Server[] = [];

  beforeAll(async () => {
    emulator = await start({ eventGrid: { delivery: { timeScale: TIME_SCALE } } });
    sub = emulator.subscriptionId;
    functionId = `/subscriptions/${sub}/resourceGroups/app/providers/Microsoft.Web/sites/func-podroutes/functions/reconcileOnResourceChange`;
  });
  afterAll(async () => {
    await emulator?.stop();
  });
  afterEach(() => {
    emulator.reset();
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      s.close();
    }
  });

  async function endpoint(answer?: (n: number) => number | 'hang') {
    const e = await functionEndpoint(answer);
    servers.push(e.server);
    emulator.eventGrid.setFunctionEndpoint(functionId, e.url);
    return e;
  }

  /** The subscription the postdeploy hook makes from infra/event-filter.json (optionally altered). */
  async function subscribe(
    filter: Pick<EventFilterFile, 'includedEventTypes' | 'advancedFilters'> = eventFilter,
    retryPolicy = eventFilter.retryPolicy,
    deadLetter = true,
    eventDeliverySchema = 'EventGridSchema',
  ): Promise<void> {
    const topic = `/subscriptions/${sub}/resourceGroups/${RG}/providers/Microsoft.EventGrid/systemTopics/kubernetes-topic`;
    const t = await raw(emulator, 'PUT', `${topic}?${V}`, {
      body: {
        location: 'global',
        // Dead letters "with resource identity" act as the topic's identity (Event Grid requires it on the topic).
        identity: { type: 'SystemAssigned' },
        properties: {
          source: `/subscriptions/${sub}/resourceGroups/${RG}`,
          topicType: 'Microsoft.Resources.ResourceGroups',
        },
      },
    });
    expect(t.status).toBe(201);
    const body: Json = {
      properties: {
        destination: {
          endpointType: 'AzureFunction',
          properties: { resourceId: functionId, maxEventsPerBatch: 1 },
        },
        filter: { includedEventTypes: filter.includedEventTypes, advancedFilters: filter.advancedFilters },
        retryPolicy,
        eventDeliverySchema,
        ...(deadLetter
          ? {
              deadLetterWithResourceIdentity: {
                identity: { type: 'SystemAssigned' },
                deadLetterDestination: {
                  endpointType: 'StorageBlob',
                  properties: {
                    resourceId: `/subscriptions/${sub}/resourceGroups/app/providers/Microsoft.Storage/storageAccounts/stpodroutes`,
                    blobContainerName: 'deadletter',
                  },
                },
              },
            }
          : {}),
      },
    };
    const s = await raw(emulator, 'PUT', `${topic}/eventSubscriptions/reconcileOnResourceChange?${V}`, {
      body,
    });
    expect(s.status).toBe(201);
    const op = await raw(emulator, 'GET', `${new URL(s.headers.get('azure-asyncoperation')!).pathname}?${V}`);
    expect((op.body as Json).status).toBe('Succeeded');
  }

  const deleteRoute = () => clients(emulator).network.routes.delete(RG, TABLE, ROUTE_1, FAST).pollUntilDone();

  it('delivers a route deleted by hand to the function through the filter of infra/event-filter.json', async () => {
    const fn = await endpoint();
    await subscribe();
    await deleteRoute();
    await emulator.eventGrid.delivery.settled();
    expect(fn.received).toHaveLength(1);
    expect(fn.received[0]!.events[0]).toMatchObject({
      eventType: 'Microsoft.Resources.ResourceDeleteSuccess',
      subject: expect.stringMatching(new RegExp(`/routes/${ROUTE_1}$`, 'u')),
      data: { operationName: 'Microsoft.Network/routeTables/routes/delete' },
    });
    expect(fn.received[0]!.deliveryCount).toBe('0');
    expect(emulator.eventGrid.stats()).toMatchObject({ events: 1, attempts: 1, delivered: 1, failures: 0 });
  });

  it('does not deliver the route delete when the filter has a wrong operation name', async () => {
    const fn = await endpoint();
    const wrong = eventFilter.advancedFilters.map((f) => ({
      ...f,
      values: f.values.map((v) =>
        v === 'Microsoft.Network/routeTables/routes/delete'
          ? 'Microsoft.Network/routeTables/route/delete'
          : v,
      ),
    }));
    expect(wrong).not.toEqual(eventFilter.advancedFilters);
    await subscribe({ includedEventTypes: eventFilter.includedEventTypes, advancedFilters: wrong });
    await deleteRoute();
    // The same subscription still carries the operations it names: a tags write goes through.
    emulator.setTags(
      `/subscriptions/${sub}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines/worker-0`,
      { owner: 'ops' },
    );
    await emulator.eventGrid.delivery.settled();
    expect(fn.received.map((r) => r.events[0]!.data.operationName)).toEqual([
      'Microsoft.Resources/tags/write',
    ]);
  });

  it('matches operation names case-insensitively and leaves out event types not included', async () => {
    const fn = await endpoint();
    await subscribe({
      includedEventTypes: ['Microsoft.Resources.ResourceWriteSuccess'],
      advancedFilters: [
        {
          operatorType: 'StringIn',
          key: 'data.operationName',
          values: ['microsoft.network/routetables/routes/write'],
        },
      ],
    });
    await clients(emulator)
      .network.routes.createOrUpdate(
        RG,
        TABLE,
        'extra',
        { addressPrefix: '10.9.0.0/24', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.240.0.4' },
        FAST,
      )
      .pollUntilDone();
    await deleteRoute(); // a ResourceDeleteSuccess: not included
    await emulator.eventGrid.delivery.settled();
    expect(fn.received.map((r) => r.events[0]!.subject.split('/').pop())).toEqual(['extra']);
  });

  it('retries failed attempts on the documented schedule, then delivers', async () => {
    const fn = await endpoint((n) => (n < 3 ? 503 : 200));
    await subscribe();
    await deleteRoute();
    await emulator.eventGrid.delivery.settled();
    expect(fn.received.map((r) => r.deliveryCount)).toEqual(['0', '1', '2']);
    const gaps = fn.received.slice(1).map((r, i) => r.at - fn.received[i]!.at);
    // 10 s then 30 s, scaled by 0.01.
    expect(gaps[0]).toBeGreaterThanOrEqual(10_000 * TIME_SCALE - 5);
    expect(gaps[0]).toBeLessThan(30_000 * TIME_SCALE);
    expect(gaps[1]).toBeGreaterThanOrEqual(30_000 * TIME_SCALE - 5);
    expect(emulator.eventGrid.stats()).toMatchObject({ attempts: 3, failures: 2, retries: 2, delivered: 1 });
  });

  it('counts an answer later than the timeout as a failure and dead-letters after maxDeliveryAttempts', async () => {
    const fn = await endpoint(() => 'hang');
    await subscribe(eventFilter, { maxDeliveryAttempts: 2, eventTimeToLiveInMinutes: 1440 });
    await deleteRoute();
    await emulator.eventGrid.delivery.settled();
    expect(fn.received).toHaveLength(2);
    expect(emulator.eventGrid.stats()).toMatchObject({
      attempts: 2,
      timeouts: 2,
      deadLettered: 1,
      pending: 0,
    });
    const [dead] = emulator.eventGrid.deadLetters();
    expect(dead).toMatchObject({
      deadLetterReason: 'MaxDeliveryAttemptsExceeded',
      deliveryAttempts: 2,
      lastDeliveryOutcome: 'TimedOut',
      event: { data: { operationName: 'Microsoft.Network/routeTables/routes/delete' } },
    });
  });

  it('gives up when the time to live runs out, and drops the event without a dead-letter destination', async () => {
    await endpoint(() => 500);
    // 1 minute = 600 ms scaled: attempts at 0, 100 and 400 ms; the next (+600 ms) would be past it.
    await subscribe(eventFilter, { maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1 }, false);
    await deleteRoute();
    await emulator.eventGrid.delivery.settled();
    expect(emulator.eventGrid.stats()).toMatchObject({ attempts: 3, dropped: 1, deadLettered: 0 });
  });

  it('does not retry a 400: the event is dead-lettered at once', async () => {
    await endpoint(() => 400);
    await subscribe();
    await deleteRoute();
    await emulator.eventGrid.delivery.settled();
    expect(emulator.eventGrid.stats()).toMatchObject({ attempts: 1, deadLettered: 1 });
    expect(emulator.eventGrid.deadLetters()[0]).toMatchObject({
      deadLetterReason: 'NonRetriableError',
      lastHttpStatusCode: 400,
    });
  });

  it('delivers CloudEvents 1.0 when the subscription asks for them, in the shape the handler parses', async () => {
    const fn = await endpoint();
    await subscribe(eventFilter, eventFilter.retryPolicy, true, 'CloudEventSchemaV1_0');
    await deleteRoute();
    await emulator.eventGrid.delivery.settled();
    const [delivered] = fn.received[0]!.events as unknown as Json[];
    expect(Object.keys(delivered!).sort()).toEqual([
      'data',
      'id',
      'source',
      'specversion',
      'subject',
      'time',
      'type',
    ]);
    const parsed = parseResourceEvent(delivered);
    expect(parsed).toMatchObject({
      ok: true,
      event: { schema: 'CloudEvents', operationName: 'Microsoft.Network/routeTables/routes/delete' },
    });
  });

  it('delivers only events of the system topic source: another group is not its topic', async () => {
    const fn = await endpoint();
    await subscribe({ includedEventTypes: eventFilter.includedEventTypes, advancedFilters: [] });
    emulator.upsertResource({
      id: `/subscriptions/${sub}/resourceGroups/other/providers/Microsoft.Network/routeTables/t`,
      location: 'eastus2',
      properties: {},
    });
    await emulator.eventGrid.delivery.settled();
    expect(fn.received).toEqual([]);
  });

  it('eventsTo is a subscription without filter under the same model; stop() ends attempts still waiting', async () => {
    const fn = await functionEndpoint(() => 'hang');
    servers.push(fn.server);
    const hooked = await start({ eventsTo: fn.url }); // Event Grid's real 30 s timeout
    try {
      hooked.upsertVm({ resourceGroup: RG, name: 'worker-9', privateIp: '10.240.0.29' });
      await vi.waitFor(() => expect(fn.received).toHaveLength(2)); // NIC write, VM write: no filter
      expect(hooked.eventGrid.stats()).toMatchObject({ events: 2, pending: 2 });
    } finally {
      const started = performance.now();
      await hooked.stop();
      expect(performance.now() - started).toBeLessThan(2_000);
    }
  });
});
