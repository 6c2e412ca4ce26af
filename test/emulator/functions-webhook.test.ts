// Scenario: a fleet over two subscriptions. The deployer's account sees both (az login lists them, each answers
// its GET); the Function app lives in the first, a cluster's group in the second. Event Grid in the second
// subscription delivers to the app through its Event Grid extension URL (a WebHook with the system key read from
// `host/default/listkeys`): the host checks the key, the extension answers the validation handshake, and a
// change in the second subscription's group reaches the function's local endpoint.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Emulator, WorldFile } from '../../src/emulator/index.js';
import { raw, start, worldFile } from './helpers.js';

const SUB2 = '6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const EG = 'api-version=2025-02-15';
const WEB = 'api-version=2024-04-01';
const FN = 'reconcileOnResourceChange';

function world(): WorldFile {
  const w = JSON.parse(readFileSync(worldFile, 'utf8')) as WorldFile;
  w.subscriptions = [{ subscriptionId: SUB2, displayName: 'fleet east' }];
  w.resourceGroups = [
    ...(w.resourceGroups ?? []),
    { name: 'rg-app', location: 'eastus2' },
    { name: 'k8s-east', location: 'eastus2', subscriptionId: SUB2 },
  ];
  w.resources.push({
    id: `/subscriptions/${w.subscriptionId}/resourceGroups/rg-app/providers/Microsoft.Web/sites/func-fleet`,
    location: 'eastus2',
    kind: 'functionapp,linux',
  });
  w.resourceProviders = [
    { subscriptionId: SUB2, namespace: 'Microsoft.EventGrid', registrationState: 'NotRegistered' },
  ];
  return w;
}

// biome-ignore lint/suspicious/noExplicitAny: ARM JSON read back, checked field by field with expect
type Json = Record<string, any>;

