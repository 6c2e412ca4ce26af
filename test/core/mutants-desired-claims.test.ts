// Pod CIDR tags and what their refusals hold: how a value is split, each refusal's message, the routes a refused
// worker keeps, overlaps at their boundaries and between families, and the order overlap refusals come in.
// docs/mutation.md lists the mutants of src/core/desired.ts these scenarios kill.
import { describe, expect, it } from 'vitest';
import { deriveDesired } from '../../src/core/desired.js';
import { planReconcile } from '../../src/core/plan.js';
import type { Inventory, Plan, Refusal } from '../../src/core/types.js';
import { nic, reportCluster, route, settings, table, vm } from './fixtures.js';

const DUAL = settings({ clusterCidrs: ['10.200.0.0/16', 'fd00:10:244::/56'] });

/** The report's cluster (worker-0: 10.200.0.0/24 -> .20, worker-1: 10.200.1.0/24 -> .21) with worker-0's tag set. */
function worker0Tagged(value: string): Inventory {
  const inv = reportCluster();
  inv.vms[0]!.tags = { 'pod-cidr': value };
  return inv;
}

/** The report's cluster plus workers tagged as given (each NIC at 10.240.1.<n>). */
function withWorkers(claims: Record<string, string>): Inventory {
  const inv = reportCluster();
  Object.entries(claims).forEach(([name, cidr], n) => {
    inv.vms.push(vm(name, cidr));
    inv.nics.push(nic(name, `10.240.1.${n + 1}`));
  });
  return inv;
}

const refusals = (plan: Plan) => plan.refused.map((r) => [r.reason, r.subject, r.message]);
/** An overlap refusal as "mine overlaps other" (worker names). */
const overlapPair = (r: Refusal) =>
  `${r.worker} overlaps ${/ of .*VM '([^']+)'; neither/u.exec(r.message)?.[1]}`;

describe('a pod CIDR tag value', () => {
  it('may end with a comma or hold empty parts: only the CIDRs count', () => {
    for (const value of ['10.200.0.0/24,', ' , 10.200.0.0/24 , ']) {
      const plan = planReconcile(worker0Tagged(value), settings());
      expect(plan.refused).toEqual([]);
      expect(plan.tableWrite).toBeNull();
    }
  });

  it.each(['', ' , '])('that is empty (%j) is refused: it says what a value looks like', (value) => {
    const plan = planReconcile(worker0Tagged(value), settings());
    expect(refusals(plan)).toEqual([
      [
        'invalid-pod-cidr',
        value,
        `VM 'worker-0' tag 'pod-cidr' = '${value}': the value is empty; expected a CIDR such as 10.200.0.0/24`,
      ],
    ]);
  });

  it('with three parts is refused whole, even when one family appears only once among the valid ones', () => {
    const value = '10.200.0.0/24, fd00:10:244:1::/64, banana';
    const plan = planReconcile(worker0Tagged(value), DUAL);
    expect(refusals(plan)).toEqual([
      [
        'invalid-pod-cidr',
        value,
        `VM 'worker-0' tag 'pod-cidr' = '${value}': expected one CIDR, or an IPv4 and an IPv6 CIDR`,
      ],
    ]);
    expect(plan.tableWrite).toBeNull();
  });

  it('with two CIDRs of one family is refused whole, saying so', () => {
    const value = '10.200.0.0/24, 10.200.9.0/24';
    expect(refusals(planReconcile(worker0Tagged(value), settings()))).toEqual([
      [
        'invalid-pod-cidr',
        value,
        `VM 'worker-0' tag 'pod-cidr' = '${value}': expected one CIDR, or an IPv4 and an IPv6 CIDR; got two of one family`,
      ],
    ]);
  });

  it('that is not a CIDR is refused with the reason', () => {
    expect(refusals(planReconcile(worker0Tagged('banana'), settings()))).toEqual([
      [
        'invalid-pod-cidr',
        'banana',
        "VM 'worker-0' tag 'pod-cidr' = 'banana': 'banana' is not a valid CIDR: it has no '/prefix-length'",
      ],
    ]);
  });

  it('with host bits set is refused, naming the network it probably meant', () => {
    expect(refusals(planReconcile(worker0Tagged('10.200.0.1/24'), settings()))).toEqual([
      [
        'pod-cidr-host-bits',
        '10.200.0.1/24',
        "VM 'worker-0' tag 'pod-cidr' = '10.200.0.1/24': '10.200.0.1/24' has host bits set (did you mean 10.200.0.0/24?)",
      ],
    ]);
  });

  it('outside the cluster CIDRs is refused, listing them all', () => {
    expect(refusals(planReconcile(worker0Tagged('10.201.0.0/24'), DUAL))).toEqual([
      [
        'pod-cidr-outside-cluster',
        '10.201.0.0/24',
        "VM 'worker-0' tag 'pod-cidr' = '10.201.0.0/24': 10.201.0.0/24 is outside every cluster CIDR (10.200.0.0/16, fd00:10:244::/56)",
      ],
    ]);
  });

  it('with no cluster CIDR configured is outside it, and the message says there is none', () => {
    const plan = planReconcile(reportCluster(), settings({ clusterCidrs: [] }));
    expect(plan.refused.map((r) => r.message)).toEqual([
      "VM 'worker-0' tag 'pod-cidr' = '10.200.0.0/24': 10.200.0.0/24 is outside every cluster CIDR (none)",
      "VM 'worker-1' tag 'pod-cidr' = '10.200.1.0/24': 10.200.1.0/24 is outside every cluster CIDR (none)",
    ]);
  });
});

