// The Event Grid subscription's filter equals what the handler acts on, and both hooks use it.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM helper without type declarations
import { eventSubscriptionArgs } from '../../infra/hooks/event-subscription-args.mjs';
import { HANDLED_EVENT_TYPES, HANDLED_OPERATION_NAMES } from '../../src/functions/event-filter-catalog.js';
import { INFRA_DIR, REPO_ROOT } from './bicep.js';

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

describe('postdeploy hooks', () => {
  const sh = readFileSync(join(INFRA_DIR, 'hooks/postdeploy.sh'), 'utf8');
  const ps1 = readFileSync(join(INFRA_DIR, 'hooks/postdeploy.ps1'), 'utf8');

  it('turn the filter into az arguments with every type and operation', () => {
    const args: string[] = eventSubscriptionArgs(filter);
    expect(args.slice(0, 1 + HANDLED_EVENT_TYPES.length)).toEqual([
      '--included-event-types',
      ...filter.includedEventTypes,
    ]);
    const af = args.indexOf('--advanced-filter');
    expect(args.slice(af, af + 3 + HANDLED_OPERATION_NAMES.length)).toEqual([
      '--advanced-filter',
      'data.operationName',
      'StringIn',
      ...filter.advancedFilters[0]!.values,
    ]);
    expect(args).toEqual(expect.arrayContaining(['--max-delivery-attempts', '30', '--event-ttl', '1440']));
    const printed = execFileSync(
      process.execPath,
      [join(INFRA_DIR, 'hooks/event-subscription-args.mjs'), filterPath],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
      },
    );
    expect(printed.trim().split('\n')).toEqual(args);
  });

  it.each([
    ['postdeploy.sh', sh],
    ['postdeploy.ps1', ps1],
  ])(
    '%s reads the filter file, never hard-codes it, and dead-letters with the topic identity',
    (_name, text) => {
      expect(text).toContain('infra/event-filter.json');
      expect(text).toContain('infra/hooks/event-subscription-args.mjs');
      for (const v of [...HANDLED_EVENT_TYPES, ...HANDLED_OPERATION_NAMES]) expect(text).not.toContain(v);
      expect(text).toMatch(/az eventgrid system-topic event-subscription create/u);
      expect(text).toMatch(/--endpoint-type azurefunction/u);
      expect(text).toMatch(/--endpoint "\$\w+\/functions\/\$\w+"/u);
      expect(text).toMatch(/--deadletter-identity systemassigned/u);
      expect(text).toMatch(/--deadletter-identity-endpoint/u);
    },
  );
});
