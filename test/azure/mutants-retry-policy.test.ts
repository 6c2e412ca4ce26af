// The bounded ARM retry policy, driven directly with a `next` that answers as ARM would, on fake timers: which
// answers are retried, how long it waits (Retry-After, backoff), where it stops (attempts, the run's deadline,
// an abort) and how it counts attempts. docs/mutation.md lists the mutants these scenarios kill.
import { getEventListeners } from 'node:events';
import {
  createHttpHeaders,
  createPipelineRequest,
  type PipelineRequest,
  type PipelineResponse,
} from '@azure/core-rest-pipeline';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { boundedRetryPolicy, type RetrySettings } from '../../src/azure/retry-policy.js';
import { type ArmRun, newCounts, withArmRun } from '../../src/azure/session.js';

const ARM = 'https://management.azure.invalid';
const TABLE = `${ARM}/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/routeTables/t?api-version=2024-05-01`;
const START = Date.UTC(2026, 11, 4, 12, 0, 0);
const SETTINGS: RetrySettings = { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 30_000 };

/** One scripted ARM answer: a status with headers, or a request that fails with this error. */
type Scripted = { status: number; headers?: Record<string, string> } | { fails: unknown };

/** A `next` answering with `script` in order (its last answer repeated), noting when each attempt was sent. */
function arm(...script: Scripted[]) {
  const sentAt: number[] = [];
  const next = async (request: PipelineRequest): Promise<PipelineResponse> => {
    const answer = script[Math.min(sentAt.length, script.length - 1)]!;
    sentAt.push(Date.now() - START);
    if ('fails' in answer) throw answer.fails;
    return { request, status: answer.status, headers: createHttpHeaders(answer.headers), bodyAsText: '{}' };
  };
  return { next, sentAt };
}

function newRun(over: Partial<ArmRun> = {}): ArmRun {
  return { counts: newCounts(), deadline: START + 3_600_000, signal: undefined, ...over };
}

type Outcome = { status: number } | { error: unknown };

/** Sends one request through the policy within `run`, lets every wait elapse, and says how it ended. */
async function send(
  ans: ReturnType<typeof arm>,
  opts: { run?: ArmRun; settings?: RetrySettings; method?: 'GET' | 'PUT'; request?: PipelineRequest } = {},
): Promise<Outcome> {
  const request = opts.request ?? createPipelineRequest({ url: TABLE, method: opts.method ?? 'GET' });
  const policy = boundedRetryPolicy(opts.settings ?? SETTINGS);
  const sending = () => policy.sendRequest(request, ans.next);
  const pending = (opts.run ? withArmRun(opts.run, sending) : sending()).then(
    (response): Outcome => ({ status: response.status }),
    (error: unknown): Outcome => ({ error }),
  );
  await vi.runAllTimersAsync();
  return pending;
}

const errnoError = (code: string) => Object.assign(new Error(`connect ${code} 10.0.0.1:443`), { code });

beforeEach(() => {
  vi.useFakeTimers({ now: START });
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('which answers the policy retries', () => {
  it('retries a 503 until maxAttempts answers, then returns the last one', async () => {
    const ans = arm({ status: 503, headers: { 'retry-after': '1' } });
    expect(await send(ans, { run: newRun(), settings: { ...SETTINGS, maxAttempts: 3 } })).toEqual({
      status: 503,
    });
    expect(ans.sentAt).toEqual([0, 1000, 2000]);
  });

  it('retries a connection reset, then returns the answer that follows', async () => {
    const ans = arm({ fails: errnoError('ECONNRESET') }, { status: 200 });
    expect(await send(ans, { run: newRun() })).toEqual({ status: 200 });
    expect(ans.sentAt).toHaveLength(2);
  });

  it('throws at once a failure no retry can fix (an expired certificate)', async () => {
    const expired = errnoError('CERT_HAS_EXPIRED');
    const ans = arm({ fails: expired }, { status: 200 });
    expect(await send(ans, { run: newRun() })).toEqual({ error: expired });
    expect(ans.sentAt).toHaveLength(1);
  });

  it('passes a rejection that carries no error object through unchanged, without retrying', async () => {
    const ans = arm({ fails: undefined }, { status: 200 });
    expect(await send(ans, { run: newRun() })).toEqual({ error: undefined });
    expect(ans.sentAt).toHaveLength(1);
  });
});

describe('how long it waits for Retry-After', () => {
  it.each(['retry-after-ms', 'x-ms-retry-after-ms'])(
    'honours %s: 250 ms, not the 10 s backoff',
    async (header) => {
      const ans = arm({ status: 429, headers: { [header]: '250' } }, { status: 200 });
      const settings = { ...SETTINGS, baseDelayMs: 10_000 };
      expect(await send(ans, { run: newRun(), settings })).toEqual({ status: 200 });
      expect(ans.sentAt).toEqual([0, 250]);
    },
  );

  it('honours Retry-After in seconds (10 s), not the 100 ms backoff', async () => {
    const ans = arm({ status: 429, headers: { 'retry-after': '10' } }, { status: 200 });
    await send(ans, { run: newRun(), settings: { ...SETTINGS, baseDelayMs: 100 } });
    expect(ans.sentAt).toEqual([0, 10_000]);
  });

  it('honours Retry-After as an HTTP date, waiting until then', async () => {
    const at = new Date(START + 3000).toUTCString();
    const ans = arm({ status: 503, headers: { 'retry-after': at } }, { status: 200 });
    await send(ans, { run: newRun(), settings: { ...SETTINGS, baseDelayMs: 100 } });
    expect(ans.sentAt).toEqual([0, 3000]);
  });

  it.each([
    ['retry-after-ms', 'x1'],
    ['retry-after-ms', '5 s'],
    ['retry-after', 'x1'],
    ['retry-after', '120s'],
  ])('falls back to the backoff when %s is unreadable (%s)', async (header, value) => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5); // jitter factor 1: the backoff is exactly the base
    const ans = arm({ status: 503, headers: { [header]: value } }, { status: 200 });
    expect(await send(ans, { run: newRun() })).toEqual({ status: 200 });
    expect(ans.sentAt).toEqual([0, 1000]);
  });

  it('returns the 429 at once when Retry-After asks for longer than maxDelayMs', async () => {
    const ans = arm({ status: 429, headers: { 'retry-after': '31' } }, { status: 200 });
    expect(await send(ans, { run: newRun() })).toEqual({ status: 429 });
    expect(ans.sentAt).toEqual([0]);
  });

  it('waits a Retry-After of exactly maxDelayMs', async () => {
    const ans = arm({ status: 429, headers: { 'retry-after': '30' } }, { status: 200 });
    expect(await send(ans, { run: newRun() })).toEqual({ status: 200 });
    expect(ans.sentAt).toEqual([0, 30_000]);
  });
});

