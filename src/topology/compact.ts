// The picture in the health record (field `topology`), for the workbook's graph: the subnets the table must
// be associated with (from the workers' subnets and the drift), the workers that need attention with their
// state, and counts for the rest. Capped so that one record stays well under Application Insights' 8,192
// characters per custom property.
import type { Drift, ReconcileResult } from '../core/types.js';
import { type RouteState, severityOf } from './model.js';

/** Unhealthy workers listed by name; more are counted (the workbook shows them as one node). */
const MAX_LISTED_WORKERS = 40;

interface CompactTopology {
  subnets: Array<{ name: string; associated: boolean }>;
  /** Workers not ok, worst first, at most MAX_LISTED_WORKERS. */
  workers: Array<{ name: string; ip: string; subnet: string; state: string }>;
  healthy: number;
  /** Unhealthy workers beyond the cap. */
  unlisted: number;
  /** Our routes whose next hop is no worker. */
  stale: number;
}

const STATE_OF: Partial<Record<Drift['kind'], RouteState | 'ip-forwarding-disabled'>> = {
  'missing-route': 'missing',
  'wrong-next-hop': 'wrong-next-hop',
  'pod-cidr-changed': 'wrong-next-hop',
  'route-not-provisioned': 'not-provisioned',
  'ip-forwarding-disabled': 'ip-forwarding-disabled',
};

const lastSegment = (id: string | undefined) => (id ? id.slice(id.lastIndexOf('/') + 1) : '?');
const rank = (state: string) => (state === 'ip-forwarding-disabled' ? 4.5 : severityOf(state as RouteState));

function workerStatesOf(result: ReconcileResult): Map<string, string> {
  const states = new Map<string, string>();
  const worse = (name: string, state: string) => {
    const seen = states.get(name);
    if (seen === undefined || rank(state) < rank(seen)) states.set(name, state);
  };
  for (const d of result.plan.drift) {
    const state = STATE_OF[d.kind];
    if (d.worker !== undefined && state !== undefined) worse(d.worker, state);
  }
  for (const r of result.refused) if (r.worker !== undefined) worse(r.worker, 'refused');
  return states;
}

export function compactTopology(result: ReconcileResult): CompactTopology {
  const states = workerStatesOf(result);
  const facts = result.workers ?? [];
  const unassociated = new Set(
    result.plan.drift.filter((d) => d.kind === 'subnet-not-associated').map((d) => lastSegment(d.subject)),
  );
  const subnetNames = new Set([...facts.map((w) => lastSegment(w.subnetId)), ...unassociated]);
  const unhealthy = facts
    .filter((w) => states.has(w.name))
    .map((w) => ({
      name: w.name,
      ip: w.ips[0] ?? '',
      subnet: lastSegment(w.subnetId),
      state: states.get(w.name)!,
    }))
    .sort((a, b) => rank(a.state) - rank(b.state) || a.name.localeCompare(b.name, 'en', { numeric: true }));
  return {
    subnets: [...subnetNames].sort().map((name) => ({ name, associated: !unassociated.has(name) })),
    workers: unhealthy.slice(0, MAX_LISTED_WORKERS),
    healthy: facts.length - unhealthy.length,
    unlisted: Math.max(0, unhealthy.length - MAX_LISTED_WORKERS),
    stale: result.plan.drift.filter((d) => d.kind === 'stale-route').length,
  };
}
