// The mass-deletion guard at exactly its limit (docs/mutation.md): 'auto' allows half of the owned prefixes
// (all of a single one), a number allows exactly that many; one more is refused and the routes are kept.
import { describe, expect, it } from 'vitest';
import { emptyInventoryLooksWrong, routeDeletionLimit } from '../../src/core/guard.js';
import { planReconcile } from '../../src/core/plan.js';
import type { Inventory, Plan } from '../../src/core/types.js';
import { nic, reportCluster, route, settings, table, vm } from './fixtures.js';

describe('how many owned prefixes one run may remove', () => {
  it("'auto' is half of the owned prefixes, rounded down, and all of a single one", () => {
    expect([0, 1, 2, 3, 4, 5].map((owned) => routeDeletionLimit(owned, 'auto'))).toEqual([0, 1, 1, 1, 2, 2]);
  });

  it('a number is that many, whatever is owned', () => {
    expect(routeDeletionLimit(10, 3)).toBe(3);
    expect(routeDeletionLimit(1, 0)).toBe(0);
  });
});

/** The report's two workers, plus owned routes of `gone` workers that no VM claims any more. */
function withGoneWorkers(gone: number): Inventory {
  const inv = reportCluster();
  const stale = Array.from({ length: gone }, (_, n) =>
    route(`kubernetes-route-10-200-${n + 2}-0-24`, `10.200.${n + 2}.0/24`, `10.240.0.${30 + n}`),
  );
  inv.routeTable = table([...inv.routeTable!.routes, ...stale]);
  return inv;
}

describe('the mass-deletion guard at exactly its limit', () => {
  it("removes 2 of 4 owned prefixes under 'auto'", () => {
    const plan = planReconcile(withGoneWorkers(2), settings());
    expect(plan.refused).toEqual([]);
    expect(plan.actions.map((a) => a.kind)).toEqual(['delete-route', 'delete-route']);
    expect(plan.tableWrite?.routes).toHaveLength(2);
  });

  it("refuses to remove 3 of 5 under 'auto', and keeps all three", () => {
    const plan = planReconcile(withGoneWorkers(3), settings());
    expect(plan.refused.map((r) => r.reason)).toEqual(['mass-deletion']);
    expect(plan.refused[0]?.message).toBe(
      'the plan would remove the routes of 3 of 5 owned prefixes (limit 2: half of the owned routes); kept ' +
        'kubernetes-route-10-200-2-0-24, kubernetes-route-10-200-3-0-24, kubernetes-route-10-200-4-0-24. ' +
        'Check the VM and NIC inventory; rerun with --force if the deletions are intended',
    );
    expect(plan.actions).toEqual([]);
    expect(plan.tableWrite).toBeNull();
    expect(plan.nothingToRepair).toBe(true);
    expect(
      plan.drift.map((d) => [d.kind, d.repairable, d.message.endsWith('(held back: mass-deletion)')]),
    ).toEqual([
      ['stale-route', false, true],
      ['stale-route', false, true],
      ['stale-route', false, true],
    ]);
  });

  it('removes exactly maxRouteDeletions prefixes, and refuses one more', () => {
    expect(planReconcile(withGoneWorkers(3), settings({ maxRouteDeletions: 3 })).refused).toEqual([]);
    const over = planReconcile(withGoneWorkers(3), settings({ maxRouteDeletions: 2 }));
    expect(over.refused.map((r) => r.reason)).toEqual(['mass-deletion']);
    expect(over.refused[0]?.message).toContain('(limit 2); kept');
  });
});

const HELD = '(held back: mass-deletion)';
const summary = (plan: Plan) => ({
  drift: plan.drift.map((d) => [d.kind, d.subject, d.repairable, d.message.endsWith(HELD)]),
  actions: plan.actions.map((a) => [a.kind, a.subject]),
  write: plan.tableWrite?.routes.map((e) => ('keep' in e ? `keep ${e.keep}` : `put ${e.put.name}`)) ?? null,
  desired: plan.desiredRoutes.map((d) => d.name),
  nothingToRepair: plan.nothingToRepair,
});

