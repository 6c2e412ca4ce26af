// Which NIC and which address a worker's routes go to (NIC references, NICs naming the VM, ipconfigs), which tag
// is the pod CIDR tag, the order of the desired routes, and IP forwarding's messages and repairs. docs/mutation.md
// lists the mutants of src/core/desired.ts these scenarios kill.
import { describe, expect, it } from 'vitest';
import { deriveDesired } from '../../src/core/desired.js';
import { planReconcile } from '../../src/core/plan.js';
import type { Inventory, IpConfigRecord, NicRecord, VmRecord } from '../../src/core/types.js';
import { nic, reportCluster, SUB, settings, vm } from './fixtures.js';

const NICS = `${SUB}/Microsoft.Network/networkInterfaces`;
const vmId = (name: string) => `${SUB}/Microsoft.Compute/virtualMachines/${name}`;

function ipconfig(
  address: string,
  primary: boolean | undefined,
  version: IpConfigRecord['privateIpVersion'] = address.includes(':') ? 'IPv6' : 'IPv4',
): IpConfigRecord {
  return {
    name: `ipconfig-${address}`,
    primary,
    privateIpAddress: address,
    privateIpVersion: version,
    subnetId: undefined,
  };
}

/** A NIC named `name` (its id under NICS) that names VM `owner` (none when undefined). */
function nicNamed(name: string, owner: string | undefined, configs: IpConfigRecord[]): NicRecord {
  return {
    id: `${NICS}/${name}`,
    name,
    vmId: owner && vmId(owner),
    enableIpForwarding: true,
    ipConfigurations: configs,
  };
}

/** The report's cluster with worker-1's NIC references and NICs replaced (worker-1's route: 10.200.1.0/24 -> .21). */
function worker1With(refs: VmRecord['nicRefs'], nics: NicRecord[]): Inventory {
  const inv = reportCluster();
  inv.vms.find((v) => v.name === 'worker-1')!.nicRefs = refs;
  inv.nics = [...inv.nics.filter((n) => n.name !== 'worker-1-nic'), ...nics];
  return inv;
}

/** The desired routes as prefix -> next hop. */
const hops = (inv: Inventory) =>
  planReconcile(inv, settings()).desiredRoutes.map((r) => `${r.addressPrefix} -> ${r.nextHopIpAddress}`);
const RIGHT = ['10.200.0.0/24 -> 10.240.0.20', '10.200.1.0/24 -> 10.240.0.21'];
const refTo = (name: string, primary?: boolean) => ({ id: `${NICS}/${name}`, primary });

