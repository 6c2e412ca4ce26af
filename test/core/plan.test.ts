import { describe, expect, it } from 'vitest';
import { guardPlan } from '../../src/core/guard.js';
import { isOwnedRouteName, isValidRouteName, routeNameForCidr } from '../../src/core/naming.js';
import { planReconcile, planUnguarded } from '../../src/core/plan.js';
import type { Inventory, Plan, RouteEntry } from '../../src/core/types.js';
import { applyWrite, nic, reportCluster, route, settings, table, vm } from './fixtures.js';

const kinds = (plan: Plan) => plan.drift.map((d) => d.kind).sort();
const reasons = (plan: Plan) => plan.refused.map((r) => r.reason).sort();
const puts = (plan: Plan) => (plan.tableWrite?.routes ?? []).flatMap((e) => ('put' in e ? [e.put] : []));
const keeps = (plan: Plan) => (plan.tableWrite?.routes ?? []).flatMap((e) => ('keep' in e ? [e.keep] : []));

function world(mutate: (inv: Inventory) => void): Inventory {
  const inv = reportCluster();
  mutate(inv);
  return inv;
}

/** After applying the plan, a new plan finds nothing to do. */
function expectConverges(inv: Inventory, s = settings()) {
  const after = applyWrite(inv, planReconcile(inv, s).tableWrite);
  const again = planReconcile(after, s);
  expect(again.tableWrite).toBeNull();
  return again;
}

describe('route naming', () => {
  it.each([
    ['10.200.0.0/24', 'kubernetes-route-10-200-0-0-24'],
    ['fd00:10:244:1::/64', 'kubernetes-route-fd00-10-244-1---64'],
    ['FD00:10:244:1:0::/64', 'kubernetes-route-fd00-10-244-1---64'],
  ])('names the route for %s %s', (cidr, name) => {
    expect(routeNameForCidr(cidr, 'kubernetes-route-')).toBe(name);
  });

  it('falls back to a hashed, valid, prefix-owned name when the readable one is too long', () => {
    const prefix = 'p'.repeat(60);
    const name = routeNameForCidr('fd00:1234:5678:9abc:def0:1234:5678:9a00/120', prefix);
    expect(isValidRouteName(name)).toBe(true);
    expect(name).toMatch(new RegExp(`^${prefix}z[0-9a-f]{16}$`, 'u'));
    expect(isOwnedRouteName(name, prefix)).toBe(true);
    expect(routeNameForCidr('fd00:1234:5678:9abc:def0:1234:5678:9b00/120', prefix)).not.toBe(name);
  });

  it('matches ownership by prefix case-insensitively and rejects invalid names', () => {
    expect(isOwnedRouteName('Kubernetes-Route-10-200-0-0-24', 'kubernetes-route-')).toBe(true);
    expect(isOwnedRouteName('firewall', 'kubernetes-route-')).toBe(false);
    expect(isValidRouteName('ends-with-dash-')).toBe(false);
    expect(isValidRouteName('-starts')).toBe(false);
    expect(isValidRouteName('a'.repeat(81))).toBe(false);
    expect(isValidRouteName('ok_')).toBe(true);
  });
});

