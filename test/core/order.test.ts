// The one order of src/core: ordinal, the same on every machine whatever its locale (docs/mutation.md lists the
// mutants these kill).
import { describe, expect, it } from 'vitest';
import { byName, compareOrdinal } from '../../src/core/order.js';

describe('the ordinal order of names, prefixes and keys', () => {
  it('puts upper case before lower case and accented letters last, as code units do, not as a locale would', () => {
    const names = ['b', 'é', 'a', 'B', 'A', 'a'];
    expect([...names].sort(compareOrdinal)).toEqual(['A', 'B', 'a', 'a', 'b', 'é']);
    expect(
      names
        .map((name) => ({ name }))
        .sort(byName)
        .map((n) => n.name),
    ).toEqual(['A', 'B', 'a', 'a', 'b', 'é']);
  });

  it('says -1, 0 or 1, and 0 only for the same text', () => {
    expect(compareOrdinal('kubernetes-route-1', 'kubernetes-route-2')).toBe(-1);
    expect(compareOrdinal('kubernetes-route-2', 'kubernetes-route-1')).toBe(1);
    expect(compareOrdinal('kubernetes-route-1', 'kubernetes-route-1')).toBe(0);
    expect(compareOrdinal('route', 'ROUTE')).toBe(1);
    expect(byName({ name: 'b' }, { name: 'a' })).toBe(1);
    expect(byName({ name: 'a' }, { name: 'a' })).toBe(0);
  });
});
