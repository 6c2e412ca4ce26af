// Client-side pacing of ARM's token buckets, so that many runs in one subscription slow down instead of
// meeting 429s (a 429 costs a Retry-After wait and, in a storm, hours of throttling). ARM keeps one bucket per
// subscription, principal and region for each of reads, writes and deletes (learn.microsoft.com
// azure-resource-manager/management/request-limits-and-throttling; FIELD-NOTES §7). One pacer per endpoint and
// subscription is shared by every client and run of this process (our identity is the principal); ARM's
// `x-ms-ratelimit-remaining-subscription-*` headers lower our estimate when others draw on the same bucket.
import type { PipelinePolicy, PipelineRequest } from '@azure/core-rest-pipeline';
import { subscriptionOfId } from './ids.js';
import { currentArmRun } from './session.js';

const PACER_POLICY_NAME = 'podRoutesArmPacer';

type Signal = PipelineRequest['abortSignal'];

interface BucketLimit {
  burst: number;
  perSecond: number;
}

type OperationClass = 'reads' | 'writes' | 'deletes';

type BucketLimits = Record<OperationClass, BucketLimit>;

/** ARM's published subscription limits (token bucket, 2024 on). */
const ARM_SUBSCRIPTION_LIMITS: BucketLimits = {
  reads: { burst: 250, perSecond: 25 },
  writes: { burst: 200, perSecond: 10 },
  deletes: { burst: 200, perSecond: 10 },
};

function abortError(): Error {
  return Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });
}

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
  signal: Signal;
  onAbort: () => void;
}

/** One bucket as we estimate it; callers wait their turn in arrival order (fair across concurrent runs). */
class PacedBucket {
  private tokens: number;
  private last = performance.now();
  private readonly queue: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Requests sent and not answered yet. */
  inFlight = 0;
  /** Requests that waited for a token, and for how long in all (ms). */
  waited = 0;
  waitedMs = 0;

  constructor(private readonly limit: BucketLimit) {
    this.tokens = limit.burst;
  }

  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(this.limit.burst, this.tokens + ((now - this.last) / 1000) * this.limit.perSecond);
    this.last = now;
  }

  acquire(signal: Signal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortError());
    this.refill();
    if (this.queue.length === 0 && this.tokens >= 1) {
      this.tokens -= 1;
      return Promise.resolve();
    }
    const started = performance.now();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve: () => {
          this.waited++;
          this.waitedMs += performance.now() - started;
          resolve();
        },
        reject,
        signal,
        onAbort: () => {
          const at = this.queue.indexOf(waiter);
          if (at >= 0) this.queue.splice(at, 1);
          reject(abortError());
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.queue.push(waiter);
      this.schedule();
    });
  }

  /**
   * ARM said how many tokens were left when it took this request's: never believe we have more (other callers
   * share the bucket), less what our requests still on the wire may have taken since.
   */
  observe(remaining: number): void {
    this.refill();
    this.tokens = Math.min(this.tokens, remaining - this.inFlight);
  }

  /** A 429: the bucket is empty now, whatever we thought. */
  exhausted(): void {
    this.refill();
    this.tokens = Math.min(this.tokens, 0);
  }

  private schedule(): void {
    if (this.timer !== undefined || this.queue.length === 0) return;
    this.refill();
    const waitMs = this.tokens >= 1 ? 0 : ((1 - this.tokens) / this.limit.perSecond) * 1000;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.drain();
    }, Math.ceil(waitMs));
  }

  private drain(): void {
    this.refill();
    while (this.queue.length > 0 && this.tokens >= 1) {
      const waiter = this.queue.shift() as Waiter;
      this.tokens -= 1;
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve();
    }
    this.schedule();
  }
}

/** The three buckets of one subscription as seen by one principal (us). */
class SubscriptionPacer {
  private readonly buckets: Record<OperationClass, PacedBucket>;
  constructor(limits: BucketLimits = ARM_SUBSCRIPTION_LIMITS) {
    this.buckets = {
      reads: new PacedBucket(limits.reads),
      writes: new PacedBucket(limits.writes),
      deletes: new PacedBucket(limits.deletes),
    };
  }
  bucket(kind: OperationClass): PacedBucket {
    return this.buckets[kind];
  }
  /** Requests that had to wait for a token, and the total wait (ms), over the three buckets. */
  waits(): { requests: number; ms: number } {
    const all = Object.values(this.buckets);
    return {
      requests: all.reduce((n, b) => n + b.waited, 0),
      ms: Math.round(all.reduce((n, b) => n + b.waitedMs, 0)),
    };
  }
}

function operationClassOf(method: string): OperationClass {
  if (method === 'GET' || method === 'HEAD') return 'reads';
  return method === 'DELETE' ? 'deletes' : 'writes';
}

const pacers = new Map<string, SubscriptionPacer>();

/** The process-wide pacer of a subscription at an ARM endpoint (made on first use). */
function pacerFor(endpoint: string, subscriptionId: string): SubscriptionPacer {
  const key = `${endpoint.toLowerCase()}|${subscriptionId.toLowerCase()}`;
  let pacer = pacers.get(key);
  if (pacer === undefined) {
    pacer = new SubscriptionPacer();
    pacers.set(key, pacer);
  }
  return pacer;
}

/**
 * Forgets what the pacers learned about the buckets at `endpoint`: for a local ARM that was reset (a new world,
 * its buckets full again). Real ARM's buckets never reset, so the app never calls it.
 */
export function forgetArmPacers(endpoint: string): void {
  const prefix = `${endpoint.toLowerCase()}|`;
  for (const key of [...pacers.keys()]) if (key.startsWith(prefix)) pacers.delete(key);
}

function subscriptionOf(request: PipelineRequest): string | undefined {
  return subscriptionOfId(new URL(request.url).pathname);
}

/**
 * Takes a token of the request's subscription bucket before every attempt (position perRetry: the bounded
 * retry policy's retries pay too), then feeds the answer's remaining-count header (or its 429) back.
 */
export function armPacerPolicy(endpoint: string): PipelinePolicy {
  return {
    name: PACER_POLICY_NAME,
    async sendRequest(request, next) {
      const subscription = subscriptionOf(request);
      if (subscription === undefined) return next(request);
      const kind = operationClassOf(request.method);
      const bucket = pacerFor(endpoint, subscription).bucket(kind);
      await bucket.acquire(request.abortSignal ?? currentArmRun()?.signal);
      bucket.inFlight++;
      let response: Awaited<ReturnType<typeof next>>;
      try {
        response = await next(request);
      } finally {
        bucket.inFlight--;
      }
      const remaining = response.headers.get(`x-ms-ratelimit-remaining-subscription-${kind}`);
      if (remaining !== undefined && /^\d+$/u.test(remaining.trim())) bucket.observe(Number(remaining));
      // A 429 for another operation in progress on the same resource is not the subscription's bucket (FIELD-NOTES
      // §2: wait and retry the resource), so it leaves our estimate alone.
      const anotherOperation = /RetryableErrorDueToAnotherOperation/u.test(response.bodyAsText ?? '');
      if (response.status === 429 && !anotherOperation) bucket.exhausted();
      return response;
    },
  };
}
