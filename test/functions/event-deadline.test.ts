// Event Grid waits 30 s for the function's answer and redelivers otherwise: an event invocation answers within
// EVENT_RUN_TIMEOUT_MS (plus the bounded flush) whether its run is slow or it waits behind a run in flight,
// while the timer keeps the engine's long budget.
import { describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_EVENT_RUN_TIMEOUT_MS,
  EVENT_FLUSH_TIMEOUT_MS,
  loadConfig,
  MAX_EVENT_RUN_TIMEOUT_MS,
} from '../../src/config.js';
import type { ReconcileResult } from '../../src/core/types.js';
import { createHandlers } from '../../src/functions/handlers.js';
import type { ReconcileOptions } from '../../src/reconcile.js';
import type { ReconcileTelemetry } from '../../src/telemetry/record.js';
import { healthyResult, IDS, invocation, SETTINGS, sampleEvent, timer } from './helpers.js';

const DEADLINE_MS = 150;
const event = () =>
  sampleEvent('event-grid-schema', 'delete', IDS.route, 'Microsoft.Network/routeTables/routes/delete');

function slowEngine(runMs: (options: ReconcileOptions) => number) {
  const calls: ReconcileOptions[] = [];
  const ended: ReconcileResult[] = [];
  const reconcile = vi.fn(async (options: ReconcileOptions) => {
    calls.push(options);
    await new Promise((r) => setTimeout(r, runMs(options)));
    const result = { ...healthyResult(), trigger: options.trigger };
    ended.push(result);
    return result;
  });
  const config = loadConfig({ ...SETTINGS, EVENT_RUN_TIMEOUT_MS: String(DEADLINE_MS) });
  return { reconcile, calls, ended, config };
}

/** How long the invocation took to answer (handlers return FunctionResult: a promise here). */
async function timed(p: unknown): Promise<{ ms: number; value: unknown }> {
  const started = performance.now();
  const value = await p;
  return { ms: performance.now() - started, value };
}

describe('EVENT_RUN_TIMEOUT_MS', () => {
  it('defaults to 20 s and refuses values that leave no margin inside Event Grid 30 s', () => {
    expect(loadConfig(SETTINGS).eventRunTimeoutMs).toBe(DEFAULT_EVENT_RUN_TIMEOUT_MS);
    expect(DEFAULT_EVENT_RUN_TIMEOUT_MS + EVENT_FLUSH_TIMEOUT_MS).toBeLessThan(30_000);
    expect(MAX_EVENT_RUN_TIMEOUT_MS + EVENT_FLUSH_TIMEOUT_MS).toBeLessThanOrEqual(25_000);
    expect(() => loadConfig({ ...SETTINGS, EVENT_RUN_TIMEOUT_MS: '30000' })).toThrow(
      /EVENT_RUN_TIMEOUT_MS: expected 100 to 22000 ms: Event Grid waits 30 000 ms/u,
    );
    expect(() => loadConfig({ ...SETTINGS, EVENT_RUN_TIMEOUT_MS: '20s' })).toThrow(
      /EVENT_RUN_TIMEOUT_MS: expected a whole number of milliseconds/u,
    );
  });
});

describe('reconcileOnResourceChange answers within its deadline', () => {
  it('gives the event run the event budget and the timer run the engine default', async () => {
    const { reconcile, calls, config } = slowEngine(() => 1);
    const handlers = createHandlers({ reconcile, loadConfig: () => config });
    await handlers.reconcileOnResourceChange(event(), invocation('reconcileOnResourceChange').context);
    await handlers.reconcileOnSchedule(timer(), invocation('reconcileOnSchedule').context);
    expect(calls.map((c) => [c.trigger, c.timeoutMs])).toEqual([
      ['event', DEADLINE_MS],
      ['timer', undefined],
    ]);
  });

  it('answers by the deadline when its own run is slow, without throwing; the run goes on', async () => {
    const { reconcile, ended, config } = slowEngine(() => DEADLINE_MS * 4);
    const handlers = createHandlers({ reconcile, loadConfig: () => config });
    const { context, logs } = invocation('reconcileOnResourceChange');
    const { ms } = await timed(handlers.reconcileOnResourceChange(event(), context));
    expect(ms).toBeGreaterThanOrEqual(DEADLINE_MS - 5);
    expect(ms).toBeLessThan(DEADLINE_MS * 2);
    expect(ended).toEqual([]);
    expect(
      logs.some(
        (l) => l.level === 'warning' && l.message.includes('has not ended within EVENT_RUN_TIMEOUT_MS'),
      ),
    ).toBe(true);
    await vi.waitFor(() => expect(ended).toHaveLength(1), { timeout: DEADLINE_MS * 8 });
  });

  it('an event arriving while a long timer run is in flight answers by its deadline; the follow-up still runs once', async () => {
    const { reconcile, calls, ended, config } = slowEngine((o) =>
      o.trigger === 'timer' ? DEADLINE_MS * 3 : 5,
    );
    const handlers = createHandlers({ reconcile, loadConfig: () => config });
    const timerRun = handlers.reconcileOnSchedule(timer(), invocation('reconcileOnSchedule').context);
    await new Promise((r) => setTimeout(r, 10));
    const answers = await Promise.all(
      [1, 2, 3].map(() =>
        timed(handlers.reconcileOnResourceChange(event(), invocation('reconcileOnResourceChange').context)),
      ),
    );
    for (const { ms } of answers) expect(ms).toBeLessThan(DEADLINE_MS * 2);
    expect(ended).toHaveLength(0); // nothing had finished when the events were answered
    await timerRun;
    await vi.waitFor(() => expect(ended).toHaveLength(2));
    expect(calls.map((c) => c.trigger)).toEqual(['timer', 'event']); // three events, one follow-up
  });

  it('bounds the telemetry flush of an event invocation', async () => {
    const { reconcile, config } = slowEngine(() => 1);
    const hangingFlush: ReconcileTelemetry = {
      traceRun: (_label, run) => run(),
      record: () => undefined,
      flush: () => new Promise(() => undefined),
    };
    const handlers = createHandlers({ reconcile, loadConfig: () => config, telemetry: hangingFlush });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const answer = handlers.reconcileOnResourceChange(
        event(),
        invocation('reconcileOnResourceChange').context,
      );
      await vi.advanceTimersByTimeAsync(EVENT_FLUSH_TIMEOUT_MS + DEADLINE_MS);
      await expect(answer).resolves.toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });
});
