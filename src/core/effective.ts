// Verify in the data plane (pure): which workers to check, and, from a NIC's effective routes as ARM reports
// them, whether each other worker's pod CIDR is routed by our route. Azure forwards by longest prefix among
// the Active routes; a more specific Active route inside a pod CIDR takes part of it away from our route.
import { canonicalIp, cidrContains, parseCidr } from './cidr.js';
import type { DesiredRoute, Worker } from './desired.js';
import { compareOrdinal } from './order.js';

/** One entry of a NIC's effective route table (ARM's EffectiveRoute, SDK field names kept close). */
export interface EffectiveRouteRecord {
  name: string | undefined;
  source: string | undefined;
  state: string | undefined;
  addressPrefixes: string[];
  nextHopType: string | undefined;
  nextHopIpAddresses: string[];
  /**
   * ARM sends it on every effective route, though the spec's EffectiveRoute lacks it (Azure/azure-powershell#23091,
   * #22231); on a route it means "overrides overlapping BGP routes regardless of LPM" (routeTable.json, Route).
   */
  hasBgpOverride: boolean;
}

/** The route that decides where traffic goes, as shown in findings. */
interface WinningRoute {
  addressPrefix: string;
  source: string;
  nextHopType: string;
  nextHopIpAddress: string | undefined;
  name: string | undefined;
}

type PrefixVerdict = 'ok' | 'shadowed' | 'missing';

export interface PrefixCheck {
  verdict: PrefixVerdict;
  /** The pod CIDR checked (another worker's). */
  prefix: string;
  /** The worker that owns the pod CIDR, and our route's next hop for it. */
  toWorker: string;
  expectedNextHop: string;
  /** What routes the prefix instead (shadowed: the route that takes it; missing: what traffic follows now). */
  winner: WinningRoute | undefined;
  message: string;
  /** Findings only (not ok): seen again after the propagation delay (src/core/verify-confirm.ts). */
  confirmed?: boolean;
}

type NotApplicableReason = 'vm-not-running' | 'nic-outside-subnet' | 'no-nic' | 'read-failed';

export interface WorkerVerification {
  worker: string;
  nicId: string | undefined;
  /**
   * 'checked': the NIC's effective routes were read and judged; 'read-failed': ARM did not give them (a finding,
   * reason 'read-failed'); 'not-applicable': nothing to judge (VM not running, NIC elsewhere, no NIC).
   */
  status: 'checked' | 'not-applicable' | 'read-failed';
  reason?: NotApplicableReason;
  message?: string;
  checks: PrefixCheck[];
  /** Remarks that change no verdict (e.g. a worker with several NICs: only the primary one is checked). */
  notes: string[];
  /** 'read-failed' only: the failure was seen again after the propagation delay. */
  confirmed?: boolean;
}

export interface VerifySummary {
  workers: number;
  checked: number;
  notApplicable: number;
  ok: number;
  /** Confirmed findings only: seen again after the propagation delay. */
  shadowed: number;
  missing: number;
  readFailed: number;
  /** Findings seen but not confirmed yet (re-checked later): never counted above, never alerted on. */
  unconfirmed: number;
  /** true when no finding, confirmed or not (not-applicable workers are listed, not findings). */
  effective: boolean;
}

interface ActiveEntry {
  cidr: string;
  length: number;
  route: EffectiveRouteRecord;
}

/**
 * Same prefix: a user route wins over a BGP route, which wins over a system route ("How Azure selects a route",
 * virtual-networks-udr-overview). A source not listed ranks last; add new system sources (e.g. VNetPeering,
 * which is Default-like) here.
 */
const SOURCE_PRECEDENCE: ReadonlyMap<string | undefined, number> = new Map([
  ['user', 0],
  ['virtualnetworkgateway', 1],
  ['default', 2],
]);
const precedence = (source: string | undefined) =>
  SOURCE_PRECEDENCE.get(source?.toLowerCase()) ?? SOURCE_PRECEDENCE.size;
const isSource = (e: ActiveEntry, source: string) => e.route.source?.toLowerCase() === source;

/** Longest prefix first, then source precedence. */
const byPreference = (a: ActiveEntry, b: ActiveEntry) =>
  b.length - a.length || precedence(a.route.source) - precedence(b.route.source);

function activeEntries(routes: readonly EffectiveRouteRecord[]): ActiveEntry[] {
  const out: ActiveEntry[] = [];
  for (const route of routes) {
    if (route.state?.toLowerCase() !== 'active') continue;
    for (const prefix of route.addressPrefixes) {
      const parsed = parseCidr(prefix);
      if (!parsed.ok) continue;
      out.push({ cidr: parsed.cidr, length: parsed.prefixLength, route });
    }
  }
  return out;
}

