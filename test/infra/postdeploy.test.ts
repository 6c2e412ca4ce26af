// The postdeploy hook's own decisions, without Azure: which (subscription, group) pairs get a subscription,
// from the single-cluster settings or the fleet file, what a bad azd value or fleet entry says, where events go
// in another subscription, when a stored subscription counts as up to date, and what reusing someone else's
// topic changes.
import { describe, expect, it } from 'vitest';
import {
  destinationFor,
  distinctTargets,
  eventSubscriptionBody,
  fleetTargets,
  readFilter,
  readInputs,
  sameDefinition,
  topicWithIdentity,
  waitFor,
  // @ts-expect-error plain ESM hook without type declarations
} from '../../infra/hooks/postdeploy.mjs';

const SUB = '3f2a7c1e-8b4d-4e6f-9a1b-2c3d4e5f6a7b';
// biome-ignore lint/suspicious/noExplicitAny: stored ARM JSON, edited field by field
type Props = Record<string, any>;
const SUB2 = '0b7d2a4e-1111-4c2d-9e3f-5a6b7c8d9e0f';
const at = (subscriptionId: string, resourceGroup: string) => ({ subscriptionId, resourceGroup });
const env = (over: Record<string, string> = {}) => ({
  AZURE_FUNCTION_APP_ID: `/subscriptions/${SUB}/resourceGroups/rg-dev/providers/Microsoft.Web/sites/func-1`,
  AZURE_FUNCTION_IDENTITY_ID: `/subscriptions/${SUB}/resourceGroups/rg-dev/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-1`,
  CLUSTER_RESOURCE_GROUP: 'kubernetes',
  EVENT_GRID_SYSTEM_TOPIC_NAME: 'evgt-podroutes-1',
  DEAD_LETTER_CONTAINER_ID: `/subscriptions/${SUB}/resourceGroups/rg-dev/providers/Microsoft.Storage/storageAccounts/st1/blobServices/default/containers/eventgrid-deadletter`,
  ...over,
});

