// Strict CIDR parsing on top of cidr-tools: cidr-tools does the BigInt range math but is lenient about syntax
// (it accepts '/33', '10.0.0.256' and leading spaces), so the syntax is checked here first.
import { isIP } from 'node:net';
import { parseCidr as cidrToolsParse, containsCidr, normalizeCidr } from 'cidr-tools';

export type IpFamily = 4 | 6;

type CidrParse =
  | { ok: true; cidr: string; family: IpFamily; prefixLength: number; hostBitsSet: boolean }
  | { ok: false; reason: string };

const MAX_PREFIX: Record<IpFamily, number> = { 4: 32, 6: 128 };

/**
 * Parses 'a.b.c.d/n' or an IPv6 'x::/n'. `cidr` is the normalised network form (host bits cleared,
 * IPv6 compressed and lower-case); `hostBitsSet` tells whether the input had host bits.
 */
export function parseCidr(input: string): CidrParse {
  return memo(parseCache, input, parseCidrUncached);
}

// Plans see every prefix and address several times (tags, routes, next hops); parsing is the planner's main
// cost at 10,000 workers, so results are memoised. The functions are pure, so this changes no result.
const MEMO_LIMIT = 100_000;
const parseCache = new Map<string, CidrParse>();
const ipCache = new Map<string, string | undefined>();
const containsCache = new Map<string, Map<string, boolean>>();
const rangeCache = new Map<string, { start: bigint; end: bigint }>();

/** First and last address of a valid CIDR, as integers (for sorting and sweeps). */
export function cidrRange(cidr: string): { start: bigint; end: bigint } {
  return memo(rangeCache, cidr, (c) => {
    const { start, end } = cidrToolsParse(c);
    return { start, end };
  });
}

/** Empties the memo caches (the benchmark times plans from cold caches, as on a fresh Functions instance). */
export function clearCidrMemo(): void {
  for (const cache of [parseCache, ipCache, containsCache, rangeCache]) cache.clear();
}

function memo<V>(cache: Map<string, V>, key: string, compute: (key: string) => V): V {
  const hit = cache.get(key);
  if (hit !== undefined || cache.has(key)) return hit as V;
  if (cache.size >= MEMO_LIMIT) cache.clear();
  const value = compute(key);
  cache.set(key, value);
  return value;
}

function parseCidrUncached(input: string): CidrParse {
  if (typeof input !== 'string') return { ok: false, reason: 'expected a string' };
  if (input.length === 0) return { ok: false, reason: 'it is empty' };
  if (input.trim() !== input) return { ok: false, reason: 'it has leading or trailing white space' };
  const slash = input.indexOf('/');
  if (slash < 0) return { ok: false, reason: "it has no '/prefix-length'" };
  const address = input.slice(0, slash);
  const prefixText = input.slice(slash + 1);
  const family = isIP(address);
  if (family !== 4 && family !== 6)
    return { ok: false, reason: `'${address}' is not an IPv4 or IPv6 address` };
  if (!/^(0|[1-9]\d{0,2})$/u.test(prefixText))
    return { ok: false, reason: `'/${prefixText}' is not a prefix length` };
  const prefixLength = Number(prefixText);
  if (prefixLength > MAX_PREFIX[family]) {
    return {
      ok: false,
      reason: `prefix length /${prefixLength} exceeds /${MAX_PREFIX[family]} for IPv${family}`,
    };
  }
  if (family === 6 && address.includes('.')) {
    return { ok: false, reason: 'IPv4-mapped IPv6 addresses are not accepted as pod CIDRs' };
  }
  const cidr = normalizeCidr(`${address.toLowerCase()}/${prefixLength}`, { compress: true });
  // The address as written (every bit kept) differs from the network address only when host bits are set.
  const hostBitsSet = cidr !== `${canonicalIp(address)}/${prefixLength}`;
  return { ok: true, cidr, family, prefixLength, hostBitsSet };
}

function family(address: string): IpFamily {
  return isIP(address) === 6 ? 6 : 4;
}

/** The IP family of a valid address, or undefined. */
export function ipFamily(address: string): IpFamily | undefined {
  const f = isIP(address);
  return f === 4 || f === 6 ? f : undefined;
}

/** Canonical text of an IP address (IPv6 compressed, lower case), for comparing next hops. */
export function canonicalIp(address: string): string | undefined {
  return memo(ipCache, address, canonicalIpUncached);
}

function canonicalIpUncached(address: string): string | undefined {
  const f = ipFamily(address);
  if (f === undefined) return undefined;
  // Node's isIP accepts IPv4 only in its one canonical text (no leading zeros, no short forms): nothing to do.
  if (f === 4) return address;
  return normalizeCidr(`${address.toLowerCase()}/128`, { compress: true }).split('/')[0];
}

/** True when `inner` lies wholly inside `outer` (both valid CIDRs of one family). */
export function cidrContains(outer: string, inner: string): boolean {
  // Keyed by outer first: there are one or two cluster CIDRs and many inner prefixes.
  let inners = containsCache.get(outer);
  if (inners === undefined) {
    if (containsCache.size >= MEMO_LIMIT) containsCache.clear();
    inners = new Map();
    containsCache.set(outer, inners);
  }
  return memo(inners, inner, () => {
    if (family(outer.split('/')[0]!) !== family(inner.split('/')[0]!)) return false;
    return containsCidr(outer, inner);
  });
}
