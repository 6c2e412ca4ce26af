// What a deploy hook meets on a fresh subscription and in Event Grid's stricter corners, through raw ARM
// requests: resource provider registration (GET/register/unregister, the 409 of an unregistered namespace,
// what Azure registers by default), the GETs of the deployment's own resources, Event Grid's checks of the
// identities delivery and dead-lettering act as, and its refusal of a cross-subscription AzureFunction.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator, type WorldFile } from '../../src/emulator/index.js';
import { raw } from './helpers.js';

const RES = 'api-version=2021-04-01';
const EG = 'api-version=2025-02-15';
const APP = 'rg-app';

// biome-ignore lint/suspicious/noExplicitAny: ARM JSON bodies are read field by field in assertions
type Json = Record<string, any>;

function world(extra: Partial<WorldFile> = {}): WorldFile {
  const w = JSON.parse(
    readFileSync(new URL('../../examples/kthw-azure.world.json', import.meta.url), 'utf8'),
  ) as WorldFile;
  const app = `/subscriptions/${w.subscriptionId}/resourceGroups/${APP}/providers`;
  w.resourceGroups = [...(w.resourceGroups ?? []), { name: APP, location: 'eastus2' }];
  w.resources.push(
    { id: `${app}/Microsoft.Web/sites/func-1`, location: 'eastus2', kind: 'functionapp,linux' },
    { id: `${app}/Microsoft.ManagedIdentity/userAssignedIdentities/id-1`, location: 'eastus2' },
    { id: `${app}/Microsoft.ManagedIdentity/userAssignedIdentities/id-other`, location: 'eastus2' },
    { id: `${app}/Microsoft.Storage/storageAccounts/st1`, location: 'eastus2', kind: 'StorageV2' },
  );
  w.blobContainers = [`${app}/Microsoft.Storage/storageAccounts/st1/blobServices/default/containers/dead`];
  return { ...w, ...extra };
}

const fresh = (): Partial<WorldFile> => ({
  resourceProviders: [{ namespace: 'Microsoft.EventGrid', registrationState: 'NotRegistered' }],
});

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});

async function begin(extra: Partial<WorldFile> = {}, registrationMs = 0): Promise<Emulator> {
  emulator = await startEmulator({
    world: world(extra),
    lro: { inProgressPolls: 0, retryAfterSeconds: 0 },
    providers: { registrationMs },
  });
  return emulator;
}

const sub = () => emulator!.subscriptionId;
const group = (rg = 'kubernetes') => `/subscriptions/${sub()}/resourceGroups/${rg}`;
const identityId = (name = 'id-1') =>
  `${group(APP)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`;
const topicUrl = () => `${group()}/providers/Microsoft.EventGrid/systemTopics/evgt-1?${EG}`;
const topicBody = (identities: string[] = [identityId()]) => ({
  location: 'global',
  identity: {
    type: 'UserAssigned',
    userAssignedIdentities: Object.fromEntries(identities.map((i) => [i, {}])),
  },
  properties: { source: group(), topicType: 'Microsoft.Resources.ResourceGroups' },
});

