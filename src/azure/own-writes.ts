// Correlation ids of the writes this process made recently. ARM copies a client's x-ms-correlation-request-id
// into the events of the operation (data.correlationId), so the Event Grid trigger can tell the echo of its own
// write from somebody else's change and skip a reconcile that could only find what it just wrote.
import { randomUUID } from 'node:crypto';

/** Event Grid delivers within seconds; a retried delivery after this long just costs one cheap reconcile. */
const REMEMBER_MS = 15 * 60_000;
const MAX_REMEMBERED = 10_000;

const remembered = new Map<string, number>();

function forgetExpired(now: number): void {
  for (const [id, expires] of remembered) {
    if (expires > now && remembered.size < MAX_REMEMBERED) break;
    remembered.delete(id);
  }
}

/** A new correlation id for one of our writes, remembered as ours. */
export function ownWriteCorrelationId(now = Date.now()): string {
  forgetExpired(now);
  const id = randomUUID();
  remembered.set(id, now + REMEMBER_MS);
  return id;
}

/** Whether an event's correlation id is that of a write this process made. */
export function isOwnWrite(correlationId: string | undefined, now = Date.now()): boolean {
  if (correlationId === undefined) return false;
  const expires = remembered.get(correlationId.toLowerCase());
  return expires !== undefined && expires > now;
}
