// Which plan a run reports (src/core/outcome.ts), scenario by scenario: how far the run got decides what
// counts as repaired, what is left over and the health status. The plans are real plans of the report's
// cluster, made by planReconcile before and after the table write the plan asked for.
import { describe, expect, it } from 'vitest';
import { outcome, verdictOf } from '../../src/core/outcome.js';
import { planReconcile } from '../../src/core/plan.js';
import type { Inventory, Plan } from '../../src/core/types.js';
import { applyWrite, nic, reportCluster, settings, table, vm } from './fixtures.js';

const ROUTE_0 = 'kubernetes-route-10-200-0-0-24';
const ROUTE_1 = 'kubernetes-route-10-200-1-0-24';

/** The report's cluster with worker-1's route deleted by hand and worker-0's NIC not forwarding. */
function broken(): Inventory {
  const cluster = reportCluster();
  const routes = cluster.routeTable!.routes.filter((r) => r.name !== ROUTE_1);
  return {
    ...cluster,
    nics: cluster.nics.map((n) => (n.name === 'worker-0-nic' ? { ...n, enableIpForwarding: false } : n)),
    routeTable: table(routes),
  };
}

const repairsForwarding = settings({ repairIpForwarding: true });

/** The plan of the table as the write left it (NICs unchanged: the side writes come after it). */
function afterTableWrite(inventory: Inventory, plan: Plan): Plan {
  return planReconcile(applyWrite(inventory, plan.tableWrite), repairsForwarding);
}

/** The plan once the NIC's forwarding was enabled too. */
function afterEveryWrite(inventory: Inventory, plan: Plan): Plan {
  const written = applyWrite(inventory, plan.tableWrite);
  return planReconcile(
    { ...written, nics: written.nics.map((n) => ({ ...n, enableIpForwarding: true })) },
    repairsForwarding,
  );
}

const kinds = (drift: Plan['drift']) => drift.map((d) => `${d.kind} ${d.subject.split('/').pop()}`);

