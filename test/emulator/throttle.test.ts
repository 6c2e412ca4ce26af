// ARM's subscription token buckets as the emulator keeps them (request-limits-and-throttling): one bucket per
// subscription, principal and class (reads, writes, deletes), the remaining count on every answer, and an empty
// bucket answered 429 SubscriptionRequestsThrottled with Retry-After.
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { RG, raw, start, TABLE } from './helpers.js';

const V = 'api-version=2024-05-01';
let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});

const tablePath = (sub: string) =>
  `/subscriptions/${sub}/resourceGroups/${RG}/providers/Microsoft.Network/routeTables/${TABLE}?${V}`;

describe("the emulator's ARM token buckets", () => {
  it("count each class down in its own header, Azure's sizes by default", async () => {
    emulator = await start();
    const path = tablePath(emulator.subscriptionId);
    const read = await raw(emulator, 'GET', path);
    expect(read.headers.get('x-ms-ratelimit-remaining-subscription-reads')).toBe('249');
    const routePath = path.replace(`?${V}`, `/routes/nothing-here?${V}`);
    const deleted = await raw(emulator, 'DELETE', routePath);
    expect(deleted.headers.get('x-ms-ratelimit-remaining-subscription-deletes')).toBe('199');
    expect(deleted.headers.get('x-ms-ratelimit-remaining-subscription-writes')).toBeNull();
  });

  it('answer 429 SubscriptionRequestsThrottled with Retry-After once a bucket is empty, for that subscription only', async () => {
    emulator = await start({ throttle: { reads: { burst: 2, perSecond: 0.1 } } });
    const path = tablePath(emulator.subscriptionId);
    expect((await raw(emulator, 'GET', path)).status).toBe(200);
    expect((await raw(emulator, 'GET', path)).status).toBe(200);
    const refused = await raw(emulator, 'GET', path);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('10');
    expect(refused.headers.get('x-ms-ratelimit-remaining-subscription-reads')).toBe('0');
    expect(refused.body).toEqual({
      error: {
        code: 'SubscriptionRequestsThrottled',
        message: expect.stringMatching(
          new RegExp(
            `^Number of 'read' requests for subscription '${emulator.subscriptionId}' actor '.+' exceeded\\. Please try again after '10' seconds`,
            'u',
          ),
        ),
      },
    });
    // Writes have their own bucket; another subscription has its own buckets (404: no such group there).
    const other = tablePath('00000000-0000-0000-0000-00000000abcd');
    expect((await raw(emulator, 'GET', other)).status).not.toBe(429);
  });

  it('only report with enforce off', async () => {
    emulator = await start({ throttle: { enforce: false, reads: { burst: 1, perSecond: 0.1 } } });
    const path = tablePath(emulator.subscriptionId);
    for (let i = 0; i < 3; i++) expect((await raw(emulator, 'GET', path)).status).toBe(200);
  });
});
