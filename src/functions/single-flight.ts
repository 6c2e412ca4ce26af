// Coalescing of concurrent triggers on one instance: per key (a route table), at most one run in flight and
// one queued follow-up. Every request made while a run is in flight shares that follow-up, which starts once
// the run has ended, so a caller never gets a result that predates its request. The follow-up runs with the
// requests of all its waiters joined (`join`): what the strongest of them needs, never only what the first
// one asked for. Across instances the route table's ETag keeps writes safe; this only saves ARM reads (and
// rate limit) on bursts of events.

interface Slot<T, R> {
  /** The queued follow-up shared by every request made while this slot's run is in flight. */
  followUp: Promise<T> | undefined;
  /** The joined request of the follow-up's waiters so far. */
  request: R | undefined;
  startFollowUp: (() => void) | undefined;
}

export class SingleFlight<T, R = undefined> {
  readonly #slots = new Map<string, Slot<T, R>>();
  readonly #join: (queued: R, joining: R) => R;

  /** `join`: the request a follow-up runs with when another waiter joins it (default: the first one's). */
  constructor(join: (queued: R, joining: R) => R = (queued) => queued) {
    this.#join = join;
  }

  /** Starts `task` now when nothing runs for `key`; otherwise returns the one follow-up run after the current one. */
  run(key: string, task: () => Promise<T>): Promise<T> {
    return this.runWith(key, undefined as R, () => task());
  }

  /** As `run`, with a request: a follow-up runs `task` (its first waiter's) with every waiter's request joined. */
  runWith(key: string, request: R, task: (request: R) => Promise<T>): Promise<T> {
    const slot = this.#slots.get(key);
    if (slot === undefined) return this.#start(key, request, task);
    if (slot.followUp !== undefined) {
      slot.request = this.#join(slot.request as R, request);
      return slot.followUp;
    }
    slot.request = request;
    slot.followUp = new Promise<T>((resolve, reject) => {
      slot.startFollowUp = () => {
        this.#start(key, slot.request as R, task).then(resolve, reject);
      };
    });
    return slot.followUp;
  }

  /** Keys with a run in flight (diagnostics and tests). */
  get inFlight(): number {
    return this.#slots.size;
  }

  #start(key: string, request: R, task: (request: R) => Promise<T>): Promise<T> {
    const slot: Slot<T, R> = { followUp: undefined, request: undefined, startFollowUp: undefined };
    this.#slots.set(key, slot);
    const run = (async () => task(request))();
    const settle = () => {
      // The follow-up replaces this slot synchronously, so a request arriving now queues behind it.
      if (slot.startFollowUp !== undefined) slot.startFollowUp();
      else this.#slots.delete(key);
    };
    run.then(settle, settle);
    return run;
  }
}
