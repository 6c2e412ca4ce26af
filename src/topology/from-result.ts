// Fills the view model from what one run found: today one cluster with one table and one subnet (a
// ReconcileResult and, when there is one, a VerifyResult). The fleet fills more tables and clusters the same way.
import { classifyRoutes } from '../core/ownership.js';
import type { Drift, PlanSettings, ReconcileResult, RouteRecord } from '../core/types.js';
import type { VerifyResult } from '../verify.js';
import {
  type ClusterView,
  type Finding,
  type RouteState,
  type RouteView,
  SEVERITY,
  type SubnetView,
  severityOf,
  type TableView,
  type TopologyModel,
  type WorkerView,
} from './model.js';

const DRIFT_STATE: Partial<Record<Drift['kind'], RouteState>> = {
  'missing-route': 'missing',
  'wrong-next-hop': 'wrong-next-hop',
  'pod-cidr-changed': 'wrong-next-hop',
  'stale-route': 'stale',
  'route-not-provisioned': 'not-provisioned',
};

const lastSegment = (id: string) => id.slice(id.lastIndexOf('/') + 1);
const key = (name: string) => name.toLowerCase();

function subnetView(id: string, associated: boolean | undefined): SubnetView {
  const vnet = /\/virtualNetworks\/([^/]+)\//iu.exec(id)?.[1] ?? '?';
  return { id, name: lastSegment(id), virtualNetwork: vnet, associated };
}

interface Builder {
  workers: Map<string, WorkerView>;
  /** Worker key by next-hop IP, so a route finds its worker. */
  byIp: Map<string, string>;
  group: string;
}

function addWorker(b: Builder, name: string | undefined, ip: string | undefined, podCidr?: string): string {
  const found = (ip && b.byIp.get(ip)) || (name && b.workers.has(name) ? name : undefined);
  const workerKey = found ?? name ?? ip ?? `worker-${b.workers.size}`;
  const worker = b.workers.get(workerKey) ?? {
    key: workerKey,
    name,
    ips: [],
    podCidrs: [],
    group: b.group,
    problems: [],
  };
  if (name && !worker.name) worker.name = name;
  if (ip && !worker.ips.includes(ip)) worker.ips.push(ip);
  if (podCidr && !worker.podCidrs.includes(podCidr)) worker.podCidrs.push(podCidr);
  if (ip) b.byIp.set(ip, workerKey);
  b.workers.set(workerKey, worker);
  return workerKey;
}

/** The workers as the run read them: names, IPs, pod CIDRs, grouped by their subnet. */
function seedWorkers(result: ReconcileResult, b: Builder): void {
  for (const fact of result.workers ?? []) {
    const workerKey = addWorker(b, fact.name, fact.ips[0], fact.podCidrs[0]);
    for (const ip of fact.ips.slice(1)) addWorker(b, fact.name, ip);
    for (const cidr of fact.podCidrs.slice(1)) addWorker(b, fact.name, undefined, cidr);
    const worker = b.workers.get(workerKey);
    if (worker && fact.subnetId) worker.group = `subnet ${lastSegment(fact.subnetId)}`;
  }
}

/** One route view per owned route: desired (ok unless drifted), drifted, or stale. */
function ownedRoutes(result: ReconcileResult, b: Builder, repairedOk: boolean): RouteView[] {
  const routes = new Map<string, RouteView>();
  const before = new Map(result.before.map((r) => [key(r.name), r]));
  for (const d of result.plan.desiredRoutes) {
    const worker = addWorker(b, undefined, d.nextHopIpAddress, d.addressPrefix);
    const now = before.get(key(d.name));
    routes.set(key(d.name), routeView(d.name, d.addressPrefix, now, worker, 'ok', undefined));
  }
  const repaired = new Set(result.repaired);
  for (const d of result.plan.drift) {
    const state = DRIFT_STATE[d.kind];
    if (state === undefined) continue;
    const route = d.before ?? d.after;
    if (!route) continue;
    const worker =
      state === 'stale'
        ? undefined
        : addWorker(b, d.worker, d.after?.nextHopIpAddress, d.after?.addressPrefix ?? route.addressPrefix);
    const shown = repairedOk && repaired.has(d) ? 'repaired' : state;
    routes.set(
      key(route.name),
      routeView(route.name, route.addressPrefix, d.before, worker, shown, d.message),
    );
  }
  return [...routes.values()];
}

function routeView(
  name: string,
  prefix: string | undefined,
  now: RouteRecord | null | undefined,
  worker: string | undefined,
  state: RouteState,
  detail: string | undefined,
): RouteView {
  return { name, prefix, nextHop: now?.nextHopIpAddress, worker, state, detail };
}

