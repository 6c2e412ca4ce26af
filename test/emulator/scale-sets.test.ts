// Scenario: a cluster whose workers are in scale sets, read through the real ComputeManagementClient and
// NetworkManagementClient. Uniform instances hide from the group's VM and NIC lists and show only under their
// scale set (NICs through the Network API at 2018-10-01); Flexible VMs are ordinary VMs; a scale-out emits
// one write event, on the scale set.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator, EventGridEvent } from '../../src/emulator/index.js';
import { loadWorld, WorldError } from '../../src/emulator/world.js';
import { FLEXIBLE, scaleSetId, UNIFORM, worldWithScaleSets } from '../support/scale-sets.js';
import { clients, collect, RG, raw, rejection, start } from './helpers.js';

let emulator: Emulator;
let api: ReturnType<typeof clients>;
const events: EventGridEvent[] = [];

beforeAll(async () => {
  emulator = await start({ world: worldWithScaleSets(), onEvent: (e) => events.push(e) });
  api = clients(emulator);
});
afterAll(async () => {
  await emulator.stop();
});
beforeEach(() => {
  emulator.reset();
  events.length = 0;
});

const uniformId = () => scaleSetId(emulator.subscriptionId, UNIFORM);
const flexId = () => scaleSetId(emulator.subscriptionId, FLEXIBLE);

describe('a Uniform scale set', () => {
  it('its instances are in neither the VM list nor the NIC list of the group', async () => {
    const vms = await collect(api.compute.virtualMachines.list(RG));
    const nics = await collect(api.network.networkInterfaces.list(RG));
    expect(vms.some((v) => v.id?.includes('virtualMachineScaleSets'))).toBe(false);
    expect(nics.some((n) => n.id?.includes('virtualMachineScaleSets'))).toBe(false);
    const sets = await collect(api.compute.virtualMachineScaleSets.list(RG));
    expect(sets.map((s) => [s.name, s.orchestrationMode, s.sku?.capacity])).toEqual([
      [UNIFORM, 'Uniform', 2],
      [FLEXIBLE, 'Flexible', 0],
    ]);
  });

  it('lists its instances with instance ids and the scale set tags, and their NICs under the scale set', async () => {
    const instances = await collect(api.compute.virtualMachineScaleSetVMs.list(RG, UNIFORM));
    expect(instances.map((i) => [i.instanceId, i.name, i.tags])).toEqual([
      ['0', `${UNIFORM}_0`, { role: 'kubernetes-worker' }],
      ['1', `${UNIFORM}_1`, { role: 'kubernetes-worker' }],
    ]);
    emulator.clearRequests();
    const nics = await collect(
      api.network.networkInterfaces.listVirtualMachineScaleSetNetworkInterfaces(RG, UNIFORM),
    );
    expect(emulator.requests().map((r) => r.apiVersion)).toEqual(['2018-10-01']);
    // The lowest free addresses of 10.240.0.0/24 (Azure keeps .0-.3; the controllers and workers hold .10-.21).
    expect(
      nics.map((n) => [
        n.id,
        n.virtualMachine?.id,
        n.ipConfigurations?.[0]?.privateIPAddress,
        n.enableIPForwarding,
      ]),
    ).toEqual([
      [
        `${uniformId()}/virtualMachines/0/networkInterfaces/${UNIFORM}-nic`,
        `${uniformId()}/virtualMachines/0`,
        '10.240.0.4',
        true,
      ],
      [
        `${uniformId()}/virtualMachines/1/networkInterfaces/${UNIFORM}-nic`,
        `${uniformId()}/virtualMachines/1`,
        '10.240.0.5',
        true,
      ],
    ]);
    const one = await collect(
      api.network.networkInterfaces.listVirtualMachineScaleSetVMNetworkInterfaces(RG, UNIFORM, '1'),
    );
    expect(one.map((n) => n.ipConfigurations?.[0]?.privateIPAddress)).toEqual(['10.240.0.5']);
    const got = await api.network.networkInterfaces.getVirtualMachineScaleSetNetworkInterface(
      RG,
      UNIFORM,
      '0',
      `${UNIFORM}-nic`,
    );
    expect(got.ipConfigurations?.[0]?.privateIPAddress).toBe('10.240.0.4');
    const missing = await rejection(
      api.network.networkInterfaces.getVirtualMachineScaleSetNetworkInterface(
        RG,
        UNIFORM,
        '7',
        `${UNIFORM}-nic`,
      ),
    );
    expect([missing.statusCode, missing.code]).toEqual([404, 'NotFound']);
  });

  it("serves the NIC list at Compute's api-versions, which Azure registers for the type", async () => {
    for (const version of ['2024-07-01', '2026-04-01', '2017-03-30']) {
      const res = await raw(emulator, 'GET', `${uniformId()}/networkInterfaces?api-version=${version}`);
      expect(res.status, version).toBe(200);
      expect((res.body as { value: unknown[] }).value.length, version).toBeGreaterThan(0);
    }
  });

  it('refuses the NIC list at a Microsoft.Network api-version its type is not registered with', async () => {
    const res = await raw(emulator, 'GET', `${uniformId()}/networkInterfaces?api-version=2026-01-01`);
    expect(res.status).toBe(400);
    expect((res.body as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'NoRegisteredProviderFound',
      message: expect.stringContaining("for type 'virtualMachineScaleSets/networkInterfaces'"),
    });
  });

  it('a scale-out adds instances with the next ids and free IPs, and emits one write event, on the scale set', async () => {
    const added = emulator.scaleOut(uniformId(), 2);
    expect(added.map((i) => [i.instanceId, i.privateIp])).toEqual([
      ['2', '10.240.0.6'],
      ['3', '10.240.0.7'],
    ]);
    expect(events.map((e) => [e.eventType, e.subject, e.data.operationName])).toEqual([
      [
        'Microsoft.Resources.ResourceWriteSuccess',
        uniformId(),
        'Microsoft.Compute/virtualMachineScaleSets/write',
      ],
    ]);
    const nics = await collect(
      api.network.networkInterfaces.listVirtualMachineScaleSetNetworkInterfaces(RG, UNIFORM),
    );
    expect(nics).toHaveLength(4);
    expect((await api.compute.virtualMachineScaleSets.get(RG, UNIFORM)).sku?.capacity).toBe(4);
    emulator.reset();
    expect(emulator.scaleSetInstances(uniformId()).map((i) => i.instanceId)).toEqual(['0', '1']);
  });

  it('a PUT of the scale set with a higher sku.capacity (through the SDK) scales it out the same way', async () => {
    const vmss = await api.compute.virtualMachineScaleSets.get(RG, UNIFORM);
    const put = await api.compute.virtualMachineScaleSets.createOrUpdate(
      RG,
      UNIFORM,
      { ...vmss, sku: { ...vmss.sku, capacity: 3 } },
      { updateIntervalInMs: 1 },
    );
    expect([put.provisioningState, put.sku?.capacity]).toEqual(['Succeeded', 3]);
    expect(events.map((e) => [e.subject, e.data.operationName])).toEqual([
      [uniformId(), 'Microsoft.Compute/virtualMachineScaleSets/write'],
    ]);
    const nics = await collect(
      api.network.networkInterfaces.listVirtualMachineScaleSetNetworkInterfaces(RG, UNIFORM),
    );
    expect(nics.map((n) => n.ipConfigurations?.[0]?.privateIPAddress)).toEqual([
      '10.240.0.4',
      '10.240.0.5',
      '10.240.0.6',
    ]);
  });
});

