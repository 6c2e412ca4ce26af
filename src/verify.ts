// verify: are the pod routes actually in effect on the workers? Reads (VMs with power state, NICs, then one
// effective-route POST per chosen worker NIC), judges with the pure core, never writes. A finding counts only
// once confirmed: a route change reaches a NIC's effective routes after a propagation delay, so the workers with
// findings are read again once that delay has passed (within the run's budget, else at the next check).
// Used by the CLI (`pod-routes verify`) and by the Functions app (a sample after each repair and on its timer).
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ArmClients, clientsFor } from './azure/clients.js';
import { readEffectiveRoutes } from './azure/effective.js';
import { describeFailure, LroFailedError } from './azure/errors.js';
import { newCounts, withArmRun } from './azure/session.js';
import type { Config } from './config.js';
import type { DesiredRoute } from './core/desired.js';
import {
  checkWorkerRoutes,
  summarizeVerification,
  type VerifySummary,
  type VerifyTarget,
  type WorkerVerification,
} from './core/effective.js';
import type { Logger, PeeringFindingRecord } from './core/types.js';
import {
  type ClearedFinding,
  clearedBetween,
  confirmableAt,
  markConfirmed,
  type Observation,
  type PendingFinding,
  pendingOf,
  seenSince,
} from './core/verify-confirm.js';
import { planSettingsFor, silent } from './run-settings.js';
import { verifyScope } from './verify-scope.js';

export type VerifyTrigger = 'cli' | 'repair' | 'timer';
type VerifyStatus = 'Effective' | 'Findings' | 'Unconfirmed' | 'Failed';

/** How long a finding must persist before it counts: reports put route propagation at up to about a minute. */
const DEFAULT_CONFIRM_AFTER_MS = 60_000;

export interface VerifyOptions {
  config: Config;
  trigger: VerifyTrigger;
  /** 'all' workers, or a sample of this many (rotating with `offset`). */
  workers: 'all' | number;
  offset?: number;
  log?: Logger;
  /** Ends the check's waits at once: its budget after a repair, the host's shutdown, Ctrl-C in the CLI. */
  signal?: AbortSignal;
  clients?: ArmClients;
  /** Total time budget (retry waits and the confirmation wait never start past it). Default 120 s. */
  timeoutMs?: number;
  /** Effective-route POSTs in flight at once (default 4). */
  concurrency?: number;
  /** A finding counts once seen again this long after it was first seen (default 60 s); 0: at once. */
  confirmAfterMs?: number;
  /** Unconfirmed findings of an earlier check (its `pending`): their workers are read again. */
  pending?: readonly PendingFinding[];
}

export interface VerifyResult {
  runId: string;
  trigger: VerifyTrigger;
  startedAt: string;
  durationMs: number;
  /** Findings: confirmed ones; Unconfirmed: only findings not confirmed yet (they count at the next check). */
  status: VerifyStatus;
  routeTable: string;
  /** The cluster (Config.cluster.name), for telemetry. */
  cluster?: string;
  subnetId: string;
  /** A cluster of several subnets: every subnet sampled (workers are sampled per subnet). */
  subnetIds?: string[];
  /** A cluster over several vnets: the peerings that would drop pod traffic (a finding: status Findings). */
  peerings?: PeeringFindingRecord[];
  summary: VerifySummary;
  workers: WorkerVerification[];
  /** Findings of the first read that the re-check no longer showed (routes still propagating at first). */
  cleared: ClearedFinding[];
  /** Findings not confirmed yet, for the next check (`VerifyOptions.pending`). */
  pending: PendingFinding[];
  confirmAfterMs: number;
  /** Requests of this run: list reads, effective-route POSTs, and their LRO polls. */
  arm: { reads: number; posts: number; polls: number; throttled: number };
  error?: ReturnType<typeof describeFailure>;
}

