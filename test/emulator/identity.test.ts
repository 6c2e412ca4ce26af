// Scenario: a deployer's az CLI logs in to the emulator as to a custom cloud (AD FS authority, client
// credentials, subscription list), then waits for the deployed function to be indexed before subscribing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { raw, start } from './helpers.js';

const APP = 'func-podroutes-abc';
const fnId = (e: Emulator, name = 'reconcileOnResourceChange') =>
  `/subscriptions/${e.subscriptionId}/resourceGroups/rg-app/providers/Microsoft.Web/sites/${APP}/functions/${name}`;

/** A form POST, as MSAL sends the token request. */
async function form(e: Emulator, path: string, body: string): Promise<{ status: number; body: unknown }> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    const req = request(new URL(path, e.endpoint), { method: 'POST', ca: e.ca, headers }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () =>
        resolve({ status: r.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('identity and Functions surface for the az CLI', () => {
  let e: Emulator;
  beforeAll(async () => {
    e = await start();
  });
  afterAll(async () => {
    await e.stop();
  });

  it('publishes an AD FS OpenID configuration whose endpoints are on the emulator', async () => {
    const res = await raw(e, 'GET', '/adfs/.well-known/openid-configuration', { auth: false });
    expect(res.status).toBe(200);
    const body = res.body as Record<string, string>;
    expect(body.issuer).toBe(`${e.endpoint}/adfs`);
    expect(String(body.token_endpoint).startsWith(`${e.endpoint}/adfs/oauth2/token`)).toBe(true);
    expect(String(body.authorization_endpoint).startsWith(`${e.endpoint}/adfs/`)).toBe(true);
  });

  it('hands out an opaque bearer token for client credentials, and refuses other grants the OAuth way', async () => {
    const ok = await form(
      e,
      '/adfs/oauth2/token/',
      'grant_type=client_credentials&client_id=11111111-2222-3333-4444-555555555555&client_secret=x&scope=https%3A%2F%2Fmanagement.core.windows.net%2F%2F.default',
    );
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ token_type: 'Bearer', expires_in: expect.any(Number) });
    expect(String((ok.body as { access_token: string }).access_token).length).toBeGreaterThan(10);

    const bad = await form(e, '/adfs/oauth2/token/', 'grant_type=password&client_id=a&username=u&password=p');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'unsupported_grant_type' });
    const noSecret = await form(e, '/adfs/oauth2/token/', 'grant_type=client_credentials&client_id=a');
    expect(noSecret.body).toMatchObject({ error: 'invalid_client' });
  });

  it('lists the one subscription to a bearer, and answers ARM errors without one', async () => {
    const list = await raw(e, 'GET', '/subscriptions?api-version=2019-11-01');
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({
      value: [{ subscriptionId: e.subscriptionId, tenantId: e.tenantId, state: 'Enabled' }],
    });
    const one = await raw(e, 'GET', `/subscriptions/${e.subscriptionId}?api-version=2019-11-01`);
    expect(one.body).toMatchObject({ id: `/subscriptions/${e.subscriptionId}` });
    const anon = await raw(e, 'GET', '/subscriptions?api-version=2019-11-01', { auth: false });
    expect(anon.status).toBe(401);
    expect(anon.body).toMatchObject({ error: { code: 'AuthenticationFailed' } });
    const other = await raw(
      e,
      'GET',
      '/subscriptions/00000000-0000-0000-0000-000000000009?api-version=2019-11-01',
    );
    expect(other.status).toBe(404);
    expect(other.body).toMatchObject({ error: { code: 'SubscriptionNotFound' } });
  });

  it('answers 404 for a function until it is deployed, then its envelope', async () => {
    const url = `${fnId(e)}?api-version=2024-04-01`;
    e.upsertResource(
      {
        id: `/subscriptions/${e.subscriptionId}/resourceGroups/rg-app/providers/Microsoft.Web/sites/other`,
        location: 'eastus2',
      },
      { emitEvent: false },
    );
    const noSite = await raw(e, 'GET', url);
    expect(noSite.status).toBe(404);
    expect(noSite.body).toMatchObject({ error: { code: 'ResourceNotFound' } });

    e.functions.register({ resourceId: fnId(e, 'driftReport') });
    const notIndexed = await raw(e, 'GET', url);
    expect(notIndexed.status).toBe(404);
    expect(notIndexed.body).toEqual({ error: { code: 'NotFound', message: 'Error retrieving function.' } });

    e.functions.register({
      resourceId: fnId(e),
      url: 'http://127.0.0.1:7071/runtime/webhooks/EventGrid?functionName=reconcileOnResourceChange',
    });
    const found = await raw(e, 'GET', url);
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({
      id: fnId(e),
      name: `${APP}/reconcileOnResourceChange`,
      type: 'Microsoft.Web/sites/functions',
    });
    expect(e.functions.endpointOf(fnId(e).toUpperCase())).toContain('127.0.0.1:7071');
    // The site's list has every deployed function, registered or mapped for Event Grid alike.
    const site = fnId(e).replace(/\/functions\/.*$/u, '');
    const listed = await raw(e, 'GET', `${site}/functions?api-version=2024-04-01`);
    expect(((listed.body as { value: Array<{ id: string }> }).value ?? []).map((f) => f.id).sort()).toEqual(
      [fnId(e, 'driftReport'), fnId(e)].sort(),
    );
    expect(() => e.functions.register({ resourceId: fnId(e), url: 'https://example.com/hook' })).toThrow(
      /field 'url'/u,
    );
    e.reset();
    expect((await raw(e, 'GET', url)).status).toBe(404);
    // Another process (a Functions host) registers the function through the admin API.
    const posted = await raw(e, 'POST', '/_emulator/functions', { body: { resourceId: fnId(e) } });
    expect(posted.status).toBe(201);
    expect((await raw(e, 'GET', url)).status).toBe(200);
  });
});
