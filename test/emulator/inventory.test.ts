// Scenario: the product reads its inventory (VMs, NICs, vnet, subnet, route table) through the real SDK clients.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { clients, collect, RG, raw, rejection, start, TABLE } from './helpers.js';

let emulator: Emulator;
let network: ReturnType<typeof clients>['network'];
let compute: ReturnType<typeof clients>['compute'];

beforeAll(async () => {
  emulator = await start({ pageSize: 2 });
  ({ network, compute } = clients(emulator));
});
afterAll(async () => {
  await emulator.stop();
});
beforeEach(() => {
  emulator.reset();
});

describe('compute: the cluster VMs', () => {
  it('lists the five VMs of the resource group over three pages of two, following nextLink', async () => {
    const vms = await collect(compute.virtualMachines.list(RG));
    expect(vms.map((v) => v.name)).toEqual([
      'controller-0',
      'controller-1',
      'controller-2',
      'worker-0',
      'worker-1',
    ]);
    const pages = emulator.requests().filter((r) => r.path.endsWith('/virtualMachines'));
    expect(pages).toHaveLength(3);
    expect(pages.every((r) => r.apiVersion === '2026-04-01' && r.status === 200)).toBe(true);
  });

  it('lists them across the subscription too', async () => {
    expect(await collect(compute.virtualMachines.listAll())).toHaveLength(5);
  });

  it('gets a worker with its hyphenated pod-cidr tag and primary NIC reference', async () => {
    const vm = await compute.virtualMachines.get(RG, 'worker-1');
    expect(vm.tags?.['pod-cidr']).toBe('10.200.1.0/24');
    expect(vm.provisioningState).toBe('Succeeded');
    const nics = vm.networkProfile?.networkInterfaces ?? [];
    expect(nics).toHaveLength(1);
    expect(nics[0]?.primary).toBe(true);
    expect(nics[0]?.id).toMatch(/\/networkInterfaces\/worker-1-nic$/u);
  });

  it('controllers carry no pod-cidr tag', async () => {
    const vm = await compute.virtualMachines.get(RG, 'controller-0');
    expect(vm.tags?.['pod-cidr']).toBeUndefined();
  });

  it('answers 404 ResourceNotFound with ARM wording for a missing VM', async () => {
    const err = await rejection(compute.virtualMachines.get(RG, 'worker-9'));
    expect(err.statusCode).toBe(404);
    expect(err.code).toBe('ResourceNotFound');
    expect(err.message).toBe(
      "The Resource 'Microsoft.Compute/virtualMachines/worker-9' under resource group 'kubernetes' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    );
  });

  it('answers 404 ResourceGroupNotFound for a missing resource group', async () => {
    const err = await rejection(collect(compute.virtualMachines.list('nope')));
    expect(err.statusCode).toBe(404);
    // The SDK's pager words the message itself; the ARM code survives.
    expect(err.code).toBe('ResourceGroupNotFound');
    const res = await raw(
      emulator,
      'GET',
      `/subscriptions/${emulator.subscriptionId}/resourceGroups/nope/providers/Microsoft.Compute/virtualMachines?api-version=2026-04-01`,
    );
    expect(res.body).toEqual({
      error: { code: 'ResourceGroupNotFound', message: "Resource group 'nope' could not be found." },
    });
  });
});

describe('network: NICs, vnet, subnet', () => {
  it('lists NICs in pages with private IPs, primary ipconfig1 and IP forwarding on', async () => {
    const nics = await collect(network.networkInterfaces.list(RG));
    expect(nics).toHaveLength(5);
    const w0 = nics.find((n) => n.name === 'worker-0-nic');
    expect(w0?.enableIPForwarding).toBe(true);
    expect(w0?.ipConfigurations?.[0]?.name).toBe('ipconfig1');
    expect(w0?.ipConfigurations?.[0]?.primary).toBe(true);
    expect(w0?.ipConfigurations?.[0]?.privateIPAddress).toBe('10.240.0.20');
    expect(w0?.virtualMachine?.id).toMatch(/\/virtualMachines\/worker-0$/u);
    expect(emulator.requests().filter((r) => r.path.endsWith('/networkInterfaces'))).toHaveLength(3);
  });

  it('gets a NIC by name, case-insensitively', async () => {
    const nic = await network.networkInterfaces.get('KUBERNETES', 'Worker-1-NIC');
    expect(nic.name).toBe('worker-1-nic');
    expect(nic.etag).toMatch(/^W\/"[0-9a-f-]{36}"$/u);
  });

  it('answers 404 for a missing NIC', async () => {
    const err = await rejection(network.networkInterfaces.get(RG, 'ghost-nic'));
    expect(err.statusCode).toBe(404);
    expect(err.code).toBe('ResourceNotFound');
  });

  it('gets and lists the virtual network and its subnet with the route table association', async () => {
    const vnet = await network.virtualNetworks.get(RG, 'kubernetes-vnet');
    expect(vnet.addressSpace?.addressPrefixes).toEqual(['10.240.0.0/24']);
    expect(await collect(network.virtualNetworks.list(RG))).toHaveLength(1);
    expect(await collect(network.virtualNetworks.listAll())).toHaveLength(1);
    const subnet = await network.subnets.get(RG, 'kubernetes-vnet', 'kubernetes-subnet');
    expect(subnet.addressPrefix).toBe('10.240.0.0/24');
    expect(subnet.routeTable?.id).toMatch(/\/routeTables\/kubernetes-routes$/u);
    expect(subnet.etag).toBe(vnet.etag);
    expect(await collect(network.subnets.list(RG, 'kubernetes-vnet'))).toHaveLength(1);
  });

  it('answers the network RP NotFound for a missing subnet of an existing vnet', async () => {
    const err = await rejection(network.subnets.get(RG, 'kubernetes-vnet', 'nope'));
    expect(err.statusCode).toBe(404);
    expect(err.code).toBe('NotFound');
  });

  it('gets the route table with both worker routes and the associated subnet (read-only)', async () => {
    const table = await network.routeTables.get(RG, TABLE);
    expect(table.routes?.map((r) => [r.name, r.addressPrefix, r.nextHopType, r.nextHopIpAddress])).toEqual([
      ['kubernetes-route-10-200-0-0-24', '10.200.0.0/24', 'VirtualAppliance', '10.240.0.20'],
      ['kubernetes-route-10-200-1-0-24', '10.200.1.0/24', 'VirtualAppliance', '10.240.0.21'],
    ]);
    expect(table.subnets?.map((s) => s.id)).toEqual([
      expect.stringMatching(/\/subnets\/kubernetes-subnet$/u),
    ]);
    expect(table.routes?.every((r) => r.etag === table.etag)).toBe(true);
  });
});

describe('the ARM front door', () => {
  const tablePath = () =>
    `/subscriptions/${emulator.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Network/routeTables/${TABLE}`;

  it('refuses a request without a bearer token with 401 and an ARM error body', async () => {
    const res = await raw(emulator, 'GET', `${tablePath()}?api-version=2026-01-01`, { auth: false });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      error: {
        code: 'AuthenticationFailed',
        message: "Authentication failed. The 'Authorization' header is missing.",
      },
    });
  });

  it('serves reads at older registered api-versions, as ARM does', async () => {
    const res = await raw(emulator, 'GET', `${tablePath()}?api-version=2021-08-01`);
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toMatch(/^W\//u);
  });

  it('refuses an unknown api-version with NoRegisteredProviderFound', async () => {
    const res = await raw(emulator, 'GET', `${tablePath()}?api-version=2099-01-01`);
    expect(res.status).toBe(400);
    const error = (res.body as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('NoRegisteredProviderFound');
    expect(error.message).toMatch(
      /^No registered resource provider found for location 'eastus2' and API version '2099-01-01' for type 'routeTables'\. The supported api-versions are '2026-01-01, /u,
    );
  });

  it('refuses an unknown api-version on a resource group with InvalidApiVersionParameter', async () => {
    const res = await raw(
      emulator,
      'GET',
      `/subscriptions/${emulator.subscriptionId}/resourcegroups/${RG}?api-version=1999-01-01`,
    );
    expect(res.status).toBe(400);
    expect((res.body as { error: { code: string } }).error.code).toBe('InvalidApiVersionParameter');
  });

  it('requires an api-version', async () => {
    const res = await raw(emulator, 'GET', tablePath());
    expect((res.body as { error: { code: string } }).error.code).toBe('MissingApiVersionParameter');
  });

  it('answers the resource group like ARM', async () => {
    const res = await raw(
      emulator,
      'GET',
      `/subscriptions/${emulator.subscriptionId}/resourcegroups/kubernetes?api-version=2024-11-01`,
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: 'kubernetes',
      location: 'eastus2',
      type: 'Microsoft.Resources/resourceGroups',
    });
  });

  it('sends the ARM response headers seen in the recording', async () => {
    const res = await raw(emulator, 'GET', `${tablePath()}?api-version=2026-01-01`);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('x-ms-request-id')).toMatch(/^[0-9a-f-]{36}$/u);
    expect(res.headers.get('x-ms-ratelimit-remaining-subscription-reads')).toMatch(/^\d+$/u);
  });

  it('logs every request with method, path, status, duration, api-version and the RBAC action it needed', async () => {
    emulator.clearRequests();
    await network.routeTables.get(RG, TABLE);
    expect(emulator.requests()).toEqual([
      {
        method: 'GET',
        path: tablePath(),
        status: 200,
        ms: expect.any(Number),
        startedMs: expect.any(Number),
        apiVersion: '2026-01-01',
        lroPoll: false,
        action: 'Microsoft.Network/routeTables/read',
        caller: 'role',
      },
    ]);
  });

  it('logs when each request arrived: requests sent together overlap in the log, one after the other do not', async () => {
    const spans = () =>
      emulator.requests().map((r) => ({ path: r.path, from: r.startedMs, to: r.startedMs + r.ms }));
    emulator.faults.add({ kind: 'latency', method: 'GET', path: TABLE, latencyMs: 80, times: 3 });
    emulator.clearRequests();
    await Promise.all([network.routeTables.get(RG, TABLE), compute.virtualMachines.get(RG, 'worker-0')]);
    const slow = spans().find((r) => r.path.endsWith(TABLE));
    const fast = spans().find((r) => !r.path.endsWith(TABLE));
    // Sent together, they arrive together, however long each takes to answer.
    expect(Math.abs(slow!.from - fast!.from)).toBeLessThan(40);
    expect(slow!.to - slow!.from).toBeGreaterThanOrEqual(80);
    expect(Math.max(slow!.from, fast!.from)).toBeLessThan(Math.min(slow!.to, fast!.to));
    emulator.clearRequests();
    await network.routeTables.get(RG, TABLE);
    await network.routeTables.get(RG, TABLE);
    const [first, second] = spans();
    expect(first!.to).toBeLessThanOrEqual(second!.from);
  });
});
