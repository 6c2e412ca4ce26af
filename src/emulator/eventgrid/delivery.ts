// Event Grid push delivery, as "Event Grid message delivery and retry" documents it: each event is POSTed at
// once (a JSON array of one event); Event Grid waits 30 s for the answer; a timeout or a non-2xx answer is a
// failed attempt, retried on the fixed schedule 10 s, 30 s, 1 min, 5 min, 10 min, 30 min, 1 h, 3 h, 6 h, then
// every 12 h, until the subscription's maxDeliveryAttempts or eventTimeToLiveInMinutes runs out (whichever
// comes first); then the event is dead-lettered (when a dead-letter destination is set) or dropped. Answers that
// retrying cannot fix (400, 413, 403; and 401 for a WebHook) are dead-lettered/dropped at once.
// Delayed delivery (same page, "Delayed delivery"): "As an endpoint experiences delivery failures, Event Grid
// will begin to delay the delivery and retry of events to that endpoint. For example, if the first 10 events
// published to an endpoint fail, Event Grid will assume that the endpoint is experiencing issues and will delay
// all subsequent retries *and new* deliveries for some time - in some cases up to several hours." Modelled per
// endpoint URL: `delayAfterFailures` failed attempts in a row (10) hold every attempt, new or retry, until the
// delay ends; a failure once it has ended holds them again, each time for the next of `delayStepsMs`; a success
// ends it. The page gives no durations: the steps are this model's choice, the retry schedule's own steps from
// 5 minutes on (5 min, 10 min, 30 min, 1 h), then 2 h and 4 h ("up to several hours").
// Not modelled: batching (each event goes alone, which maxEventsPerBatch >= 1 allows), the best-effort removal
// of a retry when a late answer arrives, the random jitter. `timeScale` scales every delay for tests.

export interface DeliverySettings {
  /** How long Event Grid waits for an answer, in ms before scaling (default 30 000). */
  timeoutMs: number;
  /** Multiplies every delay: timeout, retry schedule, delayed delivery, time to live (default 1; e.g. 0.01 in tests). */
  timeScale: number;
  /** Failed attempts in a row to one endpoint after which its deliveries are delayed (default 10). */
  delayAfterFailures: number;
  /** How long successive delays of an endpoint last, in ms before scaling; the last one repeats. */
  delayStepsMs: readonly number[];
}

const S = 1000;
const MIN = 60 * S;

export const DEFAULT_DELIVERY: DeliverySettings = {
  timeoutMs: 30_000,
  timeScale: 1,
  delayAfterFailures: 10,
  delayStepsMs: [5 * MIN, 10 * MIN, 30 * MIN, 60 * MIN, 120 * MIN, 240 * MIN],
};

/** Delay before retry n (n = 1 is the second attempt); past the list, every 12 hours. */
const RETRY_SCHEDULE_MS = [10, 30, 60, 300, 600, 1800, 3600, 3 * 3600, 6 * 3600].map((s) => s * S);
const LATER_RETRY_MS = 12 * 3600 * S;

export interface DeliveryTarget {
  /** The event subscription's id, or `eventsTo` for the emulator's implicit subscription. */
  subscription: string;
  endpointType: 'AzureFunction' | 'WebHook';
  /**
   * The URL now (looked up at every attempt), undefined when the destination cannot be reached, or the answer
   * of a front that refused it without forwarding (a Functions host without the right key: 401).
   */
  url: () => string | { status: number } | undefined;
  schema: 'EventGridSchema' | 'CloudEventSchemaV1_0' | 'CustomInputSchema';
  maxDeliveryAttempts: number;
  eventTimeToLiveInMinutes: number;
  deadLetter: boolean;
}

interface AttemptRecord {
  /** HTTP status, or 0 when there was no answer (timeout, connection refused, no endpoint). */
  status: number;
  outcome: 'Succeeded' | 'TimedOut' | 'HttpError' | 'NetworkError' | 'NoEndpoint';
  ms: number;
}

export interface DeliveryRecord {
  subscription: string;
  eventId: string;
  eventType: string;
  subject: string;
  attempts: AttemptRecord[];
  /** Times an attempt of this event was held back because its endpoint's deliveries were delayed. */
  held: number;
  state: 'pending' | 'delivered' | 'deadLettered' | 'dropped';
}

/** One endpoint's recent failures, for delayed delivery. */
interface EndpointHealth {
  failuresInARow: number;
  /** Delays so far since the last success (the next one lasts delayStepsMs[delays]). */
  delays: number;
  /** Epoch ms until which every attempt to the endpoint is held (0: not delayed). */
  delayedUntil: number;
}

/** What Event Grid writes with a dead-lettered event (its dead-letter blob's extra properties). */
export interface DeadLetteredEvent {
  subscription: string;
  event: Record<string, unknown>;
  deadLetterReason: 'MaxDeliveryAttemptsExceeded' | 'TimeToLiveExceeded' | 'NonRetriableError';
  deliveryAttempts: number;
  lastDeliveryOutcome: string;
  lastHttpStatusCode: number;
  publishTime: string;
  lastDeliveryAttemptTime: string;
}

