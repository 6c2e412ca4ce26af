// The data-plane check on its own: longest-prefix match among a NIC's Active effective routes, the four
// findings, which workers are read, and the sampling rotation.
import { describe, expect, it } from 'vitest';
import { type DesiredRoute, deriveDesired } from '../../src/core/desired.js';
import {
  checkWorkerRoutes,
  type EffectiveRouteRecord,
  judgePrefix,
  sampleWorkers,
  summarizeVerification,
  verifyTargets,
} from '../../src/core/effective.js';
import { nic, reportCluster, SUBNET_ID, settings, vm } from './fixtures.js';

const r = (
  prefix: string,
  nextHopType: string,
  ip?: string,
  over: Partial<EffectiveRouteRecord> = {},
): EffectiveRouteRecord => ({
  name: undefined,
  source: 'Default',
  state: 'Active',
  addressPrefixes: [prefix],
  nextHopType,
  nextHopIpAddresses: ip === undefined ? [] : [ip],
  hasBgpOverride: false,
  ...over,
});

/** What Azure shows for a NIC in 10.240.0.0/24 before any user route. */
const system: EffectiveRouteRecord[] = [
  r('10.240.0.0/24', 'VnetLocal'),
  r('0.0.0.0/0', 'Internet'),
  r('10.0.0.0/8', 'None'),
  r('172.16.0.0/12', 'None'),
  r('192.168.0.0/16', 'None'),
  r('100.64.0.0/10', 'None'),
];
const ours = r('10.200.1.0/24', 'VirtualAppliance', '10.240.0.21', {
  source: 'User',
  name: 'kubernetes-route-10-200-1-0-24',
});
const toWorker1: DesiredRoute = {
  route: {
    name: 'kubernetes-route-10-200-1-0-24',
    addressPrefix: '10.200.1.0/24',
    nextHopType: 'VirtualAppliance',
    nextHopIpAddress: '10.240.0.21',
  },
  worker: 'worker-1',
  family: 4,
};

