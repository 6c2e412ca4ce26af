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
  // cidr-tools' normal form: network address, IPv6 compressed and in lower case.
  const cidr = normalizeCidr(`${address}/${prefixLength}`);
  // The address as written (every bit kept) differs from the network address only when host bits are set.
  const hostBitsSet = cidr !== `${canonicalIp(address)}/${prefixLength}`;
  return { ok: true, cidr, family, prefixLength, hostBitsSet };
}

/** First and last address of a valid CIDR, as integers (for sorting and sweeps). */
export function cidrRange(cidr: string): { start: bigint; end: bigint } {
  const { start, end } = cidrToolsParse(cidr);
  return { start, end };
}

/** The IP family of a valid address, or undefined. */
export function ipFamily(address: string): IpFamily | undefined {
  const f = isIP(address);
  return f === 4 || f === 6 ? f : undefined;
}

/** Canonical text of an IP address (IPv6 compressed, lower case), for comparing next hops. */
export function canonicalIp(address: string): string | undefined {
  const f = ipFamily(address);
  if (f === undefined) return undefined;
  // Node's isIP accepts IPv4 only in its one canonical text (no leading zeros, no short forms): nothing to do.
  if (f === 4) return address;
  return normalizeCidr(`${address}/128`).split('/')[0];
}

/** True when `inner` lies wholly inside `outer` (valid CIDRs; never across families). */
export function cidrContains(outer: string, inner: string): boolean {
  return containsCidr(outer, inner);
}