describe('planning the report cluster', () => {
  it('a correct table and associated subnet are in sync and write nothing', () => {
    const plan = planReconcile(reportCluster(), settings());
    expect(plan).toMatchObject({
      inSync: true,
      drift: [],
      refused: [],
      actions: [],
      tableWrite: null,
      associateSubnets: [],
    });
    expect(plan.desiredRoutes.map((r) => r.name)).toEqual([
      'kubernetes-route-10-200-0-0-24',
      'kubernetes-route-10-200-1-0-24',
    ]);
  });

  it('a new worker gets its missing route, written with If-Match in one table PUT', () => {
    const inv = world((i) => {
      i.vms.push(vm('worker-2', '10.200.2.0/24'));
      i.nics.push(nic('worker-2', '10.240.0.22'));
    });
    const plan = planReconcile(inv, settings());
    expect(kinds(plan)).toEqual(['missing-route']);
    expect(plan.inSync).toBe(false);
    expect(plan.tableWrite).toMatchObject({ create: false, ifMatch: 'W/"e1"', location: 'eastus2' });
    expect(plan.tableWrite?.routes).toEqual<RouteEntry[]>([
      { keep: 'kubernetes-route-10-200-0-0-24' },
      { keep: 'kubernetes-route-10-200-1-0-24' },
      {
        put: {
          name: 'kubernetes-route-10-200-2-0-24',
          addressPrefix: '10.200.2.0/24',
          nextHopType: 'VirtualAppliance',
          nextHopIpAddress: '10.240.0.22',
        },
      },
    ]);
    expect(plan.actions).toEqual([
      expect.objectContaining({ kind: 'create-route', subject: 'kubernetes-route-10-200-2-0-24' }),
    ]);
    expectConverges(inv);
  });

  it('a route with the right prefix but a wrong next hop is rewritten (the old controller never did)', () => {
    const inv = world((i) => {
      i.routeTable!.routes[0] = route('kubernetes-route-10-200-0-0-24', '10.200.0.0/24', '10.240.0.99');
    });
    const plan = planReconcile(inv, settings());
    expect(kinds(plan)).toEqual(['wrong-next-hop']);
    expect(plan.drift[0]).toMatchObject({
      before: { nextHopIpAddress: '10.240.0.99' },
      after: { nextHopIpAddress: '10.240.0.20' },
      worker: 'worker-0',
    });
    expect(puts(plan)).toHaveLength(1);
    expectConverges(inv);
  });

  it('a route of the right IP but next hop type Internet is a wrong next hop', () => {
    const inv = world((i) => {
      i.routeTable!.routes[1]!.nextHopType = 'VnetLocal';
    });
    expect(kinds(planReconcile(inv, settings()))).toEqual(['wrong-next-hop']);
  });

  it('next hops are compared as canonical IPs, so an IPv6 written long-hand is not drift', () => {
    const s = settings({ clusterCidrs: ['10.200.0.0/16', 'fd00:10:244::/56'] });
    const inv = world((i) => {
      i.vms[0]!.tags['pod-cidr'] = '10.200.0.0/24, fd00:10:244:1::/64';
      i.nics[0] = nic('worker-0', '10.240.0.20', { ipv6: 'fd00::20' });
      i.routeTable!.routes.push(
        route('kubernetes-route-fd00-10-244-1---64', 'fd00:10:244:1::/64', 'FD00:0:0::20'),
      );
    });
    expect(planReconcile(inv, s)).toMatchObject({ inSync: true, tableWrite: null });
  });

  it('a stale route of a removed worker is deleted', () => {
    const inv = world((i) => {
      i.vms.push(vm('worker-2', '10.200.2.0/24'));
      i.nics.push(nic('worker-2', '10.240.0.22'));
      i.routeTable!.routes.push(route('kubernetes-route-10-200-2-0-24', '10.200.2.0/24', '10.240.0.22'));
      i.vms = i.vms.filter((v) => v.name !== 'worker-2');
    });
    const plan = planReconcile(inv, settings());
    expect(kinds(plan)).toEqual(['stale-route']);
    expect(keeps(plan)).toEqual(['kubernetes-route-10-200-0-0-24', 'kubernetes-route-10-200-1-0-24']);
    expect(plan.actions).toEqual([
      expect.objectContaining({ kind: 'delete-route', subject: 'kubernetes-route-10-200-2-0-24' }),
    ]);
    expectConverges(inv);
  });

  it("deleting node-1's route leaves node-10's alone: names match exactly, never by prefix", () => {
    const inv = world((i) => {
      i.vms = [vm('node-10', '10.200.10.0/24')];
      i.nics = [nic('node-10', '10.240.0.30')];
      i.routeTable = table([
        route('kubernetes-route-node-1', '10.200.1.0/24', '10.240.0.21'),
        route('kubernetes-route-node-10', '10.200.10.0/24', '10.240.0.30'),
      ]);
    });
    const plan = planReconcile(inv, settings());
    // node-10's legacy-named route is renamed to the canonical name in the same write; node-1's deleted.
    expect(puts(plan)).toEqual([
      expect.objectContaining({ name: 'kubernetes-route-10-200-10-0-24', nextHopIpAddress: '10.240.0.30' }),
    ]);
    expect(keeps(plan)).toEqual([]);
    expect(plan.actions.filter((a) => a.kind === 'delete-route').map((a) => a.subject)).toEqual([
      'kubernetes-route-node-1',
    ]);
    expectConverges(inv);
  });

  it('a worker whose pod CIDR changed gets its old route replaced in one write', () => {
    const inv = world((i) => {
      i.vms[1]!.tags['pod-cidr'] = '10.200.7.0/24';
    });
    const plan = planReconcile(inv, settings());
    expect(kinds(plan)).toEqual(['pod-cidr-changed']);
    expect(plan.drift[0]).toMatchObject({
      subject: 'kubernetes-route-10-200-7-0-24',
      worker: 'worker-1',
      before: { name: 'kubernetes-route-10-200-1-0-24', addressPrefix: '10.200.1.0/24' },
      after: {
        name: 'kubernetes-route-10-200-7-0-24',
        addressPrefix: '10.200.7.0/24',
        nextHopIpAddress: '10.240.0.21',
      },
    });
    expect(plan.tableWrite?.routes).toEqual([
      { keep: 'kubernetes-route-10-200-0-0-24' },
      { put: expect.objectContaining({ addressPrefix: '10.200.7.0/24' }) },
    ]);
    expectConverges(inv);
  });

  it('a route that failed to provision is rewritten', () => {
    const inv = world((i) => {
      i.routeTable!.routes[0]!.provisioningState = 'Failed';
    });
    const plan = planReconcile(inv, settings());
    expect(kinds(plan)).toEqual(['route-not-provisioned']);
    expect(puts(plan).map((p) => p.name)).toEqual(['kubernetes-route-10-200-0-0-24']);
    expectConverges(inv);
  });

  it('a missing table is created in the vnet location, with every route, and then associated', () => {
    const inv = world((i) => {
      i.routeTable = null;
    });
    const plan = planReconcile(inv, settings());
    expect(kinds(plan)).toEqual(['missing-route', 'missing-route', 'subnet-not-associated', 'table-missing']);
    expect(plan.tableWrite).toMatchObject({ create: true, location: 'eastus2', ifMatch: undefined });
    expect(puts(plan)).toHaveLength(2);
    expect(plan.associateSubnets).toEqual([
      { subnetId: settings().subnetIds[0], routeTableId: settings().routeTableId },
    ]);
    expectConverges(inv);
  });

  it('a missing table with an unknown vnet location leaves location undefined for the caller to resolve', () => {
    const inv = world((i) => {
      i.routeTable = null;
      i.vnetLocation = undefined;
    });
    expect(planReconcile(inv, settings()).tableWrite).toMatchObject({ create: true, location: undefined });
  });

  it('a table no longer associated with the subnet is re-associated without a table write', () => {
    const inv = world((i) => {
      i.routeTable!.subnetIds = [];
    });
    const plan = planReconcile(inv, settings());
    expect(kinds(plan)).toEqual(['subnet-not-associated']);
    expect(plan.tableWrite).toBeNull();
    expect(plan.associateSubnets).toHaveLength(1);
  });

  it('subnet ids are compared case-insensitively', () => {
    const inv = world((i) => {
      i.routeTable!.subnetIds = [settings().subnetIds[0]!.toUpperCase()];
    });
    expect(planReconcile(inv, settings()).associateSubnets).toEqual([]);
  });

  it('IP forwarding off on a worker NIC is reported, and repaired only when allowed', () => {
    const inv = world((i) => {
      i.nics[0]!.enableIpForwarding = false;
    });
    const reportOnly = planReconcile(inv, settings());
    expect(reportOnly.drift).toEqual([
      expect.objectContaining({ kind: 'ip-forwarding-disabled', repairable: false, worker: 'worker-0' }),
    ]);
    expect(reportOnly.inSync).toBe(true);
    expect(reportOnly.enableIpForwarding).toEqual([]);
    const repair = planReconcile(inv, settings({ repairIpForwarding: true }));
    expect(repair.inSync).toBe(false);
    expect(repair.enableIpForwarding).toEqual([inv.nics[0]!.id]);
    expect(repair.actions).toEqual([expect.objectContaining({ kind: 'enable-ip-forwarding' })]);
  });

  it('a tag key in other case is still the pod CIDR tag (ARM tag names are case-insensitive)', () => {
    const inv = world((i) => {
      i.vms[0]!.tags = { 'POD-CIDR': '10.200.0.0/24' };
    });
    expect(planReconcile(inv, settings()).inSync).toBe(true);
  });

  it('the NIC is found by id case-insensitively, or by the VM it names', () => {
    const inv = world((i) => {
      i.vms[0]!.nicRefs[0]!.id = i.vms[0]!.nicRefs[0]!.id.toUpperCase();
      i.vms[1]!.nicRefs = [];
    });
    expect(planReconcile(inv, settings()).inSync).toBe(true);
  });
});

