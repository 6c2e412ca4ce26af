// Properties over random tables and inventories: one apply converges, foreign routes are sacred, a write
// is always one ARM would accept, and the guard's limit holds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cidrContains, parseCidr } from '../../src/core/cidr.js';
import { countRouteDeletions, guardPlan, routeDeletionLimit } from '../../src/core/guard.js';
import { isOwnedRouteName, isValidRouteName, routeNameForCidr } from '../../src/core/naming.js';
import { classifyRoutes } from '../../src/core/ownership.js';
import { planReconcile } from '../../src/core/plan.js';
import type {
  Inventory,
  NicRecord,
  PlanSettings,
  RouteRecord,
  TableWrite,
  VmRecord,
} from '../../src/core/types.js';
import { applyWrite, settings as baseSettings, instanceNic, SUB, table } from './fixtures.js';
import { holds, mayRemain, nameFor, oracle, parseNet } from './oracle.js';

// FC_NUM_RUNS raises the run count for a soak without editing the file.
const NUM_RUNS = Number(process.env.FC_NUM_RUNS ?? 300);
const PREFIX = 'kubernetes-route-';

// Small pools so that claims, routes and next hops collide often.
const POD_CIDRS = [
  '10.200.0.0/24',
  '10.200.1.0/24',
  '10.200.2.0/24',
  '10.200.3.0/24',
  '10.200.0.0/23',
  '10.200.1.0/24',
  'fd00:10:244::/64',
  'fd00:10:244:1::/64',
  'fd00:10:244:2::/64',
];
const ODD_TAGS = [
  '',
  '  ',
  'banana',
  '10.200.0.1/24',
  '0.0.0.0/0',
  '10.201.0.0/24',
  '10.200.0.0/24,',
  '1.2.3.4/33',
];
const IPV4 = ['10.240.0.20', '10.240.0.21', '10.240.0.22', '10.240.0.23'];
const IPV6 = ['fd00::20', 'fd00::21', 'FD00:0::22'];
/** IPs of Uniform scale-set instances' NICs (in no listed VM, never a worker's IP). */
const SCALE_SET_IPS = ['10.240.0.30', '10.0.0.4'];
const ROUTE_PREFIXES = [
  ...POD_CIDRS,
  '0.0.0.0/0',
  '192.168.0.0/24',
  '10.201.0.0/24',
  'not-a-cidr',
  '10.200.4.0/24',
];

