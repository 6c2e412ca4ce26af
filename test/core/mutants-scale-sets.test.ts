// Scale-set instances as ARM names them (docs/mutation.md lists the mutants these kill): instance ids of more
// than one digit, ids in another letter case than the VM list's, a NIC listed without its VM id, and two
// instances answering for one address.
import { describe, expect, it } from 'vitest';
import { planReconcile } from '../../src/core/plan.js';
import type { Inventory, NicRecord } from '../../src/core/types.js';
import { instanceNic, reportCluster, route, SUB, settings, table } from './fixtures.js';

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
