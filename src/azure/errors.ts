// How ARM failures are told apart: what aborts a run, what is worth retrying later.
import { isRestError } from '@azure/core-rest-pipeline';

export class InventoryError extends Error {
  override readonly name = 'InventoryError';
}

export interface ArmFailure {
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

export function statusOf(error: unknown): number | undefined {
  return isRestError(error) ? error.statusCode : undefined;
}

export function codeOf(error: unknown): string | undefined {
  return isRestError(error) ? error.code : undefined;
}

/** A 404 that means the resource is absent (not its resource group, subscription or provider). */
export function isResourceNotFound(error: unknown): boolean {
  return (
    statusOf(error) === 404 &&
    codeOf(error) !== 'ResourceGroupNotFound' &&
    codeOf(error) !== 'SubscriptionNotFound'
  );
}