describe('a refused tag keeps the routes its worker has', () => {
  it.each([
    ['not a CIDR', 'banana'],
    ['host bits in another network', '10.200.5.1/24'],
    ['outside the cluster', '10.201.0.0/24'],
    ['overlapping worker-1', '10.200.1.0/25'],
  ])('%s (%s): its route for the old prefix stays as it is', (_, value) => {
    const plan = planReconcile(worker0Tagged(value), settings());
    expect(plan.refused).not.toEqual([]);
    expect(plan.actions).toEqual([]);
    expect(plan.tableWrite).toBeNull();
  });

  it('with host bits: the route of the network it meant stays, even pointing at an IP that is gone', () => {
    const inv = worker0Tagged('10.200.0.1/24');
    inv.routeTable = table([
      route('kubernetes-route-10-200-0-0-24', '10.200.0.0/24', '10.240.0.99'),
      route('kubernetes-route-10-200-1-0-24', '10.200.1.0/24', '10.240.0.21'),
    ]);
    const plan = planReconcile(inv, settings());
    expect(plan.actions).toEqual([]);
    expect(plan.tableWrite).toBeNull();
  });

  it('only in the refused family: a dual-stack worker with its IPv4 claim accepted loses a stale IPv4 route', () => {
    const inv = worker0Tagged('10.200.0.0/24, fd00:10:244:1::1/64');
    inv.nics[0] = nic('worker-0', '10.240.0.20', { ipv6: 'fd00:240::20' });
    inv.routeTable = table([
      ...inv.routeTable!.routes,
      route('kubernetes-route-10-200-9-0-24', '10.200.9.0/24', '10.240.0.20'),
      route('kubernetes-route-fd00-10-244-9---64', 'fd00:10:244:9::/64', 'fd00:240::20'),
    ]);
    const plan = planReconcile(inv, DUAL);
    expect(plan.refused.map((r) => r.reason)).toEqual(['pod-cidr-host-bits']);
    expect(plan.actions.map((a) => [a.kind, a.subject])).toEqual([
      ['delete-route', 'kubernetes-route-10-200-9-0-24'],
    ]);
  });

  it('only to its addresses: an owned route with no next-hop IP still goes as stale', () => {
    const inv = worker0Tagged('banana');
    inv.routeTable = table([
      ...inv.routeTable!.routes,
      route('kubernetes-route-10-200-9-0-24', '10.200.9.0/24', undefined),
    ]);
    const plan = planReconcile(inv, settings());
    expect(plan.actions.map((a) => [a.kind, a.subject])).toEqual([
      ['delete-route', 'kubernetes-route-10-200-9-0-24'],
    ]);
    expect(deriveDesired(inv, settings()).refusedWorkerIps).toEqual(new Set(['10.240.0.20']));
  });
});