/**
 * The Active route that carries traffic to the whole of `cidr`: among the routes containing it (never one more
 * specific than it, nor one of the other IP family), longest prefix, then source precedence; but a user route
 * with hasBgpOverride beats every overlapping BGP route "regardless of LPM" (routeTable.json,
 * Route.hasBgpOverride), so BGP routes drop out wherever such a user route covers the traffic.
 */
function routeFor(active: readonly ActiveEntry[], cidr: string): ActiveEntry | undefined {
  const containing = active.filter((e) => cidrContains(e.cidr, cidr));
  const overridden = containing.some((e) => isSource(e, 'user') && e.route.hasBgpOverride);
  return containing
    .filter((e) => !(overridden && isSource(e, 'virtualnetworkgateway')))
    .sort(byPreference)[0];
}

function winnerOf(entry: ActiveEntry): WinningRoute {
  return {
    addressPrefix: entry.cidr,
    source: entry.route.source ?? 'Unknown',
    nextHopType: entry.route.nextHopType ?? 'Unknown',
    nextHopIpAddress: entry.route.nextHopIpAddresses[0],
    name: entry.route.name,
  };
}

/** Describes a winning route for people: "10.200.1.0/25 (VirtualNetworkGateway) -> VirtualNetworkGateway 10.240.255.4". */
export function describeRoute(w: WinningRoute): string {
  const dropped = w.nextHopType === 'None' ? ' (traffic dropped)' : '';
  return `${w.addressPrefix} (${w.source}${w.name ? ` route '${w.name}'` : ''}) -> ${w.nextHopType}${w.nextHopIpAddress ? ` ${w.nextHopIpAddress}` : ''}${dropped}`;
}

function sendsTo(route: EffectiveRouteRecord, ip: string): boolean {
  if (route.nextHopType?.toLowerCase() !== 'virtualappliance') return false;
  return route.nextHopIpAddresses.some((hop) => canonicalIp(hop) === ip);
}

/** Judges one pod CIDR of another worker against the effective routes of one NIC. */
export function judgePrefix(routes: readonly EffectiveRouteRecord[], expected: DesiredRoute): PrefixCheck {
  const target = parseCidr(expected.route.addressPrefix);
  const ip = canonicalIp(expected.route.nextHopIpAddress) ?? expected.route.nextHopIpAddress;
  const base = { prefix: expected.route.addressPrefix, toWorker: expected.worker, expectedNextHop: ip };
  if (!target.ok) {
    return {
      ...base,
      verdict: 'missing',
      winner: undefined,
      message: `${expected.route.addressPrefix} is not a CIDR`,
    };
  }
  // cidrContains never matches across IP families: IPv4 routes take no part in judging an IPv6 pod CIDR.
  const active = activeEntries(routes);
  const isOurs = (e: ActiveEntry) => e.cidr === target.cidr && sendsTo(e.route, ip);
  // A route inside the pod CIDR carries part of it when the route winning for its range is more specific than
  // the pod CIDR (the pod CIDR's own routes never are); one that does not go to the worker takes that part away
  // (the most specific one is named).
  const takenBy = active
    .filter((e) => cidrContains(target.cidr, e.cidr))
    .sort(byPreference)
    .map((e) => routeFor(active, e.cidr))
    .find((w) => w !== undefined && w.length > target.prefixLength && !sendsTo(w.route, ip));
  const top = routeFor(active, target.cidr);
  const ours = `our route ${target.cidr} -> VirtualAppliance ${ip} (worker '${expected.worker}')`;
  if (takenBy !== undefined) {
    const winner = winnerOf(takenBy);
    return {
      ...base,
      verdict: 'shadowed',
      winner,
      message: `${target.cidr}: part of it is taken by the more specific ${describeRoute(winner)}; ${ours} no longer carries that traffic`,
    };
  }
  if (top !== undefined && isOurs(top)) {
    return { ...base, verdict: 'ok', winner: winnerOf(top), message: `${target.cidr}: ${ours} is in effect` };
  }
  const oursListed = routes.some(
    (r) =>
      sendsTo(r, ip) &&
      r.addressPrefixes.some((p) => {
        const parsed = parseCidr(p);
        return parsed.ok && parsed.cidr === target.cidr;
      }),
  );
  if (top === undefined) {
    return {
      ...base,
      verdict: 'missing',
      winner: undefined,
      message: `${target.cidr}: no Active route covers it (unroutable); expected ${ours}`,
    };
  }
  const winner = winnerOf(top);
  if (oursListed) {
    return {
      ...base,
      verdict: 'shadowed',
      winner,
      message: `${target.cidr}: ${ours} is listed but not in effect; traffic follows ${describeRoute(winner)}`,
    };
  }
  return {
    ...base,
    verdict: 'missing',
    winner,
    message: `${target.cidr}: ${ours} is not among the NIC's effective routes; traffic follows ${describeRoute(winner)}`,
  };
}