/** Refused workers get a 'refused' route (nothing was written for them) and the reason as their problem. */
function refusedRoutes(result: ReconcileResult, b: Builder): RouteView[] {
  const out: RouteView[] = [];
  for (const r of result.refused) {
    if (r.worker === undefined) continue;
    const worker = addWorker(b, r.worker, undefined);
    b.workers.get(worker)?.problems.push(`refused (${r.reason})`);
    out.push(routeView(r.subject, undefined, undefined, worker, 'refused', `${r.reason}: ${r.message}`));
  }
  return out;
}

function findingsOf(result: ReconcileResult, routes: RouteView[]): Finding[] {
  const findings: Finding[] = [];
  for (const d of result.plan.drift) {
    if (d.kind === 'subnet-not-associated')
      findings.push({
        state: 'unassociated',
        severity: SEVERITY.subnet,
        subject: d.subject,
        message: d.message,
      });
    else if (d.kind === 'table-missing')
      findings.push({ state: 'table', severity: SEVERITY.table, subject: d.subject, message: d.message });
    else if (d.kind === 'ip-forwarding-disabled')
      findings.push({ state: 'worker', severity: SEVERITY.worker, subject: d.subject, message: d.message });
  }
  for (const r of routes) {
    if (r.state === 'ok') continue;
    findings.push({
      state: r.state,
      severity: severityOf(r.state),
      subject: r.name,
      message: r.detail ?? r.state,
    });
  }
  for (const r of result.refused.filter((x) => x.worker === undefined))
    findings.push({
      state: 'refused',
      severity: severityOf('refused'),
      subject: r.subject,
      message: `${r.reason}: ${r.message}`,
    });
  return findings;
}

function markIpForwarding(result: ReconcileResult, b: Builder): void {
  for (const d of result.plan.drift) {
    if (d.kind !== 'ip-forwarding-disabled' || d.worker === undefined) continue;
    const worker = b.workers.get(addWorker(b, d.worker, undefined));
    worker?.problems.push('IP forwarding off');
  }
}

export interface ClusterScope {
  /** The cluster's name (CLUSTER_NAME; 'default' for today's one-cluster settings). */
  name: string;
  /** The table's planner settings: its id, its subnet, what is ours. */
  settings: PlanSettings;
  /** Where the cluster's workers are drawn when nothing says better (their subnet's name). */
  workerGroup?: string;
}

/**
 * One cluster from one run. A plan shows what it found; an apply record shows the same drift with what the
 * run repaired marked 'repaired'. Foreign routes are the routes of the table as read that are not ours.
 */
export function clusterFromReconcile(result: ReconcileResult, scope: ClusterScope): ClusterView {
  const { settings } = scope;
  const b: Builder = {
    workers: new Map(),
    byIp: new Map(),
    group: scope.workerGroup ?? `subnet ${lastSegment(settings.subnetIds[0] ?? '')}`,
  };
  seedWorkers(result, b);
  // A cluster of several tables (ReconcileResult.tables): each drawn from its own part of the run.
  const parts =
    result.tables !== undefined && result.tables.length > 1
      ? result.tables.map((t) => ({
          run: { ...result, ...t },
          settings: {
            ...settings,
            routeTableId: t.routeTable.id,
            routeTableName: t.routeTable.name,
            subnetIds: t.subnetIds,
          },
        }))
      : [{ run: result, settings }];
  const drawn = parts.map((part) => tableOf(part.run, part.settings, b));
  markIpForwarding(result, b);
  return {
    name: scope.name,
    tables: drawn.map((d) => d.table),
    workers: [...b.workers.values()],
    findings: [
      ...drawn.flatMap((d, i) => findingsOf(parts[i]!.run, d.table.routes)),
      ...(result.peerings ?? []).map((f) => ({
        state: 'refused' as const,
        severity: severityOf('refused'),
        subject: f.subject,
        message: `peering-drops-pod-traffic: ${f.message}`,
      })),
    ],
  };
}

/** One table of the run: its routes (owned, refused), its subnets (associated or not), its foreign routes. */
function tableOf(run: ReconcileResult, settings: PlanSettings, b: Builder): { table: TableView } {
  const routes = [...ownedRoutes(run, b, run.mode === 'enforce'), ...refusedRoutes(run, b)];
  const unassociated = new Set(
    run.plan.drift.filter((d) => d.kind === 'subnet-not-associated').map((d) => d.subject.toLowerCase()),
  );
  const table: TableView = {
    id: run.routeTable.id,
    name: run.routeTable.name,
    resourceGroup: run.routeTable.resourceGroup,
    exists: !run.plan.drift.some((d) => d.kind === 'table-missing'),
    subnets: settings.subnetIds.map((id) => subnetView(id, !unassociated.has(id.toLowerCase()))),
    routes,
    foreignRoutes: classifyRoutes(run.before, settings)
      .filter((r) => !r.owned)
      .map(({ route }) => ({
        name: route.name,
        prefix: route.addressPrefix,
        nextHopType: route.nextHopType,
        nextHop: route.nextHopIpAddress,
      })),
  };
  return { table };
}