describe('which plan a run reports', () => {
  it('a run whose first read failed found nothing, repaired nothing, and is Failed', () => {
    const result = outcome({ initial: undefined, confirmed: undefined, final: undefined, failed: true });
    expect(result.status).toBe('Failed');
    expect(result.found.drift).toEqual([]);
    expect(result.repaired).toEqual([]);
    expect(result.unrepaired).toEqual([]);
  });

  it('a converged cluster, nothing written: Healthy, the first plan is the one reported', () => {
    const found = planReconcile(reportCluster(), settings());
    const result = outcome({ initial: found, confirmed: undefined, final: undefined, failed: false });
    expect(result.status).toBe('Healthy');
    expect(result.found).toBe(found);
    expect(result.remaining).toBe(found);
    expect(result.repaired).toEqual([]);
  });

  it('drift found but not written (report mode, plan): Drifted, nothing counts as repaired', () => {
    const found = planReconcile(broken(), repairsForwarding);
    const result = outcome({ initial: found, confirmed: undefined, final: undefined, failed: false });
    expect(result.status).toBe('Drifted');
    expect(result.repaired).toEqual([]);
    expect(kinds(result.unrepaired)).toEqual(kinds(found.drift));
    expect(kinds(found.drift)).toEqual([`ip-forwarding-disabled worker-0-nic`, `missing-route ${ROUTE_1}`]);
  });

  it('every write done: Repaired, what the first plan found is what was repaired, nothing left', () => {
    const inventory = broken();
    const found = planReconcile(inventory, repairsForwarding);
    const confirmed = afterTableWrite(inventory, found);
    const final = afterEveryWrite(inventory, found);
    const result = outcome({ initial: found, confirmed, final, failed: false });
    expect(result.status).toBe('Repaired');
    expect(result.found).toBe(found);
    expect(result.remaining).toBe(final);
    expect(kinds(result.repaired)).toEqual(kinds(found.drift));
    expect(result.unrepaired).toEqual([]);
  });

  it('the table write failed before ARM confirmed it: Failed, nothing repaired, the drift as found', () => {
    const found = planReconcile(broken(), repairsForwarding);
    const result = outcome({ initial: found, confirmed: undefined, final: undefined, failed: true });
    expect(result.status).toBe('Failed');
    expect(result.remaining).toBe(found);
    expect(result.repaired).toEqual([]);
    expect(kinds(result.unrepaired)).toEqual(kinds(found.drift));
  });

  it('the table write confirmed, then a side write failed: Failed, but the route repair counts and only the NIC is left', () => {
    const inventory = broken();
    const found = planReconcile(inventory, repairsForwarding);
    const confirmed = afterTableWrite(inventory, found);
    const result = outcome({ initial: found, confirmed, final: undefined, failed: true });
    expect(result.status).toBe('Failed');
    expect(result.remaining).toBe(confirmed);
    expect(kinds(result.repaired)).toEqual([`missing-route ${ROUTE_1}`]);
    expect(kinds(result.unrepaired)).toEqual([`ip-forwarding-disabled worker-0-nic`]);
  });

  it('the writes succeeded but the re-plan still finds drift (another writer removed a route meanwhile): Drifted', () => {
    const inventory = broken();
    const found = planReconcile(inventory, repairsForwarding);
    const written = planReconcile(
      {
        ...applyWrite(inventory, found.tableWrite),
        nics: inventory.nics.map((n) => ({ ...n, enableIpForwarding: true })),
        routeTable: table(
          applyWrite(inventory, found.tableWrite).routeTable!.routes.filter((r) => r.name !== ROUTE_0),
        ),
      },
      repairsForwarding,
    );
    const result = outcome({ initial: found, confirmed: written, final: written, failed: false });
    expect(result.status).toBe('Drifted');
    expect(kinds(result.repaired)).toEqual(kinds(found.drift));
    expect(kinds(result.unrepaired)).toEqual([`missing-route ${ROUTE_0}`]);
  });

  it('a refused claim and nothing else: Refused, not Healthy', () => {
    const cluster = reportCluster();
    const inventory = {
      ...cluster,
      vms: [...cluster.vms, vm('worker-2', '10.200.2.5/24')],
      nics: [...cluster.nics, nic('worker-2', '10.240.0.22')],
    };
    const found = planReconcile(inventory, settings());
    const result = outcome({ initial: found, confirmed: undefined, final: undefined, failed: false });
    expect(found.refused.map((r) => r.reason)).toEqual(['pod-cidr-host-bits']);
    expect(result.status).toBe('Refused');
    expect(result.refused).toEqual(found.refused);
  });

  it('IP forwarding off and not to be repaired (REPAIR_IP_FORWARDING off): reported as Drifted, never Healthy', () => {
    const cluster = reportCluster();
    const inventory = {
      ...cluster,
      nics: cluster.nics.map((n) => (n.name === 'worker-0-nic' ? { ...n, enableIpForwarding: false } : n)),
    };
    const found = planReconcile(inventory, settings());
    expect(found.drift.map((d) => [d.kind, d.repairable])).toEqual([['ip-forwarding-disabled', false]]);
    const result = outcome({ initial: found, confirmed: undefined, final: undefined, failed: false });
    expect(result.status).toBe('Drifted');
  });
});

describe('one verdict per status (inSync, CLI exit code, HTTP status)', () => {
  it.each([
    ['Healthy', false, true, 0, 200],
    ['Healthy', true, true, 0, 200],
    ['Repaired', true, true, 0, 200],
    ['Drifted', false, false, 2, 200],
    ['Drifted', true, false, 1, 200],
    ['Refused', false, false, 2, 200],
    ['Refused', true, false, 3, 200],
    ['Failed', false, false, 1, 503],
    ['Failed', true, false, 1, 503],
  ] as const)('%s (wrote: %s): inSync %s, exit %i, HTTP %i', (status, wrote, inSync, exit, http) => {
    expect(verdictOf(status, wrote)).toEqual({ inSync, cliExitCode: exit, httpStatus: http });
  });
});