describe('a Flexible scale set', () => {
  it('has no Uniform NIC list (404 NotFound, as ARM answers), and its scaled-out VMs are ordinary VMs', async () => {
    const err = await rejection(
      collect(api.network.networkInterfaces.listVirtualMachineScaleSetNetworkInterfaces(RG, FLEXIBLE)),
    );
    expect([err.statusCode, err.code]).toEqual([404, 'NotFound']);
    const [vm] = emulator.scaleOut(flexId(), 1);
    expect(events.map((e) => e.data.operationName)).toEqual([
      'Microsoft.Compute/virtualMachineScaleSets/write',
    ]);
    const listed = (await collect(api.compute.virtualMachines.list(RG))).find((v) => v.id === vm?.id);
    expect(listed?.virtualMachineScaleSet?.id).toBe(flexId());
    const nic = (await collect(api.network.networkInterfaces.list(RG))).find(
      (n) => n.virtualMachine?.id === vm?.id,
    );
    expect(nic?.ipConfigurations?.[0]?.privateIPAddress).toBe(vm?.privateIp);
    expect(vm?.privateIp).toBe('10.240.0.4');
  });
});

describe('the world file', () => {
  it('refuses a Uniform scale set without a network profile, naming the field', () => {
    const world = worldWithScaleSets();
    const uniform = world.resources.find((r) => String(r.id).endsWith(UNIFORM))!;
    delete (uniform.properties as Record<string, unknown>).virtualMachineProfile;
    expect(() => loadWorld(world)).toThrow(WorldError);
    expect(() => loadWorld(world)).toThrow(/field 'properties\.virtualMachineProfile'.*Uniform scale set/u);
  });

  it('refuses a scale set whose network profile names a subnet that does not exist', () => {
    const world = worldWithScaleSets();
    const text = JSON.stringify(world).replaceAll('subnets/kubernetes-subnet"}', 'subnets/nowhere"}');
    expect(() => loadWorld(JSON.parse(text))).toThrow(
      /subnet \/subscriptions\/.*\/subnets\/nowhere is not among/u,
    );
  });
});