describe('resource provider registration', () => {
  it('a fresh subscription refuses Event Grid writes and reads with ARM 409 MissingSubscriptionRegistration', async () => {
    const e = await begin(fresh());
    const put = await raw(e, 'PUT', topicUrl(), { body: topicBody() });
    expect(put.status).toBe(409);
    const message =
      "The subscription is not registered to use namespace 'Microsoft.EventGrid'. See https://aka.ms/rps-not-found for how to register subscriptions.";
    expect(put.body).toEqual({
      error: {
        code: 'MissingSubscriptionRegistration',
        message,
        details: [{ code: 'MissingSubscriptionRegistration', target: 'Microsoft.EventGrid', message }],
      },
    });
    const list = await raw(e, 'GET', `${group()}/providers/Microsoft.EventGrid/systemTopics?${EG}`);
    expect(list.status).toBe(409);
    // Other namespaces are untouched.
    const tables = await raw(
      e,
      'GET',
      `${group()}/providers/Microsoft.Network/routeTables?api-version=2026-01-01`,
    );
    expect(tables.status).toBe(200);
  });

  it('register goes Registering, then Registered after the registration time; then Event Grid answers', async () => {
    const e = await begin(fresh(), 300);
    const provider = `/subscriptions/${sub()}/providers/Microsoft.EventGrid`;
    const before = await raw(e, 'GET', `${provider}?${RES}`);
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({
      id: provider,
      namespace: 'Microsoft.EventGrid',
      registrationState: 'NotRegistered',
      registrationPolicy: 'RegistrationRequired',
    });
    const reg = await raw(e, 'POST', `${provider}/register?${RES}`);
    expect([reg.status, (reg.body as Json).registrationState]).toEqual([200, 'Registering']);
    expect((await raw(e, 'PUT', topicUrl(), { body: topicBody() })).status).toBe(409);
    await new Promise((r) => setTimeout(r, 350));
    expect(((await raw(e, 'GET', `${provider}?${RES}`)).body as Json).registrationState).toBe('Registered');
    expect((await raw(e, 'PUT', topicUrl(), { body: topicBody() })).status).toBe(201);
  });

  it('unregister goes Unregistering, then NotRegistered; a namespace registered by default stays registered', async () => {
    const e = await begin({}, 0);
    const provider = `/subscriptions/${sub()}/providers/Microsoft.EventGrid`;
    expect(((await raw(e, 'GET', `${provider}?${RES}`)).body as Json).registrationState).toBe('Registered');
    const un = await raw(e, 'POST', `${provider}/unregister?${RES}`);
    expect([un.status, (un.body as Json).registrationState]).toEqual([200, 'Unregistering']);
    expect(((await raw(e, 'GET', `${provider}?${RES}`)).body as Json).registrationState).toBe(
      'NotRegistered',
    );
    const resources = `/subscriptions/${sub()}/providers/Microsoft.Resources`;
    expect(((await raw(e, 'GET', `${resources}?${RES}`)).body as Json).registrationState).toBe('Registered');
    expect((await raw(e, 'POST', `${resources}/unregister?${RES}`)).status).toBe(409);
    const unknown = await raw(e, 'GET', `/subscriptions/${sub()}/providers/Microsoft.Nope?${RES}`);
    expect([unknown.status, (unknown.body as Json).error.code]).toEqual([404, 'InvalidResourceNamespace']);
  });

  it('a world may not start with a namespace Azure registers by default unregistered', async () => {
    await expect(
      startEmulator({
        world: world({
          resourceProviders: [{ namespace: 'Microsoft.Resources', registrationState: 'NotRegistered' }],
        }),
      }),
    ).rejects.toThrow(
      /resourceProviders\[0\] field 'registrationState': Microsoft.Resources is registered by default/u,
    );
  });
});

describe("the deployment's own resources", () => {
  it('GETs the site, identity, storage account and container; a missing one is a 404', async () => {
    const e = await begin();
    const app = `${group(APP)}/providers`;
    for (const path of [
      `${app}/Microsoft.Web/sites/func-1?api-version=2024-04-01`,
      `${app}/Microsoft.ManagedIdentity/userAssignedIdentities/id-1?api-version=2023-01-31`,
      `${app}/Microsoft.Storage/storageAccounts/st1?api-version=2023-05-01`,
      `${app}/Microsoft.Storage/storageAccounts/st1/blobServices/default/containers/dead?api-version=2023-05-01`,
    ])
      expect((await raw(e, 'GET', path)).status, path).toBe(200);
    const site = await raw(e, 'GET', `${app}/Microsoft.Web/sites/func-typo?api-version=2024-04-01`);
    expect([site.status, (site.body as Json).error.code]).toEqual([404, 'ResourceNotFound']);
    const container = await raw(
      e,
      'GET',
      `${app}/Microsoft.Storage/storageAccounts/st1/blobServices/default/containers/typo?api-version=2023-05-01`,
    );
    expect([container.status, (container.body as Json).error.code]).toEqual([404, 'ContainerNotFound']);
  });
});