describe('refusals', () => {
  it.each([
    ['', 'invalid-pod-cidr'],
    ['   ', 'invalid-pod-cidr'],
    ['banana', 'invalid-pod-cidr'],
    ['10.200.0.1/24', 'pod-cidr-host-bits'],
    ['10.201.0.0/24', 'pod-cidr-outside-cluster'],
    ['fd00::/64', 'pod-cidr-outside-cluster'],
    ['10.200.0.0/24,10.200.9.0/24', 'invalid-pod-cidr'],
  ])("worker-0's tag %j is refused (%s) and its existing route is kept as it is", (value, reason) => {
    const inv = world((i) => {
      i.vms[0]!.tags['pod-cidr'] = value;
    });
    const plan = planReconcile(inv, settings());
    expect(reasons(plan)).toEqual([reason]);
    expect(plan.refused[0]!.message).toContain('worker-0');
    expect(plan.refused[0]!.message).toContain('pod-cidr');
    expect(plan.tableWrite).toBeNull();
    expect(plan.desiredRoutes.map((r) => r.addressPrefix)).toEqual(['10.200.1.0/24']);
  });

  it('a tag of 0.0.0.0/0 is refused and the firewall route survives', () => {
    const inv = world((i) => {
      i.vms[0]!.tags['pod-cidr'] = '0.0.0.0/0';
      i.routeTable!.routes.unshift(route('to-firewall', '0.0.0.0/0', '10.240.1.4'));
    });
    const plan = planReconcile(inv, settings());
    expect(reasons(plan)).toEqual(['pod-cidr-outside-cluster']);
    expect(plan.tableWrite).toBeNull();
    expect(puts(plan).some((p) => p.addressPrefix === '0.0.0.0/0')).toBe(false);
  });

  it('two workers claiming overlapping CIDRs change neither route', () => {
    const inv = world((i) => {
      i.vms[1]!.tags['pod-cidr'] = '10.200.0.0/23';
    });
    const plan = planReconcile(inv, settings());
    expect(reasons(plan)).toEqual(['overlapping-pod-cidrs', 'overlapping-pod-cidrs']);
    // worker-0's route stays; worker-1's old route stays (not deleted, nothing created for /23).
    expect(plan.tableWrite).toBeNull();
    expect(plan.drift).toEqual([]);
  });

  it('a worker whose NIC is missing from the NIC list keeps its route', () => {
    const inv = world((i) => {
      i.nics = i.nics.filter((n) => n.name !== 'worker-1-nic');
    });
    const plan = planReconcile(inv, settings());
    expect(reasons(plan)).toEqual(['worker-without-nic']);
    expect(plan.tableWrite).toBeNull();
  });

  it('a worker whose NIC has no IPv6 gets its IPv4 route and an IPv6 refusal', () => {
    const s = settings({ clusterCidrs: ['10.200.0.0/16', 'fd00:10:244::/56'] });
    const inv = world((i) => {
      i.vms[0]!.tags['pod-cidr'] = '10.200.0.0/24,fd00:10:244::/64';
    });
    const plan = planReconcile(inv, s);
    expect(reasons(plan)).toEqual(['worker-without-ip']);
    expect(plan.inSync).toBe(true);
  });

  it('a foreign route already holding a needed prefix is left untouched and ours is not written', () => {
    const inv = world((i) => {
      i.routeTable!.routes[1] = route('someone-elses', '10.200.1.0/24', '10.240.0.99');
    });
    const plan = planReconcile(inv, settings());
    expect(reasons(plan)).toEqual(['foreign-route-conflict']);
    expect(plan.tableWrite).toBeNull();
  });

  it('a foreign route named like ours but outside the cluster keeps its name; our route for that name waits', () => {
    const inv = world((i) => {
      i.routeTable!.routes[1] = route('kubernetes-route-10-200-1-0-24', '192.168.0.0/24', '10.240.0.99');
    });
    const plan = planReconcile(inv, settings());
    expect(reasons(plan)).toEqual(['foreign-route-conflict']);
    expect(plan.tableWrite).toBeNull();
  });

  it('two owned routes with one prefix are deduplicated, keeping the canonically named one', () => {
    const inv = world((i) => {
      i.routeTable!.routes.push(route('kubernetes-route-old-worker-1', '10.200.1.0/24', '10.240.0.21'));
    });
    const plan = planReconcile(inv, settings());
    expect(kinds(plan)).toEqual(['stale-route']);
    expect(keeps(plan)).toEqual(['kubernetes-route-10-200-0-0-24', 'kubernetes-route-10-200-1-0-24']);
    expectConverges(inv);
  });

  it('a changed pod CIDR whose leftover route repeats the new prefix still yields a valid write', () => {
    const inv = world((i) => {
      i.vms[1]!.tags['pod-cidr'] = '10.200.7.0/24';
      i.routeTable!.routes.push(route('kubernetes-route-leftover', '10.200.7.0/24', '10.240.0.50'));
    });
    const plan = planReconcile(inv, settings());
    const prefixes = puts(plan).map((p) => p.addressPrefix);
    expect(new Set(prefixes).size).toBe(prefixes.length);
    expectConverges(inv);
  });

  it('foreign routes that already repeat a prefix block any write (ARM would reject it whole)', () => {
    const inv = world((i) => {
      i.routeTable!.routes.push(
        route('a', '192.168.0.0/24', '10.0.0.1'),
        route('b', '192.168.0.0/24', '10.0.0.2'),
      );
      i.vms.push(vm('worker-2', '10.200.2.0/24'));
      i.nics.push(nic('worker-2', '10.240.0.22'));
    });
    const plan = planReconcile(inv, settings());
    expect(reasons(plan)).toEqual(['duplicate-route-prefix']);
    expect(plan.tableWrite).toBeNull();
    expect(plan.inSync).toBe(false);
  });

  it('an empty VM list would delete every route: the guard keeps them and refuses mass deletion', () => {
    const inv = world((i) => {
      i.vms = [];
      i.routeTable!.subnetIds = [];
    });
    const raw = planUnguarded(inv, settings());
    expect(raw.tableWrite?.routes).toEqual([]);
    const plan = planReconcile(inv, settings());
    expect(reasons(plan)).toEqual(['mass-deletion']);
    expect(plan.tableWrite).toBeNull();
    expect(plan.associateSubnets).toHaveLength(1); // the other repairs still proceed
    expect(plan.actions.map((a) => a.kind)).toEqual(['associate-subnet']);
    expect(guardPlan(plan, inv, settings())).toEqual(plan);
  });

  it('mass deletion goes ahead with --force, and within a numeric limit', () => {
    const inv = world((i) => {
      i.vms = [];
    });
    expect(planReconcile(inv, settings({ forceDeletions: true })).tableWrite?.routes).toEqual([]);
    expect(planReconcile(inv, settings({ maxRouteDeletions: 2 })).tableWrite?.routes).toEqual([]);
    expect(reasons(planReconcile(inv, settings({ maxRouteDeletions: 1 })))).toEqual(['mass-deletion']);
  });

  it('a blocked mass deletion still lets a new route through in the same write', () => {
    const inv = world((i) => {
      i.vms = [vm('worker-9', '10.200.9.0/24')];
      i.nics = [nic('worker-9', '10.240.0.29')];
    });
    const plan = planReconcile(inv, settings());
    expect(reasons(plan)).toEqual(['mass-deletion']);
    expect(keeps(plan)).toHaveLength(2);
    expect(puts(plan).map((p) => p.addressPrefix)).toEqual(['10.200.9.0/24']);
  });

  it('drift the guard held back stays reported but is no longer repairable by this run', () => {
    const inv = world((i) => {
      i.vms = [vm('worker-9', '10.200.9.0/24')];
      i.nics = [nic('worker-9', '10.240.0.29')];
    });
    const plan = planReconcile(inv, settings());
    const stale = plan.drift.filter((d) => d.kind === 'stale-route');
    expect(stale).toHaveLength(2);
    expect(stale.every((d) => !d.repairable && d.message.endsWith('(held back: mass-deletion)'))).toBe(true);
    expect(plan.drift.find((d) => d.kind === 'missing-route')?.repairable).toBe(true);
    const forced = planReconcile(inv, settings({ forceDeletions: true }));
    expect(forced.drift.filter((d) => d.kind === 'stale-route').every((d) => d.repairable)).toBe(true);
  });

  it('a table that would exceed the route limit is not written at all; 402 routes fit the default 1,000', () => {
    const inv = world((i) => {
      for (let n = 2; n < 402; n++) {
        i.vms.push(vm(`w${n}`, `10.200.${100 + (n >> 8)}.${n & 255}/32`));
        i.nics.push(nic(`w${n}`, `10.240.${n >> 8}.${n & 255}`));
      }
    });
    const plan = planReconcile(inv, settings({ maxRoutesPerTable: 400 }));
    expect(reasons(plan)).toEqual(['route-limit-exceeded']);
    expect(plan.refused[0]?.message).toContain(
      'over the limit of 400 routes per table (MAX_ROUTES_PER_TABLE)',
    );
    expect(plan.tableWrite).toBeNull();
    expect(plan.actions.some((a) => a.kind === 'create-route')).toBe(false);
    const atDefault = planReconcile(inv, settings());
    expect(reasons(atDefault)).toEqual([]);
    expect(atDefault.tableWrite?.routes).toHaveLength(402);
  });
});

