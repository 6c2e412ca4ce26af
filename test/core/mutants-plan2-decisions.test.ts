// Planner decisions over routes no other scenario pinned (docs/mutation.md lists the mutants these kill): which
// route of a prefix survives, the order of the write, which refused workers keep their old routes (foreign
// holders, dual stack, a name a kept route holds), which stale route is a pod CIDR move, and a table ARM refuses.
import { describe, expect, it } from 'vitest';
import { planReconcile } from '../../src/core/plan.js';
import type { Inventory, Plan, RouteRecord } from '../../src/core/types.js';
import { nic, reportCluster, route, settings, table, vm } from './fixtures.js';

// Deletions are not what these scenarios are about: a limit the mass-deletion guard never reaches.
const LOOSE = settings({ maxRouteDeletions: 10 });
const DUAL = settings({ maxRouteDeletions: 10, clusterCidrs: ['10.200.0.0/16', 'fd00:10:244::/48'] });

/** Route changes only, as `kind subject` lines (the plan sorts them by subject). */
const routeActions = (plan: Plan) => plan.actions.map((a) => `${a.kind} ${a.subject}`);
const driftOf = (plan: Plan) => plan.drift.map((d) => `${d.kind} ${d.subject}`);
const refusalsOf = (plan: Plan) => plan.refused.map((r) => `${r.reason} ${r.subject} ${r.worker}`);

/** The report's cluster with its table replaced. */
function withRoutes(routes: RouteRecord[]): Inventory {
  return { ...reportCluster(), routeTable: table(routes) };
}

const W0 = route('kubernetes-route-10-200-0-0-24', '10.200.0.0/24', '10.240.0.20');
const W1 = route('kubernetes-route-10-200-1-0-24', '10.200.1.0/24', '10.240.0.21');

describe('two routes of ours for one claimed prefix', () => {
  it('the canonically named one stays, even when a legacy name sorts first', () => {
    const legacy = route('kubernetes-route-0-legacy', '10.200.0.0/24', '10.240.0.20');
    const plan = planReconcile(withRoutes([W0, legacy, W1]), LOOSE);
    expect(routeActions(plan)).toEqual(['delete-route kubernetes-route-0-legacy']);
    expect(plan.tableWrite?.routes).toEqual([{ keep: W0.name }, { keep: W1.name }]);
  });

  it('with no canonical name, the first by name is rewritten and the other goes, whatever the table order', () => {
    const b = route('kubernetes-route-old-b', '10.200.0.0/24', '10.240.0.20');
    const a = route('kubernetes-route-old-a', '10.200.0.0/24', '10.240.0.20');
    const plan = planReconcile(withRoutes([b, a, W1]), LOOSE);
    expect(plan.actions.map((x) => [x.kind, x.subject, x.before?.name])).toEqual([
      ['update-route', W0.name, 'kubernetes-route-old-a'],
      ['delete-route', 'kubernetes-route-old-b', 'kubernetes-route-old-b'],
    ]);
  });
});

describe('the order of the write', () => {
  it('a rewritten route and a created one are written in name order, after the kept ones', () => {
    const firewall = route('firewall', '0.0.0.0/0', '10.240.0.4');
    const wrongHop = { ...W1, nextHopIpAddress: '10.240.0.99' };
    const plan = planReconcile(withRoutes([wrongHop, firewall]), LOOSE);
    expect(
      plan.tableWrite?.routes.map((e) => ('keep' in e ? `keep ${e.keep}` : `put ${e.put.name}`)),
    ).toEqual(['keep firewall', `put ${W0.name}`, `put ${W1.name}`]);
  });
});

describe('a claim a foreign route holds protects its worker', () => {
  it("worker-1 moving onto the firewall team's prefix keeps its old route, not worker-0's", () => {
    const inv = withRoutes([W0, W1, route('firewall-pods', '10.200.5.0/24', '10.240.0.4')]);
    inv.vms[1]!.tags = { 'pod-cidr': '10.200.5.0/24' };
    const plan = planReconcile(inv, LOOSE);
    expect(refusalsOf(plan)).toEqual(['foreign-route-conflict kubernetes-route-10-200-5-0-24 worker-1']);
    expect(plan.actions).toEqual([]);
    expect(plan.tableWrite).toBeNull();
  });

  it('a foreign route holding the name protects the routes of the claimed prefix, wherever they point', () => {
    // Named like worker-1's route but for a range outside the cluster: foreign, and in the way of the name.
    const holder = route(W1.name.toUpperCase(), '192.168.1.0/24', '10.240.0.4');
    const legacy = route('kubernetes-route-legacy-1', '10.200.1.0/24', '10.240.0.99');
    const plan = planReconcile(withRoutes([W0, holder, legacy]), LOOSE);
    expect(refusalsOf(plan)).toEqual([`foreign-route-conflict ${W1.name} worker-1`]);
    expect(plan.actions).toEqual([]);
  });
});

