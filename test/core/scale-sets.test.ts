// The planner and scale-set instances: an owned route whose next hop is a NIC that belongs to no listed VM (a
// Uniform scale-set instance's NIC, from the scale sets' NIC lists) is kept and reported, never deleted.
import { describe, expect, it } from 'vitest';
import { planReconcile } from '../../src/core/plan.js';
import type { Inventory, NicRecord } from '../../src/core/types.js';
import { instanceNic, reportCluster, route, settings, table } from './fixtures.js';

function cluster(extraRoutes: ReturnType<typeof route>[], scaleSetNics: NicRecord[]): Inventory {
  const inv = reportCluster();
  inv.routeTable = table([...inv.routeTable!.routes, ...extraRoutes]);
  inv.scaleSetNics = scaleSetNics;
  return inv;
}

describe('routes to scale-set instances', () => {
  it('an unclaimed owned route to an instance is kept as it is and refused with its own reason', () => {
    const inv = cluster(
      [route('kubernetes-route-10-200-9-0-24', '10.200.9.0/24', '10.240.0.4')],
      [instanceNic('3', '10.240.0.4')],
    );
    const plan = planReconcile(inv, settings());
    expect(plan.refused.map((r) => [r.reason, r.subject, r.worker])).toEqual([
      ['next-hop-is-scale-set-instance', 'kubernetes-route-10-200-9-0-24', 'pool/3'],
    ]);
    expect(plan.tableWrite).toBeNull();
    expect(plan.drift).toEqual([]);
    expect(plan.nothingToRepair).toBe(true);
  });

  it('without the scale sets read, the same route is stale (what the engine did before)', () => {
    const inv = cluster([route('kubernetes-route-10-200-9-0-24', '10.200.9.0/24', '10.240.0.4')], []);
    const plan = planReconcile(inv, settings());
    expect(plan.drift.map((d) => [d.kind, d.subject])).toEqual([
      ['stale-route', 'kubernetes-route-10-200-9-0-24'],
    ]);
  });

  it('a prefix a listed VM claims is still rewritten to that VM, even if its route points at an instance', () => {
    const inv = cluster([], [instanceNic('3', '10.240.0.4')]);
    inv.routeTable = table([
      route('kubernetes-route-10-200-0-0-24', '10.200.0.0/24', '10.240.0.4'),
      route('kubernetes-route-10-200-1-0-24', '10.200.1.0/24', '10.240.0.21'),
    ]);
    const plan = planReconcile(inv, settings());
    expect(plan.refused).toEqual([]);
    expect(plan.drift.map((d) => [d.kind, d.after?.nextHopIpAddress])).toEqual([
      ['wrong-next-hop', '10.240.0.20'],
    ]);
  });

  it('a NIC whose VM is listed gives no protection: that VM without a tag has a stale route', () => {
    // worker-1 lost its tag; its NIC reached the planner through a scale-set list (a Flexible VM's NIC would).
    const inv = cluster([], [instanceNic('1', '10.240.0.21', `${reportCluster().vms[1]!.id}`)]);
    inv.vms[1]!.tags = {};
    const plan = planReconcile(inv, settings());
    expect(plan.refused).toEqual([]);
    expect(plan.drift.map((d) => [d.kind, d.subject])).toEqual([
      ['stale-route', 'kubernetes-route-10-200-1-0-24'],
    ]);
  });
});
