// The subnet policy, decided per subnet by the planner (so `plan` and `apply` say the same thing): a subnet
// the table must serve is either associated with it already, free (then associated), or associated with
// another route table. That table is not ours: moving the subnet would take its routes from whoever uses them,
// so the association is refused until a person decides. Pure: plain data in and out.
import type { Action, Drift, Inventory, PlanSettings, Refusal, SubnetAssociation } from './types.js';

const sameId = (a: string | undefined, b: string | undefined) =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();

type SubnetDecision =
  | { kind: 'associated' }
  | { kind: 'associate' }
  | { kind: 'associated-elsewhere'; otherRouteTableId: string };

/**
 * One subnet against the table. The association lives on the subnet, so its own record decides (the table's
 * read-only subnet list may lag behind a subnet write); without a record (not read, or not found) the table's
 * list does, and a subnet it does not list counts as free: the write then names it.
 */
function decideSubnet(subnetId: string, inventory: Inventory, settings: PlanSettings): SubnetDecision {
  const record = inventory.subnets?.find((s) => sameId(s.id, subnetId));
  if (record === undefined) {
    const listed = inventory.routeTable?.subnetIds.some((id) => sameId(id, subnetId)) ?? false;
    return listed ? { kind: 'associated' } : { kind: 'associate' };
  }
  const current = record.routeTableId;
  if (current === undefined) return { kind: 'associate' };
  if (sameId(current, settings.routeTableId)) return { kind: 'associated' };
  return { kind: 'associated-elsewhere', otherRouteTableId: current };
}

interface SubnetFindings {
  drift: Drift[];
  actions: Action[];
  refused: Refusal[];
}

/** Every subnet of the table: its drift, action or refusal; returns the associations to make. */
export function planSubnets(
  inventory: Inventory,
  settings: PlanSettings,
  findings: SubnetFindings,
): SubnetAssociation[] {
  const tableId = inventory.routeTable?.id ?? settings.routeTableId;
  const associate: SubnetAssociation[] = [];
  for (const subnetId of settings.subnetIds) {
    const decision = decideSubnet(subnetId, inventory, settings);
    if (decision.kind === 'associated') continue;
    const elsewhere = decision.kind === 'associated-elsewhere';
    findings.drift.push({
      kind: 'subnet-not-associated',
      subject: subnetId,
      before: null,
      after: null,
      message:
        `subnet '${subnetId}' is not associated with route table '${settings.routeTableName}': its pods use none of these routes` +
        (elsewhere ? ` (held back: subnet-associated-elsewhere)` : ''),
      repairable: !elsewhere,
    });
    if (elsewhere) {
      findings.refused.push({
        reason: 'subnet-associated-elsewhere',
        subject: subnetId,
        message: `subnet '${subnetId}' is associated with another route table (${decision.otherRouteTableId}); it is not ours to move: associate it with '${settings.routeTableName}' by hand if that is intended`,
      });
      continue;
    }
    findings.actions.push({ kind: 'associate-subnet', subject: subnetId, before: null, after: null });
    associate.push({ subnetId, routeTableId: tableId });
  }
  return associate;
}