export interface DeliveryStats {
  /** (subscription, event) pairs accepted for delivery. */
  events: number;
  attempts: number;
  delivered: number;
  /** Failed attempts (timeouts included). */
  failures: number;
  timeouts: number;
  /** Attempts after the first of an event (redeliveries). */
  retries: number;
  deadLettered: number;
  dropped: number;
  /** Events not yet delivered, dead-lettered or dropped. */
  pending: number;
  /** Attempts held back by delayed delivery. */
  held: number;
}

type Event = Record<string, unknown> & { id: string; eventType: string; subject: string; eventTime: string };

const outcomeName = (a: AttemptRecord): string => {
  if (a.outcome === 'TimedOut') return 'TimedOut';
  if (a.outcome !== 'HttpError') return a.outcome === 'Succeeded' ? 'Succeeded' : 'GenericError';
  const names: Record<number, string> = {
    400: 'BadRequest',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'NotFound',
    413: 'RequestEntityTooLarge',
    503: 'Busy',
  };
  return names[a.status] ?? 'GenericError';
};

/** The event in CloudEvents 1.0, with the attributes of the spec's cloud-events-schema samples. */
function toCloudEvent(e: Event): Record<string, unknown> {
  return {
    source: e.topic,
    subject: e.subject,
    type: e.eventType,
    time: e.eventTime,
    id: e.id,
    data: e.data,
    specversion: '1.0',
  };
}

export class Delivery {
  readonly records: DeliveryRecord[] = [];
  readonly deadLetters: DeadLetteredEvent[] = [];
  private timers = new Set<NodeJS.Timeout>();
  private inFlight = new Set<Promise<void>>();
  private idle: Array<() => void> = [];
  private pendingCount = 0;
  private generation = 0;
  private endpoints = new Map<string, EndpointHealth>();
  /** Aborted by reset(): attempts on the wire end at once. */
  private stopping = new AbortController();

  constructor(readonly settings: DeliverySettings) {}

  private scaled(ms: number): number {
    return Math.max(0, Math.round(ms * this.settings.timeScale));
  }

