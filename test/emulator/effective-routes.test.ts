// The emulator's effective routes and VM power state, through the real SDK: route precedence (user over BGP over
// system, the loser Invalid), BGP only from a gateway in the NIC's vnet and never over the vnet's own space,
// power state only in the instance view (list with $expand keeps it across pages), and bad world files.
import { readFileSync } from 'node:fs';
import { RestError } from '@azure/core-rest-pipeline';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, type Json, startEmulator, type WorldFile } from '../../src/emulator/index.js';
import { clients, FAST, raw, start, worldFile } from './helpers.js';

let emulator: Emulator;
let sdk: ReturnType<typeof clients>;
beforeAll(async () => {
  emulator = await start({ pageSize: 2 });
  sdk = clients(emulator);
});
afterAll(() => emulator.stop());
beforeEach(() => emulator.reset());

const RG = 'kubernetes';
const id = (type: string, name: string) =>
  `/subscriptions/${emulator.subscriptionId}/resourceGroups/${RG}/providers/${type}/${name}`;
const vnetId = () => id('Microsoft.Network/virtualNetworks', 'kubernetes-vnet');

function gateway(name: string, vnet: string): Json {
  return {
    id: id('Microsoft.Network/virtualNetworkGateways', name),
    location: 'eastus2',
    properties: {
      ipConfigurations: [
        { name: 'default', properties: { subnet: { id: `${vnet}/subnets/GatewaySubnet` } } },
      ],
    },
  };
}

async function effective(nic = 'worker-0-nic'): Promise<string[]> {
  const result = await sdk.network.networkInterfaces.getEffectiveRouteTable(RG, nic, FAST).pollUntilDone();
  return (result.value ?? []).map((r) =>
    `${r.source} ${r.state} ${r.addressPrefix?.join(',')} ${r.nextHopType} ${r.nextHopIpAddress?.join(',')}`.trim(),
  );
}

