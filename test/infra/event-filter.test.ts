// The Event Grid subscription's filter equals what the handler acts on, and the hook sends exactly it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM hook without type declarations
import { eventSubscriptionBody } from '../../infra/hooks/postdeploy.mjs';
import { HANDLED_EVENT_TYPES, HANDLED_OPERATION_NAMES } from '../../src/functions/event-filter-catalog.js';
import { INFRA_DIR } from './bicep.js';

interface EventFilter {
  functionName: string;
  subscriptionName: string;
  includedEventTypes: string[];
  advancedFilters: Array<{ operatorType: string; key: string; values: string[] }>;
  retryPolicy: { maxDeliveryAttempts: number; eventTimeToLiveInMinutes: number };
}
const filterPath = join(INFRA_DIR, 'event-filter.json');
const filter = JSON.parse(readFileSync(filterPath, 'utf8')) as EventFilter;
const sorted = (xs: readonly string[]) => [...xs].sort();

describe('infra/event-filter.json', () => {
  it('includes exactly the handled event types', () => {
    expect(sorted(filter.includedEventTypes)).toEqual(sorted(HANDLED_EVENT_TYPES));
  });

  it('filters data.operationName with StringIn to exactly the handled operations', () => {
    expect(filter.advancedFilters).toHaveLength(1);
    const [f] = filter.advancedFilters;
    expect(f!.key).toBe('data.operationName');
    expect(f!.operatorType).toBe('StringIn');
    expect(sorted(f!.values)).toEqual(sorted(HANDLED_OPERATION_NAMES));
    expect(new Set(f!.values).size).toBe(f!.values.length);
    // Event Grid allows at most 25 values across the advanced filters of one subscription.
    expect(f!.values.length).toBeLessThanOrEqual(25);
  });

  it('retries for a day (30 attempts, 1440 min TTL) and targets reconcileOnResourceChange', () => {
    expect(filter.retryPolicy).toEqual({ maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 });
    expect(filter.functionName).toBe('reconcileOnResourceChange');
    expect(filter.subscriptionName).toMatch(/^[A-Za-z0-9-]{3,64}$/u);
  });
});

describe('postdeploy hook', () => {
  const sh = readFileSync(join(INFRA_DIR, 'hooks/postdeploy.sh'), 'utf8');
  const ps1 = readFileSync(join(INFRA_DIR, 'hooks/postdeploy.ps1'), 'utf8');
  const mjs = readFileSync(join(INFRA_DIR, 'hooks/postdeploy.mjs'), 'utf8');
  const ids = {
    functionAppId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/app',
    identityId:
      '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id',
    deadLetter: {
      storageAccountId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st',
      containerName: 'dl',
    },
  };

  it('sends every type, operation and the retry policy of the filter file, to the function', () => {
    const p = eventSubscriptionBody(filter, ids).properties;
    expect(p.filter.includedEventTypes).toEqual(filter.includedEventTypes);
    expect(p.filter.advancedFilters).toEqual(filter.advancedFilters);
    expect(p.retryPolicy).toEqual(filter.retryPolicy);
    expect(p.destination.properties.resourceId).toBe(`${ids.functionAppId}/functions/${filter.functionName}`);
  });

  it.each([
    ['postdeploy.sh', sh],
    ['postdeploy.ps1', ps1],
  ])('%s runs the one Node script and nothing of az eventgrid', (_name, text) => {
    expect(text).toMatch(/node .*postdeploy\.mjs/u);
    expect(text).not.toMatch(/az eventgrid|az functionapp/u);
  });

  it('reads the filter file and never hard-codes it; talks to Azure only through az rest and az account show', () => {
    expect(mjs).toContain("'event-filter.json'");
    for (const v of [...HANDLED_EVENT_TYPES, ...HANDLED_OPERATION_NAMES]) expect(mjs).not.toContain(v);
    const azCalls = [...mjs.matchAll(/az\(\[\s*'([a-z]+)',\s*'([a-z]+)'/gu)].map((m) => `${m[1]} ${m[2]}`);
    const restCalls = [...mjs.matchAll(/\['(rest)', '--method'/gu)].map((m) => m[1]);
    expect(azCalls).toEqual(['account show']);
    expect(restCalls).toEqual(['rest']);
  });
});
