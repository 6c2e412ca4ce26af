// Conformance: every body the postdeploy hook sends is valid for the operation it calls, by the official Event
// Grid management spec (2025-02-15, read from AZURE_REFERENCE_DIR): the operation exists for the URL and
// method, the api-version is the spec's, and the body matches the operation's body schema, with Swagger's
// polymorphism (discriminators), no unknown fields, no read-only fields, and the arm-id types the spec allows.
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import {
  EVENTGRID_API,
  eventSubscriptionBody,
  readFilter,
  systemTopicBody,
  topicWithIdentity,
  // @ts-expect-error plain ESM hook without type declarations
} from '../../infra/hooks/postdeploy.mjs';
import { readReferenceJson } from '../support/reference.js';

type Schema = Record<string, unknown>;
interface Spec {
  info: { version: string };
  paths: Record<string, Record<string, { parameters: Schema[]; responses: Record<string, unknown> }>>;
  definitions: Record<string, Schema>;
  parameters: Record<string, Schema>;
}
/** An x-ms-examples file of a GET: its 200 response body. */
interface Example {
  responses: { '200': { body: Schema } };
}
const spec = readReferenceJson<Spec>('eventGridSpec');

const localRef = (ref: unknown) =>
  typeof ref === 'string' && ref.startsWith('#/definitions/')
    ? ref.slice('#/definitions/'.length)
    : undefined;

/** Properties and required names of a definition, its allOf parents included. */
function flatten(name: string): { properties: Record<string, Schema>; required: string[] } {
  const d = spec.definitions[name]!;
  const out = { properties: {} as Record<string, Schema>, required: [] as string[] };
  for (const parent of (d.allOf ?? []) as Schema[]) {
    const p = flatten(localRef(parent.$ref)!);
    Object.assign(out.properties, p.properties);
    out.required.push(...p.required);
  }
  Object.assign(out.properties, (d.properties ?? {}) as Record<string, Schema>);
  out.required.push(...((d.required ?? []) as string[]));
  return out;
}

/** Definitions deriving from `base` (allOf), with their discriminator values. */
function subtypes(base: string): Array<[string, string]> {
  return Object.entries(spec.definitions)
    .filter(([, d]) => ((d.allOf ?? []) as Schema[]).some((p) => localRef(p.$ref) === base))
    .map(([n, d]) => [n, String(d['x-ms-discriminator-value'] ?? n)]);
}

/** The arm-id pattern of a property whose spec names the resource types it may point to. */
function armIdPattern(s: Schema): string | undefined {
  const allowed = (s['x-ms-arm-id-details'] as { allowedResources?: Array<{ type: string }> } | undefined)
    ?.allowedResources;
  if (!allowed?.length) return undefined;
  const one = (type: string) => {
    const [ns, ...parts] = type.split('/');
    const tail = parts.map((p) => `/${p.replace(/\./gu, '\\.')}/[^/]+`).join('');
    return `/providers/${ns!.replace(/\./gu, '\\.')}${tail}`;
  };
  return `^/subscriptions/[^/]+/resourceGroups/[^/]+(${allowed.map((a) => one(a.type)).join('|')})$`;
}

/** JSON Schema for a Swagger schema. mode 'request': read-only fields are refused. */
function convert(s: Schema, mode: 'request' | 'response'): Schema {
  const ref = s.$ref;
  if (typeof ref === 'string') {
    const name = localRef(ref);
    if (!name) return {}; // common-types (systemData): read-only, not stored here
    return { $ref: `#/definitions/${name}_${mode}` };
  }
  const out: Schema = {};
  for (const key of ['type', 'enum', 'minimum', 'maximum', 'minLength', 'maxLength', 'pattern', 'minItems']) {
    if (s[key] !== undefined) out[key] = s[key];
  }
  if (s.format === 'arm-id') {
    // The resource types an id may name are checked on what we send (the spec's own examples do not follow them).
    const pattern = mode === 'request' ? armIdPattern(s) : undefined;
    out.pattern = pattern ?? '^/subscriptions/';
  }
  if (s.items) out.items = convert(s.items as Schema, mode);
  if (s.additionalProperties && typeof s.additionalProperties === 'object')
    out.additionalProperties = convert(s.additionalProperties as Schema, mode);
  return out;
}

