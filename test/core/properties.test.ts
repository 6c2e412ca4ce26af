// Properties over random tables and inventories: one apply converges, foreign routes are sacred, a write
// is always one ARM would accept, and the guard's limit holds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCidr } from '../../src/core/cidr.js';
import { guardPlan } from '../../src/core/guard.js';
import { routeNameForCidr } from '../../src/core/naming.js';
import { planReconcile } from '../../src/core/plan.js';
import type { PlanSettings, RouteRecord } from '../../src/core/types.js';
import {
  hasOurPrefix,
  holds,
  hopOf,
  isArmRouteName,
  mayRemain,
  nameFor,
  oracle,
  parseNet,
  within,
} from './oracle.js';
import { apply, arbAnyWorld, arbWorld, NUM_RUNS, resolve } from './worlds.js';

const prefixKey = (p: string | undefined) => {
  if (p === undefined) return undefined;
  return parseNet(p)?.text ?? `raw:${p}`;
};

/** How often each interesting branch was hit across the runs of the oracle properties (fc.statistics-style). */
const hits = {
  runs: 0,
  refused: 0,
  massDeletion: 0,
  podCidrMoved: 0,
  foreignConflict: 0,
  cleanRoutesChecked: 0,
  staleRemovalsChecked: 0,
  convergedTablesChecked: 0,
};

/** The most owned prefixes one apply may remove without any doubt about the guard (docs/planning.md). */
function surelyAllowedDeletions(ownedPrefixes: number, settings: PlanSettings): number {
  if (settings.forceDeletions) return Number.POSITIVE_INFINITY;
  if (settings.maxRouteDeletions !== 'auto') return settings.maxRouteDeletions;
  return ownedPrefixes <= 1 ? ownedPrefixes : Math.floor(ownedPrefixes / 2);
}

