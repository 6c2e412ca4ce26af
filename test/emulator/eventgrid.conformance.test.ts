// Conformance of the emulator's Event Grid management API with the official 2025-02-15 spec (read from
// AZURE_REFERENCE_DIR): bodies validate against the SystemTopic / EventSubscription definitions, the spec's
// example request is accepted, and the emulator answers it with the example's response body.
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { readReference, readReferenceJson } from '../support/reference.js';
import { raw, start } from './helpers.js';

const V = 'api-version=2025-02-15';

type Json = Record<string, unknown>;

/** A validator of one definition of EventGrid.json (references outside the file accept anything). */
function validator(definition: string) {
  const text = readReference('eventGridSpec').replace(
    /"\$ref":\s*"\.\.\/[^"]*"/gu,
    '"description": "external reference"',
  );
  const spec = JSON.parse(text) as { definitions: Record<string, Json> };
  // Swagger's discriminator keyword is not JSON Schema: ajv ignores it with strict off.
  const ajv = new Ajv({ strict: false, allErrors: true });
  return ajv.compile({ ...spec.definitions[definition], definitions: spec.definitions });
}

describe('Event Grid management API against EventGrid.json 2025-02-15', () => {
  let emulator: Emulator;
  let topicPath: string;

  beforeAll(async () => {
    emulator = await start();
    topicPath = `/subscriptions/${emulator.subscriptionId}/resourceGroups/kubernetes/providers/Microsoft.EventGrid/systemTopics/exampleSystemTopic1`;
    const put = await raw(emulator, 'PUT', `${topicPath}?${V}`, {
      body: {
        location: 'global',
        identity: { type: 'SystemAssigned' },
        properties: {
          source: `/subscriptions/${emulator.subscriptionId}/resourceGroups/kubernetes`,
          topicType: 'Microsoft.Resources.ResourceGroups',
        },
      },
    });
    expect(put.status).toBe(201);
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  it('serves system topics that validate against SystemTopic, with the keys of SystemTopics_Get.json', async () => {
    const example = readReferenceJson<{
      responses: { 200: { body: Json } };
    }>('eventGridExample/SystemTopics_Get');
    const got = (await raw(emulator, 'GET', `${topicPath}?${V}`)).body as Json;
    const expected = example.responses[200].body;
    // The example (a real answer) has "tags": null, which the definition's type: object refuses; the emulator
    // answers null like the example, so the schema check leaves a null out.
    expect(got.tags).toBe(expected.tags);
    const validate = validator('SystemTopic');
    const { tags: _null, ...checked } = got;
    expect(validate(checked), JSON.stringify(validate.errors)).toBe(true);
    expect(
      Object.keys(got)
        .filter((k) => k !== 'identity')
        .sort(),
    ).toEqual(Object.keys(expected).sort());
    expect(Object.keys(got.properties as Json).sort()).toEqual(
      Object.keys(expected.properties as Json).sort(),
    );
  });

  it('accepts the request of SystemTopicEventSubscriptions_Update.json and answers its response body', async () => {
    const example = readReferenceJson<{
      parameters: { eventSubscriptionUpdateParameters: Json; eventSubscriptionName: string };
      responses: { 201: { body: Json } };
    }>('eventGridExample/SystemTopicEventSubscriptions_Update');
    const name = example.parameters.eventSubscriptionName;
    // The example's webhook is not on 127.0.0.1: the emulator stores it but never calls it.
    const put = await raw(emulator, 'PUT', `${topicPath}/eventSubscriptions/${name}?${V}`, {
      body: { properties: example.parameters.eventSubscriptionUpdateParameters },
    });
    expect(put.status).toBe(201);
    const got = (await raw(emulator, 'GET', `${topicPath}/eventSubscriptions/${name}?${V}`)).body as Json;
    const validate = validator('EventSubscription');
    expect(validate(got), JSON.stringify(validate.errors)).toBe(true);
    const expected = JSON.parse(
      JSON.stringify(example.responses[201].body)
        .replaceAll('5b4b650e-28b9-4790-b3ab-ddbd88d727c4', emulator.subscriptionId)
        .replaceAll('/resourceGroups/examplerg/', '/resourceGroups/kubernetes/'),
    ) as Json;
    expect(got).toEqual(expected);
  });

  it('serves event subscriptions with the keys of SystemTopicEventSubscriptions_Get.json', async () => {
    const example = readReferenceJson<{
      responses: { 200: { body: { properties: Json & { filter: Json } } } };
    }>('eventGridExample/SystemTopicEventSubscriptions_Get');
    const body = example.responses[200].body;
    // The example's destination is a StorageQueue, which the emulator does not serve: an AzureFunction instead.
    const functionId = `/subscriptions/${emulator.subscriptionId}/resourceGroups/app/providers/Microsoft.Web/sites/f/functions/g`;
    emulator.eventGrid.setFunctionEndpoint(functionId, 'http://127.0.0.1:9/');
    const request = {
      properties: {
        ...body.properties,
        filter: {
          ...body.properties.filter,
          includedEventTypes: ['Microsoft.Resources.ResourceWriteSuccess'],
        },
        destination: { endpointType: 'AzureFunction', properties: { resourceId: functionId } },
      },
    };
    const put = await raw(emulator, 'PUT', `${topicPath}/eventSubscriptions/examplesubscription1?${V}`, {
      body: request,
    });
    expect(put.status).toBe(201);
    const got = (await raw(emulator, 'GET', `${topicPath}/eventSubscriptions/examplesubscription1?${V}`))
      .body as Json;
    const validate = validator('EventSubscription');
    expect(validate(got), JSON.stringify(validate.errors)).toBe(true);
    expect(Object.keys(got).sort()).toEqual(Object.keys(body).sort());
    expect(Object.keys(got.properties as Json).sort()).toEqual(Object.keys(body.properties).sort());
    expect((got.properties as Json).filter).toEqual(request.properties.filter);
  });
});