function definitionSchema(name: string, mode: 'request' | 'response'): Schema {
  const d = spec.definitions[name]!;
  const subs = typeof d.discriminator === 'string' ? subtypes(name) : [];
  if (subs.length > 0) return { anyOf: subs.map(([n]) => ({ $ref: `#/definitions/${n}_${mode}` })) };
  const flat = flatten(name);
  const properties: Record<string, Schema> = {};
  for (const [key, p] of Object.entries(flat.properties)) {
    if (mode === 'request') properties[key] = p.readOnly === true ? { not: {} } : convert(p, mode);
    // Event Grid answers absent optional fields as null (the official SystemTopics_Get example: "tags": null).
    else properties[key] = { anyOf: [convert(p, mode), { type: 'null' }] };
  }
  const value = d['x-ms-discriminator-value'];
  const base = ((d.allOf ?? []) as Schema[]).map((p) => spec.definitions[localRef(p.$ref)!]!);
  const disc = base.find((b) => typeof b.discriminator === 'string')?.discriminator as string | undefined;
  if (disc && typeof value === 'string') properties[disc] = { const: value };
  const schema: Schema = { type: 'object', properties, required: flat.required };
  if (!d.additionalProperties) schema.additionalProperties = false;
  else schema.additionalProperties = convert(d.additionalProperties as Schema, mode);
  return schema;
}

function validator(definition: string, mode: 'request' | 'response') {
  const definitions: Record<string, Schema> = {};
  for (const name of Object.keys(spec.definitions)) {
    definitions[`${name}_request`] = definitionSchema(name, 'request');
    definitions[`${name}_response`] = definitionSchema(name, 'response');
  }
  const ajv = new Ajv({ allErrors: true, strict: false });
  return ajv.compile({ definitions, $ref: `#/definitions/${definition}_${mode}` });
}

/** The body definition of `method` on the spec path matching `url` (the hook's URL, ids filled in). */
function bodyDefinition(url: string, method: string): string {
  const path = url.split('?')[0]!;
  const entry = Object.entries(spec.paths).find(([template]) => {
    const re = new RegExp(`^${template.replace(/\{[^}]+\}/gu, '[^/]+')}$`, 'iu');
    return re.test(path);
  });
  if (!entry) throw new Error(`no operation in the spec for ${path}`);
  const op = entry[1][method];
  if (!op) throw new Error(`no ${method.toUpperCase()} on ${entry[0]} in the spec`);
  const body = op.parameters.find((p) => p.in === 'body') as { schema: Schema } | undefined;
  return body ? localRef(body.schema.$ref)! : '';
}

const SUB = '3f2a7c1e-8b4d-4e6f-9a1b-2c3d4e5f6a7b';
const RG_ID = `/subscriptions/${SUB}/resourceGroups/kubernetes`;
const TOPIC_ID = `${RG_ID}/providers/Microsoft.EventGrid/systemTopics/evgt-podroutes-1`;
const inputs = {
  functionAppId: `/subscriptions/${SUB}/resourceGroups/rg-dev/providers/Microsoft.Web/sites/func-podroutes-1`,
  identityId: `/subscriptions/${SUB}/resourceGroups/rg-dev/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-podroutes-1`,
  deadLetter: {
    storageAccountId: `/subscriptions/${SUB}/resourceGroups/rg-dev/providers/Microsoft.Storage/storageAccounts/stpodroutes1`,
    containerName: 'eventgrid-deadletter',
  },
};
const subscriptionBody = eventSubscriptionBody(readFilter(), inputs);
const errorsOf = (validate: ReturnType<typeof validator>, body: unknown) =>
  validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);