describe('postdeploy hook inputs', () => {
  it('subscribes each distinct group once: cluster, route table, vnet (names are case-insensitive)', () => {
    expect(readInputs(env()).targets).toEqual([at(SUB, 'kubernetes')]);
    expect(
      readInputs(env({ ROUTE_TABLE_RESOURCE_GROUP: 'net', VNET_RESOURCE_GROUP: 'NET' })).targets,
    ).toEqual([at(SUB, 'kubernetes'), at(SUB, 'net')]);
    expect(distinctTargets([at(SUB, 'a'), at(SUB.toUpperCase(), 'A'), at(SUB2, 'a')])).toEqual([
      at(SUB, 'a'),
      at(SUB2, 'a'),
    ]);
  });

  it('takes the groups of every cluster of the fleet file when CLUSTERS_FILE is set, in every subscription', () => {
    const fleet = {
      clusters: [
        {
          name: 'blue',
          subscriptionId: SUB,
          clusterCidr: '10.200.0.0/16',
          workers: [{ resourceGroup: 'blue-nodes' }, { resourceGroup: 'blue-gpu', subscriptionId: SUB2 }],
          routeTables: [
            {
              name: 'rt-east',
              resourceGroup: 'blue-net',
              subnets: [
                { virtualNetwork: 'vnet', name: 'nodes' },
                { virtualNetwork: 'vnet2', name: 'cp', resourceGroup: 'blue-vnets' },
              ],
            },
            { name: 'rt-west', resourceGroup: 'west-net', subscriptionId: SUB2, subnets: [] },
          ],
        },
        {
          name: 'green',
          subscriptionId: SUB2,
          clusterCidr: '10.201.0.0/16',
          workers: [{ resourceGroup: 'WEST-NET' }],
          routeTables: [],
        },
      ],
    };
    const files: Record<string, string> = { 'clusters.json': JSON.stringify(fleet) };
    const inputs = readInputs(
      env({ CLUSTERS_FILE: 'clusters.json', CLUSTER_RESOURCE_GROUP: '' }),
      (f: string) => files[f] ?? '',
    );
    expect(inputs.targets).toEqual([
      at(SUB, 'blue-nodes'),
      at(SUB2, 'blue-gpu'),
      at(SUB, 'blue-net'),
      at(SUB, 'blue-vnets'),
      at(SUB2, 'west-net'),
    ]);
    expect(() => fleetTargets({ clusters: [{ name: 'x', subscriptionId: 'nope', workers: [] }] })).toThrow(
      /clusters.json: clusters\[0\]\.subscriptionId: expected a subscription id \(GUID\), got "nope"/u,
    );
    expect(() =>
      fleetTargets({
        clusters: [{ name: 'x', subscriptionId: SUB, workers: [{ resourceGroup: 'bad/group' }] }],
      }),
    ).toThrow(/clusters\[0\]\.workers\[0\]\.resourceGroup: expected a resource group name/u);
    expect(() =>
      readInputs(env({ CLUSTERS_FILE: 'missing.json' }), () => {
        throw new Error('ENOENT');
      }),
    ).toThrow(/CLUSTERS_FILE missing.json: cannot be read \(ENOENT\)/u);
  });

  it('delivers to the function itself in its own subscription, to its Event Grid URL in another', () => {
    const inputs = readInputs(env());
    const filter = readFilter();
    expect(destinationFor(at(SUB, 'kubernetes'), inputs, filter)).toEqual({
      endpointType: 'AzureFunction',
      properties: {
        resourceId: `${inputs.functionAppId}/functions/reconcileOnResourceChange`,
        maxEventsPerBatch: 1,
        preferredBatchSizeInKilobytes: 64,
      },
    });
    const url =
      'https://func-1.azurewebsites.net/runtime/webhooks/EventGrid?functionName=reconcileOnResourceChange&code=k';
    expect(destinationFor(at(SUB2, 'kubernetes'), inputs, filter, url)).toEqual({
      endpointType: 'WebHook',
      properties: { endpointUrl: url, maxEventsPerBatch: 1, preferredBatchSizeInKilobytes: 64 },
    });
  });

  it('splits the dead-letter container id into the storage account and container the API wants', () => {
    expect(readInputs(env()).deadLetter).toEqual({
      containerId: env().DEAD_LETTER_CONTAINER_ID,
      storageAccountId: `/subscriptions/${SUB}/resourceGroups/rg-dev/providers/Microsoft.Storage/storageAccounts/st1`,
      containerName: 'eventgrid-deadletter',
    });
    expect(readInputs(env()).subscriptionId).toBe(SUB);
  });

  it('names the missing or malformed azd value and what was expected', () => {
    expect(() => readInputs(env({ CLUSTER_RESOURCE_GROUP: ' ' }))).toThrow(
      /CLUSTER_RESOURCE_GROUP is missing .*azd hooks run postdeploy/u,
    );
    expect(() => readInputs(env({ AZURE_FUNCTION_APP_ID: 'func-1' }))).toThrow(
      /AZURE_FUNCTION_APP_ID: expected \/subscriptions\/\{id\}.*got 'func-1'/u,
    );
    expect(() => readInputs(env({ DEAD_LETTER_CONTAINER_ID: 'st1/eventgrid-deadletter' }))).toThrow(
      /DEAD_LETTER_CONTAINER_ID: expected \{storage account id\}/u,
    );
  });
});

describe('postdeploy hook waits', () => {
  it('gives up only once the time it announces has passed, even when the poll interval is longer', async () => {
    const started = Date.now();
    let probes = 0;
    await expect(
      waitFor(
        () => {
          probes += 1;
          return undefined;
        },
        { timeoutS: 0.6, pollS: 30, timeoutMessage: 'not after 0.6 s' },
      ),
    ).rejects.toThrow('not after 0.6 s');
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(probes).toBe(2); // the first, and one at the deadline
  });
});

