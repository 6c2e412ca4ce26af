// "Is this inventory settled?": what the reconcile waits for before planning (src/core/settled.ts).
import { describe, expect, it } from 'vitest';
import { describeUnsettled, isSettled, unsettledResources } from '../../src/core/settled.js';
import type { Inventory } from '../../src/core/types.js';
import { reportCluster, SUBNET_ID, settings } from './fixtures.js';

const withSubnet = (inv: Inventory, provisioningState: string | undefined): Inventory => ({
  ...inv,
  subnets: [{ id: SUBNET_ID, provisioningState, routeTableId: undefined }],
});

describe('unsettledResources', () => {
  it('a converged cluster with every state Succeeded (or absent) is settled', () => {
    expect(unsettledResources(withSubnet(reportCluster(), 'Succeeded'), settings())).toEqual([]);
    expect(unsettledResources(reportCluster(), settings())).toEqual([]);
  });

  it('Failed and Canceled are terminal: planned from (a Failed route is rewritten), not waited for', () => {
    for (const state of ['Failed', 'Canceled', 'succeeded']) expect(isSettled(state)).toBe(true);
    const inv = reportCluster();
    inv.routeTable!.routes[0]!.provisioningState = 'Failed';
    expect(unsettledResources(inv, settings())).toEqual([]);
  });

  it('names each resource an operation is still writing: the table, a route, the subnet, a worker NIC', () => {
    const inv = withSubnet(reportCluster(), 'Updating');
    inv.routeTable!.provisioningState = 'Updating';
    inv.routeTable!.routes[1]!.provisioningState = 'Deleting';
    inv.nics[1]!.provisioningState = 'Updating';
    const found = unsettledResources(inv, settings());
    expect(found.map((r) => [r.kind, r.provisioningState])).toEqual([
      ['route-table', 'Updating'],
      ['route', 'Deleting'],
      ['subnet', 'Updating'],
      ['nic', 'Updating'],
    ]);
    expect(describeUnsettled(found)).toBe(
      "route table 'kubernetes-routes' is Updating, route 'kubernetes-route-10-200-1-0-24' is Deleting, " +
        "subnet 'kubernetes-subnet' is Updating, NIC 'worker-1-nic' is Updating",
    );
  });

  it("a NIC no worker's route depends on (a controller's) is not waited for", () => {
    const inv = reportCluster();
    const controllerNic = inv.nics.find((n) => n.name === 'controller-0-nic')!;
    controllerNic.provisioningState = 'Updating';
    expect(unsettledResources(inv, settings())).toEqual([]);
  });

  it('states Azure may add later (the enum is modelAsString) count as in progress', () => {
    expect(isSettled('Creating')).toBe(false);
    expect(isSettled('Updating')).toBe(false);
    expect(isSettled(undefined)).toBe(true);
  });
});
