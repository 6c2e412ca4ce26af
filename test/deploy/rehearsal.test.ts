// The deploy rehearsal (`npm run test:deploy`): the real az CLI, logged in to the emulator as a custom cloud,
// runs the UNCHANGED postdeploy hook (infra/hooks/postdeploy.sh) with the environment azd gives it, on the
// provisioning report's cluster. Its inputs are checked before any write (a missing app or a mistyped group
// writes nothing); on a fresh subscription it registers Microsoft.EventGrid first. Then, through ARM reads
// only: every group got one subscription on its one system topic, with the fields the hook must set; a second
// run changes nothing; a hand edit is put back; and a route deleted by hand comes back through the
// subscription's filter, Event Grid delivery and the real Functions handler. A fleet over two subscriptions
// (clusters in each, the app in the first): the second subscription's groups get a WebHook to the function's
// Event Grid extension URL, and a route deleted there comes back through it.
// Nothing may leave 127.0.0.1: az's proxy is a trap that refuses and records every request.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvocationContext } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Emulator, startEmulator, type WorldFile } from '../../src/emulator/index.js';
import type { Handlers } from '../../src/functions/handlers.js';
import { clients, raw } from '../emulator/helpers.js';
import {
  type AzSession,
  azLogin,
  type EventHandler,
  type FunctionsHost,
  repoRoot,
  runHook,
  startFunctionsHost,
  startTrapProxy,
  type TrapProxy,
} from './support.js';

const EG = '2025-02-15';
const FILTER = JSON.parse(readFileSync(join(repoRoot, 'infra/event-filter.json'), 'utf8')) as {
  functionName: string;
  subscriptionName: string;
  includedEventTypes: string[];
  advancedFilters: unknown[];
  retryPolicy: unknown;
};
const APP_RG = 'rg-podroutes-dev';
const ROUTE = 'kubernetes-route-10-200-1-0-24';

interface Variant {
  name: string;
  routeTableGroup: string;
  vnetGroup: string;
  /** A system topic someone else made for the cluster group before the deploy. */
  existingTopic?: string;
  /** A subscription that never used Event Grid: Microsoft.EventGrid NotRegistered. */
  fresh?: boolean;
  /** The groups come from a fleet file (CLUSTERS_FILE), not the single-cluster settings. */
  fleet?: boolean;
  /** A second subscription (Event Grid NotRegistered there) with its own copy of the cluster, in the fleet file. */
  secondSubscription?: boolean;
}

/** The fleet's second subscription (same tenant); its cluster's groups have the same names as the first's. */
const SUB2 = '7c9d1e2f-3a4b-4c5d-8e6f-0a1b2c3d4e5f';
/** Where Event Grid reaches the app's Event Grid extension (a site's host name on Azure). */
const WEBHOOK_BASE = 'https://func-podroutes-dev.azurewebsites.net/runtime/webhooks/EventGrid';

const variants: Variant[] = [
  {
    name: 'route table and vnet in their own resource groups',
    routeTableGroup: 'kubernetes-routing',
    vnetGroup: 'kubernetes-network',
  },
  {
    name: 'a group that already has a system topic under another name',
    routeTableGroup: 'kubernetes',
    vnetGroup: 'kubernetes',
    existingTopic: 'ops-resource-events',
  },
  {
    name: 'a fresh subscription, Microsoft.EventGrid not registered, groups from the fleet file',
    routeTableGroup: 'kubernetes-routing',
    vnetGroup: 'kubernetes',
    fresh: true,
    fleet: true,
  },
  {
    name: 'a fleet over two subscriptions, the second fresh, its groups reached through a WebHook',
    routeTableGroup: 'kubernetes-routing',
    vnetGroup: 'kubernetes-network',
    fleet: true,
    secondSubscription: true,
  },
];

