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

  it.each([
    '',
    ' 10.0.0.0/8',
    'banana',
    '10.200.0.0',
    '10.200.0.0/33',
    '10.0.0.256/24',
    '010.200.0.0/24',
    '10.0.0.0/-1',
    '10.0.0.0/08',
    'fd00::/129',
    '::ffff:10.0.0.0/104',
    '10.0.0.0/ 8',
  ])('refuses %j with a reason', (input) => {
    const parsed = parseCidr(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason.length).toBeGreaterThan(5);
  });

  it('compares containment within one family only', () => {
    expect(cidrContains('10.200.0.0/16', '10.200.1.0/24')).toBe(true);
    expect(cidrContains('10.200.0.0/16', '10.201.0.0/24')).toBe(false);
    expect(cidrContains('10.200.0.0/16', 'fd00::/64')).toBe(false);
  });

  it('canonicalises IP addresses for next-hop comparison', () => {
    expect(canonicalIp('FD00::0:1')).toBe('fd00::1');
    expect(canonicalIp('10.240.0.20')).toBe('10.240.0.20');
    expect(canonicalIp('10.240.0.300')).toBeUndefined();
  });
});
