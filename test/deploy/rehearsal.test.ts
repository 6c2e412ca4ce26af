// The deploy rehearsal (`npm run test:deploy`): the real az CLI, logged in to the emulator as a custom cloud,
// runs the UNCHANGED postdeploy hook (infra/hooks/postdeploy.sh) with the environment azd gives it, on the
// provisioning report's cluster. Then, through ARM reads only: every group got one subscription on its one
// system topic, with the fields the hook must set; a second run changes nothing; and a route deleted by hand
// comes back through the subscription's filter, Event Grid delivery and the real Functions handler.
// Nothing may leave 127.0.0.1: az's proxy is a trap that refuses and records every request.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvocationContext } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Emulator, startEmulator, type WorldFile } from '../../src/emulator/index.js';
import type { Handlers } from '../../src/functions/handlers.js';
import { raw } from '../emulator/helpers.js';
import {
  type AzSession,
  azLogin,
  type FunctionsHost,
  repoRoot,
  runHook,
  startFunctionsHost,
  startTrapProxy,
  type TrapProxy,
} from './support.js';

const EG = '2025-02-15';
const NET = '2024-05-01';
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
}

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
  return w;
}

/** What azd hands the hook: main.bicep's outputs for this deployment. */
function azdValues(e: Emulator, v: Variant): Record<string, string> {
  const app = `/subscriptions/${e.subscriptionId}/resourceGroups/${APP_RG}/providers`;
  return {
    AZURE_ENV_NAME: 'dev',
    AZURE_SUBSCRIPTION_ID: e.subscriptionId,
    AZURE_LOCATION: 'eastus2',
    AZURE_RESOURCE_GROUP: APP_RG,
    AZURE_FUNCTION_APP_NAME: 'func-podroutes-dev',
    AZURE_FUNCTION_APP_ID: `${app}/Microsoft.Web/sites/func-podroutes-dev`,
    AZURE_FUNCTION_IDENTITY_ID: `${app}/Microsoft.ManagedIdentity/userAssignedIdentities/id-podroutes-dev`,
    CLUSTER_RESOURCE_GROUP: 'kubernetes',
    ROUTE_TABLE_RESOURCE_GROUP: v.routeTableGroup,
    VNET_RESOURCE_GROUP: v.vnetGroup,
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
  };
}

const ok = async (e: Emulator, method: string, path: string, body?: unknown) => {
  const r = await raw(e, method, path, body === undefined ? {} : { body });
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as Record<string, any>;
};
const writes = (e: Emulator) => e.requests().filter((r) => !['GET', 'HEAD'].includes(r.method));

describe.each(variants)('deploy rehearsal: $name', (v) => {
  let e: Emulator;
  let proxy: TrapProxy;
  let session: AzSession;
  let host: FunctionsHost;
  let values: Record<string, string>;
  let groups: string[];
  const groupId = (g: string) => `/subscriptions/${e.subscriptionId}/resourceGroups/${g}`;
  const functionId = () => `${values.AZURE_FUNCTION_APP_ID}/functions/${FILTER.functionName}`;

  beforeAll(async () => {
    e = await startEmulator({ world: world(v), lro: { inProgressPolls: 1, retryAfterSeconds: 0 } });
    proxy = await startTrapProxy();
    values = azdValues(e, v);
    groups = [...new Set(['kubernetes', v.routeTableGroup, v.vnetGroup])];
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
    await host?.stop();
    session?.dispose();
    await proxy?.stop();
    await e?.stop();
  });

  /** The group's system topics and the hook's subscription on each, read through ARM. */
  async function readBack(g: string) {
    const topics = (
      await ok(e, 'GET', `${groupId(g)}/providers/Microsoft.EventGrid/systemTopics?api-version=${EG}`)
    ).value as Array<Record<string, any>>;
    const subs = [];
    for (const t of topics)
      subs.push(
        await ok(e, 'GET', `${t.id}/eventSubscriptions/${FILTER.subscriptionName}?api-version=${EG}`),
      );
    return { topics, subs };
  }

  it('the hook waits for the function to be indexed, then subscribes it on every group, through az only', async () => {
    e.clearRequests();
    const hook = runHook(session, values);
    // The function is indexed a few seconds after the hook started waiting (as after `azd deploy`).
    await vi.waitFor(
      () =>
        expect(
          e.requests().some((r) => r.path.endsWith(`/functions/${FILTER.functionName}`) && r.status === 404),
        ).toBe(true),
      { timeout: 30_000, interval: 200 },
    );
    host = await startFunctionsHost(async () => undefined);
    e.functions.register({ resourceId: functionId(), url: host.webhook(FILTER.functionName) });
    const run = await hook;
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('waiting for function reconcileOnResourceChange');

    for (const g of groups) {
      const { topics, subs } = await readBack(g);
      expect(topics, g).toHaveLength(1);
      const [topic] = topics as [Record<string, any>];
      expect(topic.properties.source.toLowerCase()).toBe(groupId(g).toLowerCase());
      expect(topic.name).toBe(
        g === 'kubernetes' && v.existingTopic ? v.existingTopic : values.EVENT_GRID_SYSTEM_TOPIC_NAME,
      );
      expect(Object.keys(topic.identity.userAssignedIdentities).map((k) => k.toLowerCase())).toContain(
        values.AZURE_FUNCTION_IDENTITY_ID!.toLowerCase(),
      );
      if (v.existingTopic && g === 'kubernetes') {
        // Reused, not replaced: its own identity and tags are still there.
        expect(topic.identity.type).toBe('SystemAssigned, UserAssigned');
        expect(topic.tags).toEqual({ owner: 'platform-team' });
      }
      expect(subs[0]!.properties).toMatchObject({
        provisioningState: 'Succeeded',
        destination: { endpointType: 'AzureFunction', properties: { resourceId: functionId() } },
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
    }
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
});