describe("a worker's primary NIC", () => {
  it('is the reference flagged primary even when ARM lists it second', () => {
    const inv = worker1With(
      [refTo('worker-1-a', false), refTo('worker-1-b', true)],
      [
        nicNamed('worker-1-a', 'worker-1', [ipconfig('10.240.0.31', true)]),
        nicNamed('worker-1-b', 'worker-1', [ipconfig('10.240.0.21', true)]),
      ],
    );
    expect(hops(inv)).toEqual(RIGHT);
    expect(planReconcile(inv, settings()).drift).toEqual([]);
  });

  it("is the referenced NIC, matched whatever the id's letter case, over another NIC naming the VM", () => {
    const inv = worker1With(
      [{ id: `${NICS}/worker-1-b`.toUpperCase(), primary: true }],
      [
        nicNamed('worker-1-a', 'worker-1', [ipconfig('10.240.0.31', true)]),
        nicNamed('worker-1-b', 'worker-1', [ipconfig('10.240.0.21', true)]),
      ],
    );
    expect(hops(inv)).toEqual(RIGHT);
  });

  it('when the reference names a NIC not in the list (swapped since), is the NIC that names the VM', () => {
    const inv = worker1With(
      [refTo('worker-1-old', true)],
      [nicNamed('worker-1-new', 'worker-1', [ipconfig('10.240.0.21', true)])],
    );
    const plan = planReconcile(inv, settings());
    expect(hops(inv)).toEqual(RIGHT);
    expect(plan.refused).toEqual([]);
    expect(plan.tableWrite).toBeNull();
  });

  // Listed in both orders: the choice must not depend on the NIC list's order.
  const dualStack = nicNamed('worker-1-b', 'worker-1', [
    ipconfig('10.240.0.21', true),
    ipconfig('fd00::21', false),
  ]);
  const secondaryOnly = nicNamed('worker-1-a', 'worker-1', [ipconfig('10.240.0.31', false)]);
  it.each([
    ['listed first', [dualStack, secondaryOnly]],
    ['listed second', [secondaryOnly, dualStack]],
  ])(
    'with no reference, is the NIC naming the VM that has a primary ipconfig (%s), not the one with a smaller id',
    (_, nics) => {
      expect(hops(worker1With([], nics))).toEqual(RIGHT);
    },
  );

  const a = nicNamed('worker-1-a', 'worker-1', [ipconfig('10.240.0.21', true)]);
  const b = nicNamed('worker-1-b', 'worker-1', [ipconfig('10.240.0.31', true)]);
  const c = nicNamed('worker-1-c', 'worker-1', [ipconfig('10.240.0.32', true)]);
  it.each([
    ['a, b, c', [a, b, c]],
    ['c, b, a', [c, b, a]],
    ['b, c, a', [b, c, a]],
  ])(
    'with no reference and several NICs naming the VM, all with a primary ipconfig, is the first by id (listed %s)',
    (_, nics) => {
      expect(hops(worker1With([], nics))).toEqual(RIGHT);
    },
  );

  it('is the first record of a NIC listed twice (its id in two letter cases): the choice does not flip', () => {
    const again = { ...nicNamed('worker-1-nic', 'worker-1', [ipconfig('10.240.0.31', true)]) };
    again.id = again.id.toUpperCase();
    const inv = worker1With(
      [refTo('worker-1-nic', true)],
      [nicNamed('worker-1-nic', 'worker-1', [ipconfig('10.240.0.21', true)]), again],
    );
    expect(hops(inv)).toEqual(RIGHT);
  });

  it('missing, with no NIC naming the VM either: the worker keeps its route, and the refusal says why', () => {
    const inv = worker1With([refTo('worker-1-old', true)], []);
    const plan = planReconcile(inv, settings());
    expect(plan.refused.map((r) => [r.reason, r.subject, r.message])).toEqual([
      [
        'worker-without-nic',
        'worker-1',
        "VM 'worker-1' (tag 'pod-cidr' = '10.200.1.0/24') has no network interface in the inventory; its route for 10.200.1.0/24 is left as it is",
      ],
    ]);
    expect(plan.tableWrite).toBeNull();
  });
});

describe("a worker's next-hop address on its NIC", () => {
  const withConfigs = (configs: IpConfigRecord[]) =>
    worker1With([refTo('worker-1-nic', true)], [nicNamed('worker-1-nic', 'worker-1', configs)]);
  const withoutIp = (configs: IpConfigRecord[]) => {
    const plan = planReconcile(withConfigs(configs), settings());
    return { plan, refused: plan.refused.map((r) => [r.reason, r.subject, r.message]) };
  };
  const NO_IPV4 = [
    [
      'worker-without-ip',
      `${NICS}/worker-1-nic`,
      "VM 'worker-1' (tag 'pod-cidr' = '10.200.1.0/24'): NIC 'worker-1-nic' has no usable private IPv4 address for 10.200.1.0/24; its route is left as it is",
    ],
  ];

  it('is the primary ipconfig, even listed after a secondary one', () => {
    expect(hops(withConfigs([ipconfig('10.240.0.31', false), ipconfig('10.240.0.21', true)]))).toEqual(RIGHT);
  });

  it('is the only ipconfig, whether or not ARM flags it primary', () => {
    expect(hops(withConfigs([ipconfig('10.240.0.21', undefined)]))).toEqual(RIGHT);
    expect(hops(withConfigs([ipconfig('10.240.0.21', false)]))).toEqual(RIGHT);
  });

  it('is an ipconfig that states no IP version (the address says it)', () => {
    const unstated = { ...ipconfig('10.240.0.21', true), privateIpVersion: undefined };
    expect(hops(withConfigs([unstated]))).toEqual(RIGHT);
  });

  it('is none among several ipconfigs of which none is primary: the route is kept and the refusal says why', () => {
    const { plan, refused } = withoutIp([ipconfig('10.240.0.31', false), ipconfig('10.240.0.21', false)]);
    expect(refused).toEqual(NO_IPV4);
    expect(plan.tableWrite).toBeNull();
  });

  it('is not an address whose ipconfig states the other IP version', () => {
    const { plan, refused } = withoutIp([ipconfig('10.240.0.21', true, 'IPv6')]);
    expect(refused).toEqual(NO_IPV4);
    expect(plan.tableWrite).toBeNull();
  });
});