describe('dual stack', () => {
  const s = settings({ clusterCidrs: ['10.200.0.0/16', 'fd00:10:244::/56'] });
  it('a worker tagged with an IPv4 and an IPv6 CIDR gets both routes, each to its family next hop', () => {
    const inv = world((i) => {
      i.vms[0]!.tags['pod-cidr'] = ' 10.200.0.0/24 , fd00:10:244:1::/64 ';
      i.nics[0] = nic('worker-0', '10.240.0.20', { ipv6: 'fd00:240::20' });
    });
    const plan = planReconcile(inv, s);
    expect(puts(plan)).toEqual([
      {
        name: 'kubernetes-route-fd00-10-244-1---64',
        addressPrefix: 'fd00:10:244:1::/64',
        nextHopType: 'VirtualAppliance',
        nextHopIpAddress: 'fd00:240::20',
      },
    ]);
    expectConverges(inv, s);
  });

  it('an IPv6 pod CIDR with no IPv6 cluster CIDR is refused while the IPv4 route stays', () => {
    const inv = world((i) => {
      i.vms[0]!.tags['pod-cidr'] = '10.200.0.0/24,fd00:10:244:1::/64';
      i.nics[0] = nic('worker-0', '10.240.0.20', { ipv6: 'fd00:240::20' });
    });
    const plan = planReconcile(inv, settings());
    expect(reasons(plan)).toEqual(['pod-cidr-outside-cluster']);
    expect(plan.inSync).toBe(true);
  });
});