describe('what the mass-deletion guard keeps, and what it lets through', () => {
  it('of two owned routes of a vanishing prefix, the first by name is kept and the other still removed', () => {
    const inv = reportCluster();
    // Table order puts the later name first: the guard chooses by name, not by where Azure lists it.
    inv.routeTable = table([
      ...inv.routeTable!.routes,
      route('kubernetes-route-z-copy', '10.200.9.0/24', '10.240.0.30'),
      route('kubernetes-route-10-200-9-0-24', '10.200.9.0/24', '10.240.0.30'),
    ]);
    const plan = planReconcile(inv, settings({ maxRouteDeletions: 0 }));
    expect(plan.refused[0]?.message).toContain('(limit 0); kept kubernetes-route-10-200-9-0-24. Check');
    expect(summary(plan)).toEqual({
      drift: [
        ['stale-route', 'kubernetes-route-10-200-9-0-24', false, true],
        ['stale-route', 'kubernetes-route-z-copy', true, false],
      ],
      actions: [['delete-route', 'kubernetes-route-z-copy']],
      write: [
        'keep kubernetes-route-10-200-0-0-24',
        'keep kubernetes-route-10-200-1-0-24',
        'keep kubernetes-route-10-200-9-0-24',
      ],
      desired: ['kubernetes-route-10-200-0-0-24', 'kubernetes-route-10-200-1-0-24'],
      nothingToRepair: false,
    });
  });

  /**
   * worker-2's route is named for its prefix but routes 10.200.9.0/24, which no worker claims; worker-2's prefix
   * sits in a route of another name. The plan renames: it rewrites that name to worker-2's prefix (removing
   * 10.200.9.0/24) and drops the other route. worker-1's next hop is also wrong.
   */
  function renameCluster(worker1Hop: string): Inventory {
    const inv = reportCluster();
    inv.vms.push(vm('worker-2', '10.200.2.0/24'));
    inv.nics.push(nic('worker-2', '10.240.0.22'));
    inv.routeTable = table([
      route('kubernetes-route-10-200-0-0-24', '10.200.0.0/24', '10.240.0.20'),
      route('kubernetes-route-10-200-1-0-24', '10.200.1.0/24', worker1Hop),
      route('kubernetes-route-old-2', '10.200.2.0/24', '10.240.0.22'),
      route('kubernetes-route-10-200-2-0-24', '10.200.9.0/24', '10.240.0.30'),
    ]);
    return inv;
  }

  it('a refused rename keeps both old routes and withholds the put reusing the name; other repairs go ahead', () => {
    const plan = planReconcile(renameCluster('10.240.0.99'), settings({ maxRouteDeletions: 0 }));
    expect(plan.refused.map((r) => [r.reason, r.message])).toEqual([
      [
        'mass-deletion',
        'the plan would remove the routes of 1 of 4 owned prefixes (limit 0); kept kubernetes-route-10-200-2-0-24, ' +
          'kubernetes-route-old-2; also withheld kubernetes-route-10-200-2-0-24, whose names they hold. ' +
          'Check the VM and NIC inventory; rerun with --force if the deletions are intended',
      ],
    ]);
    expect(summary(plan)).toEqual({
      drift: [
        ['wrong-next-hop', 'kubernetes-route-10-200-1-0-24', true, false],
        ['missing-route', 'kubernetes-route-10-200-2-0-24', false, true],
        ['stale-route', 'kubernetes-route-10-200-2-0-24', false, true],
      ],
      actions: [['update-route', 'kubernetes-route-10-200-1-0-24']],
      write: [
        'keep kubernetes-route-10-200-0-0-24',
        'keep kubernetes-route-old-2',
        'keep kubernetes-route-10-200-2-0-24',
        'put kubernetes-route-10-200-1-0-24',
      ],
      desired: ['kubernetes-route-10-200-0-0-24', 'kubernetes-route-10-200-1-0-24'],
      nothingToRepair: false,
    });
  });

  it('when the refused rename is all there was to do, nothing is written and nothing is left to repair', () => {
    const plan = planReconcile(renameCluster('10.240.0.21'), settings({ maxRouteDeletions: 0 }));
    expect(plan.refused.map((r) => r.reason)).toEqual(['mass-deletion']);
    expect(summary(plan)).toMatchObject({ actions: [], write: null, nothingToRepair: true });
  });

  it('with --force the rename goes through', () => {
    const plan = planReconcile(
      renameCluster('10.240.0.21'),
      settings({ maxRouteDeletions: 0, forceDeletions: true }),
    );
    expect(plan.refused).toEqual([]);
    expect(summary(plan).write).toEqual([
      'keep kubernetes-route-10-200-0-0-24',
      'keep kubernetes-route-10-200-1-0-24',
      'put kubernetes-route-10-200-2-0-24',
    ]);
  });
});

