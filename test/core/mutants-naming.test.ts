// Route names at their edges (docs/mutation.md: kills the naming.ts survivors): ARM's 80-character limit at
// exactly 80, the characters a name may start and end with, and the clear errors for inputs no name can come from.
import { describe, expect, it } from 'vitest';
import { isOwnedRouteName, isValidRouteName, routeNameForCidr } from '../../src/core/naming.js';

describe('ARM route names', () => {
  it('may be exactly 80 characters long, not 81', () => {
    expect(isValidRouteName('a'.repeat(80))).toBe(true);
    expect(isValidRouteName('a'.repeat(81))).toBe(false);
  });

  it('start with a letter or digit and end with a letter, digit or underscore', () => {
    for (const name of ['a', '7', 'A9', 'route_', 'r.o-u_te']) expect(isValidRouteName(name)).toBe(true);
    for (const name of ['', '_a', '.a', '-a', 'a.', 'a-', 'a b', 'a/b', 'ä']) {
      expect(isValidRouteName(name), name).toBe(false);
    }
  });

  it('keep the readable form when it is exactly 80 characters long', () => {
    // 'kubernetes-route-' + 63 characters = 80: the suffix of 10.200.0.0/24 is 13, so pad the prefix by 50.
    const prefix = `${'p'.repeat(50)}kubernetes-route-`;
    expect(routeNameForCidr('10.200.0.0/24', prefix)).toBe(`${prefix}10-200-0-0-24`);
    expect(routeNameForCidr('10.200.0.0/24', prefix)).toHaveLength(80);
  });

  it('refuse, naming the input, a CIDR that is not one and a prefix no valid name can start with', () => {
    expect(() => routeNameForCidr('10.200.0/24', 'kubernetes-route-')).toThrow(
      /cannot name a route for '10\.200\.0\/24'/u,
    );
    expect(() => routeNameForCidr('10.200.0.0/24', '-route-')).toThrow(
      "route name prefix '-route-' cannot start a valid route name of at most 80 chars",
    );
    expect(() => routeNameForCidr('10.200.0.0/24', 'p'.repeat(70))).toThrow(/route name prefix 'p{70}'/u);
  });

  it('an empty prefix owns nothing (ownership by name never extends to every route)', () => {
    expect(isOwnedRouteName('kubernetes-route-10-200-0-0-24', '')).toBe(false);
    expect(isOwnedRouteName('KUBERNETES-ROUTE-10-200-0-0-24', 'kubernetes-route-')).toBe(true);
  });
});
