// The subnet policy (src/core/subnets.ts): the planner decides, per subnet the table must serve, whether it is
// associated already, to be associated, or held by another team's table and refused (issue 17 bug 1).
import { describe, expect, it } from 'vitest';
import { planReconcile } from '../../src/core/plan.js';
import type { Inventory, Plan } from '../../src/core/types.js';
import { reportCluster, settings } from './fixtures.js';

const reasons = (plan: Plan) => plan.refused.map((r) => r.reason).sort();

function world(mutate: (inv: Inventory) => void): Inventory {
  const inv = reportCluster();
  mutate(inv);
  return inv;
}

describe('subnets: the planner decides association or refusal per subnet', () => {
  const other = `${settings().routeTableId.replace(/kubernetes-routes$/u, '')}netops-routes`;
  const subnetRecord = (routeTableId: string | undefined) => ({
    id: settings().subnetIds[0]!,
    provisioningState: 'Succeeded',
    routeTableId,
  });

  it('a subnet associated with another team table is refused, not promised: no association action', () => {
    const inv = world((i) => {
      i.routeTable!.subnetIds = [];
      i.subnets = [subnetRecord(other)];
    });
    const plan = planReconcile(inv, settings());
    expect(reasons(plan)).toEqual(['subnet-associated-elsewhere']);
    expect(plan.associateSubnets).toEqual([]);
    expect(plan.actions.map((a) => a.kind)).not.toContain('associate-subnet');
    expect(plan.drift).toEqual([
      expect.objectContaining({ kind: 'subnet-not-associated', repairable: false }),
    ]);
    expect(plan.nothingToRepair).toBe(true);
  });

  it('a free subnet is associated; one whose own record names this table is associated already', () => {
    const free = world((i) => {
      i.routeTable!.subnetIds = [];
      i.subnets = [subnetRecord(undefined)];
    });
    expect(planReconcile(free, settings()).associateSubnets).toHaveLength(1);
    const lagging = world((i) => {
      i.routeTable!.subnetIds = [];
      i.subnets = [subnetRecord(settings().routeTableId.toUpperCase())];
    });
    expect(planReconcile(lagging, settings()).associateSubnets).toEqual([]);
  });

  it('several subnets are decided one by one', () => {
    const second = settings().subnetIds[0]!.replace(/kubernetes-subnet$/u, 'second-subnet');
    const s = settings({ subnetIds: [settings().subnetIds[0]!, second] });
    const inv = world((i) => {
      i.subnets = [
        subnetRecord(settings().routeTableId),
        { id: second, provisioningState: 'Succeeded', routeTableId: other },
      ];
    });
    const plan = planReconcile(inv, s);
    expect(plan.refused).toEqual([
      expect.objectContaining({ reason: 'subnet-associated-elsewhere', subject: second }),
    ]);
    expect(plan.associateSubnets).toEqual([]);
  });
});