describe('effective routes', () => {
  it('are the vnet, the defaults and the table routes for a NIC of the provisioning report', async () => {
    const routes = await effective();
    expect(routes.slice(0, 2)).toEqual([
      'Default Active 10.240.0.0/24 VnetLocal',
      'Default Active 0.0.0.0/0 Internet',
    ]);
    expect(routes.slice(-2)).toEqual([
      'User Active 10.200.0.0/24 VirtualAppliance 10.240.0.20',
      'User Active 10.200.1.0/24 VirtualAppliance 10.240.0.21',
    ]);
    // The documented None routes, and those real NICs list too (127.0.0.0/8, 198.18.0.0/15, Microsoft ranges).
    const none = routes.filter((r) => r.endsWith(' None')).map((r) => r.split(' ')[2]);
    expect(none).toEqual(
      expect.arrayContaining([
        '10.0.0.0/8',
        '172.16.0.0/12',
        '192.168.0.0/16',
        '100.64.0.0/10',
        '127.0.0.0/8',
        '198.18.0.0/15',
      ]),
    );
    expect(none.length).toBeGreaterThan(6);
    expect(routes.filter((r) => r.startsWith('Default') && !r.startsWith('Default Active'))).toEqual([]);
  });

  it('a vnet range that is or includes a reserved prefix replaces its None route', async () => {
    const vnet = emulator.getResource(vnetId()) as Json & {
      properties: { addressSpace: { addressPrefixes: string[] } };
    };
    vnet.properties.addressSpace.addressPrefixes.push('192.168.0.0/16', '100.0.0.0/8');
    emulator.upsertResource(vnet, { emitEvent: false });
    const routes = await effective();
    expect(routes).toContain('Default Active 192.168.0.0/16 VnetLocal');
    expect(routes).toContain('Default Active 100.0.0.0/8 VnetLocal');
    const none = routes.filter((r) => r.endsWith(' None')).map((r) => r.split(' ')[2]);
    expect(none).toEqual(expect.arrayContaining(['10.0.0.0/8', '172.16.0.0/12', '127.0.0.0/8']));
    expect(none).not.toContain('192.168.0.0/16');
    expect(none).not.toContain('100.64.0.0/10');
  });

  it('a user route of a system prefix wins; the system route is listed Invalid', async () => {
    emulator.externalWrite(id('Microsoft.Network/routeTables', 'kubernetes-routes'), {
      addRoutes: [
        {
          name: 'fw',
          properties: {
            addressPrefix: '0.0.0.0/0',
            nextHopType: 'VirtualAppliance',
            nextHopIpAddress: '10.240.0.4',
          },
        },
      ],
    });
    const routes = await effective();
    expect(routes).toContain('Default Invalid 0.0.0.0/0 Internet');
    expect(routes).toContain('User Active 0.0.0.0/0 VirtualAppliance 10.240.0.4');
  });

  it('BGP routes come only from a gateway in the NIC vnet, never win inside the vnet space, and lose to user routes', async () => {
    emulator.upsertResource(gateway('gw', vnetId()), { emitEvent: false });
    emulator.upsertResource(gateway('elsewhere', id('Microsoft.Network/virtualNetworks', 'other-vnet')), {
      emitEvent: false,
    });
    emulator.setLearnedRoutes([
      {
        gateway: id('Microsoft.Network/virtualNetworkGateways', 'gw'),
        network: '192.168.10.0/24',
        nextHop: '10.240.0.254',
      },
      {
        gateway: id('Microsoft.Network/virtualNetworkGateways', 'gw'),
        network: '10.240.0.128/25',
        nextHop: '10.240.0.254',
      },
      {
        gateway: id('Microsoft.Network/virtualNetworkGateways', 'gw'),
        network: '10.200.0.0/24',
        nextHop: '10.240.0.254',
      },
      {
        gateway: id('Microsoft.Network/virtualNetworkGateways', 'elsewhere'),
        network: '172.16.5.0/24',
        nextHop: '10.9.0.4',
      },
    ]);
    const routes = await effective();
    expect(routes).toContain(
      'VirtualNetworkGateway Active 192.168.10.0/24 VirtualNetworkGateway 10.240.0.254',
    );
    expect(routes).toContain(
      'VirtualNetworkGateway Invalid 10.240.0.128/25 VirtualNetworkGateway 10.240.0.254',
    );
    expect(routes).toContain(
      'VirtualNetworkGateway Invalid 10.200.0.0/24 VirtualNetworkGateway 10.240.0.254',
    );
    expect(routes).toContain('User Active 10.200.0.0/24 VirtualAppliance 10.240.0.20');
    expect(routes.some((r) => r.includes('172.16.5.0/24'))).toBe(false);
  });

  it('are refused for a NIC attached to no VM, and for an unknown NIC', async () => {
    emulator.upsertResource(
      {
        id: id('Microsoft.Network/networkInterfaces', 'spare-nic'),
        location: 'eastus2',
        properties: {
          ipConfigurations: [
            {
              name: 'ipconfig1',
              properties: {
                privateIPAddress: '10.240.0.40',
                subnet: { id: `${vnetId()}/subnets/kubernetes-subnet` },
              },
            },
          ],
        },
      },
      { emitEvent: false },
    );
    const spare = await effective('spare-nic').catch((e: unknown) => e as RestError);
    expect(spare).toBeInstanceOf(RestError);
    expect((spare as RestError).statusCode).toBe(400);
    expect((spare as RestError).code).toBe('NetworkInterfaceNotAttachedToVirtualMachine');
    const missing = await effective('nope').catch((e: unknown) => e as RestError);
    expect((missing as RestError).statusCode).toBe(404);
  });
});