describe('properties of plan + guard over random tables and inventories', () => {
  it('(a, c) one apply converges: the next plan writes nothing and, barring blocking refusals, is in sync', () => {
    fc.assert(
      fc.property(arbWorld, ({ inventory, settings }) => {
        const plan = planReconcile(inventory, settings);
        const after = apply(inventory, plan);
        const again = planReconcile(after, settings);
        const blocked = plan.refused.some(
          (r) => r.reason === 'mass-deletion' || r.reason === 'duplicate-route-prefix',
        );
        if (!blocked) {
          expect(again.tableWrite).toBeNull();
          expect(again.associateSubnets).toEqual([]);
          expect(again.drift.filter((d) => d.repairable)).toEqual([]);
          expect(again.nothingToRepair).toBe(true);
        }
        // Whatever happened, a plan of the converged table is stable: applying it changes nothing more.
        const third = planReconcile(apply(after, again), settings);
        if (!again.refused.some((r) => r.reason === 'mass-deletion')) expect(third.tableWrite).toBeNull();
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('(b) foreign routes are written back exactly as read, in order, and never dropped', () => {
    fc.assert(
      fc.property(arbWorld, ({ inventory, settings }) => {
        const write = planReconcile(inventory, settings).tableWrite;
        if (write === null) return;
        const foreign = oracle(inventory, settings).foreign.map((r) => r.name);
        const foreignSet = new Set(foreign);
        const keptForeign = write.routes.flatMap((e) =>
          'keep' in e && foreignSet.has(e.keep) ? [e.keep] : [],
        );
        expect(keptForeign).toEqual(foreign);
        // and no put ever replaces a foreign route by name
        for (const e of write.routes) {
          if ('put' in e) expect(foreign.map((n) => n.toLowerCase())).not.toContain(e.put.name.toLowerCase());
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('(d) a write never carries two routes with one normalised prefix, nor two with one name', () => {
    fc.assert(
      fc.property(arbWorld, ({ inventory, settings }) => {
        const write = planReconcile(inventory, settings).tableWrite;
        if (write === null) return;
        const routes = resolve(write, inventory);
        const keys = routes.map((r) => prefixKey(r.addressPrefix)).filter((k) => k !== undefined);
        expect(new Set(keys).size).toBe(keys.length);
        const names = routes.map((r) => r.name.toLowerCase());
        expect(new Set(names).size).toBe(names.length);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('(e) nothing outside the cluster CIDR is ever put, and every put is ours by name and valid', () => {
    fc.assert(
      fc.property(arbWorld, ({ inventory, settings }) => {
        const write = planReconcile(inventory, settings).tableWrite;
        for (const e of write?.routes ?? []) {
          if (!('put' in e)) continue;
          const net = parseNet(e.put.addressPrefix);
          expect(net !== undefined && net.text === e.put.addressPrefix && !net.hostBits).toBe(true);
          expect(settings.clusterCidrs.some((c) => within(net!, parseNet(c)!))).toBe(true);
          expect(hasOurPrefix(e.put.name, settings)).toBe(true);
          expect(isArmRouteName(e.put.name)).toBe(true);
          expect(e.put.nextHopType).toBe('VirtualAppliance');
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("(f) route deletions never exceed the guard's limit unless forced", () => {
    fc.assert(
      fc.property(arbWorld, ({ inventory, settings }) => {
        const plan = planReconcile(inventory, settings);
        // The model counts by prefix: an owned prefix of the table as read that no route of the result holds.
        const owned = new Set(oracle(inventory, settings).owned.map((r) => parseNet(r.addressPrefix)!.text));
        const left = new Set(
          (apply(inventory, plan).routeTable?.routes ?? []).map((r) => parseNet(r.addressPrefix)?.text),
        );
        const vanished = [...owned].filter((n) => !left.has(n));
        if (plan.tableWrite !== null && !plan.tableWrite.create) {
          expect(vanished.length).toBeLessThanOrEqual(surelyAllowedDeletions(owned.size, settings));
        }
        // the guard is idempotent: a caller applying it again changes nothing
        expect(guardPlan(plan, inventory, settings)).toEqual(plan);
        // route actions describe the write: deletions are absent from it, creations and updates are put
        const entries = plan.tableWrite?.routes ?? [];
        const kept = new Set(entries.flatMap((e) => ('keep' in e ? [e.keep.toLowerCase()] : [])));
        const put = new Set(entries.flatMap((e) => ('put' in e ? [e.put.name] : [])));
        for (const a of plan.actions) {
          if (a.kind === 'delete-route') {
            expect(plan.tableWrite).not.toBeNull();
            expect(kept.has(a.subject.toLowerCase())).toBe(false);
          }
          if (a.kind === 'create-route' || a.kind === 'update-route') expect(put.has(a.subject)).toBe(true);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('(j) an owned route to a scale-set instance survives, unless a worker claims its prefix or a foreign route holds it', () => {
    fc.assert(
      fc.property(arbWorld, ({ inventory, settings }) => {
        const plan = planReconcile(inventory, settings);
        const hops = new Set(
          (inventory.scaleSetNics ?? []).map((n) => n.ipConfigurations[0]!.privateIpAddress),
        );
        const view = oracle(inventory, settings);
        const netOf = (r: RouteRecord) => prefixKey(r.addressPrefix);
        const foreign = new Set(view.foreign.map(netOf));
        const claimed = new Set(plan.desiredRoutes.map((d) => d.addressPrefix));
        const after = apply(inventory, plan).routeTable?.routes ?? [];
        for (const r of view.owned) {
          const hop = hopOf(r);
          if (hop === undefined || !hops.has(hop)) continue;
          if (claimed.has(netOf(r)!) || foreign.has(netOf(r))) continue;
          // With duplicates of its prefix, a route held for another reason may be the one kept.
          if (view.owned.filter((o) => netOf(o) === netOf(r)).length > 1) continue;
          expect(after.some((a) => a.name === r.name && hopOf(a) === hop)).toBe(true);
          // Kept by the scale-set rule or by another refusal (a refused claim of the same prefix): reported.
          expect(plan.refused.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('(h) against the reference model: one apply leaves every clean route in place, no stale owned route, foreign routes as read', () => {
    fc.assert(
      fc.property(arbAnyWorld, ({ inventory, settings }) => {
        const view = oracle(inventory, settings);
        const plan = planReconcile(inventory, settings);
        hits.runs++;
        if (plan.refused.length > 0) hits.refused++;
        if (plan.refused.some((r) => r.reason === 'mass-deletion')) hits.massDeletion++;
        if (plan.refused.some((r) => r.reason === 'foreign-route-conflict')) hits.foreignConflict++;
        if (plan.drift.some((d) => d.kind === 'pod-cidr-changed')) hits.podCidrMoved++;
        if (view.foreignDuplicates) {
          expect(plan.tableWrite).toBeNull();
          return;
        }
        const after = apply(inventory, plan);
        const routes = after.routeTable?.routes ?? [];
        for (const want of view.clean) {
          hits.cleanRoutesChecked++;
          expect(holds(routes, want), `${want.worker} needs ${want.name} -> ${want.nextHop}`).toBe(true);
        }
        // Foreign routes: the same, in the same order.
        const foreignAfter = routes.filter((r) => !view.owned.includes(r) && view.foreign.includes(r));
        expect(foreignAfter).toEqual(view.foreign);
        // Owned routes nobody cleanly claims and no refusal may hold must be gone, unless the guard may hold them.
        const ownedNets = new Set(view.owned.flatMap((r) => parseNet(r.addressPrefix)?.text ?? []));
        const mustGo = view.owned.filter((r) => !mayRemain(r, view));
        // Deletions the guard might count: every owned prefix no clean route keeps.
        const cleanNets = new Set(view.clean.map((c) => c.net.text));
        const mayGo = [...ownedNets].filter((n) => !cleanNets.has(n));
        if (mayGo.length <= surelyAllowedDeletions(ownedNets.size, settings)) {
          for (const stale of mustGo) {
            hits.staleRemovalsChecked++;
            const net = parseNet(stale.addressPrefix)?.text;
            const still = routes.some(
              (r) =>
                r.name.toLowerCase() === stale.name.toLowerCase() && parseNet(r.addressPrefix)?.text === net,
            );
            expect(still, `stale owned route ${stale.name} (${stale.addressPrefix}) still there`).toBe(false);
          }
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('(i) against the reference model: a clean route missing or wrong is drift and written; a table already right is left alone', () => {
    fc.assert(
      fc.property(arbAnyWorld, ({ inventory, settings }) => {
        const view = oracle(inventory, settings);
        fc.pre(!view.foreignDuplicates);
        const plan = planReconcile(inventory, settings);
        const routes = inventory.routeTable?.routes ?? [];
        for (const want of view.clean) {
          if (holds(routes, want)) continue;
          expect(plan.tableWrite, `${want.name} is missing or wrong`).not.toBeNull();
          const named = plan.drift.some(
            (d) => (d.after?.name ?? d.subject).toLowerCase() === want.name.toLowerCase(),
          );
          expect(named, `no drift names ${want.name}`).toBe(true);
        }
        // Converged by the model (after one apply of a world without refusals): nothing more to write.
        const after = apply(inventory, plan);
        const again = oracle(after, settings);
        const exact = (again.owned.length === again.clean.length &&
          again.clean.every((c) =>
            again.owned.some(
              (r) =>
                r.name === nameFor(c.net, settings) &&
                r.addressPrefix === c.net.text &&
                r.nextHopIpAddress === c.nextHop &&
                r.provisioningState !== 'Failed',
            ),
          )) as boolean;
        if (exact && again.unclean.ips.size === 0 && again.unclean.prefixes.length === 0) {
          hits.convergedTablesChecked++;
          expect(planReconcile(after, settings).tableWrite).toBeNull();
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('the random worlds hit every interesting branch often enough to mean something', () => {
    expect(hits.runs).toBe(NUM_RUNS);
    // Observed at 300 runs: refused ~205, mass deletion ~33, pod CIDR moved ~27, foreign conflict ~76,
    // clean routes ~420, stale removals ~180, converged tables ~120; the minimums leave room for the seed.
    expect(hits.refused).toBeGreaterThanOrEqual(NUM_RUNS / 4);
    expect(hits.massDeletion).toBeGreaterThanOrEqual(NUM_RUNS / 30);
    expect(hits.podCidrMoved).toBeGreaterThanOrEqual(NUM_RUNS / 40);
    expect(hits.foreignConflict).toBeGreaterThanOrEqual(NUM_RUNS / 15);
    expect(hits.cleanRoutesChecked).toBeGreaterThanOrEqual(NUM_RUNS / 2);
    expect(hits.staleRemovalsChecked).toBeGreaterThanOrEqual(NUM_RUNS / 8);
    expect(hits.convergedTablesChecked).toBeGreaterThanOrEqual(NUM_RUNS / 10);
  });

  it('(g) route names are injective and valid, readable or hashed', () => {
    const arbCidr = fc.oneof(
      fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([ip, n]) => `${ip}/${n}`),
      fc
        .tuple(
          fc.ipV6().filter((ip) => !ip.includes('.')),
          fc.integer({ min: 0, max: 128 }),
        )
        .map(([ip, n]) => `${ip}/${n}`),
    );
    const arbPrefix = fc.constantFrom('kubernetes-route-', 'k', `r${'x'.repeat(59)}`, 'a.b_c-');
    fc.assert(
      fc.property(arbCidr, arbCidr, arbPrefix, (a, b, prefix) => {
        // The domain: what the planner accepts as a CIDR. The expectation: the model's own normalisation.
        fc.pre(parseCidr(a).ok && parseCidr(b).ok);
        const na = routeNameForCidr(a, prefix);
        const nb = routeNameForCidr(b, prefix);
        expect(isArmRouteName(na)).toBe(true);
        expect(na.toLowerCase().startsWith(prefix.toLowerCase())).toBe(true);
        expect(na === nb).toBe(parseNet(a)!.text === parseNet(b)!.text);
      }),
      { numRuns: 2000 },
    );
  });

  it('planning is deterministic whatever the order of VMs and NICs', () => {
    fc.assert(
      fc.property(arbWorld, fc.infiniteStream(fc.nat()), ({ inventory, settings }, seeds) => {
        const shuffle = <T>(xs: T[]) =>
          xs
            .map((x) => ({ x, k: seeds.next().value as number }))
            .sort((p, q) => p.k - q.k)
            .map(({ x }) => x);
        const shuffled = { ...inventory, vms: shuffle(inventory.vms), nics: shuffle(inventory.nics) };
        expect(planReconcile(shuffled, settings)).toEqual(planReconcile(inventory, settings));
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
