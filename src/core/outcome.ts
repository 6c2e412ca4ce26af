// Which plan a run reports, its health status, and what every surface says about it. A run makes up to three
// plans: from its first read (what it found), from the table its write confirmed, and at the end of its writes.
// What it reports as repaired, still drifted and refused depends on how far it got; this is the one place that
// decides it, and `verdictOf` the one place that turns the status into "in sync" and exit codes (the CLI's
// renderer and the HTTP drift report read it; neither recomputes it).
import type { Drift, HealthStatus, Plan, Refusal } from './types.js';

interface RunPlans {
  /** Planned from the first (settled) read; undefined when that read failed. */
  initial: Plan | undefined;
  /** Re-planned from the table the write confirmed; undefined when no table write was attempted or none held. */
  confirmed: Plan | undefined;
  /** Re-planned after every write of the run; undefined when the run wrote nothing or failed first. */
  final: Plan | undefined;
  failed: boolean;
}

interface RunOutcome {
  /** The plan of the first read: what the run found (empty when it could not read). */
  found: Plan;
  /** The plan what is left over is taken from. */
  remaining: Plan;
  repaired: Drift[];
  unrepaired: Drift[];
  refused: Refusal[];
  status: HealthStatus;
}

export function emptyPlan(): Plan {
  return {
    nothingToRepair: false,
    drift: [],
    refused: [],
    actions: [],
    tableWrite: null,
    associateSubnets: [],
    enableIpForwarding: [],
    desiredRoutes: [],
  };
}

const driftKey = (d: Drift) => `${d.kind}|${d.subject.toLowerCase()}`;

export function outcome(plans: RunPlans): RunOutcome {
  const found = plans.initial ?? emptyPlan();
  // A failed run keeps what its confirmed table write repaired; a later step's failure does not undo it.
  // Nothing else counts as repaired: an unconfirmed write may not have happened.
  const after = plans.failed ? plans.confirmed : plans.final;
  const remaining = after ?? found;
  const left = new Set(remaining.drift.map(driftKey));
  // With no later plan, what remains is what was found: nothing counts as repaired.
  const repaired = found.drift.filter((d) => !left.has(driftKey(d)));
  const unrepaired = remaining.drift;
  const refused = remaining.refused;
  const status = healthStatusOf(plans.failed, unrepaired, refused, repaired);
  return { found, remaining, repaired, unrepaired, refused, status };
}

/** What every surface says about one result: all of it follows from the status alone. */
export interface Verdict {
  /** Nothing left to repair and nothing refused: Healthy or Repaired. */
  inSync: boolean;
  /** pod-routes plan|apply: 0 in sync, 1 failed (or drift a write left behind), 2 found but not written, 3 refused. */
  cliExitCode: number;
  /** GET /api/driftReport: 503 when the run failed (a health probe's "down"), else 200. */
  httpStatus: number;
}

/** `wrote`: the run was allowed to write (CLI apply in enforce mode); otherwise drift is only found. */
export function verdictOf(status: HealthStatus, wrote: boolean): Verdict {
  const inSync = status === 'Healthy' || status === 'Repaired';
  const httpStatus = status === 'Failed' ? 503 : 200;
  if (status === 'Failed') return { inSync, cliExitCode: 1, httpStatus };
  if (inSync) return { inSync, cliExitCode: 0, httpStatus };
  if (!wrote) return { inSync, cliExitCode: 2, httpStatus };
  // Drift left behind a refusal is what the safety rules held back: "in sync except what was refused".
  return { inSync, cliExitCode: status === 'Refused' ? 3 : 1, httpStatus };
}

function healthStatusOf(
  failed: boolean,
  unrepaired: readonly Drift[],
  refused: readonly Refusal[],
  repaired: readonly Drift[],
): HealthStatus {
  if (failed) return 'Failed';
  // Drift a safety rule held back is not "drifted": it is what the refusal is about.
  if (unrepaired.some((d) => d.repairable || d.kind === 'ip-forwarding-disabled')) return 'Drifted';
  if (refused.length > 0 || unrepaired.length > 0) return 'Refused';
  if (repaired.length > 0) return 'Repaired';
  return 'Healthy';
}
