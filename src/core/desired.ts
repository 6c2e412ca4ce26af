// Desired state from inventory: which VMs are workers, which pod routes they need, and which of their
// claims are refused. Pure: plain data in, plain data out.
import { canonicalIp, cidrContains, cidrRange, type IpFamily, ipFamily, parseCidr } from './cidr.js';
import { routeNameForCidr } from './naming.js';
import { byName, compareOrdinal } from './order.js';
import type {
  Drift,
  Inventory,
  IpConfigRecord,
  NicRecord,
  PlanSettings,
  Refusal,
  RouteSpec,
  VmRecord,
} from './types.js';

interface PodCidrClaim {
  /** Normalised CIDR. */
  cidr: string;
  family: IpFamily;
}

export interface Worker {
  vm: VmRecord;
  /** The tag key as found on the VM (tag keys are matched case-insensitively). */
  tagKey: string;
  tagValue: string;
  nic: NicRecord | undefined;
  /** Canonical next-hop IPs of the primary NIC, per family (undefined when the NIC has none). */
  ips: Partial<Record<IpFamily, string>>;
}

export interface DesiredRoute {
  /** The route as it is written (and shown): canonical name, normalised prefix, the worker's IP. */
  route: RouteSpec;
  worker: string;
  family: IpFamily;
}

export interface DesiredState {
  workers: Worker[];
  /** Routes to own, sorted by name; refused claims excluded. */
  routes: DesiredRoute[];
  refusals: Refusal[];
  /** Normalised prefixes of refused claims: their existing owned routes are kept exactly as they are. */
  refusedPrefixes: Set<string>;
  /** Canonical IPs of workers with a refused claim (and none accepted in that family): their routes are kept. */
  refusedWorkerIps: Set<string>;
  ipForwardingDrift: Drift[];
  /** NIC ids to enable IP forwarding on (only with settings.repairIpForwarding). */
  enableIpForwarding: string[];
}

/** The pod CIDR tag value of a VM, matching the tag key case-insensitively (ARM tag names are). */
function findPodCidrTag(vm: VmRecord, tagName: string): { key: string; value: string } | undefined {
  const wanted = tagName.toLowerCase();
  // Of keys differing only in case, the first in ordinal order (rarely more than one matches: a cheap sort).
  const [found] = Object.entries(vm.tags)
    .filter(([key]) => key.toLowerCase() === wanted)
    .sort(([a], [b]) => compareOrdinal(a, b));
  return found === undefined ? undefined : { key: found[0], value: found[1] };
}

/** NICs by lower-cased id and by the lower-cased id of the VM they name: built once per plan, not per VM. */
interface NicIndex {
  byId: Map<string, NicRecord>;
  byVm: Map<string, NicRecord[]>;
}

function indexNics(nics: readonly NicRecord[]): NicIndex {
  const byId = new Map<string, NicRecord>();
  const byVm = new Map<string, NicRecord[]>();
  for (const nic of nics) {
    const id = nic.id.toLowerCase();
    if (!byId.has(id)) byId.set(id, nic);
    const vmId = nic.vmId?.toLowerCase();
    if (vmId === undefined) continue;
    const attached = byVm.get(vmId);
    if (attached === undefined) byVm.set(vmId, [nic]);
    else attached.push(nic);
  }
  return { byId, byVm };
}

/**
 * The VM's primary NIC: the ref flagged primary, else its first ref (ARM lists the primary first); fallback when
 * that NIC is not in the list: a NIC that names the VM.
 */
function primaryNic(vm: VmRecord, index: NicIndex): NicRecord | undefined {
  const ref = vm.nicRefs.find((r) => r.primary === true) ?? vm.nicRefs[0];
  if (ref !== undefined) {
    const byId = index.byId.get(ref.id.toLowerCase());
    if (byId !== undefined) return byId;
  }
  const attached = [...(index.byVm.get(vm.id.toLowerCase()) ?? [])];
  // Several NICs naming the VM and no usable ref: prefer one with a primary ipconfig, then by id.
  attached.sort((a, b) => {
    const pa = a.ipConfigurations.some((c) => c.primary === true) ? 0 : 1;
    const pb = b.ipConfigurations.some((c) => c.primary === true) ? 0 : 1;
    return pa - pb || compareOrdinal(a.id, b.id);
  });
  return attached[0];
}