describe('what the route limit holds back', () => {
  it('a table to create: no table, no association, no route; IP forwarding is still repaired', () => {
    const inv = reportCluster();
    inv.routeTable = null;
    inv.nics[0]!.enableIpForwarding = false;
    const plan = planReconcile(inv, settings({ maxRoutesPerTable: 1, repairIpForwarding: true }));
    expect(plan.refused.map((r) => [r.reason, r.subject])).toEqual([['route-limit-exceeded', 'route table']]);
    expect(plan.drift.map((d) => [d.kind, d.repairable])).toEqual([
      ['ip-forwarding-disabled', true],
      ['table-missing', false],
      ['subnet-not-associated', false],
      ['missing-route', false],
      ['missing-route', false],
    ]);
    expect(plan.actions.map((a) => a.kind)).toEqual(['enable-ip-forwarding']);
    expect(plan.tableWrite).toBeNull();
    expect(plan.associateSubnets).toEqual([]);
    expect(plan.enableIpForwarding).toEqual([inv.nics[0]!.id]);
    expect(plan.nothingToRepair).toBe(false);
  });

  it('an existing table: its subnet is still associated, only the routes wait', () => {
    const inv = reportCluster();
    inv.routeTable = table([inv.routeTable!.routes[0]!], []);
    const plan = planReconcile(inv, settings({ maxRoutesPerTable: 1 }));
    expect(plan.refused.map((r) => [r.reason, r.subject])).toEqual([
      ['route-limit-exceeded', inv.routeTable.id],
    ]);
    expect(plan.drift.map((d) => [d.kind, d.repairable])).toEqual([
      ['subnet-not-associated', true],
      ['missing-route', false],
    ]);
    expect(plan.actions.map((a) => a.kind)).toEqual(['associate-subnet']);
    expect(plan.associateSubnets.map((a) => a.routeTableId)).toEqual([inv.routeTable.id]);
    expect(plan.tableWrite).toBeNull();
  });
});

describe('what the route limit holds back from an existing table', () => {
  // worker-1's route points at an old address, a gone worker's route is stale, and worker-2 is new: with the
  // limit at two routes, none of the three route repairs may be listed as an action, since none is written.
  it('its updates and deletions wait with the creations', () => {
    const inv = reportCluster();
    inv.vms.push(vm('worker-2', '10.200.2.0/24'));
    inv.nics.push(nic('worker-2', '10.240.0.22'));
    inv.routeTable = table([
      route('kubernetes-route-10-200-0-0-24', '10.200.0.0/24', '10.240.0.20'),
      route('kubernetes-route-10-200-1-0-24', '10.200.1.0/24', '10.240.0.99'),
      route('kubernetes-route-10-200-9-0-24', '10.200.9.0/24', '10.240.0.29'),
    ]);
    const unlimited = planReconcile(inv, settings());
    expect(unlimited.actions.map((a) => a.kind).sort()).toEqual([
      'create-route',
      'delete-route',
      'update-route',
    ]);
    const plan = planReconcile(inv, settings({ maxRoutesPerTable: 2 }));
    expect(plan.refused.map((r) => r.reason)).toEqual(['route-limit-exceeded']);
    expect(plan.actions).toEqual([]);
    expect(plan.tableWrite).toBeNull();
  });
});

describe('the mass-deletion message', () => {
  it('names the kept routes in name order, whatever order the table lists them in', () => {
    const inv = withGoneWorkers(3);
    inv.routeTable = table([...inv.routeTable!.routes].reverse());
    const message = planReconcile(inv, settings()).refused[0]?.message;
    expect(message).toContain(
      'kept kubernetes-route-10-200-2-0-24, kubernetes-route-10-200-3-0-24, kubernetes-route-10-200-4-0-24.',
    );
  });
});

describe('when an empty VM list looks like a bad read (core/guard.ts)', () => {
  it('no VMs and only a subnet to associate: nothing would be deleted, so nothing looks wrong', () => {
    const inv = reportCluster();
    inv.vms = [];
    inv.nics = [];
    inv.routeTable = table([route('firewall', '0.0.0.0/0', '10.240.0.4')], []);
    const plan = planReconcile(inv, settings());
    expect(plan.actions.map((a) => a.kind)).toEqual(['associate-subnet']);
    expect(emptyInventoryLooksWrong(inv, plan, settings())).toBe(false);
  });
});
