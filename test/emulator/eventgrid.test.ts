// Event Grid management API of the emulator: system topics and their event subscriptions, as the postdeploy
// hook drives them through `az rest` (raw ARM requests here): long-running PUT/DELETE, the GET shapes of the
// spec's examples, the one-topic-per-source rule and 400s naming the wrong field.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { raw, start } from './helpers.js';

const V = 'api-version=2025-02-15';
const RG = 'kubernetes';

// biome-ignore lint/suspicious/noExplicitAny: ARM JSON bodies are read field by field in assertions
type Json = Record<string, any>;

describe('Event Grid management API', () => {
  let emulator: Emulator;
  let sub: string;
  let functionId: string;
  const topicPath = (name: string, rg = RG) =>
    `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.EventGrid/systemTopics/${name}`;
  const topicBody = (source = `/subscriptions/${sub}/resourceGroups/${RG}`) => ({
    location: 'global',
    identity: { type: 'SystemAssigned' },
    properties: { source, topicType: 'Microsoft.Resources.ResourceGroups' },
  });
  const subscriptionBody = (overrides: Json = {}): Json => ({
    properties: {
      destination: {
        endpointType: 'AzureFunction',
        properties: { resourceId: functionId, maxEventsPerBatch: 1, preferredBatchSizeInKilobytes: 64 },
      },
      filter: {
        includedEventTypes: ['Microsoft.Resources.ResourceWriteSuccess'],
        advancedFilters: [
          {
            operatorType: 'StringIn',
            key: 'data.operationName',
            values: ['Microsoft.Network/routeTables/write'],
          },
        ],
      },
      eventDeliverySchema: 'EventGridSchema',
      retryPolicy: { maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 },
      deadLetterWithResourceIdentity: {
        identity: { type: 'SystemAssigned' },
        deadLetterDestination: {
          endpointType: 'StorageBlob',
          properties: {
            resourceId: `/subscriptions/${sub}/resourceGroups/app/providers/Microsoft.Storage/storageAccounts/stdeadletter`,
            blobContainerName: 'eventgrid-deadletter',
          },
        },
      },
      ...overrides,
    },
  });

  async function pollOperation(url: string): Promise<Json> {
    const res = await raw(emulator, 'GET', new URL(url).pathname + new URL(url).search);
    expect(res.status).toBe(200);
    return res.body as Json;
  }

  beforeAll(async () => {
    emulator = await start();
    sub = emulator.subscriptionId;
    functionId = `/subscriptions/${sub}/resourceGroups/app/providers/Microsoft.Web/sites/func-podroutes/functions/reconcileOnResourceChange`;
    emulator.eventGrid.setFunctionEndpoint(functionId, 'http://127.0.0.1:9/api/events');
  });
  afterAll(async () => {
    await emulator?.stop();
  });
  beforeEach(() => emulator.reset());

  it('creates a resource-group system topic as a long-running operation and serves it in the example shape', async () => {
    const put = await raw(emulator, 'PUT', `${topicPath('kubernetes-topic')}?${V}`, { body: topicBody() });
    expect(put.status).toBe(201);
    expect((put.body as Json).properties.provisioningState).toBe('Creating');
    const asyncUrl = put.headers.get('azure-asyncoperation')!;
    expect(asyncUrl).toMatch(
      /\/providers\/Microsoft\.EventGrid\/locations\/global\/operationsStatus\/[0-9A-F-]+\?api-version=2025-02-15$/u,
    );
    expect((await pollOperation(asyncUrl)).status).toBe('Succeeded');

    const get = await raw(emulator, 'GET', `${topicPath('kubernetes-topic')}?${V}`);
    expect(get.status).toBe(200);
    const topic = get.body as Json;
    // Keys of SystemTopics_Get.json, plus the identity the request asked for.
    expect(Object.keys(topic).sort()).toEqual([
      'id',
      'identity',
      'location',
      'name',
      'properties',
      'tags',
      'type',
    ]);
    expect(Object.keys(topic.properties).sort()).toEqual([
      'metricResourceId',
      'provisioningState',
      'source',
      'topicType',
    ]);
    expect(topic).toMatchObject({
      id: topicPath('kubernetes-topic'),
      name: 'kubernetes-topic',
      type: 'Microsoft.EventGrid/systemTopics',
      location: 'global',
      properties: { provisioningState: 'Succeeded', source: `/subscriptions/${sub}/resourceGroups/${RG}` },
      identity: { type: 'SystemAssigned', tenantId: emulator.tenantId },
    });
    expect(topic.identity.principalId).toMatch(/^[0-9a-f-]{36}$/u);

    const list = await raw(
      emulator,
      'GET',
      `/subscriptions/${sub}/resourceGroups/${RG}/providers/Microsoft.EventGrid/systemTopics?${V}`,
    );
    expect((list.body as Json).value.map((t: Json) => t.name)).toEqual(['kubernetes-topic']);
  });

  it('refuses a second system topic for the same source with the error Event Grid returns', async () => {
    expect((await raw(emulator, 'PUT', `${topicPath('first')}?${V}`, { body: topicBody() })).status).toBe(
      201,
    );
    const again = await raw(emulator, 'PUT', `${topicPath('first')}?${V}`, { body: topicBody() });
    expect(again.status).toBe(200); // the same topic again is an update
    const second = await raw(emulator, 'PUT', `${topicPath('second')}?${V}`, { body: topicBody() });
    expect(second.status).toBe(400);
    expect(second.body).toEqual({
      error: {
        code: 'InvalidRequest',
        message: `There is an existing tracked system topic for the given source /subscriptions/${sub}/resourceGroups/${RG}. Only one system topic is allowed per source.`,
      },
    });
  });

  it.each([
    ['no location', (b: Json) => delete b.location, 'location is required'],
    ['a regional location', (b: Json) => (b.location = 'eastus2'), "location 'global'"],
    ['no source', (b: Json) => delete b.properties.source, 'properties.source is required'],
    [
      'a topic type it is not',
      (b: Json) => (b.properties.topicType = 'Microsoft.Resources.ResourceGroup'),
      'properties.topicType',
    ],
    [
      'a source that is not a group',
      (b: Json) => (b.properties.source = '/subscriptions/x/groups/y'),
      'properties.source',
    ],
  ])('answers 400 naming the field for a system topic with %s', async (_what, mutate, text) => {
    const body = topicBody() as Json;
    mutate(body);
    const res = await raw(emulator, 'PUT', `${topicPath('t-bad')}?${V}`, { body });
    expect(res.status).toBe(400);
    expect((res.body as Json).error.code).toBe('InvalidRequest');
    expect((res.body as Json).error.message).toContain(text);
  });

  it('creates, lists, gets and deletes an event subscription with the example shape', async () => {
    await raw(emulator, 'PUT', `${topicPath('kubernetes-topic')}?${V}`, { body: topicBody() });
    const path = `${topicPath('kubernetes-topic')}/eventSubscriptions/reconcileOnResourceChange`;
    const put = await raw(emulator, 'PUT', `${path}?${V}`, { body: subscriptionBody() });
    expect(put.status).toBe(201);
    expect((put.body as Json).properties.provisioningState).toBe('Creating');
    expect((await pollOperation(put.headers.get('azure-asyncoperation')!)).status).toBe('Succeeded');

    const got = (await raw(emulator, 'GET', `${path}?${V}`)).body as Json;
    // Keys of SystemTopicEventSubscriptions_Get.json (labels are optional), plus the dead letter we set.
    expect(Object.keys(got).sort()).toEqual(['id', 'name', 'properties', 'type']);
    expect(Object.keys(got.properties).sort()).toEqual([
      'deadLetterWithResourceIdentity',
      'destination',
      'eventDeliverySchema',
      'filter',
      'provisioningState',
      'retryPolicy',
      'topic',
    ]);
    expect(got).toMatchObject({
      id: path,
      name: 'reconcileOnResourceChange',
      type: 'Microsoft.EventGrid/systemTopics/eventSubscriptions',
      properties: {
        topic: topicPath('kubernetes-topic'),
        provisioningState: 'Succeeded',
        destination: {
          endpointType: 'AzureFunction',
          properties: { resourceId: functionId, maxEventsPerBatch: 1 },
        },
        filter: {
          isSubjectCaseSensitive: false,
          includedEventTypes: ['Microsoft.Resources.ResourceWriteSuccess'],
        },
        retryPolicy: { maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 },
      },
    });

    const list = await raw(emulator, 'GET', `${topicPath('kubernetes-topic')}/eventSubscriptions?${V}`);
    expect((list.body as Json).value.map((s: Json) => s.name)).toEqual(['reconcileOnResourceChange']);

    const del = await raw(emulator, 'DELETE', `${path}?${V}`);
    expect(del.status).toBe(202);
    expect(del.headers.get('location')).toMatch(/\/operationResults\//u);
    expect((await pollOperation(del.headers.get('azure-asyncoperation')!)).status).toBe('Succeeded');
    expect((await raw(emulator, 'GET', `${path}?${V}`)).status).toBe(404);
    expect((await raw(emulator, 'DELETE', `${path}?${V}`)).status).toBe(204);
  });

  it.each([
    [
      'maxDeliveryAttempts 31',
      (p: Json) => (p.retryPolicy.maxDeliveryAttempts = 31),
      'properties.retryPolicy.maxDeliveryAttempts',
    ],
    [
      'eventTimeToLiveInMinutes 0',
      (p: Json) => (p.retryPolicy.eventTimeToLiveInMinutes = 0),
      'properties.retryPolicy.eventTimeToLiveInMinutes',
    ],
    [
      'a misspelt event type',
      (p: Json) => (p.filter.includedEventTypes = ['Microsoft.Resources.ResourceWriteSucess']),
      'ResourceWriteSucess',
    ],
    [
      'an unknown operator',
      (p: Json) => (p.filter.advancedFilters[0].operatorType = 'StringEquals'),
      'advancedFilters[0].operatorType',
    ],
    [
      'a filter without values',
      (p: Json) => delete p.filter.advancedFilters[0].values,
      'advancedFilters[0].values',
    ],
    [
      'a function app id instead of a function id',
      (p: Json) => (p.destination.properties.resourceId = functionId.replace(/\/functions\/.*$/u, '')),
      'Microsoft.Web/sites/functions',
    ],
    [
      'a WebHook without URL',
      (p: Json) => (p.destination = { endpointType: 'WebHook', properties: {} }),
      'Supplied URL is invalid',
    ],
    [
      'an endpoint type it does not serve',
      (p: Json) => (p.destination.endpointType = 'AzureFunctions'),
      'properties.destination.endpointType',
    ],
    [
      'a bad dead-letter container',
      (p: Json) =>
        (p.deadLetterWithResourceIdentity.deadLetterDestination.properties.blobContainerName =
          'Dead_Letters'),
      'blobContainerName',
    ],
    [
      'the identity-less dead letter next to the one with identity',
      (p: Json) => (p.deadLetterDestination = { endpointType: 'StorageBlob' }),
      'cannot both be set',
    ],
    [
      '26 filter values',
      (p: Json) => (p.filter.advancedFilters[0].values = Array.from({ length: 26 }, (_, i) => `op${i}`)),
      'at most 25 filter values',
    ],
    [
      'an unknown delivery schema',
      (p: Json) => (p.eventDeliverySchema = 'CloudEvents'),
      'properties.eventDeliverySchema',
    ],
  ])('answers 400 naming the field for an event subscription with %s', async (_what, mutate, text) => {
    await raw(emulator, 'PUT', `${topicPath('kubernetes-topic')}?${V}`, { body: topicBody() });
    const body = subscriptionBody();
    mutate(body.properties);
    const res = await raw(emulator, 'PUT', `${topicPath('kubernetes-topic')}/eventSubscriptions/sub1?${V}`, {
      body,
    });
    expect(res.status).toBe(400);
    expect((res.body as Json).error.code).toBe('InvalidRequest');
    expect((res.body as Json).error.message).toContain(text);
  });

  it('fails the creation when the destination function does not exist, as Event Grid validates the endpoint', async () => {
    await raw(emulator, 'PUT', `${topicPath('kubernetes-topic')}?${V}`, { body: topicBody() });
    const body = subscriptionBody();
    const missing = functionId.replace('func-podroutes', 'func-not-deployed');
    body.properties.destination.properties.resourceId = missing;
    const put = await raw(emulator, 'PUT', `${topicPath('kubernetes-topic')}/eventSubscriptions/sub1?${V}`, {
      body,
    });
    expect(put.status).toBe(201);
    const op = await pollOperation(put.headers.get('azure-asyncoperation')!);
    expect(op.status).toBe('Failed');
    expect(op.error.code).toBe('Endpoint validation');
    expect(op.error.message).toContain(
      `Destination endpoint not found. Resource details: resourceId: ${missing}.`,
    );
    const got = await raw(emulator, 'GET', `${topicPath('kubernetes-topic')}/eventSubscriptions/sub1?${V}`);
    expect((got.body as Json).properties.provisioningState).toBe('Failed');
  });

  it('refuses names Event Grid refuses', async () => {
    await raw(emulator, 'PUT', `${topicPath('kubernetes-topic')}?${V}`, { body: topicBody() });
    const res = await raw(emulator, 'PUT', `${topicPath('kubernetes-topic')}/eventSubscriptions/ab?${V}`, {
      body: subscriptionBody(),
    });
    expect(res.status).toBe(400);
    expect((res.body as Json).error.message).toContain("Event subscription name 'ab' is invalid");
  });

  it('answers 404 for the subscriptions of a topic that does not exist, and refuses unknown api-versions', async () => {
    const res = await raw(emulator, 'GET', `${topicPath('nope')}/eventSubscriptions?${V}`);
    expect(res.status).toBe(404);
    expect((res.body as Json).error.code).toBe('ResourceNotFound');
    const bad = await raw(emulator, 'GET', `${topicPath('nope')}?api-version=2026-01-01`);
    expect(bad.status).toBe(400);
    expect((bad.body as Json).error.code).toBe('NoRegisteredProviderFound');
    expect((bad.body as Json).error.message).toContain("API version '2026-01-01' for type 'systemTopics'");
  });

  it('serves the functions that exist (the mapped ones) through ARM, so a script can wait for one', async () => {
    const site = functionId.replace(/\/functions\/.*$/u, '');
    const got = await raw(emulator, 'GET', `${functionId}?api-version=2024-04-01`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      id: functionId,
      name: 'func-podroutes/reconcileOnResourceChange',
      type: 'Microsoft.Web/sites/functions',
      properties: { name: 'reconcileOnResourceChange', function_app_id: site },
    });
    const list = await raw(emulator, 'GET', `${site}/functions?api-version=2024-04-01`);
    expect((list.body as Json).value).toHaveLength(1);
    expect((await raw(emulator, 'GET', `${site}/functions/other?api-version=2024-04-01`)).status).toBe(404);
    emulator.eventGrid.setFunctionEndpoint(functionId, undefined);
    try {
      const gone = await raw(emulator, 'GET', `${functionId}?api-version=2024-04-01`);
      expect(gone.status).toBe(404);
      expect((gone.body as Json).error.code).toBe('ResourceNotFound');
    } finally {
      emulator.eventGrid.setFunctionEndpoint(functionId, 'http://127.0.0.1:9/api/events');
    }
  });
});