describe('Event Grid: identities and destinations', () => {
  const subscriptionUrl = () =>
    `${group()}/providers/Microsoft.EventGrid/systemTopics/evgt-1/eventSubscriptions/s-1?${EG}`;
  const functionId = (subscription = sub()) =>
    `/subscriptions/${subscription}/resourceGroups/${APP}/providers/Microsoft.Web/sites/func-1/functions/f`;
  const body = (dlIdentity: Json, fn = functionId()) => ({
    properties: {
      destination: { endpointType: 'AzureFunction', properties: { resourceId: fn } },
      deadLetterWithResourceIdentity: {
        identity: dlIdentity,
        deadLetterDestination: {
          endpointType: 'StorageBlob',
          properties: {
            resourceId: `${group(APP)}/providers/Microsoft.Storage/storageAccounts/st1`,
            blobContainerName: 'dead',
          },
        },
      },
    },
  });
  const error = (r: { body: unknown }) => (r.body as Json).error as { code: string; message: string };

  it('dead-lettering as a user-assigned identity needs that identity on the topic', async () => {
    const e = await begin();
    expect((await raw(e, 'PUT', topicUrl(), { body: topicBody() })).status).toBe(201);
    const other = await raw(e, 'PUT', subscriptionUrl(), {
      body: body({ type: 'UserAssigned', userAssignedIdentity: identityId('id-other') }),
    });
    expect(other.status).toBe(400);
    expect(error(other).message).toMatch(/id-other is not an identity of the topic evgt-1/u);
    const system = await raw(e, 'PUT', subscriptionUrl(), { body: body({ type: 'SystemAssigned' }) });
    expect(system.status).toBe(400);
    expect(error(system).message).toMatch(/has no system-assigned identity/u);
    const own = await raw(e, 'PUT', subscriptionUrl(), {
      body: body({ type: 'UserAssigned', userAssignedIdentity: identityId() }),
    });
    expect(own.status).toBe(201);
  });

  it('delivery with resource identity is checked the same way', async () => {
    const e = await begin();
    await raw(e, 'PUT', topicUrl(), { body: topicBody() });
    const r = await raw(e, 'PUT', subscriptionUrl(), {
      body: {
        properties: {
          deliveryWithResourceIdentity: {
            identity: { type: 'UserAssigned', userAssignedIdentity: identityId('id-other') },
            destination: { endpointType: 'AzureFunction', properties: { resourceId: functionId() } },
          },
        },
      },
    });
    expect(r.status).toBe(400);
    expect(error(r).message).toMatch(
      /deliveryWithResourceIdentity.*id-other is not an identity of the topic/u,
    );
  });

  it("a topic's user-assigned identity must exist", async () => {
    const e = await begin();
    const r = await raw(e, 'PUT', topicUrl(), { body: topicBody([identityId('id-deleted')]) });
    expect(r.status).toBe(400);
    expect(error(r)).toMatchObject({ code: 'FailedIdentityOperation' });
    expect(error(r).message).toContain('id-deleted');
  });

  it('refuses an AzureFunction destination in another subscription than the topic', async () => {
    const e = await begin();
    await raw(e, 'PUT', topicUrl(), { body: topicBody() });
    const r = await raw(e, 'PUT', subscriptionUrl(), {
      body: body(
        { type: 'UserAssigned', userAssignedIdentity: identityId() },
        functionId('0b7d2a4e-1111-4c2d-9e3f-5a6b7c8d9e0f'),
      ),
    });
    expect(r.status).toBe(400);
    expect(error(r).message).toMatch(/another subscription than the topic.*WebHook/u);
  });

  it("Event Grid's writes take the world's write delay", async () => {
    const e = await begin({ writeDelays: { eventGridMs: 400 } });
    await raw(e, 'PUT', topicUrl(), { body: topicBody() });
    expect(((await raw(e, 'GET', topicUrl())).body as Json).properties.provisioningState).toBe('Creating');
    await new Promise((r) => setTimeout(r, 450));
    expect(((await raw(e, 'GET', topicUrl())).body as Json).properties.provisioningState).toBe('Succeeded');
  });
});
