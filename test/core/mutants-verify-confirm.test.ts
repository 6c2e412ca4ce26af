// Scenarios of confirming verify's findings over real epoch times: several workers' failed reads, the exact end
// of the propagation delay, the latest of several waits, and what the next check carries over.
// docs/mutation.md lists the mutants of src/core/verify-confirm.ts they kill.
import { describe, expect, it } from 'vitest';
import type { PrefixCheck, WorkerVerification } from '../../src/core/effective.js';
import {
  clearedBetween,
  confirmableAt,
  markConfirmed,
  type Observation,
  pendingOf,
  seenSince,
} from '../../src/core/verify-confirm.js';

const T0 = Date.parse('2026-12-04T12:00:00Z');
const DELAY = 60_000;

const check = (prefix: string, verdict: PrefixCheck['verdict']): PrefixCheck => ({
  verdict,
  prefix,
  toWorker: 'w',
  expectedNextHop: '10.240.0.21',
  winner: undefined,
  message: `${prefix} ${verdict}`,
});
const checked = (worker: string, ...checks: PrefixCheck[]): WorkerVerification => ({
  worker,
  nicId: `${worker}-nic`,
  status: 'checked',
  checks,
  notes: [],
});
const failedRead = (worker: string, message?: string): WorkerVerification => ({
  worker,
  nicId: `${worker}-nic`,
  status: 'read-failed',
  reason: 'read-failed',
  ...(message === undefined ? {} : { message }),
  checks: [],
  notes: [],
});
const at = (readAt: number, result: WorkerVerification): Observation => ({ readAt, result });

describe('failed reads of several workers', () => {
  it("does not let one worker's old failed read confirm another worker's new one", () => {
    const pending = seenSince(at(T0, failedRead('worker-0')), new Map());
    const later = T0 + DELAY;
    const w0 = at(later, failedRead('worker-0'));
    const w1 = at(later, failedRead('worker-1'));
    expect(markConfirmed(w0, seenSince(w0, pending), DELAY).confirmed).toBe(true);
    expect(markConfirmed(w1, seenSince(w1, pending), DELAY).confirmed).toBe(false);
  });

  it('carries an unconfirmed failed read to the next check, and a confirmed one not', () => {
    const seen = new Map([
      ['worker-0 read-failed', T0],
      ['worker-1 read-failed', T0 + 30_000],
    ]);
    const marked = [
      markConfirmed(at(T0 + DELAY, failedRead('worker-0')), seen, DELAY),
      markConfirmed(at(T0 + DELAY, failedRead('worker-1')), seen, DELAY),
    ];
    expect(pendingOf(marked, seen)).toEqual([
      { key: 'worker-1 read-failed', worker: 'worker-1', firstSeenAt: T0 + 30_000 },
    ]);
  });

  it('clears a failed read that ARM gave without a message with an empty message', () => {
    expect(clearedBetween(failedRead('worker-1'), checked('worker-1'))).toEqual([
      { worker: 'worker-1', prefix: undefined, verdict: 'read-failed', message: '' },
    ]);
  });
});

describe('when the findings can be confirmed', () => {
  it('has nothing to wait for once exactly one delay has passed', () => {
    const seen = new Map([['worker-0 10.200.1.0/24', T0]]);
    expect(confirmableAt(seen, DELAY, T0 + DELAY - 1)).toBe(T0 + DELAY);
    expect(confirmableAt(seen, DELAY, T0 + DELAY)).toBeUndefined();
  });

  it('waits for the finding seen last when several are waiting', () => {
    const seen = new Map([
      ['worker-0 10.200.1.0/24', T0],
      ['worker-1 10.200.0.0/24', T0 + 20_000],
    ]);
    expect(confirmableAt(seen, DELAY, T0 + 30_000)).toBe(T0 + 20_000 + DELAY);
  });
});

describe('between two reads of a worker', () => {
  it('clears only the findings the later read no longer shows', () => {
    const before = checked('worker-0', check('10.200.1.0/24', 'missing'), check('10.200.2.0/24', 'shadowed'));
    const after = checked('worker-0', check('10.200.1.0/24', 'ok'), check('10.200.2.0/24', 'shadowed'));
    expect(clearedBetween(before, after)).toEqual([
      { worker: 'worker-0', prefix: '10.200.1.0/24', verdict: 'missing', message: '10.200.1.0/24 missing' },
    ]);
  });

  it('carries to the next check only the findings not confirmed yet', () => {
    const seen = new Map([
      ['worker-0 10.200.1.0/24', T0],
      ['worker-0 10.200.2.0/24', T0 + 30_000],
    ]);
    const read = at(
      T0 + DELAY,
      checked('worker-0', check('10.200.1.0/24', 'missing'), check('10.200.2.0/24', 'missing')),
    );
    const marked = markConfirmed(read, seen, DELAY);
    expect(marked.checks.map((c) => c.confirmed)).toEqual([true, false]);
    expect(pendingOf([marked], seen)).toEqual([
      { key: 'worker-0 10.200.2.0/24', worker: 'worker-0', firstSeenAt: T0 + 30_000 },
    ]);
  });
});
