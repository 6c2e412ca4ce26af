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
import { applyWrite, settings as baseSettings, SUB, table } from './fixtures.js';

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
const VMSS = `${SUB}/Microsoft.Compute/virtualMachineScaleSets/pool`;
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
      routeTable: routes === null ? null : table(routes as RouteRecord[], associated ? [s.subnetId] : []),
      vnetLocation: 'eastus2',
      scaleSetNics: scaleSetIps.map((ip, i) => ({
        id: `${VMSS}/virtualMachines/${i}/networkInterfaces/pool-nic`,
        name: 'pool-nic',
        vmId: `${VMSS}/virtualMachines/${i}`,
        enableIpForwarding: true,
        ipConfigurations: [
          {
            name: 'ipconfig1',
            primary: true,
            privateIpAddress: ip,
            privateIpVersion: 'IPv4',
            subnetId: undefined,
          },
        ],
      })),
    };
    return { inventory, settings: s };
  });

/** The simulator also applies the NIC repair, so "converged" covers it. */
function apply(inventory: Inventory, plan: ReturnType<typeof planReconcile>): Inventory {
  const after = applyWrite(inventory, plan.tableWrite, plan.associateSubnet !== null);
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
          expect(again.associateSubnet).toBeNull();
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

  it('(h) an owned route to a scale-set instance survives, unless a worker claims its prefix or a foreign route holds it', () => {
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
