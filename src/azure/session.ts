// Per-run accounting and retry budget for ARM calls. Clients are long-lived (one per Functions instance),
// runs are not: the current run is found through AsyncLocalStorage, so concurrent runs never mix counts.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ArmRequestCounts } from '../core/types.js';
import { LroFailedError } from './errors.js';

export interface ArmRun {
  counts: ArmRequestCounts;
  /** Epoch ms after which no retry wait may start (a Retry-After that would cross it is not honoured). */
  deadline: number;
  signal: AbortSignal | undefined;
  /** > 0 while a long-running operation is being awaited: its GETs (status and final read) count as polls. */
  lroDepth?: number;
}

const current = new AsyncLocalStorage<ArmRun>();

export function newCounts(): ArmRequestCounts {
  return { reads: 0, writes: 0, polls: 0, throttled: 0, conflicts: 0 };
}

/** Runs `fn` with its own request counts and a total retry-time budget. */
export function withArmRun<T>(run: ArmRun, fn: () => Promise<T>): Promise<T> {
  return current.run(run, fn);
}

export function currentArmRun(): ArmRun | undefined {
  return current.getStore();
}

/**
 * Awaits a long-running operation, counting its GETs (status polls and the final GET) as LRO polls. An
 * operation that ARM ended Failed is thrown as LroFailedError (its code says whether a retry may help).
 */
export async function awaitLro<T>(operation: () => Promise<T>): Promise<T> {
  const run = current.getStore();
  if (run) run.lroDepth = (run.lroDepth ?? 0) + 1;
  try {
    return await operation();
  } catch (error) {
    throw LroFailedError.from(error) ?? error;
  } finally {
    if (run) run.lroDepth = (run.lroDepth ?? 1) - 1;
  }
}
