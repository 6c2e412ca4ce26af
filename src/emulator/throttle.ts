// ARM's subscription token buckets (field notes: reads 250 burst / 25 per s, writes 200 / 10 per s; deletes
// share the write budget here). They always drive the x-ms-ratelimit-remaining-subscription-* headers; with
// `throttle: true` an empty bucket answers 429 SubscriptionRequestsThrottled with Retry-After.

export interface BucketSpec {
  burst: number;
  perSecond: number;
}

export interface ThrottleSettings {
  /** Refuse requests when a bucket is empty (default false: headers only). */
  enforce: boolean;
  reads: BucketSpec;
  writes: BucketSpec;
}

export const DEFAULT_THROTTLE: ThrottleSettings = {
  enforce: false,
  reads: { burst: 250, perSecond: 25 },
  writes: { burst: 200, perSecond: 10 },
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

export class Throttle {
  private reads: Bucket;
  private writes: Bucket;
  constructor(private readonly settings: ThrottleSettings) {
    this.reads = new Bucket(settings.reads);
    this.writes = new Bucket(settings.writes);
  }

  /** Full buckets again. */
  reset(): void {
    this.reads = new Bucket(this.settings.reads);
    this.writes = new Bucket(this.settings.writes);
  }

  /** Charges the request; returns the seconds to wait when it must be refused, else undefined. */
  charge(method: string): number | undefined {
    const bucket = method === 'GET' ? this.reads : this.writes;
    if (bucket.take()) return undefined;
    return this.settings.enforce ? bucket.secondsUntilToken() : undefined;
  }

  headers(method: string): Record<string, string> {
    if (method === 'GET')
      return { 'x-ms-ratelimit-remaining-subscription-reads': String(this.reads.remaining()) };
    const name = method === 'DELETE' ? 'deletes' : 'writes';
    return { [`x-ms-ratelimit-remaining-subscription-${name}`]: String(this.writes.remaining()) };
  }
}
