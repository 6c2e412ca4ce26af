// Reads the inventory until nothing the plan depends on is mid-write. A resource in a non-terminal
// provisioning state (Updating, Deleting) shows what its operation will leave only if that operation
// succeeds; planning from it could report Healthy just before ARM puts the old state back as Failed. So the
// inventory is re-read with backoff, within the run's deadline, and a run that never sees it settle fails
// as transient (retried by the next trigger), never reporting Healthy or Repaired.
import type { Config } from '../config.js';
import { describeUnsettled, type UnsettledResource, unsettledResources } from '../core/settled.js';
import type { Logger, PlanSettings } from '../core/types.js';
import type { ArmClients } from './clients.js';
import { UnsettledError } from './errors.js';
import { type InventoryRead, readInventory } from './inventory.js';
import { currentArmRun } from './session.js';

/** Re-reads after the first read while something is still being written. */
export const MAX_SETTLE_READS = 6;

/** Wait before re-read `n` (0-based): the LRO poll interval, doubling, at most 8 intervals. */
function settleDelayMs(pollIntervalMs: number, n: number): number {
  return pollIntervalMs * Math.min(2 ** n, 8);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function readSettledInventory(
  clients: ArmClients,
  config: Config,
  settings: PlanSettings,
  signal?: AbortSignal,
  log?: Logger,
): Promise<InventoryRead> {
  return readUntilSettled(
    () => readInventory(clients, config, signal),
    (read) => unsettledResources(read.inventory, settings),
    clients.pollIntervalMs,
    signal,
    log,
  );
}

/** Reads with `read` until `pending` finds nothing mid-write (a cluster's workers, then each of its tables). */
export async function readUntilSettled<T>(
  read: () => Promise<T>,
  pending: (value: T) => UnsettledResource[],
  pollIntervalMs: number,
  signal?: AbortSignal,
  log?: Logger,
): Promise<T> {
  const started = Date.now();
  for (let n = 0; ; n++) {
    const value = await read();
    const unsettled = pending(value);
    if (unsettled.length === 0) return value;
    const delay = settleDelayMs(pollIntervalMs, n);
    const deadline = currentArmRun()?.deadline ?? Number.POSITIVE_INFINITY;
    if (n >= MAX_SETTLE_READS || Date.now() + delay > deadline) {
      throw new UnsettledError(
        `${describeUnsettled(unsettled)}: an ARM operation is still writing what this run depends on after ` +
          `${n + 1} reads over ${Date.now() - started} ms; nothing was planned from it (a later run retries)`,
      );
    }
    log?.info('waiting for an ARM operation in progress to settle before planning', {
      unsettled: describeUnsettled(unsettled),
      read: n + 1,
      delayMs: delay,
    });
    await sleep(delay, signal);
  }
}
