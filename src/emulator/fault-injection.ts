// What the fault rules that match a request do to it (the rules themselves: faults.ts). Their latency is
// waited first; then a 'drop' closes the connection, an 'externalWrite' changes the route table as another
// writer would before the request is handled, a 'status' answers instead of ARM, and an 'lroFail' makes the
// operation the request starts end Failed.
import type { Arm } from './arm.js';
import type { ArmErrorBody } from './errors.js';
import type { FaultRule } from './faults.js';
import { routeTableIdOf } from './network/route-tables.js';
import type { ArmReply } from './request.js';

export interface FaultEffect {
  /** The kind logged for the request ('drop', 'status', 'externalWrite', 'lroFail'). */
  kind?: string;
  /** Close the connection without an answer. */
  drop: boolean;
  /** A 'status' rule's answer, given instead of ARM's. */
  reply?: ArmReply;
  /** An 'lroFail' rule: the operation the request starts ends Failed with this error. */
  failLro?: ArmErrorBody;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits the extra latency of every matching rule. */
export async function waitFaultLatency(matched: FaultRule[]): Promise<void> {
  for (const f of matched) if (f.latencyMs) await sleep(f.latencyMs);
}

/** Applies the matching rules' effects (an external write happens now) and says what is left to do. */
export function applyFaults(matched: FaultRule[], path: string, arm: Arm): FaultEffect {
  if (matched.some((f) => f.kind === 'drop')) return { kind: 'drop', drop: true };
  let kind: string | undefined;
  for (const f of matched.filter((x) => x.kind === 'externalWrite')) {
    const { routeTableId, ...change } = f.externalWrite ?? {};
    const tableId = routeTableId ?? routeTableIdOf(path);
    if (tableId) arm.externalWrite(tableId, change, f.id);
    kind = 'externalWrite';
  }
  const statusRule = matched.find((f) => f.kind === 'status');
  if (statusRule)
    return {
      kind: 'status',
      drop: false,
      reply: {
        status: statusRule.status!,
        headers: { ...statusRule.headers },
        body: statusRule.error ? { error: statusRule.error } : undefined,
      },
    };
  const lroFail = matched.find((f) => f.kind === 'lroFail');
  if (!lroFail) return { kind, drop: false };
  return {
    kind: 'lroFail',
    drop: false,
    failLro: {
      code: lroFail.lroError?.code ?? 'InternalServerError',
      message: lroFail.lroError?.message ?? 'An error occurred.',
      ...(lroFail.lroError ?? {}),
    },
  };
}