describe('the pod CIDR tag', () => {
  it('is the one whose key matches: other tags, even sorting before it, are not pod CIDRs', () => {
    const inv = reportCluster();
    inv.vms[0]!.tags = { Environment: 'prod', 'pod-cidr': '10.200.0.0/24', zone: '1' };
    inv.vms.find((v) => v.name === 'controller-0')!.tags = { Environment: 'prod' };
    const plan = planReconcile(inv, settings());
    expect(plan.refused).toEqual([]);
    expect(hops(inv)).toEqual(RIGHT);
  });

  it.each([
    ['upper case listed first', { 'POD-CIDR': '10.200.0.0/24', 'pod-cidr': '10.200.7.0/24' }],
    ['upper case listed last', { 'pod-cidr': '10.200.7.0/24', 'POD-CIDR': '10.200.0.0/24' }],
    [
      'three spellings',
      { 'Pod-Cidr': '10.200.8.0/24', 'pod-cidr': '10.200.7.0/24', 'POD-CIDR': '10.200.0.0/24' },
    ],
  ])('written in several letter cases, is the key first in ordinal order (%s)', (_, tags) => {
    const inv = reportCluster();
    inv.vms[0]!.tags = tags;
    expect(hops(inv)).toEqual(RIGHT);
  });
});

describe('the desired routes of deriveDesired (what verify checks)', () => {
  it('are sorted by route name, not by worker', () => {
    const inv = reportCluster();
    inv.vms[0]!.tags = { 'pod-cidr': '10.200.9.0/24' };
    const routes = deriveDesired(inv, settings()).routes;
    expect(routes.map((r) => [r.route.name, r.worker])).toEqual([
      ['kubernetes-route-10-200-1-0-24', 'worker-1'],
      ['kubernetes-route-10-200-9-0-24', 'worker-0'],
    ]);
  });
});

describe('IP forwarding off on worker NICs', () => {
  /** Two workers whose NICs sort the other way round from the VMs, both not forwarding. */
  function notForwarding(): Inventory {
    const inv = reportCluster();
    inv.vms = [vm('worker-0', '10.200.0.0/24', 'node-b-nic'), vm('worker-1', '10.200.1.0/24', 'node-a-nic')];
    inv.nics = [
      {
        ...nic('worker-0', '10.240.0.20', { forwarding: false }),
        id: `${NICS}/node-b-nic`,
        name: 'node-b-nic',
      },
      {
        ...nic('worker-1', '10.240.0.21', { forwarding: false }),
        id: `${NICS}/node-a-nic`,
        name: 'node-a-nic',
      },
    ];
    return inv;
  }

  it('is reported per NIC, saying it is only reported while REPAIR_IP_FORWARDING is off', () => {
    const plan = planReconcile(notForwarding(), settings());
    expect(plan.drift.map((d) => [d.subject, d.message, d.repairable])).toEqual([
      [
        `${NICS}/node-a-nic`,
        "NIC 'node-a-nic' of worker 'worker-1' has IP forwarding disabled: Azure drops pod traffic forwarded to it (REPAIR_IP_FORWARDING is off: reported only)",
        false,
      ],
      [
        `${NICS}/node-b-nic`,
        "NIC 'node-b-nic' of worker 'worker-0' has IP forwarding disabled: Azure drops pod traffic forwarded to it (REPAIR_IP_FORWARDING is off: reported only)",
        false,
      ],
    ]);
    expect(plan.enableIpForwarding).toEqual([]);
  });

  it('with REPAIR_IP_FORWARDING, is repaired on every NIC, in NIC id order, and the message says no more', () => {
    const plan = planReconcile(notForwarding(), settings({ repairIpForwarding: true }));
    expect(plan.drift.map((d) => [d.message, d.repairable])).toEqual([
      [
        "NIC 'node-a-nic' of worker 'worker-1' has IP forwarding disabled: Azure drops pod traffic forwarded to it",
        true,
      ],
      [
        "NIC 'node-b-nic' of worker 'worker-0' has IP forwarding disabled: Azure drops pod traffic forwarded to it",
        true,
      ],
    ]);
    expect(plan.enableIpForwarding).toEqual([`${NICS}/node-a-nic`, `${NICS}/node-b-nic`]);
  });

  it('on a NIC two VMs reference (one moved to its replacement, both listed) is enabled once', () => {
    const inv = notForwarding();
    inv.vms.push(vm('worker-2', '10.200.2.0/24', 'node-a-nic'));
    const plan = planReconcile(inv, settings({ repairIpForwarding: true }));
    expect(plan.enableIpForwarding).toEqual([`${NICS}/node-a-nic`, `${NICS}/node-b-nic`]);
  });
});