function configFamily(c: IpConfigRecord): IpFamily | undefined {
  if (c.privateIpAddress === undefined) return undefined;
  const f = ipFamily(c.privateIpAddress);
  // An address of another version than the ipconfig states is not used (not an address at all: f is undefined).
  return c.privateIpVersion === undefined || c.privateIpVersion === `IPv${f}` ? f : undefined;
}

/** IPv4: the primary ipconfig's address (or the only ipconfig's). IPv6: the first IPv6 ipconfig's. */
function nicIps(nic: NicRecord): Partial<Record<IpFamily, string>> {
  const out: Partial<Record<IpFamily, string>> = {};
  const configs = nic.ipConfigurations;
  const primary = configs.find((c) => c.primary === true) ?? (configs.length === 1 ? configs[0] : undefined);
  if (primary !== undefined && configFamily(primary) === 4) out[4] = canonicalIp(primary.privateIpAddress!);
  const v6 = configs.find((c) => configFamily(c) === 6);
  if (v6 !== undefined) out[6] = canonicalIp(v6.privateIpAddress!);
  return out;
}

interface Claim extends PodCidrClaim {
  worker: Worker;
}

/**
 * Splits a tag value into CIDR parts; refusals name the VM, tag and value. A CIDR with host bits is refused but
 * its network still blocks the prefix (`blocking`): a typo must not hand the worker's route to another claim.
 */
function parseTag(worker: Worker, holds: Holds, blocking: PodCidrClaim[]): PodCidrClaim[] {
  const vmName = worker.vm.name;
  const where = `VM '${vmName}' tag '${worker.tagKey}' = '${worker.tagValue}'`;
  const refuse = (reason: Refusal['reason'], subject: string, why: string) =>
    refuseClaim(holds, worker, { reason, subject, worker: vmName, message: `${where}: ${why}` });
  const parts = worker.tagValue
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  if (parts.length === 0) {
    refuse('invalid-pod-cidr', worker.tagValue, 'the value is empty; expected a CIDR such as 10.200.0.0/24');
    return [];
  }
  if (parts.length > 2) {
    refuse('invalid-pod-cidr', worker.tagValue, 'expected one CIDR, or an IPv4 and an IPv6 CIDR');
    return [];
  }
  // Two CIDRs of one family make the whole value ambiguous: which one did the operator mean?
  const families = parts.flatMap((p) => {
    const parsed = parseCidr(p);
    return parsed.ok ? [parsed.family] : [];
  });
  if (new Set(families).size < families.length) {
    refuse(
      'invalid-pod-cidr',
      worker.tagValue,
      'expected one CIDR, or an IPv4 and an IPv6 CIDR; got two of one family',
    );
    return [];
  }
  const claims: PodCidrClaim[] = [];
  for (const part of parts) {
    const parsed = parseCidr(part);
    if (!parsed.ok) {
      refuse('invalid-pod-cidr', part, `'${part}' is not a valid CIDR: ${parsed.reason}`);
      continue;
    }
    if (parsed.hostBitsSet) {
      // A typo must not move or delete the route the worker has now: its network's prefix stays blocked.
      blocking.push({ cidr: parsed.cidr, family: parsed.family });
      refuse('pod-cidr-host-bits', part, `'${part}' has host bits set (did you mean ${parsed.cidr}?)`);
      continue;
    }
    claims.push({ cidr: parsed.cidr, family: parsed.family });
  }
  return claims;
}

/** What the refusals so far hold: their records, the prefixes left as they are, the workers refused. */
interface Holds {
  refusals: Refusal[];
  refusedPrefixes: Set<string>;
  /** Refused claims whose prefix no other claim may take (host bits: the network the worker meant). */
  blockingClaims: Claim[];
  /** Workers with a refused claim: their routes in a family with no accepted claim are kept (refusedWorkerIpsOf). */
  refusedWorkers: Set<Worker>;
}

/** A refusal in the worker's tag: reported, and the worker's routes held. */
function refuseClaim(holds: Holds, worker: Worker, refusal: Refusal): void {
  holds.refusals.push(refusal);
  holds.refusedWorkers.add(worker);
}

/**
 * Workers and the routes they need. Every refused claim leaves the routes it touches as they are:
 * its prefix (when valid) and the worker's IPs are returned as refused, so the planner neither deletes
 * nor rewrites them.
 */
