// The random worlds of the property suites: tables and inventories built from small pools so that claims,
// routes, next hops and subnet associations collide often, and one apply as ARM would make it happen.
import fc from 'fast-check';
import { routeNameForCidr } from '../../src/core/naming.js';
import type {
  Inventory,
  NicRecord,
  Plan,
  PlanSettings,
  RouteRecord,
  TableWrite,
  VmRecord,
} from '../../src/core/types.js';
import { applyWrite, settings as baseSettings, instanceNic, SUB, table } from './fixtures.js';

// FC_NUM_RUNS raises the run count for a soak without editing the file.
export const NUM_RUNS = Number(process.env.FC_NUM_RUNS ?? 300);
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

export const arbWorld = fc
  .record({
    workers: fc.array(arbWorker, { maxLength: 6 }),
    routes: fc.option(fc.uniqueArray(arbRoute, { maxLength: 9, selector: (r) => r.name.toLowerCase() }), {
      nil: null,
      freq: 8,
    }),
    associated: fc.boolean(),
    subnet: fc.constantFrom<SubnetState>('unread', 'free', 'ours', 'elsewhere'),
    dualStack: fc.boolean(),
    maxRouteDeletions: fc.constantFrom<PlanSettings['maxRouteDeletions']>('auto', 'auto', 0, 1, 3),
    forceDeletions: fc.boolean(),
    repairIpForwarding: fc.boolean(),
    scaleSetIps: fc.subarray(SCALE_SET_IPS),
  })
  .map(({ workers, routes, associated, subnet, dualStack, scaleSetIps, ...over }) => {
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
      ...subnetRecords(subnet, s),
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
export const arbAnyWorld = fc.oneof(arbWorld, arbTidyWorld);

/** The simulator also applies the NIC repair, so "converged" covers it. */
/**
 * One apply as ARM and the writer's contract make it happen: the table write, each planned association (the
 * writer associates a subnet only while it is free: src/azure/writer.ts), the NIC repair.
 */
export function apply(inventory: Inventory, plan: Plan): Inventory {
  let after = applyWrite(inventory, plan.tableWrite, false);
  for (const { subnetId } of plan.associateSubnets) after = associateIfFree(after, subnetId, plan);
  const fixed = new Set(plan.enableIpForwarding);
  return {
    ...after,
    nics: after.nics.map((n) => (fixed.has(n.id) ? { ...n, enableIpForwarding: true } : n)),
  };
}

function associateIfFree(inventory: Inventory, subnetId: string, plan: Plan): Inventory {
  const table = inventory.routeTable;
  const tableId = table?.id ?? plan.associateSubnets[0]!.routeTableId;
  const record = inventory.subnets?.find((r) => r.id.toLowerCase() === subnetId.toLowerCase());
  if (record?.routeTableId !== undefined && record.routeTableId.toLowerCase() !== tableId.toLowerCase())
    return inventory;
  const subnets =
    inventory.subnets === undefined
      ? undefined
      : [
          ...inventory.subnets.filter((r) => r !== record),
          { id: subnetId, provisioningState: 'Succeeded', routeTableId: tableId },
        ];
  const routeTable =
    table === null || table.subnetIds.some((id) => id.toLowerCase() === subnetId.toLowerCase())
      ? table
      : { ...table, subnetIds: [...table.subnetIds, subnetId] };
  return { ...inventory, routeTable, ...(subnets ? { subnets } : {}) };
}

/** Another team's table, which a subnet of ours may be associated with. */
const OTHER_TABLE = `${SUB}/Microsoft.Network/routeTables/netops-routes`;

type SubnetState = 'unread' | 'free' | 'ours' | 'elsewhere';

function subnetRecords(state: SubnetState, s: PlanSettings): Pick<Inventory, 'subnets'> {
  if (state === 'unread') return {};
  const routeTableId = state === 'free' ? undefined : state === 'ours' ? s.routeTableId : OTHER_TABLE;
  return { subnets: [{ id: s.subnetIds[0]!, provisioningState: 'Succeeded', routeTableId }] };
}

export function resolve(write: TableWrite, inventory: Inventory): RouteRecord[] {
  const current = inventory.routeTable?.routes ?? [];
  return write.routes.map((e) =>
    'put' in e
      ? { ...e.put, provisioningState: undefined }
      : current.find((r) => r.name.toLowerCase() === e.keep.toLowerCase())!,
  );
}
