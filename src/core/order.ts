// The one order of src/core for names, prefixes and keys: ordinal (UTF-16 code units, what `<` and a bare
// `.sort()` compare), never locale order, so plans, reports and diffs list things the same on every machine.

/** Ordinal comparison of two strings: -1, 0 or 1. */
export const compareOrdinal = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Orders anything named by its name, ordinally. */
export const byName = (a: { name: string }, b: { name: string }): number => compareOrdinal(a.name, b.name);
