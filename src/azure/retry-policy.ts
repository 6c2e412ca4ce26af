// One retry policy for every ARM call, replacing the SDK's (which honours any Retry-After, however long,
// three times per request, and knows nothing of the run's total budget). Retry storms have kept whole
// subscriptions throttled for hours, so: few attempts, Retry-After honoured, and never past the run's deadline.
// It also counts every attempt (reads, writes, LRO polls, 429s, 412s) for the run in progress.
import type {
  PipelinePolicy,
  PipelineRequest,
  PipelineResponse,
  SendRequest,
} from '@azure/core-rest-pipeline';
import { isRestError } from '@azure/core-rest-pipeline';
import { TRANSIENT_NETWORK_CODES } from './errors.js';
import { type ArmRun, currentArmRun } from './session.js';

const RETRY_POLICY_NAME = 'podRoutesBoundedRetry';

export interface RetrySettings {
  /** Attempts per request, the first included. */
  maxAttempts: number;
  /** Backoff base when the answer carries no Retry-After (doubles per attempt, with jitter). */
  baseDelayMs: number;
  /** No single wait is longer than this, whatever Retry-After says; a longer one ends the retries. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetrySettings = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 30_000 };

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

function isPoll(request: PipelineRequest, lroDepth: number): boolean {
  if (request.method !== 'GET') return false;
  return lroDepth > 0 || /\/(operations|operationResults)\//iu.test(new URL(request.url).pathname);
}

/** Milliseconds the server asked us to wait, if it said (HttpHeaders already holds values trimmed). */
function retryAfterMs(response: PipelineResponse, now = Date.now()): number | undefined {
  for (const header of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const value = response.headers.get(header);
    if (value !== undefined && /^\d+$/u.test(value)) return Number(value);
  }
  const retryAfter = response.headers.get('retry-after');
  if (retryAfter === undefined) return undefined;
  if (/^\d+$/u.test(retryAfter)) return Number(retryAfter) * 1000;
  const date = Date.parse(retryAfter);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

function sleep(ms: number, signal: PipelineRequest['abortSignal']): Promise<void> {
  const aborted = () => Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(aborted());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(aborted());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function boundedRetryPolicy(settings: RetrySettings = DEFAULT_RETRY): PipelinePolicy {
  return {
    name: RETRY_POLICY_NAME,
    async sendRequest(request, next) {
      const run = currentArmRun();
      for (let attempt = 1; ; attempt++) {
        if (run) countAttempt(run, request);
        const answer = await send(next, request);
        if (run && 'response' in answer) countAnswer(run, answer.response);
        const wait = retryWait(settings, attempt, answer, run?.deadline);
        if (wait === undefined) {
          if ('error' in answer) throw answer.error;
          return answer.response;
        }
        await sleep(wait, request.abortSignal ?? run?.signal);
      }
    },
  };
}

/** One attempt's answer: a response (any status), or the error the request failed with. */
type Answer = { response: PipelineResponse } | { error: unknown };

async function send(next: SendRequest, request: PipelineRequest): Promise<Answer> {
  try {
    return { response: await next(request) };
  } catch (error) {
    return { error };
  }
}

function countAttempt(run: ArmRun, request: PipelineRequest): void {
  if (isPoll(request, run.lroDepth ?? 0)) run.counts.polls++;
  else if (request.method === 'GET') run.counts.reads++;
  else run.counts.writes++;
}

function countAnswer(run: ArmRun, response: PipelineResponse): void {
  if (response.status === 429) run.counts.throttled++;
  if (response.status === 412) run.counts.conflicts++;
}

/**
 * How long to wait before the next attempt, or undefined when this answer is final: not retryable, out of
 * attempts, a Retry-After longer than maxDelayMs, or a wait that would cross the run's deadline.
 */
function retryWait(
  settings: RetrySettings,
  attempt: number,
  answer: Answer,
  deadline: number | undefined,
): number | undefined {
  if ('error' in answer) {
    const { error } = answer;
    const code = isRestError(error) ? error.code : (error as NodeJS.ErrnoException)?.code;
    if (!code || !TRANSIENT_NETWORK_CODES.has(code)) return undefined;
    const wait = backoff(settings, attempt);
    return canRetry(settings, attempt, wait, deadline) ? wait : undefined;
  }
  if (!RETRYABLE_STATUS.has(answer.response.status)) return undefined;
  const asked = retryAfterMs(answer.response);
  if (asked !== undefined && asked > settings.maxDelayMs) return undefined;
  const wait = asked ?? backoff(settings, attempt);
  return canRetry(settings, attempt, wait, deadline) ? wait : undefined;
}

function backoff(settings: RetrySettings, attempt: number): number {
  const exp = settings.baseDelayMs * 2 ** (attempt - 1);
  return Math.min(settings.maxDelayMs, Math.round(exp * (0.8 + Math.random() * 0.4)));
}

function canRetry(
  settings: RetrySettings,
  attempt: number,
  wait: number,
  deadline: number | undefined,
): boolean {
  if (attempt >= settings.maxAttempts) return false;
  return deadline === undefined || Date.now() + wait < deadline;
}