const arbTag = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...POD_CIDRS) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom(...POD_CIDRS.filter((c) => !c.includes(':'))),
        fc.constantFrom(...POD_CIDRS.filter((c) => c.includes(':'))),
      )
      .map(([a, b]) => `${a} , ${b}`),
  },
  { weight: 2, arbitrary: fc.constantFrom(...ODD_TAGS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);

const arbWorker = fc.record({
  tag: fc.option(arbTag, { nil: undefined, freq: 6 }),
  tagKey: fc.constantFrom('pod-cidr', 'Pod-Cidr', 'POD-CIDR'),
  hasNic: fc.boolean(),
  listedRef: fc.boolean(),
  ipv4: fc.option(fc.constantFrom(...IPV4), { nil: undefined, freq: 8 }),
  ipv6: fc.option(fc.constantFrom(...IPV6), { nil: undefined }),
  forwarding: fc.boolean(),
});

const arbRoute = fc.record({
  name: fc.oneof(
    fc.constantFrom(...POD_CIDRS).map((c) => routeNameForCidr(c, PREFIX)),
    fc.constantFrom(...POD_CIDRS).map((c) => routeNameForCidr(c, PREFIX).toUpperCase()),
    fc.constantFrom(
      'kubernetes-route-node-1',
      'kubernetes-route-node-10',
      'firewall',
      'to-onprem',
      'legacy-route',
    ),
  ),
  addressPrefix: fc.constantFrom(...ROUTE_PREFIXES),
  nextHopType: fc.constantFrom('VirtualAppliance', 'VirtualAppliance', 'Internet'),
  nextHopIpAddress: fc.option(fc.constantFrom(...IPV4, ...IPV6, ...SCALE_SET_IPS), {
    nil: undefined,
    freq: 6,
  }),
  provisioningState: fc.constantFrom('Succeeded', 'Succeeded', 'Succeeded', 'Failed'),
});

const arbWorld = fc
  .record({
    workers: fc.array(arbWorker, { maxLength: 6 }),
    routes: fc.option(fc.uniqueArray(arbRoute, { maxLength: 9, selector: (r) => r.name.toLowerCase() }), {
      nil: null,
      freq: 8,
    }),
    associated: fc.boolean(),
    dualStack: fc.boolean(),
    maxRouteDeletions: fc.constantFrom<PlanSettings['maxRouteDeletions']>('auto', 'auto', 0, 1, 3),
    forceDeletions: fc.boolean(),
    repairIpForwarding: fc.boolean(),
    scaleSetIps: fc.subarray(SCALE_SET_IPS),
  })
  .map(({ workers, routes, associated, dualStack, scaleSetIps, ...over }) => {
    const s = baseSettings({
      ...over,
      clusterCidrs: dualStack ? ['10.200.0.0/16', 'fd00:10:244::/56'] : ['10.200.0.0/16'],
    });
    const vms: VmRecord[] = [];
    const nics: NicRecord[] = [];
    workers.forEach((w, i) => {
      const name = `worker-${i}`;
      const vmId = `${SUB}/Microsoft.Compute/virtualMachines/${name}`;
      const nicId = `${SUB}/Microsoft.Network/networkInterfaces/${name}-nic`;
      vms.push({
        id: vmId,
        name,
        tags: w.tag === undefined ? { env: 'x' } : { [w.tagKey]: w.tag },
        nicRefs: w.listedRef ? [{ id: nicId.toUpperCase(), primary: undefined }] : [],
      });
      if (!w.hasNic) return;
      const configs: NicRecord['ipConfigurations'] = [];
      if (w.ipv4)
        configs.push({
          name: 'v4',
          primary: true,
          privateIpAddress: w.ipv4,
          privateIpVersion: 'IPv4',
          subnetId: undefined,
        });
      if (w.ipv6)
        configs.push({
          name: 'v6',
          primary: false,
          privateIpAddress: w.ipv6,
          privateIpVersion: 'IPv6',
          subnetId: undefined,
        });
      nics.push({
        id: nicId,
        name: `${name}-nic`,
        vmId,
        enableIpForwarding: w.forwarding,
        ipConfigurations: configs,
      });
    });
    const inventory: Inventory = {
      vms,
      nics,
      routeTable: routes === null ? null : table(routes as RouteRecord[], associated ? s.subnetIds : []),
      vnetLocation: 'eastus2',
      scaleSetNics: scaleSetIps.map((ip, i) => instanceNic(String(i), ip)),
    };
    return { inventory, settings: s };
  });

/**
 * Tidier worlds for the reference-model properties: valid, distinct pod CIDRs and one IP per worker, so that
 * most claims are clean and the interesting repairs (wrong next hops, stale routes, pod CIDR moves, foreign
 * routes holding a claim, Failed routes, the deletion guard) are what varies.
 */
const ROUTE_KINDS = [
  'correct',
  'wrong-hop',
  'moved',
  'stale',
  'foreign-conflict',
  'foreign',
  'failed',
] as const;
const arbTidyWorld = fc
  .record({
    pods: fc.uniqueArray(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 6 }),
    routes: fc.array(fc.record({ kind: fc.constantFrom(...ROUTE_KINDS), i: fc.nat(9) }), { maxLength: 10 }),
    maxRouteDeletions: fc.constantFrom<PlanSettings['maxRouteDeletions']>('auto', 'auto', 1, 3),
    forceDeletions: fc.boolean(),
  })
  .map(({ pods, routes, ...over }) => {
    const s = baseSettings({ ...over, clusterCidrs: ['10.200.0.0/16'] });
    const vms: VmRecord[] = [];
    const nics: NicRecord[] = [];
    pods.forEach((n, k) => {
      const name = `worker-${k}`;
      const vmId = `${SUB}/Microsoft.Compute/virtualMachines/${name}`;
      const nicId = `${SUB}/Microsoft.Network/networkInterfaces/${name}-nic`;
      vms.push({
        id: vmId,
        name,
        tags: { 'pod-cidr': `10.200.${n}.0/24` },
        nicRefs: [{ id: nicId, primary: true }],
      });
      nics.push({
        id: nicId,
        name: `${name}-nic`,
        vmId,
        enableIpForwarding: true,
        ipConfigurations: [
          {
            name: 'v4',
            primary: true,
            privateIpAddress: `10.240.0.${20 + k}`,
            privateIpVersion: 'IPv4',
            subnetId: undefined,
          },
        ],
      });
    });
    const worker = (i: number) => ({
      cidr: `10.200.${pods[i % pods.length]}.0/24`,
      ip: `10.240.0.${20 + (i % pods.length)}`,
    });
    const va = (name: string, prefix: string, ip: string, state = 'Succeeded'): RouteRecord => ({
      name,
      addressPrefix: prefix,
      nextHopType: 'VirtualAppliance',
      nextHopIpAddress: ip,
      provisioningState: state,
    });
    const table_: RouteRecord[] = [];
    for (const { kind, i } of routes) {
      const w = worker(i);
      const route =
        kind === 'correct'
          ? va(routeNameForCidr(w.cidr, PREFIX), w.cidr, w.ip)
          : kind === 'wrong-hop'
            ? va(routeNameForCidr(w.cidr, PREFIX), w.cidr, '10.240.0.99')
            : kind === 'failed'
              ? va(routeNameForCidr(w.cidr, PREFIX), w.cidr, w.ip, 'Failed')
              : kind === 'moved'
                ? va(routeNameForCidr(`10.200.${100 + i}.0/24`, PREFIX), `10.200.${100 + i}.0/24`, w.ip)
                : kind === 'stale'
                  ? va(
                      routeNameForCidr(`10.200.${120 + i}.0/24`, PREFIX),
                      `10.200.${120 + i}.0/24`,
                      `10.240.0.${150 + i}`,
                    )
                  : kind === 'foreign-conflict'
                    ? va(`firewall-${i}`, w.cidr, '10.240.0.4')
                    : {
                        name: `onprem-${i}`,
                        addressPrefix: `192.168.${i}.0/24`,
                        nextHopType: 'VirtualNetworkGateway',
                        nextHopIpAddress: undefined,
                        provisioningState: 'Succeeded',
                      };
      if (!table_.some((r) => r.name.toLowerCase() === route.name.toLowerCase())) table_.push(route);
    }
    const inventory: Inventory = {
      vms,
      nics,
      routeTable: table(table_, s.subnetIds),
      vnetLocation: 'eastus2',
    };
    return { inventory, settings: s };
  });

