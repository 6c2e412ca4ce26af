// What the planner tells a person, word for word (docs/mutation.md lists the mutants these kill): refusals of
// foreign routes in the way, scale-set holds, removals of duplicate and stale routes, rewrites and their reasons,
// pod CIDR moves, created routes and a missing table. Each message names the routes as read.
import { describe, expect, it } from 'vitest';
import { planReconcile } from '../../src/core/plan.js';
import type { Inventory, Plan, RouteRecord } from '../../src/core/types.js';
import { instanceNic, nic, reportCluster, route, settings, table, vm } from './fixtures.js';

const LOOSE = settings({ maxRouteDeletions: 10 });

const W0 = route('kubernetes-route-10-200-0-0-24', '10.200.0.0/24', '10.240.0.20');
const W1 = route('kubernetes-route-10-200-1-0-24', '10.200.1.0/24', '10.240.0.21');

function withRoutes(routes: RouteRecord[]): Inventory {
  return { ...reportCluster(), routeTable: table(routes) };
}

const refusalMessages = (plan: Plan) => plan.refused.map((r) => [r.reason, r.subject, r.message]);
const driftMessages = (plan: Plan) => plan.drift.map((d) => [d.kind, d.subject, d.message]);

describe('foreign routes repeating a prefix among themselves', () => {
  it('are named with their prefix and next hop, and the table is not written', () => {
    const a = route('firewall-a', '0.0.0.0/0', '10.240.0.4');
    const b = route('firewall-b', '0.0.0.0/0', '10.240.0.5');
    expect(refusalMessages(planReconcile(withRoutes([W0, W1, a, b]), LOOSE))).toEqual([
      [
        'duplicate-route-prefix',
        '0.0.0.0/0',
        "routes 'firewall-a' (0.0.0.0/0 -> VirtualAppliance 10.240.0.4), 'firewall-b' (0.0.0.0/0 -> VirtualAppliance 10.240.0.5) share one address prefix and are not ours to remove; ARM rejects any write of this table until they are fixed",
      ],
    ]);
  });

  it('a service tag repeated is named as written; a next hop without IP leaves no blank', () => {
    const a = route('to-cloud-a', 'AzureCloud', undefined);
    const b = route('to-cloud-b', 'AzureCloud', undefined);
    expect(refusalMessages(planReconcile(withRoutes([W0, W1, a, b]), LOOSE))).toEqual([
      [
        'duplicate-route-prefix',
        'AzureCloud',
        "routes 'to-cloud-a' (AzureCloud -> Internet), 'to-cloud-b' (AzureCloud -> Internet) share one address prefix and are not ours to remove; ARM rejects any write of this table until they are fixed",
      ],
    ]);
  });
});

describe('a foreign route in the way of a claim', () => {
  it('holding its prefix: the claim is refused, and our route of that prefix gives way', () => {
    const firewall = route('firewall-pods', '10.200.1.0/24', '10.240.0.4');
    const plan = planReconcile(withRoutes([W0, W1, firewall]), LOOSE);
    expect(refusalMessages(plan)).toEqual([
      [
        'foreign-route-conflict',
        W1.name,
        "worker 'worker-1' needs 10.200.1.0/24 -> 10.240.0.21, but foreign route 'firewall-pods' (10.200.1.0/24 -> VirtualAppliance 10.240.0.4) already holds its prefix; the foreign route is left untouched",
      ],
    ]);
    expect(driftMessages(plan)).toEqual([
      [
        'stale-route',
        W1.name,
        "route 'kubernetes-route-10-200-1-0-24' (10.200.1.0/24 -> VirtualAppliance 10.240.0.21) repeats the prefix of foreign route 'firewall-pods'; removed",
      ],
    ]);
  });

  it('holding its name, with neither prefix nor next hop type: the unknowns show as ?', () => {
    const holder: RouteRecord = {
      name: W1.name,
      addressPrefix: undefined,
      nextHopType: undefined,
      nextHopIpAddress: undefined,
    };
    expect(refusalMessages(planReconcile(withRoutes([W0, holder]), LOOSE))).toEqual([
      [
        'foreign-route-conflict',
        W1.name,
        "worker 'worker-1' needs 10.200.1.0/24 -> 10.240.0.21, but foreign route 'kubernetes-route-10-200-1-0-24' (? -> ?) already holds its name; the foreign route is left untouched",
      ],
    ]);
  });
});

describe('a route of ours held by a scale-set instance', () => {
  it('names the route, the NIC and the instance', () => {
    const stray = route('kubernetes-route-10-200-9-0-24', '10.200.9.0/24', '10.240.0.50');
    const inv = withRoutes([W0, W1, stray]);
    inv.scaleSetNics = [instanceNic('7', '10.240.0.50')];
    expect(refusalMessages(planReconcile(inv, LOOSE))).toEqual([
      [
        'next-hop-is-scale-set-instance',
        stray.name,
        "route 'kubernetes-route-10-200-9-0-24' (10.200.9.0/24 -> VirtualAppliance 10.240.0.50) is ours and no listed VM claims 10.200.9.0/24, but its next hop is held by NIC 'pool-nic' of scale-set instance pool/7, which is not in the VM list: the route is kept as it is (Uniform scale-set instances are never harmed, nor managed)",
      ],
    ]);
  });
});