/** The KTHW world, its route table and vnet moved to their groups, plus the app group's resources. */
function world(v: Variant): WorldFile {
  let text = readFileSync(join(repoRoot, 'examples/kthw-azure.world.json'), 'utf8');
  text = text
    .replaceAll(
      '/resourceGroups/kubernetes/providers/Microsoft.Network/routeTables/',
      `/resourceGroups/${v.routeTableGroup}/providers/Microsoft.Network/routeTables/`,
    )
    .replaceAll(
      '/resourceGroups/kubernetes/providers/Microsoft.Network/virtualNetworks/',
      `/resourceGroups/${v.vnetGroup}/providers/Microsoft.Network/virtualNetworks/`,
    );
  const w = JSON.parse(text) as WorldFile;
  const app = `/subscriptions/${w.subscriptionId}/resourceGroups/${APP_RG}/providers`;
  w.resourceGroups = [...new Set(['kubernetes', v.routeTableGroup, v.vnetGroup, APP_RG])].map((name) => ({
    name,
    location: 'eastus2',
  }));
  w.resources.push(
    { id: `${app}/Microsoft.Web/sites/func-podroutes-dev`, location: 'eastus2', kind: 'functionapp,linux' },
    { id: `${app}/Microsoft.ManagedIdentity/userAssignedIdentities/id-podroutes-dev`, location: 'eastus2' },
    { id: `${app}/Microsoft.Storage/storageAccounts/stpodroutesdev`, location: 'eastus2', kind: 'StorageV2' },
  );
  w.blobContainers = [
    `${app}/Microsoft.Storage/storageAccounts/stpodroutesdev/blobServices/default/containers/eventgrid-deadletter`,
  ];
  if (v.fresh) {
    w.resourceProviders = [{ namespace: 'Microsoft.EventGrid', registrationState: 'NotRegistered' }];
    // Registration takes a while, as on Azure: the hook must wait for Registered.
    w.writeDelays = { providerRegistrationMs: 2500 };
  }
  if (v.secondSubscription) addSecondSubscription(w, v);
  return w;
}

/** The same cluster again in SUB2 (its own vnet, tables and workers), Event Grid never used there. */
function addSecondSubscription(w: WorldFile, v: Variant): void {
  const own = `/subscriptions/${w.subscriptionId}/`;
  const copies = w.resources
    .filter((r) => String(r.id).startsWith(own) && !String(r.id).includes(`/${APP_RG}/`))
    .map(
      (r) =>
        JSON.parse(JSON.stringify(r).replaceAll(own, `/subscriptions/${SUB2}/`)) as (typeof w.resources)[0],
    );
  w.resources.push(...copies);
  w.subscriptions = [{ subscriptionId: SUB2, displayName: 'fleet east' }];
  w.resourceGroups = [
    ...(w.resourceGroups ?? []),
    ...[...new Set(['kubernetes', v.routeTableGroup, v.vnetGroup])].map((name) => ({
      name,
      location: 'eastus2',
      subscriptionId: SUB2,
    })),
  ];
  w.resourceProviders = [
    { subscriptionId: SUB2, namespace: 'Microsoft.EventGrid', registrationState: 'NotRegistered' },
  ];
  w.writeDelays = { providerRegistrationMs: 2500 };
}

/** clusters.json for the variant's cluster (issue 19's shape), written to a temporary file. */
function fleetFile(e: Emulator, v: Variant, vnetGroup = v.vnetGroup): string {
  const cluster = (name: string, subscriptionId: string) => ({
    name,
    subscriptionId,
    clusterCidr: '10.200.0.0/16',
    workers: [{ resourceGroup: 'kubernetes' }],
    routeTables: [
      {
        name: 'kubernetes-routes',
        resourceGroup: v.routeTableGroup,
        subnets: [{ virtualNetwork: 'kubernetes-vnet', name: 'kubernetes-subnet', resourceGroup: vnetGroup }],
      },
    ],
  });
  const fleet = {
    clusters: [
      cluster('kthw', e.subscriptionId),
      ...(v.secondSubscription ? [cluster('kthw-east', SUB2)] : []),
    ],
  };
  const file = join(mkdtempSync(join(tmpdir(), 'fleet-')), 'clusters.json');
  writeFileSync(file, JSON.stringify(fleet));
  return file;
}

