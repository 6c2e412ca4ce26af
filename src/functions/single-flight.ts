// Coalescing of concurrent triggers on one instance: per key (a route table), at most one run in flight and
// one queued follow-up. Every request made while a run is in flight shares that follow-up, which starts once
// the run has ended, so a caller never gets a result that predates its request. Across instances the route
// table's ETag keeps writes safe; this only saves ARM reads (and rate limit) on bursts of events.

interface Slot<T> {
  /** The queued follow-up shared by every request made while this slot's run is in flight. */
  followUp: Promise<T> | undefined;
  startFollowUp: (() => void) | undefined;
}

export class SingleFlight<T> {
  readonly #slots = new Map<string, Slot<T>>();

  /** Starts `task` now when nothing runs for `key`; otherwise returns the one follow-up run after the current one. */
  run(key: string, task: () => Promise<T>): Promise<T> {
    const slot = this.#slots.get(key);
    if (slot === undefined) return this.#start(key, task);
    if (slot.followUp !== undefined) return slot.followUp;
    slot.followUp = new Promise<T>((resolve, reject) => {
      slot.startFollowUp = () => {
        this.#start(key, task).then(resolve, reject);
      };
    });
    return slot.followUp;
  }

  /** Keys with a run in flight (diagnostics and tests). */
  get inFlight(): number {
    return this.#slots.size;
  }

  #start(key: string, task: () => Promise<T>): Promise<T> {
    const slot: Slot<T> = { followUp: undefined, startFollowUp: undefined };
    this.#slots.set(key, slot);
    const run = (async () => task())();
    const settle = () => {
      // The follow-up replaces this slot synchronously, so a request arriving now queues behind it.
      if (slot.startFollowUp !== undefined) slot.startFollowUp();
      else this.#slots.delete(key);
    };
    run.then(settle, settle);
    return run;
  }
}
