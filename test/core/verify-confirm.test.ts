// Confirming findings on their own: a finding counts once the same finding is seen again at least the
// propagation delay after it was first seen, without a read in between that lacked it.
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
const failedRead = (worker: string): WorkerVerification => ({
  worker,
  nicId: `${worker}-nic`,
  status: 'read-failed',
  reason: 'read-failed',
  message: 'operation failed',
  checks: [],
  notes: [],
});
const at = (readAt: number, result: WorkerVerification): Observation => ({ readAt, result });
const DELAY = 60_000;

describe('confirming findings', () => {
  it('a finding seen once is unconfirmed, and can be confirmed one delay after it was first seen', () => {
    const first = at(1_000, checked('w0', check('10.200.1.0/24', 'missing'), check('10.200.2.0/24', 'ok')));
    const seen = seenSince(first, new Map());
    const marked = markConfirmed(first, seen, DELAY);
    expect(marked.checks.map((c) => c.confirmed)).toEqual([false, undefined]);
    expect(confirmableAt(seen, DELAY, 1_500)).toBe(61_000);
    expect(pendingOf([marked], seen)).toEqual([
      { key: 'w0 10.200.1.0/24', worker: 'w0', firstSeenAt: 1_000 },
    ]);
  });

  it('a finding seen again a full delay later is confirmed; one seen again sooner is not', () => {
    const first = at(1_000, checked('w0', check('10.200.1.0/24', 'shadowed')));
    const seen = seenSince(first, new Map());
    const later = at(61_000, checked('w0', check('10.200.1.0/24', 'missing')));
    expect(markConfirmed(later, seenSince(later, seen), DELAY).checks[0]?.confirmed).toBe(true);
    const soon = at(60_999, checked('w0', check('10.200.1.0/24', 'missing')));
    expect(markConfirmed(soon, seenSince(soon, seen), DELAY).checks[0]?.confirmed).toBe(false);
  });

  it('a finding the re-check no longer shows is cleared, and seen again later starts over', () => {
    const first = checked('w0', check('10.200.1.0/24', 'missing'));
    const gone = checked('w0', check('10.200.1.0/24', 'ok'));
    expect(clearedBetween(first, gone)).toEqual([
      { worker: 'w0', prefix: '10.200.1.0/24', verdict: 'missing', message: '10.200.1.0/24 missing' },
    ]);
    const seenGone = seenSince(at(61_000, gone), seenSince(at(1_000, first), new Map()));
    const back = at(62_000, first);
    expect(seenSince(back, seenGone).get('w0 10.200.1.0/24')).toBe(62_000);
  });

  it('a failed read is a finding of its own, confirmed like the others', () => {
    const seen = seenSince(at(0, failedRead('w1')), new Map());
    expect(markConfirmed(at(10, failedRead('w1')), seen, DELAY).confirmed).toBe(false);
    expect(markConfirmed(at(DELAY, failedRead('w1')), seen, DELAY).confirmed).toBe(true);
    expect(clearedBetween(failedRead('w1'), checked('w1'))).toMatchObject([{ verdict: 'read-failed' }]);
  });

  it('a pending finding of an earlier check keeps its first time; a delay of 0 confirms at once', () => {
    const pending = new Map([['w0 10.200.1.0/24', 5_000]]);
    const now = at(70_000, checked('w0', check('10.200.1.0/24', 'missing')));
    const seen = seenSince(now, pending);
    expect(markConfirmed(now, seen, DELAY).checks[0]?.confirmed).toBe(true);
    expect(confirmableAt(seen, DELAY, 70_000)).toBeUndefined();
    const fresh = at(1, checked('w0', check('10.200.1.0/24', 'missing')));
    expect(markConfirmed(fresh, seenSince(fresh, new Map()), 0).checks[0]?.confirmed).toBe(true);
  });
});