/** What azd hands the hook: main.bicep's outputs for this deployment (and CLUSTERS_FILE for a fleet). */
function azdValues(e: Emulator, v: Variant): Record<string, string> {
  const app = `/subscriptions/${e.subscriptionId}/resourceGroups/${APP_RG}/providers`;
  const groups: Record<string, string> = v.fleet
    ? { CLUSTERS_FILE: fleetFile(e, v) }
    : {
        CLUSTER_RESOURCE_GROUP: 'kubernetes',
        ROUTE_TABLE_RESOURCE_GROUP: v.routeTableGroup,
        VNET_RESOURCE_GROUP: v.vnetGroup,
      };
  return {
    AZURE_ENV_NAME: 'dev',
    AZURE_SUBSCRIPTION_ID: e.subscriptionId,
    AZURE_LOCATION: 'eastus2',
    AZURE_RESOURCE_GROUP: APP_RG,
    AZURE_FUNCTION_APP_NAME: 'func-podroutes-dev',
    AZURE_FUNCTION_APP_ID: `${app}/Microsoft.Web/sites/func-podroutes-dev`,
    AZURE_FUNCTION_IDENTITY_ID: `${app}/Microsoft.ManagedIdentity/userAssignedIdentities/id-podroutes-dev`,
    ...groups,
    EVENT_GRID_SYSTEM_TOPIC_NAME: 'evgt-podroutes-dev',
    DEAD_LETTER_CONTAINER_ID: `${app}/Microsoft.Storage/storageAccounts/stpodroutesdev/blobServices/default/containers/eventgrid-deadletter`,
  };
}

/** The engine settings the Function app runs with (main.bicep's engineSettings), aimed at the emulator. */
function engineSettings(e: Emulator, v: Variant): Record<string, string> {
  return {
    AZURE_SUBSCRIPTION_ID: e.subscriptionId,
    CLUSTER_RESOURCE_GROUP: 'kubernetes',
    ROUTE_TABLE_RESOURCE_GROUP: v.routeTableGroup,
    ROUTE_TABLE_NAME: 'kubernetes-routes',
    VNET_NAME: 'kubernetes-vnet',
    VNET_RESOURCE_GROUP: v.vnetGroup,
    SUBNET_NAME: 'kubernetes-subnet',
    CLUSTER_CIDR: '10.200.0.0/16',
    ARM_ENDPOINT: e.endpoint,
    ARM_CA_FILE: e.caFile,
    // A fleet over two subscriptions runs from the fleet file, as the hook does.
    ...(v.secondSubscription ? { CLUSTERS_FILE: fleetFile(e, v) } : {}),
  };
}

// biome-ignore lint/suspicious/noExplicitAny: ARM JSON read back, checked field by field with expect
type ArmJson = Record<string, any>;
const ok = async (e: Emulator, method: string, path: string, body?: unknown) => {
  const r = await raw(e, method, path, body === undefined ? {} : { body });
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as ArmJson;
};
/** Requests that change something: not reads, nor the list action that reads the app's keys (POST listkeys). */
const writes = (e: Emulator) =>
  e
    .requests()
    .filter((r) => !['GET', 'HEAD'].includes(r.method) && !/\/host\/default\/listkeys$/iu.test(r.path));