describe('the backoff without Retry-After', () => {
  // Expected waits: base * 2^(attempt-1), times a jitter factor in [0.8, 1.2) drawn from Math.random.
  it.each([
    [0, [800, 1600, 3200]],
    [0.999_999, [1200, 2400, 4800]],
  ])('doubles from the base, jittered to its bounds (random %d)', async (random, waits) => {
    vi.spyOn(Math, 'random').mockReturnValue(random);
    const ans = arm({ status: 500 });
    expect(await send(ans, { run: newRun() })).toEqual({ status: 500 });
    const gaps = ans.sentAt.slice(1).map((t, i) => t - ans.sentAt[i]!);
    expect(gaps).toEqual(waits);
  });
});

describe("the run's deadline", () => {
  it('returns the answer rather than start a wait that would cross the deadline', async () => {
    const ans = arm({ status: 503, headers: { 'retry-after': '10' } }, { status: 200 });
    expect(await send(ans, { run: newRun({ deadline: START + 5000 }) })).toEqual({ status: 503 });
    expect(ans.sentAt).toEqual([0]);
  });

  it('does not start a wait that would end exactly at the deadline, only one that ends before it', async () => {
    const atDeadline = arm({ status: 503, headers: { 'retry-after': '2' } }, { status: 200 });
    expect(await send(atDeadline, { run: newRun({ deadline: START + 2000 }) })).toEqual({ status: 503 });
    const before = arm({ status: 503, headers: { 'retry-after': '2' } }, { status: 200 });
    expect(await send(before, { run: newRun({ deadline: START + 2001 }) })).toEqual({ status: 200 });
  });
});

describe('an abort during a wait', () => {
  it("ends the request with an AbortError when the run's signal aborts, leaving no timer or listener", async () => {
    const controller = new AbortController();
    const ans = arm({ status: 503, headers: { 'retry-after': '10' } }, { status: 200 });
    const policy = boundedRetryPolicy(SETTINGS);
    const request = createPipelineRequest({ url: TABLE });
    const pending = withArmRun(newRun({ signal: controller.signal }), () =>
      policy.sendRequest(request, ans.next),
    ).then(
      () => undefined,
      (error: unknown) => error,
    );
    await vi.advanceTimersByTimeAsync(100);
    controller.abort();
    const error = (await pending) as Error;
    expect({ name: error.name, message: error.message }).toEqual({
      name: 'AbortError',
      message: 'The operation was aborted.',
    });
    expect(ans.sentAt).toEqual([0]);
    expect(vi.getTimerCount()).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('does not wait at all when the request was already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const request = createPipelineRequest({ url: TABLE, abortSignal: controller.signal });
    const ans = arm({ status: 503, headers: { 'retry-after': '1' } }, { status: 200 });
    const outcome = await send(ans, { run: newRun(), request });
    expect(outcome).toMatchObject({ error: { name: 'AbortError' } });
    expect(ans.sentAt).toEqual([0]);
  });
});

describe('what each attempt counts as', () => {
  const cases: { sent: string; method: 'GET' | 'PUT'; url: string; lroDepth: number; counted: string }[] = [
    { sent: 'a GET', method: 'GET', url: TABLE, lroDepth: 0, counted: 'reads' },
    { sent: 'a PUT', method: 'PUT', url: TABLE, lroDepth: 0, counted: 'writes' },
    { sent: 'a PUT while awaiting an LRO', method: 'PUT', url: TABLE, lroDepth: 1, counted: 'writes' },
    { sent: 'a GET while awaiting an LRO', method: 'GET', url: TABLE, lroDepth: 1, counted: 'polls' },
    {
      sent: 'a GET of an operation status',
      method: 'GET',
      url: `${ARM}/subscriptions/s/providers/Microsoft.Network/locations/westeurope/operations/op1?api-version=2024-05-01`,
      lroDepth: 0,
      counted: 'polls',
    },
    {
      sent: 'a GET of an operation result',
      method: 'GET',
      url: `${ARM}/subscriptions/s/providers/Microsoft.Network/locations/westeurope/operationResults/op1?api-version=2024-05-01`,
      lroDepth: 0,
      counted: 'polls',
    },
  ];

  it.each(cases)('$sent, throttled once then answered, counts two $counted', async (c) => {
    const run = newRun({ lroDepth: c.lroDepth });
    const ans = arm({ status: 429, headers: { 'retry-after': '1' } }, { status: 200 });
    await send(ans, { run, request: createPipelineRequest({ url: c.url, method: c.method }) });
    const expected = { ...newCounts(), throttled: 1, [c.counted]: 2 };
    expect(run.counts).toEqual(expected);
  });
});
