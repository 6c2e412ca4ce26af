// Scenarios of the effective-route judgement: which Active route Azure forwards a pod CIDR by (longest prefix,
// then User > BGP > system, hasBgpOverride), what counts as our route, and the exact findings people read.
// docs/mutation.md lists the mutants of src/core/effective.ts they kill.
import { describe, expect, it } from 'vitest';
import type { DesiredRoute } from '../../src/core/desired.js';
import { type EffectiveRouteRecord, judgePrefix } from '../../src/core/effective.js';

const r = (
  prefix: string,
  nextHopType: string | undefined,
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
const bgp = (prefix: string, ip: string) =>
  r(prefix, 'VirtualNetworkGateway', ip, { source: 'VirtualNetworkGateway' });

/** Azure's system routes for a NIC in 10.240.0.0/24 before any user route. */
const system: EffectiveRouteRecord[] = [
  r('10.240.0.0/24', 'VnetLocal'),
  r('0.0.0.0/0', 'Internet'),
  r('10.0.0.0/8', 'None'),
  r('172.16.0.0/12', 'None'),
  r('192.168.0.0/16', 'None'),
  r('100.64.0.0/10', 'None'),
];
const OUR_NAME = 'kubernetes-route-10-200-1-0-24';
const ours = r('10.200.1.0/24', 'VirtualAppliance', '10.240.0.21', { source: 'User', name: OUR_NAME });
const toWorker1: DesiredRoute = {
  route: {
    name: OUR_NAME,
    addressPrefix: '10.200.1.0/24',
    nextHopType: 'VirtualAppliance',
    nextHopIpAddress: '10.240.0.21',
  },
  worker: 'worker-1',
  family: 4,
};
const OURS_TEXT = "our route 10.200.1.0/24 -> VirtualAppliance 10.240.0.21 (worker 'worker-1')";

describe('the findings people read', () => {
  it('says our route is in effect, naming it in full', () => {
    expect(judgePrefix([...system, ours], toWorker1).message).toBe(
      `10.200.1.0/24: ${OURS_TEXT} is in effect`,
    );
  });

  it('names a gateway route that takes half the pod CIDR, without calling its traffic dropped', () => {
    const check = judgePrefix([...system, ours, bgp('10.200.1.0/25', '10.240.255.4')], toWorker1);
    expect(check.message).toBe(
      `10.200.1.0/24: part of it is taken by the more specific 10.200.1.0/25 (VirtualNetworkGateway) -> VirtualNetworkGateway 10.240.255.4; ${OURS_TEXT} no longer carries that traffic`,
    );
  });

  it('names a user black-hole route inside the pod CIDR and says its traffic is dropped', () => {
    const hole = r('10.200.1.128/25', 'None', undefined, { source: 'User', name: 'quarantine' });
    expect(judgePrefix([...system, ours, hole], toWorker1).message).toBe(
      `10.200.1.0/24: part of it is taken by the more specific 10.200.1.128/25 (User route 'quarantine') -> None (traffic dropped); ${OURS_TEXT} no longer carries that traffic`,
    );
  });

  it('says our route is listed but not in effect when a same-prefix route beats it', () => {
    const invalidOurs = { ...ours, state: 'Invalid' };
    const hole = r('10.200.1.0/24', 'None', undefined, { source: 'User', name: 'quarantine' });
    expect(judgePrefix([...system, invalidOurs, hole], toWorker1).message).toBe(
      `10.200.1.0/24: ${OURS_TEXT} is listed but not in effect; traffic follows 10.200.1.0/24 (User route 'quarantine') -> None (traffic dropped)`,
    );
  });

  it('says a pod CIDR no Active route covers is unroutable', () => {
    const v6: DesiredRoute = {
      ...toWorker1,
      route: { ...toWorker1.route, addressPrefix: 'fd00:200:1::/64', nextHopIpAddress: 'fd00:240::21' },
      family: 6,
    };
    // IPv4 routes, 0.0.0.0/0 included, never carry IPv6 traffic.
    const check = judgePrefix(system, v6);
    expect(check.verdict).toBe('missing');
    expect(check.message).toBe(
      "fd00:200:1::/64: no Active route covers it (unroutable); expected our route fd00:200:1::/64 -> VirtualAppliance fd00:240::21 (worker 'worker-1')",
    );
  });

  it("shows a winning route ARM sent without source or next hop type as 'Unknown'", () => {
    const bare = r('10.200.0.0/16', undefined, undefined, { source: undefined });
    const check = judgePrefix([...system, bare], toWorker1);
    expect(check.winner).toEqual({
      addressPrefix: '10.200.0.0/16',
      source: 'Unknown',
      nextHopType: 'Unknown',
      nextHopIpAddress: undefined,
      name: undefined,
    });
    expect(check.message).toContain('traffic follows 10.200.0.0/16 (Unknown) -> Unknown');
  });

  it('reports a desired prefix that is not a CIDR as missing, saying so', () => {
    const bad = { ...toWorker1, route: { ...toWorker1.route, addressPrefix: '10.200.1.0' } };
    expect(judgePrefix([...system, ours], bad)).toMatchObject({
      verdict: 'missing',
      winner: undefined,
      message: '10.200.1.0 is not a CIDR',
    });
  });
});

describe('which route Azure forwards a pod CIDR by', () => {
  // "If multiple routes contain the same address prefix: user route, then BGP route, then system route"
  // (virtual-networks-udr-overview, "How Azure selects a route").
  it('lets an on-premises 10.0.0.0/8 learned over BGP beat the system None route of the same prefix', () => {
    const onPrem = bgp('10.0.0.0/8', '10.240.255.4');
    const check = judgePrefix([...system, onPrem], toWorker1);
    expect(check.verdict).toBe('missing');
    expect(check.winner?.source).toBe('VirtualNetworkGateway');
  });

  it('ranks a route of an unknown source below the system route of the same prefix', () => {
    const odd = r('10.0.0.0/8', 'VirtualAppliance', '10.240.0.4', { source: 'SomethingNew' });
    const check = judgePrefix([odd, ...system], toWorker1);
    expect(check.winner).toMatchObject({ source: 'Default', nextHopType: 'None' });
  });

  it('names the most specific of two routes that take parts of the pod CIDR', () => {
    const half = r('10.200.1.0/25', 'None', undefined, { source: 'User', name: 'half' });
    const quarter = bgp('10.200.1.128/26', '10.240.255.4');
    const check = judgePrefix([...system, ours, half, quarter], toWorker1);
    expect(check.verdict).toBe('shadowed');
    expect(check.winner?.addressPrefix).toBe('10.200.1.128/26');
  });

  it('is not disturbed by a private endpoint /32 outside the pod CIDR', () => {
    const endpoint = r('10.240.0.50/32', 'InterfaceEndpoint');
    expect(judgePrefix([...system, ours, endpoint], toWorker1).verdict).toBe('ok');
  });

  it('does not blame an overridden BGP route when a firewall /16 carries the pod CIDR instead of our route', () => {
    // The firewall's route has hasBgpOverride: the gateway's /25 is out of play, so traffic follows the /16.
    const firewall = r('10.200.0.0/16', 'VirtualAppliance', '10.240.0.4', {
      source: 'User',
      name: 'to-firewall',
      hasBgpOverride: true,
    });
    const check = judgePrefix([...system, firewall, bgp('10.200.1.0/25', '10.240.255.4')], toWorker1);
    expect(check.verdict).toBe('missing');
    expect(check.winner?.name).toBe('to-firewall');
  });

  it('calls a route with a stale next hop missing even when its BGP override keeps a gateway /25 out', () => {
    const stale = { ...ours, nextHopIpAddresses: ['10.240.0.99'], hasBgpOverride: true };
    const check = judgePrefix([...system, stale, bgp('10.200.1.0/25', '10.240.255.4')], toWorker1);
    expect(check.verdict).toBe('missing');
    expect(check.message).toBe(
      `10.200.1.0/24: ${OURS_TEXT} is not among the NIC's effective routes; traffic follows 10.200.1.0/24 (User route '${OUR_NAME}') -> VirtualAppliance 10.240.0.99`,
    );
  });
});

describe('what counts as our route', () => {
  it('is not a gateway route to the worker (e.g. learned by a route server from the node)', () => {
    const learned = bgp('10.200.1.0/24', '10.240.0.21');
    expect(judgePrefix([...system, learned], toWorker1).verdict).toBe('missing');
  });

  it('is not a VirtualAppliance route of our prefix that shows no next-hop address', () => {
    const noHop = { ...ours, nextHopIpAddresses: [] };
    expect(judgePrefix([...system, noHop], toWorker1).verdict).toBe('missing');
  });

  it('is not an old "all pods via one node" route, though it goes to the same worker', () => {
    const allPods = r('10.200.0.0/16', 'VirtualAppliance', '10.240.0.21', { source: 'User', name: 'pods' });
    const check = judgePrefix([...system, allPods], toWorker1);
    expect(check.verdict).toBe('missing');
    expect(check.winner?.addressPrefix).toBe('10.200.0.0/16');
  });

  it('is listed when our prefix is any of the prefixes ARM gives for a route to the worker', () => {
    const listed = { ...ours, state: 'Invalid', addressPrefixes: ['10.200.9.0/24', '10.200.1.0/24'] };
    const hole = r('10.200.1.0/24', 'None', undefined, { source: 'User' });
    expect(judgePrefix([...system, listed, hole], toWorker1).verdict).toBe('shadowed');
  });
});
