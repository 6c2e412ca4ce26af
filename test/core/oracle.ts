// A reference model of what the planner must achieve, written from docs/planning.md and independently of
// src/core (its own CIDR arithmetic on node:net and BigInt; no planReconcile, classifyRoutes or guard code).
// It is deliberately simple and conservative: it only decides the clear cases, and calls "unclean" every
// worker a refusal could touch, so that what it does decide must hold whatever the planner's finer rules say.
import { isIP } from 'node:net';
import type { Inventory, NicRecord, PlanSettings, RouteRecord, VmRecord } from '../../src/core/types.js';

export interface Net {
  family: 4 | 6;
  start: bigint;
  end: bigint;
  length: number;
  /** Normalised text: the network address (RFC 5952 for IPv6) and the length. */
  text: string;
  hostBits: boolean;
}

function ipToBigInt(ip: string, family: 4 | 6): bigint {
  if (family === 4) return ip.split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n);
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g || '0', 16)), 0n);
}

function bigIntToIp(value: bigint, family: 4 | 6): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) =>
    ((value >> BigInt(112 - 16 * i)) & 0xffffn).toString(16),
  );
  return canonicalIp(groups.join(':'))!;
}

/** The address as ARM and the planner compare it: IPv4 as is, IPv6 in RFC 5952 form (via the URL parser). */
function canonicalIp(ip: string | undefined): string | undefined {
  if (ip === undefined) return undefined;
  const family = isIP(ip);
  if (family === 4) return ip;
  if (family === 6) return new URL(`http://[${ip}]`).hostname.slice(1, -1);
  return undefined;
}

/** Strict CIDR: `address/length`, no spaces, no leading zeros in the length. */
export function parseNet(text: string | undefined): Net | undefined {
  const m = /^([^/\s]+)\/(0|[1-9]\d{0,2})$/u.exec(text ?? '');
  if (!m) return undefined;
  const family = isIP(m[1]!);
  if (family !== 4 && family !== 6) return undefined;
  const bits = family === 4 ? 32 : 128;
  const length = Number(m[2]);
  if (length > bits) return undefined;
  const addr = ipToBigInt(m[1]!, family);
  const size = 1n << BigInt(bits - length);
  const start = (addr / size) * size;
  return {
    family,
    start,
    end: start + size - 1n,
    length,
    text: `${bigIntToIp(start, family)}/${length}`,
    hostBits: start !== addr,
  };
}

export const within = (inner: Net, outer: Net) =>
  inner.family === outer.family && outer.start <= inner.start && inner.end <= outer.end;
const overlaps = (a: Net, b: Net) => a.family === b.family && a.start <= b.end && b.start <= a.end;

export interface ExpectedRoute {
  worker: string;
  name: string;
  net: Net;
  nextHop: string;
}

export interface OracleView {
  /** Routes that must exist after one apply, exactly (name case-insensitive, prefix, VirtualAppliance, IP). */
  clean: ExpectedRoute[];
  /** Workers some rule may refuse, and scale-set instances: their prefixes and IPs may be held as they are. */
  unclean: { prefixes: Net[]; ips: Set<string> };
  /** Owned routes of the table as read, by the ownership rule (our name prefix AND inside a cluster CIDR). */
  owned: RouteRecord[];
  foreign: RouteRecord[];
  /** Foreign routes repeating one prefix: ARM rejects any PUT of the table, so there is no write at all. */
  foreignDuplicates: boolean;
}

function podCidrTag(vm: VmRecord, key: string): string | undefined {
  const found = Object.keys(vm.tags).filter((k) => k.toLowerCase() === key.toLowerCase());
  return found.length === 1 ? vm.tags[found[0]!] : undefined;
}

function nicOf(vm: VmRecord, nics: readonly NicRecord[]): NicRecord | undefined {
  const ref = vm.nicRefs.find((r) => r.primary === true) ?? vm.nicRefs[0];
  const byRef = ref && nics.find((n) => n.id.toLowerCase() === ref.id.toLowerCase());
  if (byRef) return byRef;
  const naming = nics.filter((n) => n.vmId?.toLowerCase() === vm.id.toLowerCase());
  return naming.length === 1 ? naming[0] : undefined;
}

function ipOf(nic: NicRecord, family: 4 | 6): string | undefined {
  const configs = nic.ipConfigurations;
  if (family === 4) {
    const c = configs.find((x) => x.primary === true) ?? (configs.length === 1 ? configs[0] : undefined);
    const ip = c?.privateIpAddress;
    return ip !== undefined && isIP(ip) === 4 && c?.privateIpVersion !== 'IPv6' ? ip : undefined;
  }
  const c = configs.find((x) => x.privateIpAddress !== undefined && isIP(x.privateIpAddress) === 6);
  return c?.privateIpVersion === 'IPv4' ? undefined : canonicalIp(c?.privateIpAddress);
}

function isOwnedRoute(route: RouteRecord, settings: PlanSettings): boolean {
  const net = parseNet(route.addressPrefix);
  const clusters = settings.clusterCidrs.map((c) => parseNet(c)!);
  return (
    route.name.toLowerCase().startsWith(settings.routeNamePrefix.toLowerCase()) &&
    net !== undefined &&
    clusters.some((c) => within(net, c))
  );
}

export function nameFor(net: Net, settings: PlanSettings): string {
  return `${settings.routeNamePrefix}${net.text.replace(/[.:/]/gu, '-')}`;
}

