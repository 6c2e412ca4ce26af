// Scale-set instances as ARM names them (docs/mutation.md lists the mutants these kill): instance ids of more
// than one digit, ids in another letter case than the VM list's, a NIC listed without its VM id, and two
// instances answering for one address.
import { describe, expect, it } from 'vitest';
import { planReconcile } from '../../src/core/plan.js';
import type { Inventory, NicRecord } from '../../src/core/types.js';
import { applyWrite, instanceNic, reportCluster, route, SUB, settings, table } from './fixtures.js';

const STRAY = route('kubernetes-route-10-200-9-0-24', '10.200.9.0/24', '10.240.0.4');

function withStrayRoute(scaleSetNics: NicRecord[]): Inventory {
  const inv = reportCluster();
  inv.routeTable = table([...inv.routeTable!.routes, STRAY]);
  inv.scaleSetNics = scaleSetNics;
  return inv;
}

const protectedBy = (inv: Inventory) =>
  planReconcile(inv, settings()).refused.map((r) => [r.reason, r.subject, r.worker]);

describe('which scale-set instance holds a route', () => {
  it('instance 12 of the scale set is named in full', () => {
    expect(protectedBy(withStrayRoute([instanceNic('12', '10.240.0.4')]))).toEqual([
      ['next-hop-is-scale-set-instance', STRAY.name, 'pool/12'],
    ]);
  });

  it('an id ARM returns in lower case names the same instance', () => {
    const nic = instanceNic('12', '10.240.0.4');
    const lower = { ...nic, id: nic.id.toLowerCase(), vmId: nic.vmId!.toLowerCase() };
    expect(protectedBy(withStrayRoute([lower]))[0]?.[2]).toBe('pool/12');
  });

  it('a NIC listed without its VM id is named from its own id', () => {
    const nic = { ...instanceNic('12', '10.240.0.4'), vmId: undefined };
    expect(protectedBy(withStrayRoute([nic]))[0]?.[2]).toBe('pool/12');
  });

  it('a NIC whose VM is outside any scale set is named by that VM id', () => {
    const vmId = `${SUB}/Microsoft.Compute/virtualMachines/appliance`;
    const nic = {
      ...instanceNic('12', '10.240.0.4'),
      id: `${SUB}/Microsoft.Network/networkInterfaces/a`,
      vmId,
    };
    expect(protectedBy(withStrayRoute([nic]))[0]?.[2]).toBe(vmId);
  });

  it('of two instances listing the same address, the first listed is the one named', () => {
    const inv = withStrayRoute([instanceNic('3', '10.240.0.4'), instanceNic('4', '10.240.0.4')]);
    expect(protectedBy(inv)[0]?.[2]).toBe('pool/3');
  });
});

describe('a NIC the VM list already names is no scale-set instance, whatever the letter case', () => {
  // worker-1 lost its tag: its route is stale unless its NIC were taken for an unlisted instance's.
  function untaggedWorker1(listed: (nic: NicRecord) => NicRecord): Inventory {
    const inv = reportCluster();
    inv.vms[1]!.tags = {};
    inv.scaleSetNics = [listed(instanceNic('1', '10.240.0.21'))];
    return inv;
  }
  const staleRoutes = (inv: Inventory) => {
    const plan = planReconcile(inv, settings());
    expect(plan.refused).toEqual([]);
    return plan.drift.map((d) => [d.kind, d.subject]);
  };

  it('named by the VM id, in upper case', () => {
    const inv = untaggedWorker1((nic) => ({ ...nic, vmId: reportCluster().vms[1]!.id.toUpperCase() }));
    expect(staleRoutes(inv)).toEqual([['stale-route', 'kubernetes-route-10-200-1-0-24']]);
  });

  it("named by the NIC id in the VM's NIC references, in upper case", () => {
    const nicRef = reportCluster().vms[1]!.nicRefs[0]!.id;
    const inv = untaggedWorker1((nic) => ({ ...nic, id: nicRef.toUpperCase(), vmId: undefined }));
    expect(staleRoutes(inv)).toEqual([['stale-route', 'kubernetes-route-10-200-1-0-24']]);
  });
});

describe("a route kept for a scale-set instance whose name a worker's claim needs", () => {
  // Found by the property "(a, c) one apply converges" (seed 1964783479). Two owned routes share one IPv6
  // prefix no worker claims: one points at scale-set instance pool/0, the other at worker-1. The scale-set
  // route carries, in upper case, the name worker-1's own claim needs, so that claim is refused for the name;
  // refusing worker-1 then protects its address too, and the planner used to swap the kept route for the
  // worker-1 duplicate: it deleted the very route the refusal was about, and the next plan undid the first.
  function nameTakenByScaleSetRoute(): Inventory {
    const inv = reportCluster();
    inv.routeTable = table([
      route('kubernetes-route-10-200-0-0-24', '10.200.0.0/24', '10.240.0.20'),
      route('kubernetes-route-10-200-7-0-24', 'fd00:10:244:2::/64', '10.240.0.21'),
      route('KUBERNETES-ROUTE-10-200-1-0-24', 'fd00:10:244:2::/64', '10.240.0.30'),
    ]);
    inv.scaleSetNics = [instanceNic('0', '10.240.0.30')];
    return inv;
  }

  it('keeps the route the refusal names, and the next plan agrees with the first', () => {
    const inv = nameTakenByScaleSetRoute();
    const dualStack = settings({ clusterCidrs: ['10.200.0.0/16', 'fd00:10:244::/56'] });
    const plan = planReconcile(inv, dualStack);
    expect(plan.refused.map((r) => [r.reason, r.subject])).toEqual([
      ['next-hop-is-scale-set-instance', 'KUBERNETES-ROUTE-10-200-1-0-24'],
      ['foreign-route-conflict', 'kubernetes-route-10-200-1-0-24'],
    ]);
    const kept = plan.tableWrite!.routes.flatMap((e) => ('keep' in e ? [e.keep] : []));
    expect(kept).toContain('KUBERNETES-ROUTE-10-200-1-0-24');
    expect(kept).not.toContain('kubernetes-route-10-200-7-0-24');
    const again = planReconcile(applyWrite(inv, plan.tableWrite), dualStack);
    expect(again.tableWrite).toBeNull();
    expect(again.refused).toEqual(plan.refused);
  });
});
