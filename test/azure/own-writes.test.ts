import { describe, expect, it } from 'vitest';
import { isOwnWrite, ownWriteCorrelationId } from '../../src/azure/own-writes.js';

describe('the correlation ids of our own writes', () => {
  it('are recognised, case-insensitively, and forgotten after 15 minutes', () => {
    const now = Date.now();
    const id = ownWriteCorrelationId(now);
    expect(isOwnWrite(id, now + 1_000)).toBe(true);
    expect(isOwnWrite(id.toUpperCase(), now + 1_000)).toBe(true);
    expect(isOwnWrite(id, now + 15 * 60_000 + 1)).toBe(false);
  });

  it('never match an id we did not send, or no id', () => {
    expect(isOwnWrite('5b0e6a51-3f7c-4a0e-8f6a-2d9c1e7b4a22')).toBe(false);
    expect(isOwnWrite(undefined)).toBe(false);
  });
});

describe('how long and how many of our own writes are remembered', () => {
  it('an echo arriving exactly 15 minutes after the write is no longer ours', () => {
    const now = Date.now();
    const id = ownWriteCorrelationId(now);
    expect(isOwnWrite(id, now + 15 * 60_000 - 1)).toBe(true);
    expect(isOwnWrite(id, now + 15 * 60_000)).toBe(false);
  });

  it('at most 10,000: a burst of writes forgets the oldest first, even before it expires', () => {
    // An hour on: the earlier tests' ids have expired, so the burst starts from an empty memory.
    const t = Date.now() + 3_600_000;
    const first = ownWriteCorrelationId(t);
    const burst = Array.from({ length: 10_000 }, () => ownWriteCorrelationId(t));
    expect(isOwnWrite(first, t)).toBe(false);
    expect(isOwnWrite(burst[0], t)).toBe(true);
    expect(isOwnWrite(burst.at(-1), t)).toBe(true);
  });
});