/** Every other worker's pod route judged against one worker's effective routes. */
export function checkWorkerRoutes(
  worker: string,
  routes: readonly EffectiveRouteRecord[],
  desired: readonly DesiredRoute[],
): PrefixCheck[] {
  return desired.filter((r) => r.worker !== worker).map((r) => judgePrefix(routes, r));
}

/**
 * The workers to check: all, or `size` of them taken in name order starting at `offset` (wrapping), so that
 * successive runs with a moving offset cover every worker in turn.
 */
export function sampleWorkers(names: readonly string[], size: number | 'all', offset = 0): string[] {
  const sorted = [...new Set(names)].sort(compareOrdinal);
  if (size === 'all') return sorted;
  // Each worker at most once; none for a size of 0 or less.
  const length = Math.min(Math.max(size, 0), sorted.length);
  const start = ((offset % sorted.length) + sorted.length) % sorted.length;
  return Array.from({ length }, (_, i) => sorted[(start + i) % sorted.length]!).sort(compareOrdinal);
}

/** Counts: a finding counts as shadowed, missing or read-failed only once confirmed; until then as unconfirmed. */
export function summarizeVerification(workers: readonly WorkerVerification[]): VerifySummary {
  const checks = workers.flatMap((w) => w.checks);
  const confirmed = (v: PrefixVerdict) =>
    checks.filter((c) => c.verdict === v && c.confirmed === true).length;
  const readFailures = workers.filter((w) => w.status === 'read-failed');
  const unconfirmed =
    checks.filter((c) => c.verdict !== 'ok' && c.confirmed !== true).length +
    readFailures.filter((w) => w.confirmed !== true).length;
  const shadowed = confirmed('shadowed');
  const missing = confirmed('missing');
  const readFailed = readFailures.length - readFailures.filter((w) => w.confirmed !== true).length;
  return {
    workers: workers.length,
    checked: workers.filter((w) => w.status === 'checked').length,
    notApplicable: workers.filter((w) => w.status === 'not-applicable').length,
    ok: checks.filter((c) => c.verdict === 'ok').length,
    shadowed,
    missing,
    readFailed,
    unconfirmed,
    effective: shadowed + missing + readFailed + unconfirmed === 0,
  };
}

export interface VerifyTarget {
  worker: string;
  /** The primary NIC, whose effective routes are read (undefined when not applicable). */
  nicId: string | undefined;
  notApplicable?: { reason: NotApplicableReason; message: string };
  notes: string[];
}

/**
 * What to read for each chosen worker: its primary NIC, unless the VM is not running (ARM has no effective
 * routes for it) or the NIC is not in the cluster subnet (the route table does not apply to it).
 * `powerStates` maps lower-cased VM ids to the instance view's PowerState code ('PowerState/running', ...);
 * a VM without one is tried (a failed read is reported, never guessed).
 */
export function verifyTargets(
  workers: readonly Worker[],
  chosen: readonly string[],
  subnetId: string,
  powerStates: ReadonlyMap<string, string | undefined>,
): VerifyTarget[] {
  const wanted = new Set(chosen);
  return workers
    .filter((w) => wanted.has(w.vm.name))
    .map((w): VerifyTarget => {
      const name = w.vm.name;
      const notes =
        w.vm.nicRefs.length > 1
          ? [
              `worker '${name}' has ${w.vm.nicRefs.length} NICs; only the primary one${w.nic ? ` ('${w.nic.name}')` : ''} is checked: pod traffic leaves through it`,
            ]
          : [];
      const power = powerStates.get(w.vm.id.toLowerCase());
      const na = (reason: NotApplicableReason, message: string): VerifyTarget => ({
        worker: name,
        nicId: undefined,
        notApplicable: { reason, message },
        notes,
      });
      if (w.nic === undefined) return na('no-nic', `worker '${name}' has no network interface`);
      if (power !== undefined && power.toLowerCase() !== 'powerstate/running')
        return na(
          'vm-not-running',
          `VM '${name}' is ${power.replace(/^PowerState\//iu, '')}: Azure has no effective routes for its NIC until it runs`,
        );
      // Every IP configuration of a NIC is in the same subnet: ARM refuses others ("IPConfigurations on a Nic
      // cannot belong to different subnets", Azure/azure-sdk-for-java#1865).
      const nicSubnet = w.nic.ipConfigurations[0]?.subnetId;
      if (nicSubnet === undefined || nicSubnet.toLowerCase() !== subnetId.toLowerCase())
        return na(
          'nic-outside-subnet',
          `NIC '${w.nic.name}' of worker '${name}' is in ${nicSubnet ?? 'no subnet'}, not the cluster subnet ${subnetId}: the route table does not apply to it`,
        );
      return { worker: name, nicId: w.nic.id, notes };
    });
}
