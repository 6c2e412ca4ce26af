// Route names derived from pod CIDRs. Names are the only link between a route and its prefix that a
// person sees, so they must be readable, valid for ARM, and never shared by two CIDRs.
import { createHash } from 'node:crypto';
import { parseCidr } from './cidr.js';

/** ARM route names: 1-80 chars of letters, digits, '_', '.', '-'; start with a letter or digit, end with a letter, digit or '_'. */
const MAX_ROUTE_NAME_LENGTH = 80;
const VALID_ROUTE_NAME = /^[A-Za-z0-9](?:[\w.-]*[\w])?$/u;

/** Hex digits of the fallback hash: 64 bits, so an accidental collision is out of reach in a 1,000-route table. */
const FALLBACK_HASH_CHARS = 16;

export function isValidRouteName(name: string): boolean {
  return name.length <= MAX_ROUTE_NAME_LENGTH && VALID_ROUTE_NAME.test(name);
}

/**
 * `<prefix><cidr with '.', ':' and '/' replaced by '-'>` over the normalised (compressed, lower-case) CIDR:
 * 10.200.0.0/24 -> kubernetes-route-10-200-0-0-24, fd00:10:244:1::/64 -> kubernetes-route-fd00-10-244-1---64.
 *
 * Readable names are injective: IPv4 gives exactly five decimal groups, IPv6 nine hex groups or an empty
 * group (from '::'), and within a family the single separator can be reversed.
 * Fallback when the readable name is not a valid ARM name (in practice: longer than 80 chars, e.g. a long
 * prefix with a full IPv6 address): `<prefix>z<16 hex of sha256(cidr)>`. 'z' never occurs in a readable
 * suffix (decimal, hex and '-'), so a fallback name never equals a readable one.
 * Throws on an invalid CIDR, or when the prefix itself cannot start a valid name (config caps it at 60 chars).
 */
export function routeNameForCidr(cidr: string, prefix: string): string {
  const parsed = parseCidr(cidr);
  if (!parsed.ok) throw new RangeError(`cannot name a route for '${cidr}': ${parsed.reason}`);
  const readable = `${prefix}${parsed.cidr.replace(/[.:/]/gu, '-')}`;
  if (isValidRouteName(readable)) return readable;
  const hash = createHash('sha256').update(parsed.cidr).digest('hex').slice(0, FALLBACK_HASH_CHARS);
  const fallback = `${prefix}z${hash}`;
  if (!isValidRouteName(fallback)) {
    throw new RangeError(`route name prefix '${prefix}' cannot start a valid route name of at most 80 chars`);
  }
  return fallback;
}

/** Names are case-insensitive in ARM, so ownership by name prefix is too. Exact names only elsewhere. */
export function isOwnedRouteName(name: string, prefix: string): boolean {
  return prefix.length > 0 && name.toLowerCase().startsWith(prefix.toLowerCase());
}

/** Equality of route names as ARM sees it. */
export function sameRouteName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
