// verify: are the pod routes actually in effect on the workers? Reads (VMs with power state, NICs, then one
// effective-route POST per chosen worker NIC), judges with the pure core, never writes. Used by the CLI
// (`pod-routes verify`) and by the Functions app (a sample after each repair and on its own timer).
import { randomUUID } from 'node:crypto';
import { type ArmClients, clientsFor } from './azure/clients.js';
import { readEffectiveRoutes } from './azure/effective.js';
import { describeFailure, httpStatusOf } from './azure/errors.js';
import { newCounts, withArmRun } from './azure/session.js';
import type { Config } from './config.js';
import {
  checkWorkerRoutes,
  summarizeVerification,
  type VerifySummary,
  type VerifyTarget,
  type WorkerVerification,
} from './core/effective.js';
import type { Logger, PeeringFindingRecord } from './core/types.js';
import { planSettingsFor, silent } from './reconcile.js';
import { verifyScope } from './verify-scope.js';

export type VerifyTrigger = 'cli' | 'repair' | 'timer';
type VerifyStatus = 'Effective' | 'Findings' | 'Failed';

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
  /** Total time budget (retry waits never start past it). Default 120 s. */
  timeoutMs?: number;
  /** Effective-route POSTs in flight at once (default 4). */
  concurrency?: number;
}

export interface VerifyResult {
  runId: string;
  trigger: VerifyTrigger;
  startedAt: string;
  durationMs: number;
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
  /** Requests of this run: list reads, effective-route POSTs, and their LRO polls. */
  arm: { reads: number; posts: number; polls: number; throttled: number };
  error?: ReturnType<typeof describeFailure>;
}

async function inBatches<T, R>(items: T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size)
    out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

export async function verify(options: VerifyOptions): Promise<VerifyResult> {
  const { config } = options;
  const log = options.log ?? silent;
  const startedAt = new Date();
  const counts = newCounts();
  const settings = planSettingsFor(config);
  let workers: WorkerVerification[] = [];
  let subnetIds = settings.subnetIds;
  let peerings: PeeringFindingRecord[] = [];
  let failure: VerifyResult['error'];

  const run = async () => {
    const clients = options.clients ?? clientsFor(config);
    // Per subnet, so that every table and subnet of a cluster is checked (src/verify-scope.ts).
    const scope = await verifyScope({
      config,
      settings,
      clients,
      workers: options.workers,
      offset: options.offset ?? 0,
      signal: options.signal,
    });
    ({ subnetIds, peerings } = scope);
    const { desired, targets } = scope;
    log.debug('verify targets', { workers: targets.length, read: targets.filter((t) => t.nicId).length });
    workers = await inBatches(targets, options.concurrency ?? 4, async (t: VerifyTarget) => {
      if (t.nicId === undefined || t.notApplicable !== undefined) {
        return {
          worker: t.worker,
          nicId: undefined,
          status: 'not-applicable',
          ...t.notApplicable,
          checks: [],
          notes: t.notes,
        };
      }
      try {
        const routes = await readEffectiveRoutes(scope.clientsOf(t.nicId), t.nicId, options.signal);
        return {
          worker: t.worker,
          nicId: t.nicId,
          status: 'checked',
          checks: checkWorkerRoutes(t.worker, routes, desired.routes),
          notes: t.notes,
        };
      } catch (error) {
        const status = httpStatusOf(error);
        // ARM refuses the read for this NIC (e.g. its VM stopped since the list): reported, not guessed.
        if (status === undefined || status < 400 || status >= 500 || status === 429) throw error;
        return {
          worker: t.worker,
          nicId: t.nicId,
          status: 'not-applicable',
          reason: 'read-failed',
          message: `ARM refused the effective routes of NIC ${t.nicId}: ${describeFailure(error).message}`,
          checks: [],
          notes: t.notes,
        };
      }
    });
  };

  try {
    await withArmRun(
      { counts, deadline: startedAt.getTime() + (options.timeoutMs ?? 120_000), signal: options.signal },
      run,
    );
  } catch (error) {
    failure = describeFailure(error);
    log.error(`verify failed: ${failure.message}`, { code: failure.code, statusCode: failure.statusCode });
  }
  const summary = summarizeVerification(workers);
  const effective = summary.effective && peerings.length === 0;
  const status: VerifyStatus = failure ? 'Failed' : effective ? 'Effective' : 'Findings';
  return {
    runId: randomUUID(),
    trigger: options.trigger,
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    status,
    routeTable: config.routeTableName,
    cluster: config.cluster.name,
    subnetId: settings.subnetIds[0]!,
    ...(subnetIds.length > 1 ? { subnetIds } : {}),
    ...(peerings.length > 0 ? { peerings } : {}),
    summary,
    workers,
    arm: { reads: counts.reads, posts: counts.writes, polls: counts.polls, throttled: counts.throttled },
    ...(failure ? { error: failure } : {}),
  };
}
