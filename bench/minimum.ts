// The references the bench compares the engine with. The design minimum counts requests: what any reconcile
// of this design must send (both lists, paged, the table, the scale-set list and the subnet; one PUT when there is drift), LRO polls apart.
// The physical minimum wall time, on the same latency model as the emulator: one round of the parallel reads
// (the pages of a list follow each other: each nextLink comes with the previous page), then the PUT, the
// long-running operation and the final GET; a client that knew when the operation ends would wait no less.

import type { LatencyModel } from '../src/emulator/arm.js';

export interface Minimum {
  reads: number;
  writes: number;
  /** reads + writes (LRO polls excluded). */
  requests: number;
  /** Physical minimum wall time of one reconcile, in ms. */
  wallMs: number;
}

export const DESIGN_MINIMUM_FORMULA =
  'reads = 2 x ceil((N + 3) / pageSize) + 3 (VM list pages, NIC list pages, table GET, scale-set list, subnet GET); writes = 1 PUT if D > 0, else 0';
export const WHOLE_REPAIR_FORMULA =
  'whole repair = reads + 1 PUT + s status polls + 1 final GET, s = 1 + ceil(LRO / poll interval) (one poll right after the PUT, then one per interval)';
export const PHYSICAL_WALL_FORMULA =
  'minimum wall = ceil((N + 3) / pageSize) x read (the reads run in parallel; pages in sequence) + [D > 0] (write + LRO + read)';

export function minimumFor(
  n: number,
  d: number,
  controllers: number,
  pageSize: number,
  latency: LatencyModel,
): Minimum {
  const pages = Math.max(1, Math.ceil((n + controllers) / pageSize));
  // The scale-set list (empty here) counts too: a safe run must know whether Uniform instances hold next hops;
  // so does the subnet, whose provisioning state says whether its association is mid-write (src/core/settled.ts).
  const reads = 2 * pages + 3;
  const writes = d > 0 ? 1 : 0;
  const wallMs = pages * latency.readMs + (d > 0 ? latency.writeMs + latency.lroMs + latency.readMs : 0);
  return { reads, writes, requests: reads + writes, wallMs };
}

/** Status polls the SDK makes for one operation with this LRO and poll interval (see WHOLE_REPAIR_FORMULA). */
export function expectedStatusPolls(lroMs: number, pollIntervalMs: number): number {
  return 1 + Math.ceil(lroMs / pollIntervalMs);
}

/** A cluster of several tables (src/reconcile-cluster.ts), as the design minimum sees it. */
export interface ClusterShape {
  /** Workers in each worker group (each group: its VM and NIC lists, paged, and its scale-set list). */
  workerGroups: number[];
  /** Distinct vnets of the cluster's subnets (one peering list each). */
  vnets: number;
  /** Subnets of each table (the table GET and one GET per subnet). */
  subnetsPerTable: number[];
  /** Tables that need their one PUT. */
  tablesDrifted: number;
}

export const CLUSTER_MINIMUM_FORMULA =
  'reads = sum over worker groups of (2 x ceil(N_g / pageSize) + 1) + vnets (peering lists) + sum over tables of (1 + subnets); writes = 1 PUT per drifted table';
export const CLUSTER_WALL_FORMULA =
  'minimum wall = ceil(max N_g / pageSize) x read (every read in parallel; pages in sequence) + [a drifted table] (write + LRO + read): the tables written in parallel';

/** Design and physical minimum of one cluster run over several tables (every read and table write in parallel). */
export function clusterMinimum(shape: ClusterShape, pageSize: number, latency: LatencyModel): Minimum {
  const pages = (n: number) => Math.max(1, Math.ceil(n / pageSize));
  const groupReads = shape.workerGroups.reduce((sum, n) => sum + 2 * pages(n) + 1, 0);
  const tableReads = shape.subnetsPerTable.reduce((sum, subnets) => sum + 1 + subnets, 0);
  const reads = groupReads + shape.vnets + tableReads;
  const writes = shape.tablesDrifted;
  const longest = Math.max(...shape.workerGroups.map(pages));
  const wallMs =
    longest * latency.readMs + (writes > 0 ? latency.writeMs + latency.lroMs + latency.readMs : 0);
  return { reads, writes, requests: reads + writes, wallMs };
}