describe('regressions found by the properties', () => {
  it('a blocked deletion whose name a rename needs keeps both routes as they are', () => {
    const inv = world((i) => {
      i.vms = [vm('worker-0', '10.200.0.0/24')];
      i.nics = [nic('worker-0', '10.240.0.20')];
      i.routeTable = table([
        route('kubernetes-route-10-200-0-0-24', '10.200.1.0/24', '10.240.0.21'),
        route('kubernetes-route-10-200-1-0-24', '10.200.0.0/24', '10.240.0.20'),
      ]);
    });
    const plan = planReconcile(inv, settings({ maxRouteDeletions: 0 }));
    expect(reasons(plan)).toEqual(['mass-deletion']);
    expect(plan.tableWrite).toBeNull();
    expect(plan.actions).toEqual([]);
  });

  it('a held route survives deduplication, so the next plan still holds it', () => {
    const inv = world((i) => {
      i.vms = [vm('worker-0', '10.200.0.0/24')];
      i.nics = [nic('worker-0', undefined, { ipv6: 'fd00::20' })];
      i.routeTable = table([
        route('kubernetes-route-legacy', '10.200.4.0/24', 'fd00::20'),
        route('kubernetes-route-10-200-4-0-24', '10.200.4.0/24', undefined),
      ]);
    });
    const plan = planReconcile(inv, settings());
    expect(keeps(plan)).toEqual(['kubernetes-route-legacy']);
    expectConverges(inv);
  });
});

describe('tag parsing edge cases', () => {
  it('a tag with two IPv4 CIDRs is refused whole, even when one of them has host bits', () => {
    const inv = world((i) => {
      i.vms[0]!.tags['pod-cidr'] = '10.200.0.1/24, 10.200.5.0/24';
    });
    const plan = planReconcile(inv, settings());
    expect(reasons(plan)).toEqual(['invalid-pod-cidr']);
    expect(plan.tableWrite).toBeNull();
  });

  it('nested claims (a /23 over two /24s) refuse all three workers and change no route', () => {
    const inv = world((i) => {
      i.vms.push(vm('worker-2', '10.200.0.0/23'));
      i.nics.push(nic('worker-2', '10.240.0.22'));
    });
    const plan = planReconcile(inv, settings());
    expect(reasons(plan)).toEqual(Array(4).fill('overlapping-pod-cidrs'));
    expect(new Set(plan.refused.map((r) => r.worker))).toEqual(new Set(['worker-0', 'worker-1', 'worker-2']));
    expect(plan.tableWrite).toBeNull();
    expect(plan.desiredRoutes).toEqual([]);
  });
});

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
    expect(plan.inSync).toBe(true);
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
