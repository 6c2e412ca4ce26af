// ARM's subscription token buckets, one set per subscription and principal (learn.microsoft.com
// azure-resource-manager/management/request-limits-and-throttling, "Regional throttling and token bucket
// algorithm": reads 250 burst / 25 per s, deletes 200 / 10 per s, writes 200 / 10 per s; FIELD-NOTES §7). Every
// ARM answer carries the caller's `x-ms-ratelimit-remaining-subscription-reads|writes|deletes`; an empty bucket
// answers 429 SubscriptionRequestsThrottled with Retry-After (on by default, as Azure always has them).

export interface BucketSpec {
  burst: number;
  perSecond: number;
}

export type OperationClass = 'reads' | 'writes' | 'deletes';

export interface ThrottleSettings {
  /** Refuse requests when a bucket is empty (default true, as Azure; false: headers only). */
  enforce: boolean;
  reads: BucketSpec;
  writes: BucketSpec;
  deletes: BucketSpec;
  /** Smaller buckets for some subscriptions (lower-case id), e.g. to model one heavily throttled subscription. */
  perSubscription?: Record<string, Partial<Record<OperationClass, BucketSpec>>>;
}

export const DEFAULT_THROTTLE: ThrottleSettings = {
  enforce: true,
  reads: { burst: 250, perSecond: 25 },
  writes: { burst: 200, perSecond: 10 },
  deletes: { burst: 200, perSecond: 10 },
};

class Bucket {
  private tokens: number;
  private last = performance.now();
  constructor(private readonly spec: BucketSpec) {
    this.tokens = spec.burst;
  }
  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(this.spec.burst, this.tokens + ((now - this.last) / 1000) * this.spec.perSecond);
    this.last = now;
  }
  /** Takes one token; returns false when empty. */
  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
  remaining(): number {
    this.refill();
    return Math.max(0, Math.floor(this.tokens));
  }
  secondsUntilToken(): number {
    return Math.max(1, Math.ceil((1 - this.tokens) / this.spec.perSecond));
  }
}

/** GET reads; DELETE deletes; PUT, PATCH and POST write (ARM counts a POST action as a write). */
export function operationClass(method: string): OperationClass {
  if (method === 'GET' || method === 'HEAD') return 'reads';
  return method === 'DELETE' ? 'deletes' : 'writes';
}

/** The subscription a request path names (lower-case), or undefined for tenant-level requests. */
export function subscriptionOf(path: string): string | undefined {
  return /^\/subscriptions\/([^/?]+)/iu.exec(path)?.[1]?.toLowerCase();
}

export class Throttle {
  private buckets = new Map<string, Bucket>();
  constructor(private readonly settings: ThrottleSettings) {}

  /** Full buckets again. */
  reset(): void {
    this.buckets.clear();
  }

  private bucket(subscription: string, principal: string, kind: OperationClass): Bucket {
    const key = `${subscription}|${principal}|${kind}`;
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      const spec = this.settings.perSubscription?.[subscription]?.[kind] ?? this.settings[kind];
      bucket = new Bucket(spec);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  /**
   * Charges the request to its subscription's bucket for this principal; returns the seconds to wait when it
   * must be refused, else undefined. Tenant-level requests (no subscription in the path) are not charged here.
   */
  charge(method: string, path: string, principal: string): number | undefined {
    const subscription = subscriptionOf(path);
    if (subscription === undefined) return undefined;
    const bucket = this.bucket(subscription, principal, operationClass(method));
    if (bucket.take()) return undefined;
    return this.settings.enforce ? bucket.secondsUntilToken() : undefined;
  }

  headers(method: string, path: string, principal: string): Record<string, string> {
    const subscription = subscriptionOf(path);
    if (subscription === undefined) return {};
    const kind = operationClass(method);
    const remaining = this.bucket(subscription, principal, kind).remaining();
    return { [`x-ms-ratelimit-remaining-subscription-${kind}`]: String(remaining) };
  }
}