  /** Accepts one event for one subscription: the first attempt starts now. */
  enqueue(target: DeliveryTarget, event: Event): void {
    const record: DeliveryRecord = {
      subscription: target.subscription,
      eventId: event.id,
      eventType: event.eventType,
      subject: event.subject,
      attempts: [],
      held: 0,
      state: 'pending',
    };
    this.records.push(record);
    this.pendingCount++;
    const expiresAt = Date.now() + this.scaled(target.eventTimeToLiveInMinutes * 60 * S);
    this.track(this.attempt(target, event, record, expiresAt, this.generation));
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => {
      this.inFlight.delete(p);
      this.wakeIfIdle();
    });
  }

  private async attempt(
    target: DeliveryTarget,
    event: Event,
    record: DeliveryRecord,
    expiresAt: number,
    generation: number,
  ): Promise<void> {
    if (generation !== this.generation) return;
    const now = target.url();
    const endpoint = typeof now === 'string' ? now : target.subscription;
    const heldFor = this.delayedFor(endpoint);
    if (heldFor > 0) {
      record.held++;
      this.later(heldFor, () => this.attempt(target, event, record, expiresAt, generation));
      return;
    }
    if (record.attempts.length > 0 && Date.now() > expiresAt) {
      this.giveUp(target, event, record, 'TimeToLiveExceeded');
      return;
    }
    const result = await this.post(target, event, record.attempts.length);
    if (generation !== this.generation) return;
    record.attempts.push(result);
    this.noteOutcome(endpoint, result.outcome === 'Succeeded');
    if (result.outcome === 'Succeeded') {
      this.settle(record, 'delivered');
      return;
    }
    const noRetry = [400, 413, 403, ...(target.endpointType === 'WebHook' ? [401] : [])];
    if (result.outcome === 'HttpError' && noRetry.includes(result.status)) {
      this.giveUp(target, event, record, 'NonRetriableError');
      return;
    }
    if (record.attempts.length >= target.maxDeliveryAttempts) {
      this.giveUp(target, event, record, 'MaxDeliveryAttemptsExceeded');
      return;
    }
    const delay = this.scaled(RETRY_SCHEDULE_MS[record.attempts.length - 1] ?? LATER_RETRY_MS);
    if (Date.now() + delay > expiresAt) {
      this.giveUp(target, event, record, 'TimeToLiveExceeded');
      return;
    }
    this.later(delay, () => this.attempt(target, event, record, expiresAt, generation));
  }

  private later(delay: number, attempt: () => Promise<void>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.track(attempt());
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }

  /** Ms left of the endpoint's delay (0: attempts go out now). */
  private delayedFor(endpoint: string): number {
    const until = this.endpoints.get(endpoint)?.delayedUntil ?? 0;
    return Math.max(0, until - Date.now());
  }

  /** Counts failures in a row; the `delayAfterFailures`th, or any once a delay has ended, starts a delay. */
  private noteOutcome(endpoint: string, succeeded: boolean): void {
    if (succeeded) {
      this.endpoints.delete(endpoint);
      return;
    }
    const health = this.endpoints.get(endpoint) ?? { failuresInARow: 0, delays: 0, delayedUntil: 0 };
    this.endpoints.set(endpoint, health);
    health.failuresInARow++;
    const now = Date.now();
    // Attempts already on the wire when a delay started do not lengthen it.
    if (health.failuresInARow < this.settings.delayAfterFailures || health.delayedUntil > now) return;
    const steps = this.settings.delayStepsMs;
    const step = steps[Math.min(health.delays, steps.length - 1)] ?? 0;
    health.delayedUntil = now + this.scaled(step);
    health.delays++;
  }

  private async post(target: DeliveryTarget, event: Event, priorAttempts: number): Promise<AttemptRecord> {
    const started = performance.now();
    const ms = () => Math.round(performance.now() - started);
    const url = target.url();
    if (!url) return { status: 0, outcome: 'NoEndpoint', ms: 0 };
    if (typeof url !== 'string') return { status: url.status, outcome: 'HttpError', ms: ms() };
    const cloud = target.schema === 'CloudEventSchemaV1_0';
    const body = JSON.stringify([cloud ? toCloudEvent(event) : event]);
    const name = target.subscription.split('/').pop() ?? target.subscription;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': cloud ? 'application/cloudevents-batch+json; charset=utf-8' : 'application/json',
          'aeg-event-type': 'Notification',
          'aeg-subscription-name': name.toUpperCase(),
          'aeg-delivery-count': String(priorAttempts),
          'aeg-data-version': String(event.dataVersion ?? ''),
          'aeg-metadata-version': String(event.metadataVersion ?? '1'),
        },
        body,
        signal: AbortSignal.any([
          AbortSignal.timeout(Math.max(1, this.scaled(this.settings.timeoutMs))),
          this.stopping.signal,
        ]),
      });
      await res.arrayBuffer().catch(() => undefined);
      return { status: res.status, outcome: res.ok ? 'Succeeded' : 'HttpError', ms: ms() };
    } catch (err) {
      const name = (err as Error).name;
      const timedOut = name === 'TimeoutError' || name === 'AbortError';
      return { status: 0, outcome: timedOut ? 'TimedOut' : 'NetworkError', ms: ms() };
    }
  }

  private giveUp(
    target: DeliveryTarget,
    event: Event,
    record: DeliveryRecord,
    reason: DeadLetteredEvent['deadLetterReason'],
  ): void {
    if (!target.deadLetter) {
      this.settle(record, 'dropped');
      return;
    }
    const last = record.attempts.at(-1)!;
    this.deadLetters.push({
      subscription: target.subscription,
      event: structuredClone(event),
      deadLetterReason: reason,
      deliveryAttempts: record.attempts.length,
      lastDeliveryOutcome: outcomeName(last),
      lastHttpStatusCode: last.status,
      publishTime: event.eventTime,
      lastDeliveryAttemptTime: new Date().toISOString(),
    });
    this.settle(record, 'deadLettered');
  }

  private settle(record: DeliveryRecord, state: DeliveryRecord['state']): void {
    record.state = state;
    this.pendingCount--;
    this.wakeIfIdle();
  }

  private wakeIfIdle(): void {
    if (this.pendingCount > 0 || this.inFlight.size > 0) return;
    for (const resolve of this.idle.splice(0)) resolve();
  }

  stats(): DeliveryStats {
    const attempts = this.records.flatMap((r) => r.attempts);
    const count = (state: DeliveryRecord['state']) => this.records.filter((r) => r.state === state).length;
    return {
      events: this.records.length,
      attempts: attempts.length,
      delivered: count('delivered'),
      failures: attempts.filter((a) => a.outcome !== 'Succeeded').length,
      timeouts: attempts.filter((a) => a.outcome === 'TimedOut').length,
      retries: this.records.reduce((n, r) => n + Math.max(0, r.attempts.length - 1), 0),
      deadLettered: count('deadLettered'),
      dropped: count('dropped'),
      pending: count('pending'),
      held: this.records.reduce((n, r) => n + r.held, 0),
    };
  }

  /** Resolves when every accepted event is delivered, dead-lettered or dropped (retries included). */
  settled(): Promise<void> {
    if (this.pendingCount === 0 && this.inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Waits for the attempts on the wire now (not for scheduled retries). */
  async flushInFlight(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  /** Forgets everything; scheduled retries are cancelled and answers still on the wire are ignored. */
  reset(): void {
    this.generation++;
    this.stopping.abort();
    this.stopping = new AbortController();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.records.length = 0;
    this.deadLetters.length = 0;
    this.endpoints.clear();
    this.pendingCount = 0;
    for (const resolve of this.idle.splice(0)) resolve();
  }
}