describe('postdeploy hook bodies against the Event Grid management spec 2025-02-15', () => {
  it('uses the spec api-version and operations that exist for its URLs', () => {
    expect(EVENTGRID_API).toBe(spec.info.version);
    expect(bodyDefinition(`${TOPIC_ID}/eventSubscriptions/reconcileOnResourceChange`, 'put')).toBe(
      'EventSubscription',
    );
    expect(bodyDefinition(`${TOPIC_ID}/eventSubscriptions/reconcileOnResourceChange`, 'get')).toBe('');
    expect(bodyDefinition(TOPIC_ID, 'put')).toBe('SystemTopic');
    expect(bodyDefinition(`${RG_ID}/providers/Microsoft.EventGrid/systemTopics`, 'get')).toBe('');
  });

  it('the event subscription body is valid: AzureFunction destination, StringIn filter, identity dead letters', () => {
    const validate = validator('EventSubscription', 'request');
    expect(errorsOf(validate, subscriptionBody)).toEqual([]);
  });

  it('the cross-subscription body is valid: a WebHook to the Event Grid extension URL', () => {
    const validate = validator('EventSubscription', 'request');
    const webhook = eventSubscriptionBody(readFilter(), inputs, {
      endpointType: 'WebHook',
      properties: {
        endpointUrl:
          'https://func-podroutes-1.azurewebsites.net/runtime/webhooks/EventGrid?functionName=reconcileOnResourceChange&code=k',
        maxEventsPerBatch: 1,
        preferredBatchSizeInKilobytes: 64,
      },
    });
    expect(errorsOf(validate, webhook)).toEqual([]);
  });

  it('the system topic bodies (new, and reused with the identity added) are valid', () => {
    const validate = validator('SystemTopic', 'request');
    expect(errorsOf(validate, systemTopicBody(RG_ID, inputs.identityId))).toEqual([]);
    const existing = readReferenceJson<Example>('eventGridExample/SystemTopics_Get').responses['200'].body;
    expect(errorsOf(validator('SystemTopic', 'response'), existing)).toEqual([]);
    expect(errorsOf(validate, topicWithIdentity(existing, inputs.identityId))).toEqual([]);
  });

  it('the validator itself refuses what the old hook got wrong, unknown fields and wrong id types', () => {
    const validate = validator('EventSubscription', 'request');
    const broken = (edit: (b: typeof subscriptionBody) => void) => {
      const b = structuredClone(subscriptionBody);
      edit(b);
      return errorsOf(validate, b);
    };
    // The CLI-style argument that does not exist in the API.
    expect(broken((b) => (b.properties.deadLetterIdentity = 'systemassigned'))).not.toEqual([]);
    expect(
      broken((b) => (b.properties.deadLetterWithResourceIdentity.identity.type = 'Assigned')),
    ).not.toEqual([]);
    // A function endpoint given as the site, not the function.
    expect(
      broken((b) => (b.properties.destination.properties.resourceId = inputs.functionAppId)),
    ).not.toEqual([]);
    // Dead letters point at the storage account, not the container id.
    expect(
      broken(
        (b) =>
          (b.properties.deadLetterWithResourceIdentity.deadLetterDestination.properties.resourceId = `${inputs.deadLetter.storageAccountId}/blobServices/default/containers/x`),
      ),
    ).not.toEqual([]);
    expect(broken((b) => (b.properties.filter.advancedFilters[0].operatorType = 'StringInn'))).not.toEqual(
      [],
    );
    expect(broken((b) => (b.properties.provisioningState = 'Succeeded'))).not.toEqual([]);
  });

  it('the validator accepts the official GET example of a system-topic event subscription', () => {
    const example = readReferenceJson<Example>('eventGridExample/SystemTopicEventSubscriptions_Get')
      .responses['200'].body;
    expect(errorsOf(validator('EventSubscription', 'response'), example)).toEqual([]);
  });
});
