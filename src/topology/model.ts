// The picture's view model: clusters -> route tables -> subnets (associated or not) and routes -> workers,
// foreign routes apart, findings worst first. Every renderer (Mermaid, SVG, HTML) draws only this, so a fleet
// (many clusters, many tables per cluster) needs only more entries here. Pure: no I/O.

/** What one route (or one worker's missing route) looks like now. Ordered worst first in ROUTE_STATES. */
export type RouteState =
  | 'missing'
  | 'wrong-next-hop'
  | 'not-in-effect'
  | 'shadowed'
  | 'refused'
  | 'stale'
  | 'not-provisioned'
  | 'repaired'
  | 'ok';

/** Worst first: the order of the legend and of the text beside the picture. */
export const ROUTE_STATES: readonly RouteState[] = [
  'missing',
  'wrong-next-hop',
  'not-in-effect',
  'shadowed',
  'refused',
  'stale',
  'not-provisioned',
  'repaired',
  'ok',
];

export const severityOf = (state: RouteState): number => ROUTE_STATES.indexOf(state);

const worstState = (states: readonly RouteState[]): RouteState =>
  states.reduce<RouteState>((worst, s) => (severityOf(s) < severityOf(worst) ? s : worst), 'ok');

export interface SubnetView {
  id: string;
  name: string;
  virtualNetwork: string;
  /** false: the table must be associated with this subnet and is not; undefined: not read (verify alone). */
  associated: boolean | undefined;
}

export interface WorkerView {
  /** Stable key within the cluster (the VM name when known, else its IP). */
  key: string;
  name: string | undefined;
  ips: string[];
  podCidrs: string[];
  /** Where the worker is drawn: its subnet or scale set. */
  group: string;
  /** Worker-level problems (IP forwarding off, a refused pod CIDR tag, not checked): drawn on the worker. */
  problems: string[];
}

export interface RouteView {
  name: string;
  prefix: string | undefined;
  /** The next hop the table holds now (undefined: the route does not exist). */
  nextHop: string | undefined;
  /** The worker the route is for; undefined for a stale route whose next hop is no worker. */
  worker: string | undefined;
  state: RouteState;
  /** Why the state is what it is (the drift, refusal or verification message). */
  detail: string | undefined;
}

interface ForeignRouteView {
  name: string;
  prefix: string | undefined;
  nextHopType: string | undefined;
  nextHop: string | undefined;
}

export interface TableView {
  id: string;
  name: string;
  resourceGroup: string;
  exists: boolean;
  subnets: SubnetView[];
  routes: RouteView[];
  foreignRoutes: ForeignRouteView[];
}

export interface Finding {
  state: RouteState | 'table' | 'unassociated' | 'worker' | 'peering';
  /** Lower is worse; findings are listed by it. */
  severity: number;
  subject: string;
  message: string;
}

export interface ClusterView {
  name: string;
  tables: TableView[];
  workers: WorkerView[];
  findings: Finding[];
}

export interface TopologyModel {
  title: string;
  /** When the state was read (ISO 8601). */
  readAt: string;
  clusters: ClusterView[];
}

/** Severity of findings that are not about one route: an unassociated subnet or a missing table breaks all. */
export const SEVERITY = { table: -2, subnet: -1, worker: 4.5, peering: 2.5 } as const;

function sortFindings(findings: Finding[]): Finding[] {
  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => a.f.severity - b.f.severity || a.i - b.i)
    .map(({ f }) => f);
}

/** Everything in one cluster, worst first, for the text beside the picture. */
export function clusterFindings(cluster: ClusterView): Finding[] {
  return sortFindings(cluster.findings);
}

/** The worst state of each worker over every table's route to it. */
export function workerStates(cluster: ClusterView): Map<string, RouteState> {
  const states = new Map<string, RouteState[]>();
  for (const table of cluster.tables)
    for (const route of table.routes) {
      if (route.worker === undefined) continue;
      states.set(route.worker, [...(states.get(route.worker) ?? []), route.state]);
    }
  return new Map(cluster.workers.map((w) => [w.key, worstState(states.get(w.key) ?? ['ok'])]));
}

/** Healthy: every route to it ok (or repaired) and nothing wrong with the worker itself. */
function isHealthy(worker: WorkerView, state: RouteState | undefined): boolean {
  return worker.problems.length === 0 && (state === undefined || state === 'ok' || state === 'repaired');
}

/** Workers by group, groups in name order, workers worst first then by name inside a group. */
function workersByGroup(cluster: ClusterView): Array<{ group: string; workers: WorkerView[] }> {
  const states = workerStates(cluster);
  const groups = new Map<string, WorkerView[]>();
  for (const w of cluster.workers) groups.set(w.group, [...(groups.get(w.group) ?? []), w]);
  const rank = (w: WorkerView) => (w.problems.length > 0 ? -0.5 : 0) + severityOf(states.get(w.key) ?? 'ok');
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([group, workers]) => ({
      group,
      workers: [...workers].sort(
        (a, b) => rank(a) - rank(b) || a.key.localeCompare(b.key, 'en', { numeric: true }),
      ),
    }));
}

/** Healthy workers beyond this many per group are drawn as one node with a count. */
export const FOLD_HEALTHY_BEYOND = 6;

export interface WorkerGroupView {
  group: string;
  /** Drawn one by one: every unhealthy worker, and the first healthy ones up to the threshold. */
  shown: WorkerView[];
  /** Healthy workers drawn as one node with their count. */
  folded: WorkerView[];
}

export function foldedGroups(cluster: ClusterView, threshold = FOLD_HEALTHY_BEYOND): WorkerGroupView[] {
  const states = workerStates(cluster);
  return workersByGroup(cluster).map(({ group, workers }) => {
    const shown: WorkerView[] = [];
    const folded: WorkerView[] = [];
    let healthy = 0;
    for (const w of workers) {
      if (!isHealthy(w, states.get(w.key))) shown.push(w);
      else if (healthy++ < threshold) shown.push(w);
      else folded.push(w);
    }
    // Folding a single worker saves nothing.
    if (folded.length === 1) shown.push(...folded.splice(0));
    return { group, shown, folded };
  });
}
