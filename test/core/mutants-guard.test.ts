// The mass-deletion guard at exactly its limit (docs/mutation.md): 'auto' allows half of the owned prefixes
// (all of a single one), a number allows exactly that many; one more is refused and the routes are kept.
import { describe, expect, it } from 'vitest';
import { routeDeletionLimit } from '../../src/core/guard.js';
import { planReconcile } from '../../src/core/plan.js';
import type { Inventory } from '../../src/core/types.js';
import { reportCluster, route, settings, table } from './fixtures.js';

describe('how many owned prefixes one run may remove', () => {
  it("'auto' is half of the owned prefixes, rounded down, and all of a single one", () => {
    expect([0, 1, 2, 3, 4, 5].map((owned) => routeDeletionLimit(owned, 'auto'))).toEqual([0, 1, 1, 1, 2, 2]);
  });

  it('a number is that many, whatever is owned', () => {
    expect(routeDeletionLimit(10, 3)).toBe(3);
    expect(routeDeletionLimit(1, 0)).toBe(0);
  });
});

/** The report's two workers, plus owned routes of `gone` workers that no VM claims any more. */
function withGoneWorkers(gone: number): Inventory {
  const inv = reportCluster();
  const stale = Array.from({ length: gone }, (_, n) =>
    route(`kubernetes-route-10-200-${n + 2}-0-24`, `10.200.${n + 2}.0/24`, `10.240.0.${30 + n}`),
  );
  inv.routeTable = table([...inv.routeTable!.routes, ...stale]);
  return inv;
}

describe('the mass-deletion guard at exactly its limit', () => {
  it("removes 2 of 4 owned prefixes under 'auto'", () => {
    const plan = planReconcile(withGoneWorkers(2), settings());
    expect(plan.refused).toEqual([]);
    expect(plan.actions.map((a) => a.kind)).toEqual(['delete-route', 'delete-route']);
    expect(plan.tableWrite?.routes).toHaveLength(2);
  });

  it("refuses to remove 3 of 5 under 'auto', and keeps all three", () => {
    const plan = planReconcile(withGoneWorkers(3), settings());
    expect(plan.refused.map((r) => r.reason)).toEqual(['mass-deletion']);
    expect(plan.refused[0]?.message).toContain('remove the routes of 3 of 5 owned prefixes (limit 2');
    expect(plan.actions).toEqual([]);
  });

  it('removes exactly maxRouteDeletions prefixes, and refuses one more', () => {
    expect(planReconcile(withGoneWorkers(3), settings({ maxRouteDeletions: 3 })).refused).toEqual([]);
    const over = planReconcile(withGoneWorkers(3), settings({ maxRouteDeletions: 2 }));
    expect(over.refused.map((r) => r.reason)).toEqual(['mass-deletion']);
    expect(over.refused[0]?.message).toContain('(limit 2); kept');
  });
});