describe('a claimed route that is wrong says every reason it is rewritten', () => {
  /** worker-0..worker-4, claiming 10.200.i.0/24 from 10.240.0.2i, each with one route as given. */
  function fiveWorkers(routes: RouteRecord[]): Inventory {
    const inv = reportCluster();
    for (const i of [2, 3, 4]) {
      inv.vms.push(vm(`worker-${i}`, `10.200.${i}.0/24`));
      inv.nics.push(nic(`worker-${i}`, `10.240.0.2${i}`));
    }
    inv.routeTable = table(routes);
    return inv;
  }

  it('next hop, provisioning state, name and prefix text, each when it is wrong', () => {
    const canonical = (i: number, over: Partial<RouteRecord>) =>
      route(`kubernetes-route-10-200-${i}-0-24`, `10.200.${i}.0/24`, `10.240.0.2${i}`, over);
    const plan = planReconcile(
      fiveWorkers([
        canonical(0, { nextHopType: 'Internet', nextHopIpAddress: undefined, provisioningState: 'Failed' }),
        route('kubernetes-route-legacy-1', '10.200.1.1/24', '10.240.0.21'),
        canonical(2, { provisioningState: 'Failed' }),
        canonical(3, { nextHopType: undefined, nextHopIpAddress: undefined }),
        canonical(4, { nextHopIpAddress: '10.240.0.99' }),
      ]),
      LOOSE,
    );
    const rewritten = (i: number, why: string) =>
      `route for worker 'worker-${i}' (10.200.${i}.0/24): ${why}; rewritten to VirtualAppliance 10.240.0.2${i}`;
    expect(plan.drift.map((d) => [d.kind, d.message])).toEqual([
      ['wrong-next-hop', rewritten(0, 'next hop is Internet; provisioning state is Failed')],
      [
        'missing-route',
        rewritten(
          1,
          "name is not the canonical 'kubernetes-route-10-200-1-0-24'; prefix is written '10.200.1.1/24'",
        ),
      ],
      ['route-not-provisioned', rewritten(2, 'provisioning state is Failed')],
      ['wrong-next-hop', rewritten(3, 'next hop is ?')],
      ['wrong-next-hop', rewritten(4, 'next hop is VirtualAppliance 10.240.0.99')],
    ]);
    expect(plan.actions.map((a) => a.kind)).toEqual(Array(5).fill('update-route'));
  });
});

describe('routes removed, moved and created', () => {
  it('a duplicate of a claimed prefix names the route that stays', () => {
    const legacy = route('kubernetes-route-0-legacy', '10.200.0.0/24', '10.240.0.20');
    expect(driftMessages(planReconcile(withRoutes([W0, legacy, W1]), LOOSE))).toEqual([
      [
        'stale-route',
        legacy.name,
        "route 'kubernetes-route-0-legacy' (10.200.0.0/24 -> VirtualAppliance 10.240.0.20) repeats prefix 10.200.0.0/24 of route 'kubernetes-route-10-200-0-0-24'; removed",
      ],
    ]);
  });

  it('a pod CIDR move, a stale route and a new worker: each says what happens, all repairable', () => {
    const inv = withRoutes([W0, W1, route('kubernetes-route-10-200-9-0-24', '10.200.9.0/24', '10.240.0.9')]);
    inv.vms[0]!.tags = { 'pod-cidr': '10.200.5.0/24' };
    inv.vms.push(vm('worker-2', '10.200.2.0/24'));
    inv.nics.push(nic('worker-2', '10.240.0.22'));
    const plan = planReconcile(inv, LOOSE);
    expect(plan.drift.map((d) => [d.kind, d.subject, d.message, d.repairable])).toEqual([
      [
        'missing-route',
        'kubernetes-route-10-200-2-0-24',
        "worker 'worker-2' has no route for 10.200.2.0/24; created -> VirtualAppliance 10.240.0.22",
        true,
      ],
      [
        'pod-cidr-changed',
        'kubernetes-route-10-200-5-0-24',
        "worker 'worker-0' moved from 10.200.0.0/24 to 10.200.5.0/24: route 'kubernetes-route-10-200-0-0-24' is replaced by 'kubernetes-route-10-200-5-0-24' in one write",
        true,
      ],
      [
        'stale-route',
        'kubernetes-route-10-200-9-0-24',
        "route 'kubernetes-route-10-200-9-0-24' (10.200.9.0/24 -> VirtualAppliance 10.240.0.9) is ours but no worker claims 10.200.9.0/24; removed",
        true,
      ],
    ]);
  });
});

describe('a missing route table', () => {
  const tableDrift = (inv: Inventory) =>
    planReconcile(inv, LOOSE)
      .drift.filter((d) => d.kind === 'table-missing')
      .map((d) => [d.subject, d.message, d.repairable]);

  it('is created in the vnet location', () => {
    const inv = { ...reportCluster(), routeTable: null };
    expect(tableDrift(inv)).toEqual([
      [LOOSE.routeTableId, "route table 'kubernetes-routes' does not exist; created in eastus2", true],
    ]);
  });

  it('with the vnet location unknown, says the caller must read it', () => {
    const inv = { ...reportCluster(), routeTable: null, vnetLocation: undefined };
    expect(tableDrift(inv)).toEqual([
      [
        LOOSE.routeTableId,
        "route table 'kubernetes-routes' does not exist; created in the vnet location (unknown: the caller must read it)",
        true,
      ],
    ]);
  });
});