describe('dual stack: a refused claim protects only the families its worker has no claim going ahead in', () => {
  const W0_V6 = route('kubernetes-route-fd00-10-244-1---64', 'fd00:10:244:1::/64', 'fd00:a::20');
  const STALE_V6 = route('kubernetes-route-fd00-10-244-9---64', 'fd00:10:244:9::/64', 'fd00:a::20');

  function dualStackWorker0(tag: string, routes: RouteRecord[]): Inventory {
    const inv = withRoutes(routes);
    inv.vms[0] = vm('worker-0', tag);
    inv.nics[0] = nic('worker-0', '10.240.0.20', { ipv6: 'fd00:a::20' });
    return inv;
  }

  it('IPv4 held by a foreign route: the old IPv4 route stays, a stale IPv6 route to the worker goes', () => {
    const firewall = route('firewall-pods', '10.200.5.0/24', '10.240.0.4');
    const inv = dualStackWorker0('10.200.5.0/24, fd00:10:244:1::/64', [W0, W1, W0_V6, STALE_V6, firewall]);
    const plan = planReconcile(inv, DUAL);
    expect(refusalsOf(plan)).toEqual(['foreign-route-conflict kubernetes-route-10-200-5-0-24 worker-0']);
    expect(routeActions(plan)).toEqual([`delete-route ${STALE_V6.name}`]);
  });

  it('a worker whose claims all go ahead protects nothing: a stale IPv6 route to its NIC goes', () => {
    const inv = dualStackWorker0('10.200.0.0/24', [W0, W1, STALE_V6]);
    const plan = planReconcile(inv, DUAL);
    expect(plan.refused).toEqual([]);
    expect(driftOf(plan)).toEqual([`stale-route ${STALE_V6.name}`]);
  });

  it('a stale IPv4 route pointing at the IPv6 address is no move of the IPv6 pod CIDR', () => {
    const oddHop = route('kubernetes-route-10-200-7-0-24', '10.200.7.0/24', 'fd00:a::20');
    const plan = planReconcile(dualStackWorker0('10.200.0.0/24, fd00:10:244:1::/64', [W0, W1, oddHop]), DUAL);
    expect(driftOf(plan)).toEqual([`stale-route ${oddHop.name}`, `missing-route ${W0_V6.name}`]);
  });
});

describe('a claim whose name a kept route holds', () => {
  // worker-2's tag has host bits: its network 10.200.9.0/24 stays as it is, and so does the route of it that
  // carries worker-1's canonical name (a hand-made route, misnamed).
  function misnamedForWorker2(extra: RouteRecord[]): Inventory {
    const inv = withRoutes([W0, route(W1.name, '10.200.9.0/24', '10.240.0.22'), ...extra]);
    inv.vms.push(vm('worker-2', '10.200.9.1/24'));
    inv.nics.push(nic('worker-2', '10.240.0.22'));
    return inv;
  }

  it("is refused, the other claims go ahead, and its worker's previous route stays", () => {
    const previous = route('kubernetes-route-10-200-5-0-24', '10.200.5.0/24', '10.240.0.21');
    const plan = planReconcile(misnamedForWorker2([previous]), LOOSE);
    expect(refusalsOf(plan)).toEqual([
      'pod-cidr-host-bits 10.200.9.1/24 worker-2',
      `foreign-route-conflict ${W1.name} worker-1`,
    ]);
    expect(plan.refused[1]?.message).toBe(
      `worker 'worker-1' needs route '${W1.name}' for 10.200.1.0/24, but that name is taken by '${W1.name}' (10.200.9.0/24 -> VirtualAppliance 10.240.0.22), which is kept as it is (its own refusal says why)`,
    );
    expect(plan.desiredRoutes.map((r) => r.name)).toEqual([W0.name]);
    expect(plan.actions).toEqual([]);
  });

  it("its own prefix's legacy route stays too, wherever it points", () => {
    const legacy = route('kubernetes-route-legacy-1', '10.200.1.0/24', '10.240.0.99');
    const plan = planReconcile(misnamedForWorker2([legacy]), LOOSE);
    expect(refusalsOf(plan)).toContain(`foreign-route-conflict ${W1.name} worker-1`);
    expect(plan.actions).toEqual([]);
  });
});

describe('two stale routes pointing at a worker whose route is missing', () => {
  it('the lower prefix is the pod CIDR move, whatever the names; the other is only stale', () => {
    const fromSeven = route('kubernetes-route-a-old', '10.200.7.0/24', '10.240.0.20');
    const fromThree = route('kubernetes-route-z-old', '10.200.3.0/24', '10.240.0.20');
    const plan = planReconcile(withRoutes([fromSeven, fromThree, W1]), LOOSE);
    expect(plan.drift.map((d) => [d.kind, d.before?.name])).toEqual([
      ['pod-cidr-changed', fromThree.name],
      ['stale-route', fromSeven.name],
    ]);
  });
});

describe('a table ARM refuses to take a write of', () => {
  const firewalls = [
    route('firewall-a', '0.0.0.0/0', '10.240.0.4'),
    route('firewall-b', '0.0.0.0/0', '10.240.0.5'),
  ];

  it('routes are neither written nor listed as actions, the subnet association still is', () => {
    const inv = withRoutes([W0, ...firewalls]);
    inv.routeTable = table(inv.routeTable!.routes, []);
    const plan = planReconcile(inv, LOOSE);
    expect(plan.tableWrite).toBeNull();
    expect(driftOf(plan)).toContain(`missing-route ${W1.name}`);
    expect(plan.actions.map((a) => a.kind)).toEqual(['associate-subnet']);
  });
});

describe('the routes the plan wants', () => {
  it('are listed by route name, not by the name of the VM claiming them', () => {
    const inv = withRoutes([]);
    inv.vms = [vm('a-worker', '10.200.9.0/24'), vm('b-worker', '10.200.1.0/24')];
    inv.nics = [nic('a-worker', '10.240.0.30'), nic('b-worker', '10.240.0.31')];
    expect(planReconcile(inv, LOOSE).desiredRoutes.map((r) => r.name)).toEqual([
      'kubernetes-route-10-200-1-0-24',
      'kubernetes-route-10-200-9-0-24',
    ]);
  });
});