describe('judging one pod CIDR against a NIC effective routes', () => {
  it('is ok when our route wins by longest prefix', () => {
    const check = judgePrefix([...system, ours], toWorker1);
    expect(check.verdict).toBe('ok');
    expect(check.winner?.source).toBe('User');
  });

  it('is shadowed by a more specific BGP route inside the pod CIDR, naming its prefix, source and next hop', () => {
    const bgp = r('10.200.1.0/25', 'VirtualNetworkGateway', '10.240.255.4', {
      source: 'VirtualNetworkGateway',
    });
    const check = judgePrefix([...system, ours, bgp], toWorker1);
    expect(check.verdict).toBe('shadowed');
    expect(check.winner).toEqual({
      addressPrefix: '10.200.1.0/25',
      source: 'VirtualNetworkGateway',
      nextHopType: 'VirtualNetworkGateway',
      nextHopIpAddress: '10.240.255.4',
      name: undefined,
    });
    expect(check.message).toContain(
      '10.200.1.0/25 (VirtualNetworkGateway) -> VirtualNetworkGateway 10.240.255.4',
    );
  });

  it('ignores an Invalid route (the one ARM shows overridden)', () => {
    const invalid = r('10.200.1.0/25', 'None', undefined, { state: 'Invalid' });
    expect(judgePrefix([...system, ours, invalid], toWorker1).verdict).toBe('ok');
  });

  it('is shadowed when our route is listed but Invalid and another route of the same prefix is Active', () => {
    const check = judgePrefix(
      [...system, { ...ours, state: 'Invalid' }, r('10.200.1.0/24', 'None', undefined, { source: 'User' })],
      toWorker1,
    );
    expect(check.verdict).toBe('shadowed');
    expect(check.winner?.nextHopType).toBe('None');
  });

  it('is missing when no route of ours is in effect, and says what traffic follows instead', () => {
    const check = judgePrefix(system, toWorker1);
    expect(check.verdict).toBe('missing');
    expect(check.winner?.addressPrefix).toBe('10.0.0.0/8');
    expect(check.message).toContain('None (traffic dropped)');
  });

  it('is missing when the route points at another IP (a stale next hop)', () => {
    const stale = { ...ours, nextHopIpAddresses: ['10.240.0.99'] };
    const check = judgePrefix([...system, stale], toWorker1);
    expect(check.verdict).toBe('missing');
    expect(check.winner?.nextHopIpAddress).toBe('10.240.0.99');
  });

  it('lets a broader BGP route (even 0.0.0.0/0) lose to our /24', () => {
    const def = r('0.0.0.0/0', 'VirtualNetworkGateway', '10.240.255.4', { source: 'VirtualNetworkGateway' });
    expect(judgePrefix([...system, def, ours], toWorker1).verdict).toBe('ok');
  });

  it('does not let a more specific route to the same worker count as shadowing', () => {
    const half = r('10.200.1.128/25', 'VirtualAppliance', '10.240.0.21', { source: 'User' });
    expect(judgePrefix([...system, ours, half], toWorker1).verdict).toBe('ok');
  });

  // Route.hasBgpOverride (routeTable.json): "this route overrides overlapping BGP routes regardless of LPM".
  it('lets our route with hasBgpOverride keep a more specific BGP route from taking part of it', () => {
    const bgp = r('10.200.1.0/25', 'VirtualNetworkGateway', '10.240.255.4', {
      source: 'VirtualNetworkGateway',
    });
    expect(judgePrefix([...system, ours, bgp], toWorker1).verdict).toBe('shadowed');
    expect(judgePrefix([...system, { ...ours, hasBgpOverride: true }, bgp], toWorker1).verdict).toBe('ok');
    // The override of a broader user route (a firewall's 10.200.0.0/16) also removes the BGP route; our /24 wins.
    const fw = r('10.200.0.0/16', 'VirtualAppliance', '10.240.0.4', { source: 'User', hasBgpOverride: true });
    expect(judgePrefix([...system, fw, ours, bgp], toWorker1).verdict).toBe('ok');
    // Only BGP routes are overridden: a more specific user route still takes its part.
    const user = r('10.200.1.0/25', 'None', undefined, { source: 'User' });
    expect(judgePrefix([...system, { ...ours, hasBgpOverride: true }, user], toWorker1).verdict).toBe(
      'shadowed',
    );
  });

  it('does not let a BGP route of the same prefix beat our route, override or not', () => {
    const same = r('10.200.1.0/24', 'VirtualNetworkGateway', '10.240.255.4', {
      source: 'VirtualNetworkGateway',
    });
    expect(judgePrefix([...system, same, ours], toWorker1).verdict).toBe('ok');
    expect(judgePrefix([...system, same, { ...ours, hasBgpOverride: true }], toWorker1).verdict).toBe('ok');
  });

  it('judges IPv6 pod CIDRs among IPv6 routes only', () => {
    const v6: DesiredRoute = {
      ...toWorker1,
      route: { ...toWorker1.route, addressPrefix: 'fd00:200:1::/64', nextHopIpAddress: 'fd00:240::21' },
      family: 6,
    };
    expect(judgePrefix(system, v6).verdict).toBe('missing');
    expect(judgePrefix(system, v6).winner).toBeUndefined();
    const route6 = r('fd00:200:1::/64', 'VirtualAppliance', 'FD00:240:0::21', { source: 'User' });
    expect(judgePrefix([...system, r('::/0', 'Internet'), route6], v6).verdict).toBe('ok');
    const bgp6 = r('fd00:200:1::/80', 'VirtualNetworkGateway', 'fd00:240::ff', {
      source: 'VirtualNetworkGateway',
    });
    expect(judgePrefix([...system, route6, bgp6], v6).verdict).toBe('shadowed');
  });
});