/**
 * Adds what verify saw in the data plane: a prefix another worker's NIC does not route to its worker is
 * 'not-in-effect' (no Active route) or 'shadowed' (a more specific prefix takes part of it). Workers learn
 * their names from verify (it names the worker each prefix belongs to).
 */
export function withVerification(cluster: ClusterView, verified: VerifyResult): ClusterView {
  const byPrefix = new Map<string, { state: RouteState; message: string; toWorker: string }>();
  for (const w of verified.workers)
    for (const c of w.checks) {
      if (c.verdict === 'ok') {
        byPrefix.set(c.prefix, byPrefix.get(c.prefix) ?? { state: 'ok', message: '', toWorker: c.toWorker });
        continue;
      }
      const state: RouteState = c.verdict === 'missing' ? 'not-in-effect' : 'shadowed';
      const seen = byPrefix.get(c.prefix);
      if (!seen || severityOf(state) < severityOf(seen.state))
        byPrefix.set(c.prefix, { state, message: `on ${w.worker}: ${c.message}`, toWorker: c.toWorker });
    }
  const workers = cluster.workers.map((w) => nameFromVerify(w, byPrefix));
  const tables = cluster.tables.map((t) => ({
    ...t,
    routes: t.routes.map((r) => {
      const seen = r.prefix === undefined ? undefined : byPrefix.get(r.prefix);
      if (!seen || severityOf(seen.state) >= severityOf(r.state)) return r;
      return { ...r, state: seen.state, detail: seen.message };
    }),
  }));
  const findings = [...cluster.findings, ...verifyFindings(verified, byPrefix)];
  return { ...cluster, tables, workers, findings };
}

function nameFromVerify(worker: WorkerView, byPrefix: Map<string, { toWorker: string }>): WorkerView {
  if (worker.name) return worker;
  const name = worker.podCidrs.map((p) => byPrefix.get(p)?.toWorker).find((n) => n !== undefined);
  return name ? { ...worker, name } : worker;
}

function verifyFindings(
  verified: VerifyResult,
  byPrefix: Map<string, { state: RouteState; message: string }>,
): Finding[] {
  const out: Finding[] = [];
  for (const [prefix, seen] of byPrefix)
    if (seen.state !== 'ok')
      out.push({
        state: seen.state,
        severity: severityOf(seen.state),
        subject: prefix,
        message: seen.message,
      });
  for (const w of verified.workers)
    if (w.status === 'not-applicable')
      out.push({
        state: 'worker',
        severity: SEVERITY.worker,
        subject: w.worker,
        message: `not checked (${w.reason ?? 'unknown'}): ${w.message ?? ''}`.trim(),
      });
  return out;
}

/** Today's whole picture: one cluster, from one run and, when given, the effective-route check after it. */
export function modelFromReconcile(
  result: ReconcileResult,
  scope: ClusterScope,
  verified?: VerifyResult,
): TopologyModel {
  const cluster = clusterFromReconcile(result, scope);
  return {
    title: `Pod routes of cluster ${scope.name}`,
    readAt: result.startedAt,
    clusters: [verified ? withVerification(cluster, verified) : cluster],
  };
}

/** verify alone: the routes it judged (one per other worker's pod CIDR), the association unknown. */
export function modelFromVerify(verified: VerifyResult, scope: ClusterScope): TopologyModel {
  const b: Builder = {
    workers: new Map(),
    byIp: new Map(),
    group: `subnet ${lastSegment(verified.subnetId)}`,
  };
  const routes = new Map<string, RouteView>();
  for (const w of verified.workers) {
    addWorker(b, w.worker, undefined);
    for (const c of w.checks) {
      const worker = addWorker(b, c.toWorker, c.expectedNextHop, c.prefix);
      routes.set(
        c.prefix,
        routeView(
          c.prefix,
          c.prefix,
          {
            name: c.prefix,
            addressPrefix: c.prefix,
            nextHopType: 'VirtualAppliance',
            nextHopIpAddress: c.expectedNextHop,
          },
          worker,
          'ok',
          undefined,
        ),
      );
    }
  }
  const table: TableView = {
    id: scope.settings.routeTableId,
    name: verified.routeTable,
    resourceGroup: /\/resourceGroups\/([^/]+)\//iu.exec(scope.settings.routeTableId)?.[1] ?? '?',
    exists: true,
    subnets: [subnetView(verified.subnetId, undefined)],
    routes: [...routes.values()],
    foreignRoutes: [],
  };
  const cluster: ClusterView = {
    name: scope.name,
    tables: [table],
    workers: [...b.workers.values()],
    findings: [],
  };
  return {
    title: `Pod routes in effect in cluster ${scope.name}`,
    readAt: verified.startedAt,
    clusters: [withVerification(cluster, verified)],
  };
}