/** Both kinds of world: the wild one (odd tags, shared IPs, bad prefixes) and the tidy one. */
const arbAnyWorld = fc.oneof(arbWorld, arbTidyWorld);

/** The simulator also applies the NIC repair, so "converged" covers it. */
function apply(inventory: Inventory, plan: ReturnType<typeof planReconcile>): Inventory {
  const after = applyWrite(inventory, plan.tableWrite, plan.associateSubnets.length > 0);
  const fixed = new Set(plan.enableIpForwarding);
  return {
    ...after,
    nics: after.nics.map((n) => (fixed.has(n.id) ? { ...n, enableIpForwarding: true } : n)),
  };
}

function resolve(write: TableWrite, inventory: Inventory): RouteRecord[] {
  const current = inventory.routeTable?.routes ?? [];
  return write.routes.map((e) =>
    'put' in e
      ? { ...e.put, provisioningState: undefined }
      : current.find((r) => r.name.toLowerCase() === e.keep.toLowerCase())!,
  );
}

const prefixKey = (p: string | undefined) => {
  if (p === undefined) return undefined;
  const parsed = parseCidr(p);
  return parsed.ok ? parsed.cidr : `raw:${p}`;
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
          expect(again.inSync).toBe(true);
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
        const foreign = classifyRoutes(inventory.routeTable?.routes ?? [], settings)
          .filter((r) => !r.owned)
          .map((r) => r.route.name);
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
          const parsed = parseCidr(e.put.addressPrefix);
          expect(parsed.ok && parsed.cidr === e.put.addressPrefix && !parsed.hostBitsSet).toBe(true);
          expect(settings.clusterCidrs.some((c) => cidrContains(c, e.put.addressPrefix))).toBe(true);
          expect(isOwnedRouteName(e.put.name, settings.routeNamePrefix)).toBe(true);
          expect(isValidRouteName(e.put.name)).toBe(true);
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
        const { ownedPrefixes, deleted } = countRouteDeletions(plan.tableWrite, inventory, settings);
        if (!settings.forceDeletions) {
          expect(deleted.size).toBeLessThanOrEqual(
            routeDeletionLimit(ownedPrefixes, settings.maxRouteDeletions),
          );
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
        const routes = classifyRoutes(inventory.routeTable?.routes ?? [], settings);
        const foreign = new Set(routes.filter((r) => !r.owned).map((r) => r.prefixKey));
        const claimed = new Set(plan.desiredRoutes.map((d) => d.addressPrefix));
        const after = classifyRoutes(apply(inventory, plan).routeTable?.routes ?? [], settings);
        for (const r of routes) {
          if (!r.owned || r.nextHop === undefined || !hops.has(r.nextHop)) continue;
          if (claimed.has(r.prefix!) || foreign.has(r.prefix)) continue;
          // With duplicates of its prefix, a route held for another reason may be the one kept.
          if (routes.filter((o) => o.owned && o.prefix === r.prefix).length > 1) continue;
          expect(after.some((a) => a.route.name === r.route.name && a.nextHop === r.nextHop)).toBe(true);
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
      fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 })).map(([ip, n]) => `${ip}/${n}`),
    );
    const arbPrefix = fc.constantFrom('kubernetes-route-', 'k', `r${'x'.repeat(59)}`, 'a.b_c-');
    fc.assert(
      fc.property(arbCidr, arbCidr, arbPrefix, (a, b, prefix) => {
        const pa = parseCidr(a);
        const pb = parseCidr(b);
        fc.pre(pa.ok && pb.ok);
        if (!pa.ok || !pb.ok) return;
        const na = routeNameForCidr(a, prefix);
        const nb = routeNameForCidr(b, prefix);
        expect(isValidRouteName(na)).toBe(true);
        expect(isOwnedRouteName(na, prefix)).toBe(true);
        expect(na === nb).toBe(pa.cidr === pb.cidr);
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
