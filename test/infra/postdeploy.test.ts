// The postdeploy hook's own decisions, without Azure: which groups get a subscription, what a bad azd value
// says, when a stored subscription counts as up to date, and what reusing someone else's topic changes.
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM hook without type declarations
import { covers, distinctGroups, readInputs, topicWithIdentity } from '../../infra/hooks/postdeploy.mjs';

const SUB = '3f2a7c1e-8b4d-4e6f-9a1b-2c3d4e5f6a7b';
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
    expect(readInputs(env()).groups).toEqual(['kubernetes']);
    expect(readInputs(env({ ROUTE_TABLE_RESOURCE_GROUP: 'net', VNET_RESOURCE_GROUP: 'NET' })).groups).toEqual(
      ['kubernetes', 'net'],
    );
    expect(distinctGroups(['a', 'b', 'A', 'c'])).toEqual(['a', 'b', 'c']);
  });

  it('splits the dead-letter container id into the storage account and container the API wants', () => {
    expect(readInputs(env()).deadLetter).toEqual({
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

describe('postdeploy hook comparisons', () => {
  it('counts a stored subscription with extra defaults as up to date, and any changed value as not', () => {
    const wanted = {
      properties: { filter: { includedEventTypes: ['A', 'B'] }, retryPolicy: { maxDeliveryAttempts: 30 } },
    };
    const stored = {
      id: '/x',
      properties: {
        provisioningState: 'Succeeded',
        filter: { includedEventTypes: ['A', 'B'], isSubjectCaseSensitive: false },
        retryPolicy: { maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 },
      },
    };
    expect(covers(stored, wanted)).toBe(true);
    expect(
      covers(
        { ...stored, properties: { ...stored.properties, retryPolicy: { maxDeliveryAttempts: 10 } } },
        wanted,
      ),
    ).toBe(false);
    expect(
      covers({ properties: { ...stored.properties, filter: { includedEventTypes: ['A'] } } }, wanted),
    ).toBe(false);
    // ARM may return ids in another case.
    expect(covers({ id: '/SUBSCRIPTIONS/S/x' }, { id: '/subscriptions/s/x' })).toBe(true);
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