describe('route propagation', () => {
  const tableId = () => id('Microsoft.Network/routeTables', 'kubernetes-routes');
  const toWorker1 = 'User Active 10.200.1.0/24 VirtualAppliance 10.240.0.21';

  it('shows a table change only after the delay; reads in between show the routes as they were', async () => {
    emulator.setRoutePropagation(400);
    await sdk.network.routes.beginDeleteAndWait(
      RG,
      'kubernetes-routes',
      'kubernetes-route-10-200-1-0-24',
      FAST,
    );
    const deletedAt = Date.now();
    expect(await effective()).toContain(toWorker1);
    await new Promise((r) => setTimeout(r, Math.max(0, deletedAt + 450 - Date.now())));
    expect(await effective()).not.toContain(toWorker1);
    // Put back: again the old state (without the route) until the delay has passed.
    await sdk.network.routes.beginCreateOrUpdateAndWait(
      RG,
      'kubernetes-routes',
      'kubernetes-route-10-200-1-0-24',
      { addressPrefix: '10.200.1.0/24', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.240.0.21' },
      FAST,
    );
    const putAt = Date.now();
    expect(await effective()).not.toContain(toWorker1);
    await new Promise((r) => setTimeout(r, Math.max(0, putAt + 450 - Date.now())));
    expect(await effective()).toContain(toWorker1);
  });

  it('also delays an edit no event announced, and is off (0) by default and after a reset', async () => {
    emulator.setRoutePropagation(300);
    emulator.externalWrite(tableId(), { removeRoutes: ['kubernetes-route-10-200-1-0-24'] });
    expect(await effective()).toContain(toWorker1);
    emulator.reset();
    emulator.externalWrite(tableId(), { removeRoutes: ['kubernetes-route-10-200-1-0-24'] });
    expect(await effective()).not.toContain(toWorker1);
  });

  it('is a world setting, refused when it is not a whole number of milliseconds', async () => {
    const w = JSON.parse(readFileSync(worldFile, 'utf8')) as WorldFile;
    await expect(startEmulator({ world: { ...w, routePropagationMs: -5 } })).rejects.toThrow(
      /routePropagationMs.*whole number of milliseconds/u,
    );
    const e = await startEmulator({ world: { ...w, routePropagationMs: 60_000 } });
    try {
      await clients(e).network.routes.beginDeleteAndWait(
        RG,
        'kubernetes-routes',
        'kubernetes-route-10-200-1-0-24',
        FAST,
      );
      const result = await clients(e)
        .network.networkInterfaces.getEffectiveRouteTable(RG, 'worker-0-nic', FAST)
        .pollUntilDone();
      expect(result.value?.some((r) => r.addressPrefix?.[0] === '10.200.1.0/24')).toBe(true);
    } finally {
      await e.stop();
    }
  });
});

describe('effective route details', () => {
  it('carry a user route hasBgpOverride as Azure set it (a world file may declare it; a PUT cannot)', async () => {
    const table = emulator.getResource(id('Microsoft.Network/routeTables', 'kubernetes-routes')) as Json & {
      properties: { routes: Array<{ properties: Json }> };
    };
    table.properties.routes[0]!.properties.hasBgpOverride = true;
    emulator.upsertResource(table, { emitEvent: false });
    // On the wire: the SDK's deserializer drops the field (the spec's EffectiveRoute lacks it).
    const nicPath = id('Microsoft.Network/networkInterfaces', 'worker-0-nic');
    const post = await raw(emulator, 'POST', `${nicPath}/effectiveRouteTable?api-version=2026-01-01`);
    const location = new URL(String(post.headers.get('location')));
    let answer = await raw(emulator, 'GET', `${location.pathname}${location.search}`);
    for (let i = 0; answer.status === 202 && i < 50; i++)
      answer = await raw(emulator, 'GET', `${location.pathname}${location.search}`);
    const { value } = answer.body as { value: Array<{ addressPrefix: string[]; hasBgpOverride: boolean }> };
    const flags = value.map((r) => [r.addressPrefix[0], r.hasBgpOverride]);
    expect(flags).toContainEqual(['10.200.0.0/24', true]);
    expect(flags).toContainEqual(['10.200.1.0/24', false]);
    expect(flags).toContainEqual(['0.0.0.0/0', false]);
  });

  it('end Failed when the operation fails (an injected lroFail), as the SDK reports a failed operation', async () => {
    emulator.faults.add({
      kind: 'lroFail',
      method: 'POST',
      path: 'worker-0-nic/effectiveRouteTable',
      lroError: { code: 'InternalServerError', message: 'An error occurred.' },
      times: 1,
    });
    const error = await effective().catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('The long-running operation has failed');
    expect(await effective()).toContain('Default Active 0.0.0.0/0 Internet');
  });
});

describe('VM power state', () => {
  it('shows only in the instance view: GET instanceView and the $expand list, whose nextLink keeps $expand', async () => {
    emulator.setPowerState(id('Microsoft.Compute/virtualMachines', 'controller-1'), 'stopped');
    const vms: Array<{ name?: string; state?: string }> = [];
    for await (const vm of sdk.compute.virtualMachines.list(RG, { expand: 'instanceView' }))
      vms.push({
        name: vm.name,
        state: vm.instanceView?.statuses?.find((s) => s.code?.startsWith('PowerState/'))?.code,
      });
    expect(vms).toHaveLength(5); // 3 pages of 2
    expect(vms.find((v) => v.name === 'controller-1')?.state).toBe('PowerState/stopped');
    expect(vms.filter((v) => v.state === 'PowerState/running')).toHaveLength(4);
    for await (const vm of sdk.compute.virtualMachines.list(RG)) expect(vm.instanceView).toBeUndefined();
    const pages = emulator.requests().filter((r) => r.path.endsWith('/virtualMachines'));
    expect(pages.length).toBeGreaterThanOrEqual(6);
  });

  it('is set through the admin endpoint, which names a bad state', async () => {
    const vmId = id('Microsoft.Compute/virtualMachines', 'worker-0');
    const ok = await raw(emulator, 'POST', '/_emulator/power', { body: { vmId, powerState: 'deallocated' } });
    expect(ok.status).toBe(200);
    const view = await sdk.compute.virtualMachines.instanceView(RG, 'worker-0');
    expect(view.statuses?.map((s) => s.code)).toContain('PowerState/deallocated');
    const bad = await raw(emulator, 'POST', '/_emulator/power', { body: { vmId, powerState: 'asleep' } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain("power state 'asleep' is not one of running");
  });
});

describe('world files with learned routes', () => {
  const world = () => JSON.parse(readFileSync(worldFile, 'utf8')) as WorldFile;

  it('refuse a learned route of a gateway the world does not hold, or a prefix that is not a CIDR', async () => {
    const noGateway = {
      ...world(),
      learnedRoutes: [{ gateway: '/subscriptions/x/gw', network: '10.1.0.0/16', nextHop: '10.0.0.1' }],
    };
    await expect(startEmulator({ world: noGateway })).rejects.toThrow(
      /learnedRoutes\[0\] field 'gateway': \/subscriptions\/x\/gw is not a Microsoft\.Network\/virtualNetworkGateways resource/u,
    );
    const badPrefix = {
      ...world(),
      learnedRoutes: [{ gateway: 'g', network: '10.1.0.0', nextHop: '10.0.0.1' }],
    };
    await expect(startEmulator({ world: badPrefix })).rejects.toThrow(
      /learnedRoutes\[0\]\.network.*CIDR|network.*expected the advertised prefix/u,
    );
  });

  it('accept a VM declared deallocated, whose NIC then gets no effective routes', async () => {
    const w = world();
    const vm = w.resources.find((r) => String(r.id).endsWith('/virtualMachines/worker-0')) as Json & {
      properties: Json;
    };
    vm.properties.instanceView = { statuses: [{ code: 'PowerState/deallocated' }] };
    const e = await startEmulator({ world: w });
    try {
      const c = clients(e);
      const error = await c.network.networkInterfaces
        .getEffectiveRouteTable(RG, 'worker-0-nic', FAST)
        .pollUntilDone()
        .catch((err: unknown) => err as RestError);
      expect((error as RestError).code).toBe('VirtualMachineNotRunning');
    } finally {
      await e.stop();
    }
  });
});