describe('checking a worker', () => {
  it('judges every other worker pod CIDR, not its own', () => {
    const desired = deriveDesired(reportCluster(), settings()).routes;
    const checks = checkWorkerRoutes('worker-0', [...system, ours], desired);
    expect(checks.map((c) => [c.toWorker, c.verdict])).toEqual([['worker-1', 'ok']]);
  });

  it('summarizes: effective only when no finding, confirmed or not; only confirmed findings are counted', () => {
    const ok = {
      worker: 'a',
      nicId: 'n',
      status: 'checked' as const,
      checks: [judgePrefix([...system, ours], toWorker1)],
      notes: [],
    };
    const na = { worker: 'b', nicId: undefined, status: 'not-applicable' as const, checks: [], notes: [] };
    expect(summarizeVerification([ok, na])).toMatchObject({
      effective: true,
      checked: 1,
      notApplicable: 1,
      ok: 1,
    });
    const seen = { ...ok, checks: [judgePrefix(system, toWorker1)] };
    expect(summarizeVerification([seen, na])).toMatchObject({ effective: false, missing: 0, unconfirmed: 1 });
    const confirmed = { ...ok, checks: [{ ...judgePrefix(system, toWorker1), confirmed: true }] };
    expect(summarizeVerification([confirmed, na])).toMatchObject({
      effective: false,
      missing: 1,
      unconfirmed: 0,
    });
    const failedRead = { worker: 'c', nicId: 'n3', status: 'read-failed' as const, checks: [], notes: [] };
    expect(summarizeVerification([ok, { ...failedRead, confirmed: true }])).toMatchObject({
      effective: false,
      readFailed: 1,
      notApplicable: 0,
    });
    expect(summarizeVerification([ok, failedRead])).toMatchObject({ readFailed: 0, unconfirmed: 1 });
  });
});

describe('which workers are read', () => {
  const inventory = reportCluster();
  const { workers } = deriveDesired(inventory, settings());

  it('reads the primary NIC of a running worker in the cluster subnet', () => {
    const targets = verifyTargets(workers, ['worker-0', 'worker-1'], SUBNET_ID, new Map());
    expect(targets.map((t) => [t.worker, t.nicId?.split('/').pop(), t.notApplicable])).toEqual([
      ['worker-0', 'worker-0-nic', undefined],
      ['worker-1', 'worker-1-nic', undefined],
    ]);
  });

  it('does not read a stopped or deallocated VM', () => {
    const power = new Map([[workers[1]!.vm.id.toLowerCase(), 'PowerState/deallocated']]);
    const targets = verifyTargets(workers, ['worker-0', 'worker-1'], SUBNET_ID, power);
    expect(targets[1]?.notApplicable?.reason).toBe('vm-not-running');
    expect(targets[1]?.notApplicable?.message).toContain('deallocated');
    expect(targets[1]?.nicId).toBeUndefined();
  });

  it('does not read a NIC outside the cluster subnet', () => {
    const inv = reportCluster();
    const other = nic('worker-1', '10.241.0.5');
    other.ipConfigurations[0]!.subnetId = SUBNET_ID.replace('kubernetes-subnet', 'other');
    inv.nics = inv.nics.map((n) => (n.name === 'worker-1-nic' ? other : n));
    const w = deriveDesired(inv, settings()).workers;
    const targets = verifyTargets(w, ['worker-1'], SUBNET_ID, new Map());
    expect(targets[0]?.notApplicable?.reason).toBe('nic-outside-subnet');
    expect(targets[0]?.notApplicable?.message).toContain('/subnets/other');
  });

  it('notes a worker with two NICs and reads only the primary one', () => {
    const inv = reportCluster();
    const two = vm('worker-1', '10.200.1.0/24');
    two.nicRefs = [
      { id: two.nicRefs[0]!.id.replace('worker-1-nic', 'worker-1-nic2'), primary: false },
      two.nicRefs[0]!,
    ];
    inv.vms = inv.vms.map((v) => (v.name === 'worker-1' ? two : v));
    const w = deriveDesired(inv, settings()).workers;
    const [t] = verifyTargets(w, ['worker-1'], SUBNET_ID, new Map());
    expect(t?.nicId?.endsWith('/worker-1-nic')).toBe(true);
    expect(t?.notes[0]).toContain('has 2 NICs');
  });
});

describe('sampling', () => {
  const names = ['w-3', 'w-1', 'w-2', 'w-0'];
  it('takes all, none, or a rotating window that covers every worker', () => {
    expect(sampleWorkers(names, 'all')).toEqual(['w-0', 'w-1', 'w-2', 'w-3']);
    expect(sampleWorkers(names, 0)).toEqual([]);
    expect(sampleWorkers(names, 9)).toHaveLength(4);
    const seen = new Set([0, 1].flatMap((run) => sampleWorkers(names, 2, run * 2)));
    expect(seen.size).toBe(4);
    expect(sampleWorkers(names, 2, 3)).toEqual(['w-0', 'w-3']);
  });
});