/** What a run has gathered so far: kept whatever ends it. */
interface Gathered {
  /** The latest read of each worker, in the order read. */
  observations: Map<string, Observation>;
  /** Finding key -> epoch ms it was first seen (src/core/verify-confirm.ts). */
  seen: Map<string, number>;
  cleared: ClearedFinding[];
  /** The cluster's subnets that were sampled, and its peering findings (src/verify-scope.ts). */
  subnetIds?: string[];
  peerings: PeeringFindingRecord[];
}

/**
 * A failure that ends the run rather than one worker's check: the run's end (abort, deadline), or ARM throttling
 * or failing (429, 5xx, connection errors, which the retry policy already retried). Anything else, including an
 * effective-route operation that ARM ended Failed, concerns this NIC only.
 */
function endsTheRun(error: unknown, signal: AbortSignal | undefined): boolean {
  if (signal?.aborted === true || (error instanceof Error && error.name === 'AbortError')) return true;
  if (error instanceof LroFailedError) return false;
  return describeFailure(error).transient;
}

async function observe(
  clients: ArmClients,
  target: VerifyTarget,
  desired: readonly DesiredRoute[],
  signal: AbortSignal | undefined,
): Promise<Observation> {
  const readAt = Date.now();
  const { worker, nicId, notes } = target;
  if (nicId === undefined || target.notApplicable !== undefined) {
    const result = {
      worker,
      nicId: undefined,
      status: 'not-applicable',
      ...target.notApplicable,
      checks: [],
      notes,
    };
    return { readAt, result: result as WorkerVerification };
  }
  try {
    const routes = await readEffectiveRoutes(clients, nicId, signal);
    const checks = checkWorkerRoutes(worker, routes, desired);
    return { readAt, result: { worker, nicId, status: 'checked', checks, notes } };
  } catch (error) {
    if (endsTheRun(error, signal)) throw error;
    // E.g. the VM stopped since the list, or ARM ended the operation Failed: this worker's finding, reported as is.
    const message = `ARM did not give the effective routes of NIC ${nicId}: ${describeFailure(error).message}`;
    return {
      readAt,
      result: { worker, nicId, status: 'read-failed', reason: 'read-failed', message, checks: [], notes },
    };
  }
}

