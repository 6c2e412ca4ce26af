// Routes the planner reads but does not own, and names it must accept (docs/mutation.md lists the mutants these
// kill): service-tag routes, whose prefix is no CIDR, and route names of a single character.
import { describe, expect, it } from 'vitest';
import { isValidRouteName } from '../../src/core/naming.js';
import { planReconcile } from '../../src/core/plan.js';
import { reportCluster, route, settings, table } from './fixtures.js';

describe('foreign routes to service tags (Azure accepts a service tag as the address prefix)', () => {
  it('two of them, to two different tags, share no prefix: the table stays writable', () => {
    const inv = reportCluster();
    inv.routeTable = table([
      ...inv.routeTable!.routes,
      { ...route('to-monitor', 'AzureMonitor', undefined), nextHopType: 'Internet' },
      { ...route('to-storage', 'Storage', undefined), nextHopType: 'Internet' },
    ]);
    inv.routeTable.routes[1]!.nextHopIpAddress = '10.240.0.99';
    const plan = planReconcile(inv, settings());
    expect(plan.refused).toEqual([]);
    expect(plan.tableWrite?.routes).toEqual([
      { keep: 'kubernetes-route-10-200-0-0-24' },
      { keep: 'to-monitor' },
      { keep: 'to-storage' },
      expect.objectContaining({ put: expect.objectContaining({ name: 'kubernetes-route-10-200-1-0-24' }) }),
    ]);
  });

  it('two to the same tag do share one: ARM would reject the table, so nothing is written', () => {
    const inv = reportCluster();
    inv.routeTable = table([
      ...inv.routeTable!.routes,
      { ...route('to-monitor', 'AzureMonitor', undefined), nextHopType: 'Internet' },
      { ...route('to-monitor-again', 'AzureMonitor', undefined), nextHopType: 'Internet' },
    ]);
    const plan = planReconcile(inv, settings());
    expect(plan.refused.map((r) => [r.reason, r.subject])).toEqual([
      ['duplicate-route-prefix', 'AzureMonitor'],
    ]);
  });
});

describe('route names ARM accepts', () => {
  it('a name of one letter or digit is valid; one of one dot or dash is not', () => {
    expect(['a', 'Z', '7'].map(isValidRouteName)).toEqual([true, true, true]);
    expect(['.', '-', '_'].map(isValidRouteName)).toEqual([false, false, false]);
  });
});