export function deriveDesired(inventory: Inventory, settings: PlanSettings): DesiredState {
  const holds: Holds = {
    refusals: [],
    refusedPrefixes: new Set(),
    blockingClaims: [],
    refusedWorkers: new Set(),
  };
  const workers = findWorkers(inventory, settings);
  const claims = workers.flatMap((worker) => claimsOf(worker, settings, holds));
  const overlapping = sweepOverlaps(claims, holds.blockingClaims, holds.refusals);
  const routes = routesOf(claims, overlapping, settings, holds);
  const forwarding = ipForwardingOf(workers, settings);
  return {
    workers,
    routes,
    refusals: holds.refusals,
    refusedPrefixes: holds.refusedPrefixes,
    refusedWorkerIps: refusedWorkerIpsOf(holds, routes),
    ipForwardingDrift: forwarding.drift,
    enableIpForwarding: [...new Set(forwarding.enable)].sort(compareOrdinal),
  };
}

/** VMs with the pod CIDR tag, by name, with their primary NIC and its IPs. */
export function findWorkers(inventory: Inventory, settings: PlanSettings): Worker[] {
  const nicIndex = indexNics(inventory.nics);
  return [...inventory.vms].sort(byName).flatMap((vm) => {
    const tag = findPodCidrTag(vm, settings.podCidrTag);
    if (tag === undefined) return [];
    const nic = primaryNic(vm, nicIndex);
    return [{ vm, tagKey: tag.key, tagValue: tag.value, nic, ips: nic ? nicIps(nic) : {} }];
  });
}

/** A worker's valid claims inside the cluster CIDRs; the others are refused. */
function claimsOf(worker: Worker, settings: PlanSettings, holds: Holds): Claim[] {
  const claims: Claim[] = [];
  const blocking: PodCidrClaim[] = [];
  for (const claim of parseTag(worker, holds, blocking)) {
    if (!settings.clusterCidrs.some((cluster) => cidrContains(cluster, claim.cidr))) {
      const ranges = settings.clusterCidrs.join(', ') || 'none';
      refuseClaim(holds, worker, {
        reason: 'pod-cidr-outside-cluster',
        subject: claim.cidr,
        worker: worker.vm.name,
        message: `VM '${worker.vm.name}' tag '${worker.tagKey}' = '${worker.tagValue}': ${claim.cidr} is outside every cluster CIDR (${ranges})`,
      });
      continue;
    }
    claims.push({ ...claim, worker });
  }
  for (const claim of blocking) {
    holds.refusedPrefixes.add(claim.cidr);
    holds.blockingClaims.push({ ...claim, worker });
  }
  return claims;
}

/**
 * Overlapping claims: neither side wins; both are refused (and their prefixes kept by routesOf). A claim
 * already refused but blocking its prefix refuses the claims it overlaps too, so nobody takes the route its
 * worker has until a person decides. A sweep over ranges sorted by start keeps this O(n log n + overlaps)
 * for tables near the 1,000-route limit.
 */
function sweepOverlaps(
  claims: readonly Claim[],
  blocking: readonly Claim[],
  refusals: Refusal[],
): Set<Claim> {
  const overlapping = new Set<Claim>();
  const refused = new Set(blocking);
  const ranged = [...claims, ...blocking]
    .map((claim, order) => ({ claim, order, ...cidrRange(claim.cidr) }))
    // By family, then start (the sign of a bigint difference survives Number()); the sort is stable, so claims
    // of one start stay in claim order.
    .sort((a, b) => a.claim.family - b.claim.family || Number(a.start - b.start));
  let open: typeof ranged = [];
  for (const current of ranged) {
    // Ranges that ended before this one starts can overlap nothing from here on (most of them, usually).
    open = open.filter((o) => o.claim.family === current.claim.family && o.end >= current.start);
    for (const earlier of open) {
      const pair =
        earlier.order < current.order ? [earlier.claim, current.claim] : [current.claim, earlier.claim];
      for (const [mine, other] of [pair, [pair[1], pair[0]]] as const) {
        if (refused.has(mine!)) continue;
        overlapping.add(mine!);
        refusals.push(overlapRefusal(mine!, other!, refused.has(other!)));
      }
    }
    open.push(current);
  }
  return overlapping;
}