/** Reads `concurrency` targets at a time into `gathered`; a failure that ends the run stops the reads not started. */
async function readAll(
  targets: readonly VerifyTarget[],
  concurrency: number,
  read: (t: VerifyTarget) => Promise<Observation>,
  gathered: Gathered,
  pending: ReadonlyMap<string, number> = new Map(),
): Promise<void> {
  for (let i = 0; i < targets.length; i += concurrency) {
    const settled = await Promise.allSettled(targets.slice(i, i + concurrency).map(read));
    for (const s of settled) if (s.status === 'fulfilled') record(gathered, s.value, pending);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

/**
 * Keeps a worker's latest read. A finding seen without a break keeps the time it was first seen: since the
 * worker's previous read in this run, else since a pending finding of an earlier check (`pending`).
 */
function record(gathered: Gathered, observation: Observation, pending: ReadonlyMap<string, number>): void {
  const { worker } = observation.result;
  const previous = gathered.observations.get(worker);
  let before = pending;
  if (previous !== undefined) {
    gathered.cleared.push(...clearedBetween(previous.result, observation.result));
    before = seenSince(previous, gathered.seen);
    for (const key of before.keys()) gathered.seen.delete(key);
  }
  for (const [key, at] of seenSince(observation, before)) gathered.seen.set(key, at);
  gathered.observations.set(worker, observation);
}

const hasUnconfirmed = (o: Observation, seen: Map<string, number>, confirmAfterMs: number) =>
  pendingOf([markConfirmed(o, seen, confirmAfterMs)], seen).length > 0;

/** Reads the chosen workers (and those of pending findings), then re-reads the workers with unconfirmed findings. */
async function check(
  options: VerifyOptions,
  gathered: Gathered,
  confirmAfterMs: number,
  deadline: number,
  log: Logger,
): Promise<void> {
  const { config, signal } = options;
  const clients = options.clients ?? clientsFor(config);
  const pending = options.pending ?? [];
  // Per subnet, so that every table and subnet of a cluster is checked (src/verify-scope.ts); the workers of
  // pending findings are read whatever the sample.
  const scope = await verifyScope({
    config,
    settings: planSettingsFor(config),
    clients,
    workers: options.workers,
    offset: options.offset ?? 0,
    also: pending.map((p) => p.worker),
    signal,
  });
  gathered.subnetIds = scope.subnetIds;
  gathered.peerings = scope.peerings;
  const { desired, targets } = scope;
  log.debug('verify targets', { workers: targets.length, pendingWorkers: pending.length });
  const readOne = (t: VerifyTarget) => observe(scope.clientsOf(t.nicId ?? ''), t, desired.routes, signal);
  const concurrency = options.concurrency ?? 4;
  const firstReadFrom = Date.now();
  const pendingSince = new Map(pending.map((p) => [p.key, p.firstSeenAt]));
  await readAll(targets, concurrency, readOne, gathered, pendingSince);

  const at = confirmableAt(gathered.seen, confirmAfterMs, Date.now());
  if (at === undefined) return;
  const unconfirmed = targets.filter((t) => {
    const o = gathered.observations.get(t.worker);
    return o !== undefined && hasUnconfirmed(o, gathered.seen, confirmAfterMs);
  });
  // The re-read takes about as long as the first read of these workers did.
  const rereadMs = ((Date.now() - firstReadFrom) * unconfirmed.length) / Math.max(1, targets.length);
  if (at + rereadMs > deadline) {
    log.info(
      `verify: ${unconfirmed.length} worker(s) with findings left unconfirmed: the re-check would end past the run's budget`,
    );
    return;
  }
  log.debug('verify: re-checking findings after the propagation delay', { waitMs: at - Date.now() });
  await sleep(Math.max(0, at - Date.now()), undefined, signal ? { signal } : {});
  await readAll(unconfirmed, concurrency, readOne, gathered);
}

function statusOf(failed: boolean, summary: VerifySummary, peeringFindings: number): VerifyStatus {
  if (failed) return 'Failed';
  if (summary.shadowed + summary.missing + summary.readFailed + peeringFindings > 0) return 'Findings';
  return summary.unconfirmed > 0 ? 'Unconfirmed' : 'Effective';
}

export async function verify(options: VerifyOptions): Promise<VerifyResult> {
  const { config } = options;
  const log = options.log ?? silent;
  const startedAt = new Date();
  const deadline = startedAt.getTime() + (options.timeoutMs ?? 120_000);
  const confirmAfterMs = options.confirmAfterMs ?? DEFAULT_CONFIRM_AFTER_MS;
  const counts = newCounts();
  const gathered: Gathered = { observations: new Map(), seen: new Map(), cleared: [], peerings: [] };
  let failure: VerifyResult['error'];
  try {
    await withArmRun({ counts, deadline, signal: options.signal }, () =>
      check(options, gathered, confirmAfterMs, deadline, log),
    );
  } catch (error) {
    failure = describeFailure(error);
    log.error(`verify failed: ${failure.message}`, { code: failure.code, statusCode: failure.statusCode });
  }
  const workers = [...gathered.observations.values()].map((o) =>
    markConfirmed(o, gathered.seen, confirmAfterMs),
  );
  const summary = summarizeVerification(workers);
  return {
    runId: randomUUID(),
    trigger: options.trigger,
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    status: statusOf(failure !== undefined, summary, gathered.peerings.length),
    routeTable: config.routeTableName,
    cluster: config.cluster.name,
    subnetId: planSettingsFor(config).subnetIds[0]!,
    ...(gathered.subnetIds && gathered.subnetIds.length > 1 ? { subnetIds: gathered.subnetIds } : {}),
    ...(gathered.peerings.length > 0 ? { peerings: gathered.peerings } : {}),
    summary,
    workers,
    cleared: gathered.cleared,
    pending: pendingOf(workers, gathered.seen),
    confirmAfterMs,
    arm: { reads: counts.reads, posts: counts.writes, polls: counts.polls, throttled: counts.throttled },
    ...(failure ? { error: failure } : {}),
  };
}
