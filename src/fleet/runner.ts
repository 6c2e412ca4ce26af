// One tick over the fleet: every cluster's run, at most `concurrency` at a time, all within one deadline. A
// cluster's failure is its own result (a throw too), and a slow or throttled cluster holds one slot, never the
// others': each run gets what is left of the tick's budget and is aborted at the deadline; clusters not started
// by then are reported as skipped, never silently dropped. ARM's shared limits are paced below this, per
// subscription (src/azure/pacer.ts), so many clusters in one subscription slow down together, in turn.
import type { FleetCluster } from './load.js';

/** Clusters reconciled at once by default: enough to overlap ARM latency, few enough to share a subscription's bucket. */
const DEFAULT_FLEET_CONCURRENCY = 8;

interface ClusterBudget {
  /** What is left of the tick's budget when the cluster's run starts. */
  timeoutMs: number;
  /** Aborted at the tick's deadline (or when the caller's signal is). */
  signal: AbortSignal;
}

export type ClusterOutcome<R> =
  | { cluster: string; status: 'done'; result: R; startedAfterMs: number }
  | { cluster: string; status: 'threw'; error: unknown; startedAfterMs: number }
  | { cluster: string; status: 'skipped'; reason: string };

export interface FleetRunOptions<R> {
  clusters: readonly FleetCluster[];
  run: (cluster: FleetCluster, budget: ClusterBudget) => Promise<R>;
  /** The tick's total budget (ms). */
  timeoutMs: number;
  concurrency?: number;
  signal?: AbortSignal;
}

/** Runs every cluster; resolves with one outcome per cluster, in the fleet's order. Never rejects. */
export async function runFleet<R>(options: FleetRunOptions<R>): Promise<Array<ClusterOutcome<R>>> {
  const { clusters, run, timeoutMs } = options;
  const started = Date.now();
  const deadline = started + timeoutMs;
  const tickSignal = AbortSignal.any([
    AbortSignal.timeout(timeoutMs),
    ...(options.signal ? [options.signal] : []),
  ]);
  const outcomes: Array<ClusterOutcome<R>> = new Array(clusters.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < clusters.length; i = next++) {
      const cluster = clusters[i]!;
      const left = deadline - Date.now();
      if (left <= 0 || tickSignal.aborted) {
        outcomes[i] = {
          cluster: cluster.name,
          status: 'skipped',
          reason: 'the tick ran out of time before its turn',
        };
        continue;
      }
      const startedAfterMs = Date.now() - started;
      try {
        const result = await run(cluster, { timeoutMs: left, signal: tickSignal });
        outcomes[i] = { cluster: cluster.name, status: 'done', result, startedAfterMs };
      } catch (error) {
        outcomes[i] = { cluster: cluster.name, status: 'threw', error, startedAfterMs };
      }
    }
  };
  const width = Math.max(1, Math.min(options.concurrency ?? DEFAULT_FLEET_CONCURRENCY, clusters.length));
  await Promise.all(Array.from({ length: width }, worker));
  return outcomes;
}
