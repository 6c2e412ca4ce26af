// Next hops held by NICs that belong to no VM the inventory lists: the NICs of Uniform scale-set instances,
// read from the scale sets' own NIC lists. A route of ours pointing at one is a worker we cannot see, never a
// stale route: it is kept and reported (`next-hop-is-scale-set-instance`). Pure: plain data in and out.
import { canonicalIp } from './cidr.js';
import type { Inventory, NicRecord } from './types.js';

/** Scale-set instance of a NIC id or VM id: `{vmss}/{instanceId}`, or the NIC's VM id when it does not parse. */
export function scaleSetInstanceOf(nic: NicRecord): string {
  const m = /\/virtualMachineScaleSets\/([^/]+)\/virtualMachines\/([^/]+)/iu.exec(nic.vmId ?? nic.id);
  return m ? `${m[1]}/${m[2]}` : (nic.vmId ?? nic.id);
}

/** Canonical IP -> the scale-set NIC holding it, for NICs whose VM (and which itself) no listed VM names. */
export function unlistedNicHops(inventory: Inventory): Map<string, NicRecord> {
  const hops = new Map<string, NicRecord>();
  const nics = inventory.scaleSetNics ?? [];
  if (nics.length === 0) return hops;
  const vmIds = new Set(inventory.vms.map((vm) => vm.id.toLowerCase()));
  const nicIds = new Set(inventory.vms.flatMap((vm) => vm.nicRefs.map((r) => r.id.toLowerCase())));
  for (const nic of nics) {
    if (nicIds.has(nic.id.toLowerCase())) continue;
    if (nic.vmId !== undefined && vmIds.has(nic.vmId.toLowerCase())) continue;
    for (const c of nic.ipConfigurations) {
      const ip = c.privateIpAddress === undefined ? undefined : canonicalIp(c.privateIpAddress);
      if (ip !== undefined && !hops.has(ip)) hops.set(ip, nic);
    }
  }
  return hops;
}