describe('overlapping claims', () => {
  it('both refused, each message naming the other worker and its CIDR', () => {
    const plan = planReconcile(worker0Tagged('10.200.1.0/25'), settings());
    expect(refusals(plan)).toEqual([
      [
        'overlapping-pod-cidrs',
        '10.200.1.0/24',
        "VM 'worker-1' tag 'pod-cidr' = '10.200.1.0/24': 10.200.1.0/24 overlaps 10.200.1.0/25 of VM 'worker-0'; neither route is changed",
      ],
      [
        'overlapping-pod-cidrs',
        '10.200.1.0/25',
        "VM 'worker-0' tag 'pod-cidr' = '10.200.1.0/25': 10.200.1.0/25 overlaps 10.200.1.0/24 of VM 'worker-1'; neither route is changed",
      ],
    ]);
  });

  it('with a refused tag that blocks its network: the message says the other tag is refused, and what it is', () => {
    const inv = withWorkers({ 'worker-2': '10.200.0.0/24' });
    inv.vms[0]!.tags = { 'pod-cidr': '10.200.0.1/24' };
    // Only worker-2 is refused as overlapping: worker-0's own refusal is the host bits.
    expect(planReconcile(inv, settings()).refused.map((r) => [r.reason, r.message])).toEqual([
      [
        'overlapping-pod-cidrs',
        "VM 'worker-2' tag 'pod-cidr' = '10.200.0.0/24': 10.200.0.0/24 overlaps 10.200.0.0/24 of the refused tag '10.200.0.1/24' of VM 'worker-0'; neither route is changed",
      ],
      [
        'pod-cidr-host-bits',
        "VM 'worker-0' tag 'pod-cidr' = '10.200.0.1/24': '10.200.0.1/24' has host bits set (did you mean 10.200.0.0/24?)",
      ],
    ]);
  });

  it("a /32 on the last address of another's /24 overlaps it", () => {
    const plan = planReconcile(withWorkers({ 'worker-2': '10.200.0.255/32' }), settings());
    expect(plan.refused.map(overlapPair)).toEqual([
      'worker-0 overlaps worker-2',
      'worker-2 overlaps worker-0',
    ]);
  });

  it('never across families: an IPv6 claim whose low bits spell an IPv4 claim does not overlap it', () => {
    const inv = reportCluster();
    inv.vms[1]!.tags = { 'pod-cidr': '10.200.1.0/24, ::ac8:0/120' };
    inv.nics[1] = nic('worker-1', '10.240.0.21', { ipv6: 'fd00:240::21' });
    const plan = planReconcile(inv, settings({ clusterCidrs: ['10.200.0.0/16', '::/96'] }));
    expect(plan.refused).toEqual([]);
    expect(plan.desiredRoutes.map((r) => `${r.addressPrefix} -> ${r.nextHopIpAddress}`)).toEqual([
      '::ac8:0/120 -> fd00:240::21',
      '10.200.0.0/24 -> 10.240.0.20',
      '10.200.1.0/24 -> 10.240.0.21',
    ]);
  });

  it('an IPv6 claim between two IPv4 claims in address value does not hide their overlap', () => {
    const inv = withWorkers({ 'worker-2': '::ac8:0/120' });
    inv.vms[0]!.tags = { 'pod-cidr': '10.200.0.0/23' };
    inv.nics[inv.nics.length - 1] = nic('worker-2', undefined, { ipv6: 'fd00:240::22' });
    const plan = planReconcile(inv, settings({ clusterCidrs: ['10.200.0.0/16', '::/96'] }));
    expect(plan.refused.map(overlapPair)).toEqual([
      'worker-0 overlaps worker-1',
      'worker-1 overlaps worker-0',
    ]);
    expect(plan.desiredRoutes.map((r) => r.addressPrefix)).toEqual(['::ac8:0/120']);
  });

  it('are all found when the claims come in descending address order', () => {
    const inv = reportCluster();
    inv.vms = ['10.200.4.0/24', '10.200.3.0/24', '10.200.2.0/24', '10.200.1.0/24', '10.200.0.0/22'].map(
      (cidr, n) => vm(`worker-${n}`, cidr),
    );
    inv.nics = inv.vms.map((v, n) => nic(v.name, `10.240.0.${20 + n}`));
    const plan = planReconcile(inv, settings());
    expect(new Set(plan.refused.map(overlapPair))).toEqual(
      new Set(
        ['1', '2', '3'].flatMap((n) => [`worker-${n} overlaps worker-4`, `worker-4 overlaps worker-${n}`]),
      ),
    );
    expect(plan.desiredRoutes.map((r) => r.addressPrefix)).toEqual(['10.200.4.0/24']);
  });
});

