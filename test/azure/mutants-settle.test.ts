// The settle wait, on fake timers: a route table read while an ARM operation is still writing it (Updating) is
// re-read with a doubling, capped delay, within the run's deadline and the read limit, logging each wait, and
// abandoned as UnsettledError when it never settles. docs/mutation.md lists the mutants these scenarios kill.
import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UnsettledError } from '../../src/azure/errors.js';
import { type ArmRun, newCounts, withArmRun } from '../../src/azure/session.js';
import { MAX_SETTLE_READS, readUntilSettled } from '../../src/azure/settle.js';
import type { UnsettledResource } from '../../src/core/settled.js';
import type { Logger } from '../../src/core/types.js';

const START = Date.UTC(2026, 11, 4, 12, 0, 0);
const POLL_MS = 100;
const TABLE_ID = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/routeTables/pods';

/** A route table as each read sees it: its provisioningState at that read (the last one repeated). */
function tableReads(...states: string[]) {
  const readAt: number[] = [];
  const read = async () => {
    const state = states[Math.min(readAt.length, states.length - 1)]!;
    readAt.push(Date.now() - START);
    return { id: TABLE_ID, provisioningState: state };
  };
  const pending = (table: { id: string; provisioningState: string }): UnsettledResource[] =>
    table.provisioningState === 'Succeeded'
      ? []
      : [{ kind: 'route-table', subject: table.id, provisioningState: table.provisioningState }];
  return { read, pending, readAt };
}

function recordingLog(): { log: Logger; infos: [string, unknown][] } {
  const infos: [string, unknown][] = [];
  const ignore = () => undefined;
  return { infos, log: { debug: ignore, warn: ignore, error: ignore, info: (m, p) => infos.push([m, p]) } };
}

const runEndingAt = (deadline: number): ArmRun => ({ counts: newCounts(), deadline, signal: undefined });

/** Runs the settle wait within `run` (if any), lets every wait elapse, and returns how it ended. */
async function settle(
  table: ReturnType<typeof tableReads>,
  opts: { run?: ArmRun; signal?: AbortSignal; log?: Logger } = {},
) {
  const wait = () => readUntilSettled(table.read, table.pending, POLL_MS, opts.signal, opts.log);
  const pending = (opts.run ? withArmRun(opts.run, wait) : wait()).then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  await vi.runAllTimersAsync();
  return pending;
}

beforeEach(() => {
  vi.useFakeTimers({ now: START });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('a route table that never settles', () => {
  it('is re-read with delays doubling from the poll interval, capped at 8 intervals, then given up on', async () => {
    const table = tableReads('Updating');
    const outcome = await settle(table);
    // Delays 100, 200, 400, 800, 800, 800 ms: the first read and MAX_SETTLE_READS re-reads.
    expect(table.readAt).toEqual([0, 100, 300, 700, 1500, 2300, 3100]);
    expect(table.readAt).toHaveLength(MAX_SETTLE_READS + 1);
    expect(outcome).toEqual({ error: expect.any(UnsettledError) });
    expect((outcome as { error: Error }).error.message).toBe(
      "route table 'pods' is Updating: an ARM operation is still writing what this run depends on after " +
        '7 reads over 3100 ms; nothing was planned from it (a later run retries)',
    );
  });

  it('logs each wait: what is unsettled, which read saw it, and for how long it waits', async () => {
    const { log, infos } = recordingLog();
    await settle(tableReads('Updating', 'Updating', 'Succeeded'), { log });
    const message = 'waiting for an ARM operation in progress to settle before planning';
    const unsettled = "route table 'pods' is Updating";
    expect(infos).toEqual([
      [message, { unsettled, read: 1, delayMs: 100 }],
      [message, { unsettled, read: 2, delayMs: 200 }],
    ]);
  });
});

describe("the run's deadline", () => {
  it('still makes a re-read due exactly at the deadline', async () => {
    const table = tableReads('Updating', 'Succeeded');
    const outcome = await settle(table, { run: runEndingAt(START + POLL_MS) });
    expect(outcome).toEqual({ value: { id: TABLE_ID, provisioningState: 'Succeeded' } });
    expect(table.readAt).toEqual([0, POLL_MS]);
  });

  it('gives up at once when the next re-read would come after the deadline', async () => {
    const table = tableReads('Updating', 'Succeeded');
    const outcome = await settle(table, { run: runEndingAt(START + POLL_MS - 1) });
    expect(outcome).toEqual({ error: expect.any(UnsettledError) });
    expect(table.readAt).toEqual([0]);
  });
});

describe('an abort during the wait', () => {
  it('ends the wait with the signal’s reason, leaving no timer or listener behind', async () => {
    const controller = new AbortController();
    const table = tableReads('Updating', 'Succeeded');
    const pending = readUntilSettled(table.read, table.pending, POLL_MS, controller.signal).then(
      () => undefined,
      (error: unknown) => error,
    );
    await vi.advanceTimersByTimeAsync(POLL_MS / 2);
    const reason = new Error('run cancelled');
    controller.abort(reason);
    expect(await pending).toBe(reason);
    expect(table.readAt).toEqual([0]);
    expect(vi.getTimerCount()).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('leaves no listener on the run’s signal after waits that ran their course', async () => {
    const controller = new AbortController();
    const table = tableReads('Updating', 'Updating', 'Succeeded');
    expect(await settle(table, { signal: controller.signal })).toMatchObject({
      value: { provisioningState: 'Succeeded' },
    });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
