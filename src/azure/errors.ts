// How ARM failures are told apart: what aborts a run, what is worth retrying later.
import { isRestError } from '@azure/core-rest-pipeline';

export class InventoryError extends Error {
  override readonly name = 'InventoryError';
}

/** What we read is still being written by an ARM operation and did not settle within the run: retry later. */
export class UnsettledError extends Error {
  override readonly name = 'UnsettledError';
  readonly code = 'OperationInProgress';
}

/** Operation error codes that say "try again", as opposed to a request ARM will refuse every time. */
const TRANSIENT_OPERATION_CODES = new Set([
  'InternalServerError',
  'InternalError',
  'ServiceUnavailable',
  'GatewayTimeout',
  'OperationTimedOut',
  'RetryableError',
  'RetryableErrorDueToAnotherOperation',
  'AnotherOperationInProgress',
]);

/**
 * A long-running operation that ARM ended `Failed` (the SDK reports it as a plain Error whose message carries
 * the operation's error code). ARM has put the resource back as it was, marked `Failed`.
 */
export class LroFailedError extends Error {
  override readonly name = 'LroFailedError';
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }

  get transient(): boolean {
    return this.code !== undefined && TRANSIENT_OPERATION_CODES.has(this.code);
  }

  /** The SDK's error for a failed operation ("The long-running operation has failed. <code>. <message>"), or undefined. */
  static from(error: unknown): LroFailedError | undefined {
    if (!(error instanceof Error) || isRestError(error)) return undefined;
    const m = /^The long-running operation has failed(?:\. ([^.\s]+)\.)?/u.exec(error.message);
    return m ? new LroFailedError(error.message, m[1]) : undefined;
  }
}

interface ArmFailure {
  message: string;
  code: string | undefined;
  statusCode: number | undefined;
  transient: boolean;
}

const TRANSIENT_STATUS = new Set([408, 409, 412, 429, 500, 502, 503, 504]);
/** Connection-level failures worth another try (a later run, or the retry policy within this one). */
export const TRANSIENT_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'REQUEST_SEND_ERROR',
]);

export function describeFailure(error: unknown): ArmFailure {
  if (error instanceof UnsettledError)
    return { message: error.message, code: error.code, statusCode: undefined, transient: true };
  if (error instanceof LroFailedError)
    return { message: error.message, code: error.code, statusCode: undefined, transient: error.transient };
  if (isRestError(error)) {
    const status = error.statusCode;
    const code = error.code;
    return {
      message: error.message,
      code,
      statusCode: status,
      transient:
        (status !== undefined && TRANSIENT_STATUS.has(status)) ||
        (code !== undefined && TRANSIENT_NETWORK_CODES.has(code)),
    };
  }
  const err = error as NodeJS.ErrnoException | undefined;
  const code = typeof err?.code === 'string' ? err.code : undefined;
  return {
    message: err instanceof Error ? err.message : String(error),
    code,
    statusCode: undefined,
    transient: code !== undefined && TRANSIENT_NETWORK_CODES.has(code),
  };
}

/** The HTTP status of an ARM error (a RestError), if it has one. */
export function httpStatusOf(error: unknown): number | undefined {
  return isRestError(error) ? error.statusCode : undefined;
}

function codeOf(error: unknown): string | undefined {
  return isRestError(error) ? error.code : undefined;
}

/** A 404 that means the resource is absent (not its resource group, subscription or provider). */
export function isResourceNotFound(error: unknown): boolean {
  return (
    httpStatusOf(error) === 404 &&
    codeOf(error) !== 'ResourceGroupNotFound' &&
    codeOf(error) !== 'SubscriptionNotFound'
  );
}

/** The read's result, or null when the resource does not exist (a missing group or subscription still throws). */
export async function orNullIfNotFound<T>(read: Promise<T>): Promise<T | null> {
  try {
    return await read;
  } catch (error) {
    if (isResourceNotFound(error)) return null;
    throw error;
  }
}