describe('the order of overlap refusals (what plan, apply and verify list)', () => {
  it('eighty workers, pairs sharing a start, in descending address order: every pair, lowest addresses first', () => {
    // Past 64 elements V8 sorts by merging runs: the sweep's order must not rely on how the sort calls it.
    const inv = reportCluster();
    const name = (i: number) => `worker-${String(i).padStart(2, '0')}`;
    inv.vms = Array.from({ length: 80 }, (_, i) => vm(name(i), `10.200.${79 - (i >> 1)}.0/${24 + (i & 1)}`));
    inv.nics = inv.vms.map((v, i) => nic(v.name, `10.240.1.${i + 1}`));
    const expected = Array.from({ length: 40 }, (_, k) => 39 - k).flatMap((k) => [
      `${name(2 * k)} overlaps ${name(2 * k + 1)}`,
      `${name(2 * k + 1)} overlaps ${name(2 * k)}`,
    ]);
    expect(deriveDesired(inv, settings()).refusals.map(overlapPair)).toEqual(expected);
  });

  it('two workers claiming one CIDR: in worker order', () => {
    const plan = planReconcile(worker0Tagged('10.200.1.0/24'), settings());
    expect(plan.refused.map(overlapPair)).toEqual([
      'worker-0 overlaps worker-1',
      'worker-1 overlaps worker-0',
    ]);
  });

  it('from deriveDesired, in worker order whatever the order of their CIDRs', () => {
    const inv = worker0Tagged('10.200.1.0/24');
    inv.vms[1]!.tags = { 'pod-cidr': '10.200.0.0/23' };
    expect(deriveDesired(inv, settings()).refusals.map(overlapPair)).toEqual([
      'worker-0 overlaps worker-1',
      'worker-1 overlaps worker-0',
    ]);
  });

  it('nested claims of one start: each pair in worker order, each worker its overlaps in worker order', () => {
    const inv = worker0Tagged('10.200.0.0/26');
    inv.vms[1]!.tags = { 'pod-cidr': '10.200.0.0/25' };
    inv.vms.push(vm('worker-2', '10.200.0.0/24'));
    inv.nics.push(nic('worker-2', '10.240.0.22'));
    expect(deriveDesired(inv, settings()).refusals.map(overlapPair)).toEqual([
      'worker-0 overlaps worker-1',
      'worker-1 overlaps worker-0',
      'worker-0 overlaps worker-2',
      'worker-2 overlaps worker-0',
      'worker-1 overlaps worker-2',
      'worker-2 overlaps worker-1',
    ]);
  });
});
