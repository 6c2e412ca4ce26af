// Confirming verify's findings (pure). A route change reaches a NIC's effective routes only after a propagation
// delay (reports speak of up to about a minute), so a finding seen right after a change may only show the old
// routes. A finding counts once the same finding (a worker's pod CIDR not in effect, or the worker's failed read)
// is seen again at a read at least `confirmAfterMs` after it was first seen, with no read in between that lacked
// it: in the same run after a wait, or at the next check (which reads the workers of unconfirmed findings again).
import type { WorkerVerification } from './effective.js';

/** A finding not confirmed yet, carried to the next check, which reads its worker again. */
export interface PendingFinding {
  key: string;
  worker: string;
  /** Epoch ms of the first read that showed it (without a read lacking it since). */
  firstSeenAt: number;
}

/** A finding the first read showed and the re-check did not: the old routes, still propagating. */
export interface ClearedFinding {
  worker: string;
  prefix: string | undefined;
  verdict: 'shadowed' | 'missing' | 'read-failed';
  message: string;
}

/** One worker's judgement and when its effective routes were asked for (epoch ms). */
export interface Observation {
  result: WorkerVerification;
  readAt: number;
}

interface Finding extends ClearedFinding {
  key: string;
}

/** "The same finding" across reads: the worker's failed read, or one pod CIDR not in effect on the worker. */
const readKey = (worker: string) => `${worker} read-failed`;
const checkKey = (worker: string, prefix: string) => `${worker} ${prefix}`;

/** The findings of one worker's judgement, each with the key that says "the same finding" across reads. */
function findingsOf(w: WorkerVerification): Finding[] {
  if (w.status === 'read-failed')
    return [
      {
        key: readKey(w.worker),
        worker: w.worker,
        prefix: undefined,
        verdict: 'read-failed',
        message: w.message ?? '',
      },
    ];
  return w.checks
    .filter((c) => c.verdict !== 'ok')
    .map((c) => ({
      key: checkKey(w.worker, c.prefix),
      worker: w.worker,
      prefix: c.prefix,
      verdict: c.verdict as 'shadowed' | 'missing',
      message: c.message,
    }));
}

/**
 * When each finding of `observation` was first seen: as in `before` (the findings of the worker's previous read,
 * or a previous check's pending ones) when it was there, else at this read.
 */
export function seenSince(
  observation: Observation,
  before: ReadonlyMap<string, number>,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of findingsOf(observation.result)) out.set(f.key, before.get(f.key) ?? observation.readAt);
  return out;
}

/** The judgement with each finding marked confirmed (seen for at least `confirmAfterMs`) or not. */
export function markConfirmed(
  observation: Observation,
  seen: ReadonlyMap<string, number>,
  confirmAfterMs: number,
): WorkerVerification {
  const { result, readAt } = observation;
  const confirmed = (key: string) => readAt - (seen.get(key) ?? readAt) >= confirmAfterMs;
  if (result.status === 'read-failed') return { ...result, confirmed: confirmed(readKey(result.worker)) };
  return {
    ...result,
    checks: result.checks.map((c) =>
      c.verdict === 'ok' ? c : { ...c, confirmed: confirmed(checkKey(result.worker, c.prefix)) },
    ),
  };
}

/** Epoch ms from which every unconfirmed finding of `seen` can be confirmed by a new read; undefined if none. */
export function confirmableAt(seen: ReadonlyMap<string, number>, confirmAfterMs: number, now: number) {
  const waiting = [...seen.values()].filter((at) => now - at < confirmAfterMs);
  return waiting.length === 0 ? undefined : Math.max(...waiting) + confirmAfterMs;
}

/** The findings of `before` that `after` (a later read of the same worker) no longer shows. */
export function clearedBetween(before: WorkerVerification, after: WorkerVerification): ClearedFinding[] {
  const still = new Set(findingsOf(after).map((f) => f.key));
  return findingsOf(before)
    .filter((f) => !still.has(f.key))
    .map(({ key: _key, ...finding }) => finding);
}

/** The findings of marked judgements still unconfirmed, with when they were first seen, for the next check. */
export function pendingOf(
  results: readonly WorkerVerification[],
  seen: ReadonlyMap<string, number>,
): PendingFinding[] {
  const unconfirmed = (w: WorkerVerification): string[] => {
    if (w.status === 'read-failed') return w.confirmed === true ? [] : [readKey(w.worker)];
    return w.checks
      .filter((c) => c.verdict !== 'ok' && c.confirmed !== true)
      .map((c) => checkKey(w.worker, c.prefix));
  };
  return results.flatMap((w) =>
    unconfirmed(w).map((key) => ({ key, worker: w.worker, firstSeenAt: seen.get(key) ?? 0 })),
  );
}
