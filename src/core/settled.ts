// Is what we read settled? ARM reports a resource whose write (or delete) is still running with a non-terminal
// provisioningState (`Updating`, `Deleting`, ...). Such a read shows what the operation will leave only if it
// succeeds: if it fails, ARM puts the previous state back, marked `Failed`. A plan built on it can find nothing
// to do and report Healthy while the routes are about to change under it, so the reconcile re-reads until
// everything it depends on has settled (src/azure/settle.ts).
import { findWorkers } from './desired.js';
import type { Inventory, PlanSettings } from './types.js';

/** Terminal provisioning states (Network's ProvisioningState enum, plus ARM's generic Canceled). */
const SETTLED_PROVISIONING_STATES: readonly string[] = ['Succeeded', 'Failed', 'Canceled'];

export interface UnsettledResource {
  kind: 'route-table' | 'route' | 'subnet' | 'nic';
  subject: string;
  provisioningState: string;
}

/** A missing state (a resource ARM returned without one) counts as settled: there is nothing to wait for. */
export function isSettled(state: string | undefined): boolean {
  if (state === undefined || state === '') return true;
  return SETTLED_PROVISIONING_STATES.some((s) => s.toLowerCase() === state.toLowerCase());
}

/**
 * The resources the plan depends on whose provisioning state is not terminal: the route table and each of
 * its routes, the table's subnets, and the primary NIC of every VM carrying the pod CIDR tag (its IP is the
 * next hop; its IP forwarding is checked). Empty when the inventory may be planned from.
 */
export function unsettledResources(inventory: Inventory, settings: PlanSettings): UnsettledResource[] {
  const out: UnsettledResource[] = [];
  const add = (kind: UnsettledResource['kind'], subject: string, state: string | undefined) => {
    if (!isSettled(state)) out.push({ kind, subject, provisioningState: state as string });
  };
  const table = inventory.routeTable;
  if (table !== null) {
    add('route-table', table.id, table.provisioningState);
    for (const route of table.routes)
      add('route', `${table.id}/routes/${route.name}`, route.provisioningState);
  }
  for (const subnet of inventory.subnets ?? []) add('subnet', subnet.id, subnet.provisioningState);
  const seen = new Set<string>();
  for (const { nic } of findWorkers(inventory, settings)) {
    if (nic === undefined || seen.has(nic.id.toLowerCase())) continue;
    seen.add(nic.id.toLowerCase());
    add('nic', nic.id, nic.provisioningState);
  }
  return out;
}

/** One line for logs and errors: `route table 'x' is Updating, NIC 'y' is Updating`. */
export function describeUnsettled(resources: readonly UnsettledResource[]): string {
  const label = { 'route-table': 'route table', route: 'route', subnet: 'subnet', nic: 'NIC' } as const;
  return resources
    .map(
      (r) =>
        `${label[r.kind]} '${r.subject.slice(r.subject.lastIndexOf('/') + 1)}' is ${r.provisioningState}`,
    )
    .join(', ');
}