describe.each(variants)('deploy rehearsal: $name', (v) => {
  let e: Emulator;
  let proxy: TrapProxy;
  let session: AzSession;
  let host: FunctionsHost;
  /** What the Functions host runs for a delivered event (the real handler, once the app is configured). */
  let deliver: EventHandler = async () => undefined;
  let values: Record<string, string>;
  /** Every group the hook must subscribe, as resource ids (in both subscriptions for a two-subscription fleet). */
  let groups: string[];
  const groupId = (g: string, sub = e.subscriptionId) => `/subscriptions/${sub}/resourceGroups/${g}`;
  const inSecond = (gid: string) => gid.toLowerCase().startsWith(`/subscriptions/${SUB2}/`);
  const functionId = () => `${values.AZURE_FUNCTION_APP_ID}/functions/${FILTER.functionName}`;

  beforeAll(async () => {
    // Event Grid's writes take a while, as on Azure: the hook must wait for provisioningState Succeeded.
    const eventGrid = { operationMs: 1500 };
    e = await startEmulator({
      world: world(v),
      lro: { inProgressPolls: 1, retryAfterSeconds: 0 },
      eventGrid,
    });
    proxy = await startTrapProxy();
    values = azdValues(e, v);
    const names = [...new Set(['kubernetes', v.routeTableGroup, v.vnetGroup])];
    groups = [
      ...names.map((g) => groupId(g)),
      ...(v.secondSubscription ? names.map((g) => groupId(g, SUB2)) : []),
    ];
    if (v.existingTopic)
      await ok(
        e,
        'PUT',
        `${groupId('kubernetes')}/providers/Microsoft.EventGrid/systemTopics/${v.existingTopic}?api-version=${EG}`,
        {
          location: 'global',
          tags: { owner: 'platform-team' },
          identity: { type: 'SystemAssigned' },
          properties: { source: groupId('kubernetes'), topicType: 'Microsoft.Resources.ResourceGroups' },
        },
      );
    session = await azLogin(e, proxy);
  });

  afterAll(async () => {
    deliver = async () => undefined;
    await e?.flushEvents();
    await host?.stop();
    session?.dispose();
    await proxy?.stop();
    await e?.stop();
  });

  /** The group's system topics and the hook's subscription on each, read through ARM. */
  async function readBack(gid: string) {
    const topics = (await ok(e, 'GET', `${gid}/providers/Microsoft.EventGrid/systemTopics?api-version=${EG}`))
      .value as ArmJson[];
    const subs = [];
    for (const t of topics)
      subs.push(
        await ok(e, 'GET', `${t.id}/eventSubscriptions/${FILTER.subscriptionName}?api-version=${EG}`),
      );
    return { topics, subs };
  }

  it('a missing Function app fails at once, naming it, having written nothing', async () => {
    e.clearRequests();
    const missing = values.AZURE_FUNCTION_APP_ID!.replace(/func-podroutes-dev$/u, 'func-never-deployed');
    const run = await runHook(session, { ...values, AZURE_FUNCTION_APP_ID: missing }, 120);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/nothing was changed: Function app .*func-never-deployed was not found/u);
    // At once: before any wait.
    expect(run.stdout).not.toContain('waiting');
    expect(writes(e)).toEqual([]);
  });

  it('a mistyped group writes nothing anywhere and is named, with every other problem, before any wait', async () => {
    e.clearRequests();
    const run = await runHook(
      session,
      {
        ...values,
        ...(v.fleet
          ? { CLUSTERS_FILE: fleetFile(e, v, 'kubernetes-netwrok') }
          : { VNET_RESOURCE_GROUP: 'kubernetes-netwrok' }),
        DEAD_LETTER_CONTAINER_ID: `${values.DEAD_LETTER_CONTAINER_ID}x`,
      },
      120,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /nothing was changed: resource group .*\/resourceGroups\/kubernetes-netwrok was not found/u,
    );
    expect(run.stderr).toMatch(/dead-letter container .*eventgrid-deadletterx was not found/u);
    expect(run.stdout).not.toContain('waiting');
    expect(writes(e)).toEqual([]);
    expect(proxy.seen).toEqual([]);
  });

  it.runIf(v.secondSubscription)(
    'az login lists both subscriptions of the tenant, and az account set selects either',
    async () => {
      const list = await session.az(['account', 'list', '--output', 'json']);
      expect(list.code, list.stderr).toBe(0);
      const accounts = JSON.parse(list.stdout) as Array<{ id: string; tenantId: string; isDefault: boolean }>;
      expect(accounts.map((a) => [a.id, a.tenantId])).toEqual([
        [e.subscriptionId, e.tenantId],
        [SUB2, e.tenantId],
      ]);
      expect((await session.az(['account', 'set', '-s', SUB2])).code).toBe(0);
      const shown = await session.az(['account', 'show', '--query', 'id', '--output', 'tsv']);
      expect(shown.stdout.trim()).toBe(SUB2);
      expect((await session.az(['account', 'set', '-s', e.subscriptionId])).code).toBe(0);
      expect(proxy.seen).toEqual([]);
    },
  );

  it('gives up on a function that is never indexed after the time it says, not earlier, having written nothing', async () => {
    e.clearRequests();
    // A poll interval longer than the whole wait: the hook must still wait the full 4 s it announces.
    const run = await runHook(session, values, 4, 30);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('waiting for function reconcileOnResourceChange to be indexed (up to 4 s)');
    expect(run.stderr).toMatch(
      /function reconcileOnResourceChange is still not indexed on .*func-podroutes-dev after 4 s: .*azd hooks run postdeploy \(waited \d+\.\d s\)/u,
    );
    const waited = Number(/\(waited (\d+\.\d) s\)/u.exec(run.stderr)?.[1]);
    expect(waited).toBeGreaterThanOrEqual(4);
    expect(writes(e)).toEqual([]);
  });

  it('the hook waits for the function to be indexed, then subscribes it on every group, through az only', async () => {
    e.clearRequests();
    const hook = runHook(session, values);
    // The function is indexed a few seconds after the hook started waiting (as after `azd deploy`).
    await vi.waitFor(
      () =>
        expect(
          e.requests().some((r) => r.path.endsWith(`/functions/${FILTER.functionName}`) && r.status === 404),
        ).toBe(true),
      // The hook first checks its inputs (a few az calls, slow on a loaded machine).
      { timeout: 180_000, interval: 200 },
    );
    host = await startFunctionsHost((fn, event) => deliver(fn, event));
    e.functions.register({ resourceId: functionId(), url: host.webhook(FILTER.functionName) });
    const run = await hook;
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('waiting for function reconcileOnResourceChange');
    const provider = await ok(
      e,
      'GET',
      `/subscriptions/${e.subscriptionId}/providers/Microsoft.EventGrid?api-version=2021-04-01`,
    );
    expect(provider.registrationState).toBe('Registered');
    if (v.fresh) {
      // Registered by the hook, before its first Event Grid write, and waited for.
      expect(run.stdout).toContain('registering resource provider Microsoft.EventGrid (it is NotRegistered)');
      expect(run.stdout).toMatch(/waiting for Microsoft.EventGrid to be Registered/u);
      const order = writes(e).map((r) => `${r.method} ${r.path}`);
      expect(order[0]).toMatch(/^POST \/subscriptions\/[^/]+\/providers\/Microsoft\.EventGrid\/register$/iu);
      expect(order.slice(1).every((w) => /Microsoft\.EventGrid\/systemTopics/iu.test(w))).toBe(true);
    } else if (v.secondSubscription) {
      // The first subscription uses Event Grid already; the second is registered there, then waited for.
      expect(run.stdout).toContain(
        `${SUB2}: registering resource provider Microsoft.EventGrid (it is NotRegistered)`,
      );
      expect(run.stdout).not.toContain(`${e.subscriptionId}: registering`);
      const second = await ok(
        e,
        'GET',
        `/subscriptions/${SUB2}/providers/Microsoft.EventGrid?api-version=2021-04-01`,
      );
      expect(second.registrationState).toBe('Registered');
    } else expect(run.stdout).not.toContain('registering');

    for (const g of groups) {
      const { topics, subs } = await readBack(g);
      expect(topics, g).toHaveLength(1);
      const [topic] = topics as [ArmJson];
      expect(topic.properties.source.toLowerCase()).toBe(g.toLowerCase());
      const reused = v.existingTopic && g === groupId('kubernetes');
      expect(topic.name).toBe(reused ? v.existingTopic : values.EVENT_GRID_SYSTEM_TOPIC_NAME);
      expect(Object.keys(topic.identity.userAssignedIdentities).map((k) => k.toLowerCase())).toContain(
        values.AZURE_FUNCTION_IDENTITY_ID!.toLowerCase(),
      );
      if (reused) {
        // Reused, not replaced: its own identity and tags are still there.
        expect(topic.identity.type).toBe('SystemAssigned, UserAssigned');
        expect(topic.tags).toEqual({ owner: 'platform-team' });
      }
      expect(subs[0]!.properties).toMatchObject({
        provisioningState: 'Succeeded',
        // The function itself in the app's subscription; its Event Grid extension URL from another one.
        destination: inSecond(g)
          ? { endpointType: 'WebHook', properties: { endpointBaseUrl: WEBHOOK_BASE } }
          : { endpointType: 'AzureFunction', properties: { resourceId: functionId() } },
        filter: { includedEventTypes: FILTER.includedEventTypes, advancedFilters: FILTER.advancedFilters },
        retryPolicy: FILTER.retryPolicy,
        deadLetterWithResourceIdentity: {
          identity: { type: 'UserAssigned', userAssignedIdentity: values.AZURE_FUNCTION_IDENTITY_ID },
          deadLetterDestination: {
            endpointType: 'StorageBlob',
            properties: {
              resourceId: values.DEAD_LETTER_CONTAINER_ID!.split('/blobServices/')[0],
              blobContainerName: 'eventgrid-deadletter',
            },
          },
        },
      });
      // The URL holds the system key: Event Grid never shows it.
      expect(subs[0]!.properties.destination.properties.endpointUrl).toBeUndefined();
    }
    expect(groups.filter(inSecond)).toHaveLength(v.secondSubscription ? 3 : 0);
    expect(proxy.seen).toEqual([]);
  });

  it('a second run changes nothing', async () => {
    const before = await Promise.all(groups.map(readBack));
    e.clearRequests();
    const run = await runHook(session, values);
    expect(run.code, run.stderr).toBe(0);
    expect(writes(e)).toEqual([]);
    expect(run.stdout).toMatch(/unchanged/u);
    expect(await Promise.all(groups.map(readBack))).toEqual(before);
    expect(proxy.seen).toEqual([]);
  });

  it('a subscription changed by hand is put back by the next run with one PUT, whatever was changed', async () => {
    const topicId = (await readBack(groups[0]!)).topics[0]!.id as string;
    const url = `${topicId}/eventSubscriptions/${FILTER.subscriptionName}?api-version=${EG}`;
    const original = (await ok(e, 'GET', url)).properties;
    const changed = structuredClone(original as ArmJson);
    // Edits that silently drop or reshape every event, and fields the hook never sets.
    changed.retryPolicy.maxDeliveryAttempts = 5;
    changed.filter.subjectBeginsWith = '/subscriptions/nothing-matches';
    changed.expirationTimeUtc = '2030-01-01T00:00:00Z';
    changed.eventDeliverySchema = 'CloudEventSchemaV1_0';
    changed.labels = ['edited-by-hand'];
    for (const k of ['provisioningState', 'topic']) delete changed[k];
    await ok(e, 'PUT', url, { properties: changed });
    await vi.waitFor(
      async () => expect((await ok(e, 'GET', url)).properties.provisioningState).toBe('Succeeded'),
      { timeout: 10_000, interval: 200 },
    );
    e.clearRequests();
    const run = await runHook(session, values);
    expect(run.code, run.stderr).toBe(0);
    expect(writes(e).map((r) => `${r.method} ${r.path}`)).toEqual([`PUT ${url.split('?')[0]}`]);
    const restored = (await ok(e, 'GET', url)).properties;
    expect(restored).toEqual(original);
  });

  it('a route deleted by hand comes back: its event passes the subscription filter to the real Functions handler', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, engineSettings(e, v));
    try {
      // The Functions app's own wiring (src/functions/runtime.ts), configured from its app settings.
      vi.resetModules();
      const { handlers } = (await import('../../src/functions/runtime.js')) as { handlers: Handlers };
      deliver = async (fn, event) => {
        if (fn !== FILTER.functionName) throw new Error(`the app has no Event Grid function ${fn}`);
        const context = new InvocationContext({ functionName: fn, invocationId: randomUUID() });
        await handlers.reconcileOnResourceChange(event, context);
      };
      host.invocations.length = 0;
      // In a two-subscription fleet, the change happens in the second: it reaches the app through the WebHook.
      const sub = v.secondSubscription ? SUB2 : e.subscriptionId;
      const tableId = `${groupId(v.routeTableGroup, sub)}/providers/Microsoft.Network/routeTables/kubernetes-routes`;
      const routeNames = () =>
        ((e.getResource(tableId)?.properties ?? {}) as { routes?: Array<{ name: string }> }).routes?.map(
          (r) => r.name,
        ) ?? [];
      // A change in a subscribed group that the handler does not act on: the filter keeps it away.
      e.upsertResource({
        id: `${groupId(v.vnetGroup, sub)}/providers/Microsoft.Network/networkSecurityGroups/ops-nsg`,
        location: 'eastus2',
      });
      // An operator deletes a pod route by hand, through ARM.
      if (v.secondSubscription) {
        const del = await raw(e, 'DELETE', `${tableId}/routes/${ROUTE}?api-version=2024-05-01`);
        expect(del.status).toBeLessThan(300);
        await vi.waitFor(() => expect(routeNames()).not.toContain(ROUTE), { timeout: 10_000, interval: 50 });
      } else
        await clients(e)
          .network.routes.delete(v.routeTableGroup, 'kubernetes-routes', ROUTE, { updateIntervalInMs: 1 })
          .pollUntilDone();
      expect(routeNames()).not.toContain(ROUTE);

      await vi.waitFor(() => expect(routeNames()).toContain(ROUTE), { timeout: 30_000, interval: 200 });
      // The repair's own events are delivered too (and recognised by the handler): wait for every delivery.
      await e.eventGrid.delivery.settled();
      expect(e.eventGrid.stats()).toMatchObject({ failures: 0 });
      expect(e.eventGrid.deadLetters()).toEqual([]);
      const delivered = host.invocations.map(
        ([, ev]) => (ev as { data: { operationName: string } }).data.operationName,
      );
      expect(delivered).toContain('Microsoft.Network/routeTables/routes/delete');
      expect(delivered).not.toContain('Microsoft.Network/networkSecurityGroups/write');
      // Every event came from the subscription where the change was made, through its own event subscription.
      const topics = host.invocations.map(([, ev]) => String((ev as { topic: string }).topic).toLowerCase());
      expect(topics.every((t) => t.startsWith(`/subscriptions/${sub}/`))).toBe(true);
      if (v.secondSubscription)
        expect(
          e.eventGrid
            .deliveries()
            .every((d) => d.subscription.toLowerCase().startsWith(`/subscriptions/${SUB2}/`)),
        ).toBe(true);
      const route = (e.getResource(`${tableId}/routes/${ROUTE}`) as { properties: Record<string, unknown> })
        .properties;
      expect(route).toMatchObject({
        addressPrefix: '10.200.1.0/24',
        nextHopType: 'VirtualAppliance',
        nextHopIpAddress: '10.240.0.21',
      });
      expect(proxy.seen).toEqual([]);
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });
});
