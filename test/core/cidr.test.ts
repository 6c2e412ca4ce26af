import { describe, expect, it } from 'vitest';
import { canonicalIp, cidrContains, parseCidr } from '../../src/core/cidr.js';

describe('strict CIDR parsing', () => {
  it.each([
    ['10.200.0.0/24', '10.200.0.0/24', false],
    ['10.200.0.1/24', '10.200.0.0/24', true],
    ['FD00:10:244:0::/64', 'fd00:10:244::/64', false],
    ['fd00:10:244::1/64', 'fd00:10:244::/64', true],
    ['0.0.0.0/0', '0.0.0.0/0', false],
  ])('accepts %s as %s (host bits set: %s)', (input, cidr, hostBitsSet) => {
    expect(parseCidr(input)).toEqual(expect.objectContaining({ ok: true, cidr, hostBitsSet }));
  });

  // The reason ends up in the refusal a person reads: each input gets the one that says what is wrong with it.
  it.each([
    ['', /^it is empty$/],
    [' 10.0.0.0/8', /leading or trailing white space/],
    ['10.0.0.0/8\n', /leading or trailing white space/],
    ['banana', /no '\/prefix-length'/],
    ['10.200.0.0', /no '\/prefix-length'/],
    ['/24', /^'' is not an IPv4 or IPv6 address$/],
    ['10.200.0.0/33', /^prefix length \/33 exceeds \/32 for IPv4$/],
    ['10.0.0.256/24', /'10.0.0.256' is not an IPv4 or IPv6 address/],
    ['010.200.0.0/24', /'010.200.0.0' is not an IPv4/],
    ['10.0.0.0/-1', /'\/-1' is not a prefix length/],
    ['10.0.0.0/08', /'\/08' is not a prefix length/],
    ['fd00::/129', /^prefix length \/129 exceeds \/128 for IPv6$/],
    ['::ffff:10.0.0.0/104', /IPv4-mapped IPv6/],
    ['10.0.0.0/ 8', /'\/ 8' is not a prefix length/],
  ])('refuses %j, saying why', (input, reason) => {
    const parsed = parseCidr(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });

  it('refuses a value that is not text at all (a tag or prefix of another JSON type)', () => {
    expect(parseCidr(24 as unknown as string)).toEqual({ ok: false, reason: 'expected a string' });
  });

  it('compares containment within one family only', () => {
    expect(cidrContains('10.200.0.0/16', '10.200.1.0/24')).toBe(true);
    expect(cidrContains('10.200.0.0/16', '10.201.0.0/24')).toBe(false);
    expect(cidrContains('10.200.0.0/16', 'fd00::/64')).toBe(false);
    // The whole IPv6 space holds no IPv4 network, not even one at its start (::/96 spans 0.0.0.0-255.255.255.255).
    expect(cidrContains('::/0', '10.0.0.0/24')).toBe(false);
    expect(cidrContains('::/96', '0.0.0.0/0')).toBe(false);
    expect(cidrContains('0.0.0.0/0', '::/128')).toBe(false);
  });

  it('canonicalises IP addresses for next-hop comparison', () => {
    expect(canonicalIp('FD00::0:1')).toBe('fd00::1');
    expect(canonicalIp('10.240.0.20')).toBe('10.240.0.20');
    expect(canonicalIp('10.240.0.300')).toBeUndefined();
    expect(canonicalIp('FD00:0000:0010::0A')).toBe('fd00:0:10::a');
    expect(canonicalIp('fd00:0:0:0:0:0:0:1')).toBe('fd00::1');
    expect(canonicalIp('::ffff:10.0.0.1')).toBe('::ffff:a00:1');
  });
});