export function oracle(inventory: Inventory, settings: PlanSettings): OracleView {
  const routes = inventory.routeTable?.routes ?? [];
  const owned = routes.filter((r) => isOwnedRoute(r, settings));
  const foreign = routes.filter((r) => !isOwnedRoute(r, settings));
  const foreignKeys = foreign.map((r) => parseNet(r.addressPrefix)?.text ?? `raw:${r.addressPrefix}`);
  const foreignDuplicates = new Set(foreignKeys).size < foreignKeys.length;
  const clusters = settings.clusterCidrs.map((c) => parseNet(c)!);

  // Every parsable net any worker's tag names (valid or not), to find overlaps between workers.
  const workers = inventory.vms.flatMap((vm) => {
    const tag = podCidrTag(vm, settings.podCidrTag);
    if (tag === undefined) return [];
    const parts = tag
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== '');
    const nets = parts.map((p) => parseNet(p));
    const nic = nicOf(vm, inventory.nics);
    const ips = nic ? [ipOf(nic, 4), ipOf(nic, 6)].filter((x): x is string => x !== undefined) : [];
    return [{ vm, parts, nets, nic, ips }];
  });
  const clean: ExpectedRoute[] = [];
  const unclean = { prefixes: [] as Net[], ips: new Set<string>() };
  for (const w of workers) {
    const nets = w.nets.filter((n): n is Net => n !== undefined);
    const others = workers.filter((o) => o !== w).flatMap((o) => o.nets.filter((n): n is Net => !!n));
    const expected = nets.map((net) => ({ net, ip: w.nic ? ipOf(w.nic, net.family) : undefined }));
    const ok =
      w.parts.length >= 1 &&
      w.parts.length <= 2 &&
      nets.length === w.parts.length &&
      new Set(nets.map((n) => n.family)).size === nets.length &&
      nets.every((n) => !n.hostBits && clusters.some((c) => within(n, c))) &&
      nets.every((n) => !others.some((o) => overlaps(n, o))) &&
      expected.every(({ net, ip }) => {
        const name = nameFor(net, settings).toLowerCase();
        return (
          ip !== undefined &&
          !foreignKeys.includes(net.text) &&
          !foreign.some((f) => f.name.toLowerCase() === name) &&
          // an owned route holding our name for another prefix might be held by someone else's refusal
          !owned.some((r) => r.name.toLowerCase() === name && parseNet(r.addressPrefix)?.text !== net.text)
        );
      });
    if (ok) {
      for (const { net, ip } of expected)
        clean.push({ worker: w.vm.name, name: nameFor(net, settings), net, nextHop: ip! });
    } else {
      unclean.prefixes.push(...nets);
      for (const ip of w.ips) unclean.ips.add(ip);
    }
  }
  // Owned routes to a scale-set instance's NIC may be held as they are (docs/planning.md): every such IP is
  // treated like a refused worker's (conservative: the planner holds only instances no listed VM names).
  for (const nic of inventory.scaleSetNics ?? []) {
    for (const c of nic.ipConfigurations) {
      const ip = canonicalIp(c.privateIpAddress);
      if (ip !== undefined) unclean.ips.add(ip);
    }
  }
  return { clean, unclean, owned, foreign, foreignDuplicates };
}

/** Does the table hold this route exactly as the worker needs it (and provisioned)? */
export function holds(routes: readonly RouteRecord[], want: ExpectedRoute): boolean {
  return routes.some(
    (r) =>
      r.name.toLowerCase() === want.name.toLowerCase() &&
      parseNet(r.addressPrefix)?.text === want.net.text &&
      r.nextHopType?.toLowerCase() === 'virtualappliance' &&
      canonicalIp(r.nextHopIpAddress) === want.nextHop &&
      r.provisioningState !== 'Failed',
  );
}

/** May this owned route still be there after one apply? Only if it is a clean route or a refusal may hold it. */
export function mayRemain(route: RouteRecord, view: OracleView): boolean {
  const net = parseNet(route.addressPrefix);
  if (view.clean.some((c) => c.name.toLowerCase() === route.name.toLowerCase() && c.net.text === net?.text))
    return true;
  const hop = canonicalIp(route.nextHopIpAddress);
  return (
    (net !== undefined && view.unclean.prefixes.some((p) => overlaps(p, net))) ||
    (hop !== undefined && view.unclean.ips.has(hop))
  );
}

/** ARM's route name rule (1-80 characters: a letter or digit first, a letter, digit or underscore last, . - _ between). */
export function isArmRouteName(name: string): boolean {
  return /^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?$/u.test(name);
}

/** Is this name ours by the name rule alone (our prefix, compared case-insensitively)? */
export function hasOurPrefix(name: string, settings: PlanSettings): boolean {
  return name.toLowerCase().startsWith(settings.routeNamePrefix.toLowerCase());
}

/** The IP as the planner compares next hops (IPv6 in RFC 5952 form). */
export function hopOf(route: RouteRecord): string | undefined {
  return canonicalIp(route.nextHopIpAddress);
}

/** The IPs of a worker's primary NIC (both families), as the model finds them; empty when it has none. */
export function workerIps(inventory: Inventory, vmName: string): string[] {
  const vm = inventory.vms.find((v) => v.name === vmName);
  const nic = vm && nicOf(vm, inventory.nics);
  return nic ? [ipOf(nic, 4), ipOf(nic, 6)].filter((x): x is string => x !== undefined) : [];
}
