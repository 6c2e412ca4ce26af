// The instance's shutdown signal. The Functions host runs the appTerminate hook on a graceful shutdown
// (src/functions/appTerminate.ts registers it); every run of this instance gets the signal, so its waits
// (Retry-After, LRO polling, the settle wait) end at once instead of holding the host's grace period.
const shutdown = new AbortController();

/** Aborts every run of this instance that is still waiting; later runs start aborted. */
export function shutDown(reason: string): void {
  if (!shutdown.signal.aborted) shutdown.abort(new Error(reason));
}

/** The options with the shutdown signal added (kept together with a signal the caller already set). */
export function withShutdown<T extends { signal?: AbortSignal }>(options: T): T {
  const signal = options.signal ? AbortSignal.any([options.signal, shutdown.signal]) : shutdown.signal;
  return { ...options, signal };
}