describe('a Function app serving Event Grid subscriptions in another subscription', () => {
  let e: Emulator;
  let server: Server;
  const received: Json[] = [];
  let site: string;
  const group2 = `/subscriptions/${SUB2}/resourceGroups/k8s-east`;
  const topic = `${group2}/providers/Microsoft.EventGrid/systemTopics/evgt-east`;
  const ok = async (method: string, path: string, body?: unknown) => {
    const r = await raw(e, method, path, body === undefined ? {} : { body });
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as Json;
  };
  const putSubscription = (name: string, endpointUrl: string) =>
    ok('PUT', `${topic}/eventSubscriptions/${name}?${EG}`, {
      properties: { destination: { endpointType: 'WebHook', properties: { endpointUrl } } },
    });
  const stateOf = async (name: string) =>
    (await ok('GET', `${topic}/eventSubscriptions/${name}?${EG}`)).properties.provisioningState;

  beforeAll(async () => {
    e = await start({ world: world(), eventGrid: { delivery: { timeScale: 0.01 } } });
    site = `/subscriptions/${e.subscriptionId}/resourceGroups/rg-app/providers/Microsoft.Web/sites/func-fleet`;
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => {
        text += c.toString();
      });
      req.on('end', () => {
        received.push(...(JSON.parse(text) as Json[]));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  });
  afterAll(async () => {
    await e.flushEvents();
    await new Promise<void>((r) => server.close(() => r()));
    await e.stop();
  });

  it('lists every subscription of the world to the signed-in account, one tenant, each readable', async () => {
    const list = await ok('GET', '/subscriptions?api-version=2022-12-01');
    expect(list.value.map((s: Json) => [s.subscriptionId, s.tenantId, s.state])).toEqual([
      [e.subscriptionId, e.tenantId, 'Enabled'],
      [SUB2, e.tenantId, 'Enabled'],
    ]);
    expect(list.value[1].displayName).toBe('fleet east');
    expect((await ok('GET', `/subscriptions/${SUB2.toUpperCase()}?api-version=2022-12-01`)).id).toBe(
      `/subscriptions/${SUB2}`,
    );
  });

  it('keeps Microsoft.EventGrid registration per subscription: the fresh second one refuses until registered', async () => {
    const first = await ok(
      'GET',
      `/subscriptions/${e.subscriptionId}/providers/Microsoft.EventGrid?api-version=2021-04-01`,
    );
    expect(first.registrationState).toBe('Registered');
    const refused = await raw(e, 'GET', `${group2}/providers/Microsoft.EventGrid/systemTopics?${EG}`);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: { code: 'MissingSubscriptionRegistration' } });
    await ok('POST', `/subscriptions/${SUB2}/providers/Microsoft.EventGrid/register?api-version=2021-04-01`);
    await vi.waitFor(async () =>
      expect(
        (await ok('GET', `/subscriptions/${SUB2}/providers/Microsoft.EventGrid?api-version=2021-04-01`))
          .registrationState,
      ).toBe('Registered'),
    );
  });

  it('shows the site host name and its keys; the Event Grid system key appears once a function is indexed', async () => {
    expect((await ok('GET', `${site}?${WEB}`)).properties.defaultHostName).toBe(
      'func-fleet.azurewebsites.net',
    );
    const before = await ok('POST', `${site}/host/default/listkeys?${WEB}`);
    expect(before).toMatchObject({
      masterKey: expect.any(String),
      functionKeys: { default: expect.any(String) },
    });
    expect(before.systemKeys).toEqual({});
    expect((await raw(e, 'GET', `${site}/host/default/listkeys?${WEB}`)).status).toBe(400);
    const port = (server.address() as AddressInfo).port;
    e.functions.register({
      resourceId: `${site}/functions/${FN}`,
      url: `http://127.0.0.1:${port}/runtime/webhooks/EventGrid?functionName=${FN}`,
    });
    const after = await ok('POST', `${site}/host/default/listkeys?${WEB}`);
    expect(after.masterKey).toBe(before.masterKey);
    expect(after.systemKeys.eventgrid_extension).toEqual(expect.any(String));
  });

  it('fails the handshake of a URL without the system key, and delivers a change in the second subscription through the right one', async () => {
    await ok('PUT', `${topic}?${EG}`, {
      location: 'global',
      properties: { source: group2, topicType: 'Microsoft.Resources.ResourceGroups' },
    });
    const key = (await ok('POST', `${site}/host/default/listkeys?${WEB}`)).systemKeys.eventgrid_extension;
    const base = `https://func-fleet.azurewebsites.net/runtime/webhooks/EventGrid?functionName=${FN}`;

    await putSubscription('wrong-key', `${base}&code=not-the-key`);
    await vi.waitFor(async () => expect(await stateOf('wrong-key')).toBe('Failed'));
    await putSubscription('no-such-function', `${base.replace(FN, 'nothing')}&code=${key}`);
    await vi.waitFor(async () => expect(await stateOf('no-such-function')).toBe('Failed'));

    const created = await putSubscription('fleet', `${base}&code=${encodeURIComponent(key)}`);
    // The URL is a secret: its base only is shown.
    expect(created.properties.destination.properties).toMatchObject({
      endpointBaseUrl: 'https://func-fleet.azurewebsites.net/runtime/webhooks/EventGrid',
    });
    expect(JSON.stringify(created)).not.toContain(key);
    await vi.waitFor(async () => expect(await stateOf('fleet')).toBe('Succeeded'));

    e.upsertResource({
      id: `${group2}/providers/Microsoft.Network/routeTables/east-routes`,
      location: 'eastus2',
    });
    await vi.waitFor(() =>
      expect(received.map((ev) => ev.subject)).toContain(
        `${group2}/providers/Microsoft.Network/routeTables/east-routes`,
      ),
    );
    await e.eventGrid.delivery.settled();
    const records = e.eventGrid.deliveries().filter((d) => d.subscription.endsWith('/fleet'));
    expect(records.map((d) => d.state)).toEqual(['delivered']);
    expect(received.every((ev) => String(ev.topic).toLowerCase() === group2.toLowerCase())).toBe(true);
  });
});