describe('postdeploy hook comparisons', () => {
  const inputs = () => readInputs(env());
  /** What Event Grid stores for the hook's body: read-only fields added, empty ones as null. */
  const stored = (body: {
    properties: Record<string, unknown>;
  }): { id: string; properties: Record<string, unknown> } => ({
    id: '/x',
    properties: {
      ...structuredClone(body.properties),
      topic: '/SUBSCRIPTIONS/X',
      provisioningState: 'Succeeded',
      expirationTimeUtc: null,
      deadLetterDestination: null,
      labels: null,
    },
  });

  it('counts the stored definition as up to date only when the whole of it equals what the hook manages', () => {
    const body = eventSubscriptionBody(readFilter(), inputs());
    expect(sameDefinition(stored(body), body)).toBe(true);
    // Fields the hook does not set, edited by hand, count as a difference too.
    for (const edit of [
      (p: Props) => {
        p.filter.subjectBeginsWith = '/subscriptions/none';
      },
      (p: Props) => {
        p.expirationTimeUtc = '2030-01-01T00:00:00Z';
      },
      (p: Props) => {
        p.eventDeliverySchema = 'CloudEventSchemaV1_0';
      },
      (p: Props) => {
        p.labels = ['x'];
      },
      (p: Props) => {
        p.retryPolicy.maxDeliveryAttempts = 10;
      },
      (p: Props) => {
        p.filter.includedEventTypes = p.filter.includedEventTypes.slice(1);
      },
    ]) {
      const s = stored(body);
      edit(s.properties);
      expect(sameDefinition(s, body)).toBe(false);
    }
    // ARM may return ids in another case.
    const upper = stored(body);
    (upper.properties.destination as { properties: { resourceId: string } }).properties.resourceId = (
      upper.properties.destination as { properties: { resourceId: string } }
    ).properties.resourceId.toUpperCase();
    expect(sameDefinition(upper, body)).toBe(true);
  });

  it('compares a WebHook by the base URL Event Grid shows, its secret query never read back', () => {
    const url = 'https://func-1.azurewebsites.net/runtime/webhooks/EventGrid?functionName=f&code=secret';
    const body = eventSubscriptionBody(readFilter(), inputs(), {
      endpointType: 'WebHook',
      properties: { endpointUrl: url, maxEventsPerBatch: 1, preferredBatchSizeInKilobytes: 64 },
    });
    const s = stored(body);
    s.properties.destination = {
      endpointType: 'WebHook',
      properties: {
        endpointBaseUrl: 'https://func-1.azurewebsites.net/runtime/webhooks/EventGrid',
        maxEventsPerBatch: 1,
        preferredBatchSizeInKilobytes: 64,
      },
    };
    expect(sameDefinition(s, body)).toBe(true);
    (s.properties.destination as { properties: Record<string, unknown> }).properties.endpointBaseUrl =
      'https://elsewhere.example/api';
    expect(sameDefinition(s, body)).toBe(false);
  });

  it('adds the app identity to a reused topic and keeps its own system identity, tags, source and location', () => {
    const topic = {
      id: '/subscriptions/s/resourceGroups/kubernetes/providers/Microsoft.EventGrid/systemTopics/ops-topic',
      name: 'ops-topic',
      location: 'global',
      tags: { owner: 'ops' },
      identity: { type: 'SystemAssigned', principalId: 'p', tenantId: 't' },
      properties: {
        source: '/subscriptions/s/resourceGroups/kubernetes',
        topicType: 'Microsoft.Resources.ResourceGroups',
        provisioningState: 'Succeeded',
        metricResourceId: 'm',
      },
    };
    expect(topicWithIdentity(topic, '/ids/app')).toEqual({
      location: 'global',
      tags: { owner: 'ops' },
      identity: { type: 'SystemAssigned, UserAssigned', userAssignedIdentities: { '/ids/app': {} } },
      properties: { source: topic.properties.source, topicType: 'Microsoft.Resources.ResourceGroups' },
    });
    const withUser = {
      ...topic,
      identity: { type: 'UserAssigned', userAssignedIdentities: { '/ids/other': { principalId: 'q' } } },
    };
    expect(topicWithIdentity(withUser, '/ids/app').identity).toEqual({
      type: 'UserAssigned',
      userAssignedIdentities: { '/ids/other': {}, '/ids/app': {} },
    });
  });
});