function overlapRefusal(mine: Claim, other: Claim, otherRefused: boolean): Refusal {
  const whose = otherRefused ? `the refused tag '${other.worker.tagValue}' of VM` : 'VM';
  return {
    reason: 'overlapping-pod-cidrs',
    subject: mine.cidr,
    worker: mine.worker.vm.name,
    message: `VM '${mine.worker.vm.name}' tag '${mine.worker.tagKey}' = '${mine.worker.tagValue}': ${mine.cidr} overlaps ${other.cidr} of ${whose} '${other.worker.vm.name}'; neither route is changed`,
  };
}

/** The routes of the claims left: a claim that overlaps, or whose worker has no NIC or IP, is refused (its prefix kept). */
function routesOf(
  claims: readonly Claim[],
  overlapping: ReadonlySet<Claim>,
  settings: PlanSettings,
  holds: Holds,
): DesiredRoute[] {
  const routes: DesiredRoute[] = [];
  for (const claim of claims) {
    const refusal = overlapping.has(claim) ? undefined : unroutable(claim);
    if (overlapping.has(claim) || refusal !== undefined) {
      holds.refusedPrefixes.add(claim.cidr);
      // An overlap's refusal is already recorded (sweepOverlaps); this holds its worker's routes.
      holds.refusedWorkers.add(claim.worker);
      if (refusal !== undefined) holds.refusals.push(refusal);
      continue;
    }
    routes.push({
      route: {
        name: routeNameForCidr(claim.cidr, settings.routeNamePrefix),
        addressPrefix: claim.cidr,
        nextHopType: 'VirtualAppliance',
        nextHopIpAddress: claim.worker.ips[claim.family]!,
      },
      worker: claim.worker.vm.name,
      family: claim.family,
    });
  }
  return routes.sort((a, b) => byName(a.route, b.route));
}

/** Why a claim has no next hop: its worker has no NIC, or no IP of the claim's family. */
function unroutable(claim: Claim): Refusal | undefined {
  const { worker } = claim;
  const vmName = worker.vm.name;
  if (worker.nic === undefined) {
    return {
      reason: 'worker-without-nic',
      subject: vmName,
      worker: vmName,
      message: `VM '${vmName}' (tag '${worker.tagKey}' = '${worker.tagValue}') has no network interface in the inventory; its route for ${claim.cidr} is left as it is`,
    };
  }
  if (worker.ips[claim.family] !== undefined) return undefined;
  return {
    reason: 'worker-without-ip',
    subject: worker.nic.id,
    worker: vmName,
    message: `VM '${vmName}' (tag '${worker.tagKey}' = '${worker.tagValue}'): NIC '${worker.nic.name}' has no usable private IPv${claim.family} address for ${claim.cidr}; its route is left as it is`,
  };
}

/**
 * A worker with any refused claim keeps every route to its IPs in a family where it has no accepted
 * claim: a bad tag edit must not delete the route its pods use now.
 */
function refusedWorkerIpsOf(holds: Holds, routes: readonly DesiredRoute[]): Set<string> {
  const ips = new Set<string>();
  for (const worker of holds.refusedWorkers) {
    for (const family of [4, 6] as const) {
      const ip = worker.ips[family];
      if (ip === undefined) continue;
      if (!routes.some((r) => r.worker === worker.vm.name && r.family === family)) ips.add(ip);
    }
  }
  return ips;
}

/** Workers whose primary NIC does not forward: drift, repaired only with REPAIR_IP_FORWARDING. */
function ipForwardingOf(
  workers: readonly Worker[],
  settings: PlanSettings,
): { drift: Drift[]; enable: string[] } {
  const drift: Drift[] = [];
  const enable: string[] = [];
  const repairable = settings.repairIpForwarding;
  for (const { vm, nic } of workers) {
    if (nic === undefined || nic.enableIpForwarding) continue;
    drift.push({
      kind: 'ip-forwarding-disabled',
      subject: nic.id,
      worker: vm.name,
      before: null,
      after: null,
      message: `NIC '${nic.name}' of worker '${vm.name}' has IP forwarding disabled: Azure drops pod traffic forwarded to it${repairable ? '' : ' (REPAIR_IP_FORWARDING is off: reported only)'}`,
      repairable,
    });
    if (repairable) enable.push(nic.id);
  }
  return { drift, enable };
}
