// One reconcile, the same straight line for the timer, Event Grid, the HTTP drift report and the CLI:
// config -> read inventory -> plan (pure) -> guard (pure) -> one write -> verify -> result.
import type { Config } from './config.js';
import type { Logger, ReconcileResult, Trigger } from './core/types.js';

export interface ReconcileOptions {
  config: Config;
  trigger: Trigger;
  /** Plan only: never write, whatever REMEDIATION_MODE says (CLI plan, HTTP drift report). */
  dryRun?: boolean;
  /** Operator override of the mass-deletion guard (CLI --force). */
  forceDeletions?: boolean;
  log?: Logger;
  /** Aborts waits (Retry-After, LRO polling) when the host is shutting down. */
  signal?: AbortSignal;
}

/**
 * Never throws for ARM or planning failures: a failed run comes back with status 'Failed' and `error`
 * (`error.transient` tells a caller such as the Event Grid trigger whether a retry may help).
 */
export async function reconcile(_options: ReconcileOptions): Promise<ReconcileResult> {
  throw new Error('reconcile: not implemented yet (being built in src/azure + src/reconcile.ts)');
}
