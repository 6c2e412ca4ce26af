// Scenarios at the edges where plausible one-character bugs hide (docs/mutation.md lists the mutants each one
// kills): the route limit at exactly its value, a scale-set instance reached over IPv6, and which of two
// effective routes of the same prefix Azure follows.
import { describe, expect, it } from 'vitest';
import type { DesiredRoute } from '../../src/core/desired.js';
import { type EffectiveRouteRecord, judgePrefix } from '../../src/core/effective.js';
import { planReconcile } from '../../src/core/plan.js';
import type { Inventory, NicRecord } from '../../src/core/types.js';
import { reportCluster, route, SUB, settings, table } from './fixtures.js';

describe('the route limit, at exactly its value', () => {
  // worker-1's route is missing, so the plan writes a table of two routes.
  const missingOne = (): Inventory => {
    const inv = reportCluster();
    inv.routeTable = table([inv.routeTable!.routes[0]!]);
    return inv;
  };

  it('a table that would hold exactly the limit is written', () => {
    const plan = planReconcile(missingOne(), settings({ maxRoutesPerTable: 2 }));
    expect(plan.refused).toEqual([]);
    expect(plan.tableWrite?.routes).toHaveLength(2);
    expect(plan.actions.map((a) => a.kind)).toEqual(['create-route']);
  });

  it('one route over the limit is refused and nothing is written', () => {
    const plan = planReconcile(missingOne(), settings({ maxRoutesPerTable: 1 }));
    expect(plan.refused.map((r) => r.reason)).toEqual(['route-limit-exceeded']);
    expect(plan.refused[0]?.message).toContain('would hold 2 routes, over the limit of 1 routes');
    expect(plan.tableWrite).toBeNull();
    expect(plan.actions).toEqual([]);
  });
});

describe('a scale-set instance reached over IPv6', () => {
  const s = settings({ clusterCidrs: ['10.200.0.0/16', 'fd00:10:244::/56'] });
  const VMSS = `${SUB}/Microsoft.Compute/virtualMachineScaleSets/pool`;
  /** A dual-stack Uniform instance: its IPv6 address as ARM returns it, upper case and uncompressed. */
  const dualStackInstance: NicRecord = {
    id: `${VMSS}/virtualMachines/7/networkInterfaces/pool-nic`,
    name: 'pool-nic',
    vmId: `${VMSS}/virtualMachines/7`,
    enableIpForwarding: true,
    ipConfigurations: [
      {
        name: 'ipconfig1',
        primary: true,
        privateIpAddress: '10.240.0.7',
        privateIpVersion: 'IPv4',
        subnetId: undefined,
      },
      {
        name: 'ipconfig-v6',
        primary: false,
        privateIpAddress: 'FD00:240:0:0:0:0:0:7',
        privateIpVersion: 'IPv6',
        subnetId: undefined,
      },
    ],
  };
  const v6Route = route('kubernetes-route-fd00-10-244-7---64', 'fd00:10:244:7::/64', 'fd00:240::7');

  it('an owned IPv6 route to the instance is kept and reported, never deleted as stale', () => {
    const inv = reportCluster();
    inv.routeTable = table([...inv.routeTable!.routes, v6Route]);
    inv.scaleSetNics = [dualStackInstance];
    const plan = planReconcile(inv, s);
    expect(plan.refused.map((r) => [r.reason, r.subject, r.worker])).toEqual([
      ['next-hop-is-scale-set-instance', 'kubernetes-route-fd00-10-244-7---64', 'pool/7'],
    ]);
    expect(plan.drift).toEqual([]);
    expect(plan.tableWrite).toBeNull();
  });

  it('without that instance the same IPv6 route is stale (the protection is what keeps it)', () => {
    const inv = reportCluster();
    inv.routeTable = table([...inv.routeTable!.routes, v6Route]);
    const plan = planReconcile(inv, s);
    expect(plan.drift.map((d) => [d.kind, d.subject])).toEqual([
      ['stale-route', 'kubernetes-route-fd00-10-244-7---64'],
    ]);
  });
});

describe('two effective routes of the same prefix: Azure follows the user route, then BGP, then the system', () => {
  const er = (
    source: string,
    nextHopType: string,
    ip: string | undefined,
    prefix = '10.200.1.0/24',
  ): EffectiveRouteRecord => ({
    name: source === 'User' ? 'kubernetes-route-10-200-1-0-24' : undefined,
    source,
    state: 'Active',
    hasBgpOverride: false,
    addressPrefixes: [prefix],
    nextHopType,
    nextHopIpAddresses: ip === undefined ? [] : [ip],
  });
  const ours = er('User', 'VirtualAppliance', '10.240.0.21');
  const bgp = er('VirtualNetworkGateway', 'VirtualNetworkGateway', '10.240.255.4');
  const system = er('Default', 'None', undefined);
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

  it('our user route wins over a BGP route of the same prefix, whichever Azure lists first', () => {
    for (const routes of [
      [bgp, ours],
      [ours, bgp],
    ]) {
      const check = judgePrefix(routes, toWorker1);
      expect(check.verdict).toBe('ok');
      expect(check.winner?.source).toBe('User');
    }
  });

  it('a BGP route wins over a system route of the same prefix: ours missing, traffic follows the gateway', () => {
    for (const routes of [
      [system, bgp],
      [bgp, system],
    ]) {
      const check = judgePrefix(routes, toWorker1);
      expect(check.verdict).toBe('missing');
      expect(check.winner?.source).toBe('VirtualNetworkGateway');
      expect(check.message).toContain(
        'traffic follows 10.200.1.0/24 (VirtualNetworkGateway) -> VirtualNetworkGateway 10.240.255.4',
      );
    }
  });

  it('a system route wins over a route of an unknown source of the same prefix', () => {
    const other = er('SomethingNew', 'Internet', undefined);
    for (const routes of [
      [other, system],
      [system, other],
    ]) {
      expect(judgePrefix(routes, toWorker1).winner?.source).toBe('Default');
    }
  });

  it('of two more specific routes of the same prefix inside ours, the user route is the one reported', () => {
    const half = (source: string, type: string, ip?: string) => er(source, type, ip, '10.200.1.0/25');
    const userHalf = { ...half('User', 'VirtualAppliance', '10.240.0.99'), name: 'someone-else' };
    const bgpHalf = half('VirtualNetworkGateway', 'VirtualNetworkGateway', '10.240.255.4');
    for (const routes of [
      [ours, bgpHalf, userHalf],
      [ours, userHalf, bgpHalf],
    ]) {
      const check = judgePrefix(routes, toWorker1);
      expect(check.verdict).toBe('shadowed');
      expect(check.winner?.source).toBe('User');
    }
  });
});
