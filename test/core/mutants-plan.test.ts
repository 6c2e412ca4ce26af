// Planner decisions no other scenario pinned (docs/mutation.md lists the mutants these kill): when an empty read
// looks wrong, which of two pod CIDR tags differing only in letter case a VM's claim comes from, foreign routes
// without a prefix, and the message of an unassociated subnet.
import { describe, expect, it } from 'vitest';
import { emptyInventoryLooksWrong } from '../../src/core/guard.js';
import { planReconcile } from '../../src/core/plan.js';
import type { Inventory } from '../../src/core/types.js';
import { reportCluster, route, SUBNET_ID, settings, table } from './fixtures.js';

const LOOSE = settings({ maxRouteDeletions: 10 });
const looksWrong = (inv: Inventory) => emptyInventoryLooksWrong(inv, planReconcile(inv, LOOSE), LOOSE);

describe('when an empty VM list looks like a bad read', () => {
  it('no VMs, owned routes to delete and a subnet to associate as well: it looks wrong', () => {
    const inv = reportCluster();
    inv.vms = [];
    inv.nics = [];
    inv.routeTable = table(inv.routeTable!.routes, []);
    expect(planReconcile(inv, LOOSE).actions.map((a) => a.kind)).toEqual([
      'associate-subnet',
      'delete-route',
      'delete-route',
    ]);
    expect(looksWrong(inv)).toBe(true);
  });

  it('no VMs and no route of ours in the table: nothing would be deleted, nothing looks wrong', () => {
    const inv = reportCluster();
    inv.vms = [];
    inv.nics = [];
    inv.routeTable = table([route('firewall', '0.0.0.0/0', '10.240.0.4')]);
    expect(looksWrong(inv)).toBe(false);
  });

  it('VMs listed and a stale route to delete: an ordinary cleanup, not a bad read', () => {
    const inv = reportCluster();
    inv.routeTable = table([
      ...inv.routeTable!.routes,
      route('kubernetes-route-10-200-9-0-24', '10.200.9.0/24', '10.240.0.9'),
    ]);
    expect(planReconcile(inv, LOOSE).actions.map((a) => a.kind)).toEqual(['delete-route']);
    expect(looksWrong(inv)).toBe(false);
  });
});

describe('a pod CIDR tag written twice, in two letter cases', () => {
  it('the claim comes from the first tag key in ordinal order (upper case first), whatever order ARM lists them', () => {
    const inv = reportCluster();
    inv.vms[0]!.tags = { 'pod-cidr': '10.200.7.0/24', 'POD-CIDR': '10.200.0.0/24' };
    const plan = planReconcile(inv, settings());
    expect(plan.drift).toEqual([]);
    expect(plan.desiredRoutes.map((r) => r.addressPrefix)).toEqual(['10.200.0.0/24', '10.200.1.0/24']);
  });
});

describe('foreign routes without an address prefix', () => {
  it('two of them share no prefix: neither blocks the table', () => {
    const inv = reportCluster();
    const noPrefix = (name: string) => ({ ...route(name, '', '10.240.0.4'), addressPrefix: undefined });
    inv.routeTable = table([...inv.routeTable!.routes, noPrefix('legacy-a'), noPrefix('legacy-b')]);
    const plan = planReconcile(inv, settings());
    expect(plan.refused).toEqual([]);
    expect(plan.tableWrite).toBeNull();
  });
});

describe('a subnet not associated with the table', () => {
  it('says which subnet and table, and why it matters', () => {
    const inv = reportCluster();
    inv.routeTable = table(inv.routeTable!.routes, []);
    expect(planReconcile(inv, settings()).drift.map((d) => [d.kind, d.message, d.repairable])).toEqual([
      [
        'subnet-not-associated',
        `subnet '${SUBNET_ID}' is not associated with route table 'kubernetes-routes': its pods use none of these routes`,
        true,
      ],
    ]);
  });
});
