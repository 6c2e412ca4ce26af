// Scenario: every completed ARM write or delete raises the resource-group system topic event that Event Grid
// would deliver (checked against the official samples and data schema in events.conformance.test.ts).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator, EventGridEvent } from '../../src/emulator/index.js';
import { clients, FAST, RG, raw, start, TABLE } from './helpers.js';

let emulator: Emulator;
let network: ReturnType<typeof clients>['network'];
const received: EventGridEvent[] = [];

beforeAll(async () => {
  emulator = await start({ onEvent: (e) => received.push(e) });
  ({ network } = clients(emulator));
});
afterAll(async () => {
  await emulator.stop();
});
beforeEach(() => {
  emulator.reset();
  received.length = 0;
});

describe('events from ARM writes', () => {
  it('a route write emits one ResourceWriteSuccess when its operation completes, not before', async () => {
    const put = await raw(
      emulator,
      'PUT',
      `/subscriptions/${emulator.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Network/routeTables/${TABLE}/routes/r1?api-version=2026-01-01`,
      {
        body: {
          properties: {
            addressPrefix: '10.200.9.0/24',
            nextHopType: 'VirtualAppliance',
            nextHopIpAddress: '10.240.0.29',
          },
        },
      },
    );
    expect(emulator.events).toHaveLength(0);
    const op = new URL(put.headers.get('azure-asyncoperation')!);
    await raw(emulator, 'GET', op.pathname + op.search);
    expect(emulator.events).toHaveLength(1);
    const event = emulator.events[0]!;
    expect(event).toMatchObject({
      eventType: 'Microsoft.Resources.ResourceWriteSuccess',
      subject: `/subscriptions/${emulator.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Network/routeTables/${TABLE}/routes/r1`,
      topic: `/subscriptions/${emulator.subscriptionId}/resourceGroups/${RG}`,
      dataVersion: '2',
      metadataVersion: '1',
      data: {
        operationName: 'Microsoft.Network/routeTables/routes/write',
        resourceProvider: 'Microsoft.Network',
        status: 'Succeeded',
        subscriptionId: emulator.subscriptionId,
        tenantId: emulator.tenantId,
        httpRequest: { method: 'PUT' },
      },
    });
    expect(received).toEqual([event]);
  });

  it('a rejected write (412) emits nothing', async () => {
    const err = network.routeTables.createOrUpdate(
      RG,
      TABLE,
      { location: 'eastus2' },
      { ...FAST, requestOptions: { headers: { 'If-Match': 'W/"stale"' } } },
    );
    await expect(err).rejects.toThrow();
    expect(emulator.events).toHaveLength(0);
  });

  it('tag edits through the tags API emit Microsoft.Resources/tags/write on .../providers/Microsoft.Resources/tags/default', async () => {
    const vmId = `/subscriptions/${emulator.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines/worker-0`;
    const res = await raw(
      emulator,
      'PATCH',
      `${vmId}/providers/Microsoft.Resources/tags/default?api-version=2021-04-01`,
      {
        body: { operation: 'Merge', properties: { tags: { 'pod-cidr': '10.200.7.0/24' } } },
      },
    );
    expect(res.status).toBe(200);
    expect(emulator.getResource(vmId)?.tags).toMatchObject({ 'pod-cidr': '10.200.7.0/24', role: 'worker' });
    expect(emulator.events.map((e) => [e.subject, e.data.operationName])).toEqual([
      [`${vmId}/providers/Microsoft.Resources/tags/default`, 'Microsoft.Resources/tags/write'],
    ]);
  });
});

describe('admin changes to the world', () => {
  it('a new worker VM with a pod-cidr tag appears with its NIC and emits virtualMachines/write', async () => {
    const { compute } = clients(emulator);
    const { vm, nic } = emulator.upsertVm({
      resourceGroup: RG,
      name: 'worker-2',
      privateIp: '10.240.0.22',
      tags: { 'pod-cidr': '10.200.2.0/24' },
    });
    expect(vm.id).toMatch(/\/virtualMachines\/worker-2$/u);
    const got = await compute.virtualMachines.get(RG, 'worker-2');
    expect(got.tags?.['pod-cidr']).toBe('10.200.2.0/24');
    const gotNic = await network.networkInterfaces.get(RG, 'worker-2-nic');
    expect(gotNic.ipConfigurations?.[0]?.privateIPAddress).toBe('10.240.0.22');
    expect(gotNic.ipConfigurations?.[0]?.subnet?.id).toMatch(/kubernetes-subnet$/u);
    expect(gotNic.id).toBe(nic.id);
    expect(emulator.events.map((e) => e.data.operationName)).toEqual([
      'Microsoft.Network/networkInterfaces/write',
      'Microsoft.Compute/virtualMachines/write',
    ]);
  });

  it('upsertResource and deleteResource change the world and emit, unless told not to', () => {
    const id = `/subscriptions/${emulator.subscriptionId}/resourceGroups/other/providers/Microsoft.Network/routeTables/t`;
    emulator.upsertResource({ id, location: 'westus', properties: { routes: [] } });
    expect(emulator.getResource(id)?.etag).toMatch(/^W\//u);
    expect(emulator.deleteResource(id, { emitEvent: false })).toBe(true);
    expect(emulator.events.map((e) => e.eventType)).toEqual(['Microsoft.Resources.ResourceWriteSuccess']);
    expect(() =>
      emulator.upsertResource({
        id,
        location: 'westus',
        properties: {
          routes: [{ name: 'x', properties: { addressPrefix: '1.0.0.0/8', nextHopType: 'Bogus' } }],
        },
      }),
    ).toThrow(/properties\.routes\[0\]\.properties\.nextHopType/u);
  });

  it('setTags changes a worker pod-cidr and emits the tags API event (or the resource write, if asked)', () => {
    const vmId = `/subscriptions/${emulator.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines/worker-0`;
    const vm = emulator.setTags(vmId, { 'pod-cidr': '10.200.8.0/24' });
    expect(vm.tags).toEqual({ role: 'worker', 'pod-cidr': '10.200.8.0/24' });
    emulator.setTags(vmId, { role: 'worker' }, { operation: 'Replace', emitAs: 'write' });
    expect(emulator.getResource(vmId)?.tags).toEqual({ role: 'worker' });
    expect(emulator.events.map((e) => [e.subject.replace(vmId, '<vm>'), e.data.operationName])).toEqual([
      ['<vm>/providers/Microsoft.Resources/tags/default', 'Microsoft.Resources/tags/write'],
      ['<vm>', 'Microsoft.Compute/virtualMachines/write'],
    ]);
  });

  it('subscribe/unsubscribe delivers events to in-process subscribers', () => {
    const seen: string[] = [];
    const off = emulator.subscribe((e) => seen.push(e.subject));
    emulator.externalWrite(
      `/subscriptions/${emulator.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Network/routeTables/${TABLE}`,
      { removeRoutes: ['kubernetes-route-10-200-1-0-24'] },
    );
    off();
    emulator.upsertVm({ resourceGroup: RG, name: 'worker-3', privateIp: '10.240.0.23' });
    expect(seen).toEqual([expect.stringMatching(/routeTables\/kubernetes-routes$/u)]);
  });
});

describe('webhook delivery', () => {
  it('POSTs events as Event Grid does: a JSON array with aeg-event-type: Notification', async () => {
    const posts: Array<{ headers: Record<string, unknown>; body: unknown }> = [];
    const hook = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => {
        text += c.toString();
      });
      req.on('end', () => {
        posts.push({ headers: req.headers, body: JSON.parse(text) });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
    const hooked = await start({
      eventsTo: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/api/events`,
    });
    try {
      hooked.upsertVm({
        resourceGroup: RG,
        name: 'worker-2',
        privateIp: '10.240.0.22',
        tags: { 'pod-cidr': '10.200.2.0/24' },
      });
      await hooked.flushEvents();
      expect(posts).toHaveLength(2);
      expect(posts[0]?.headers['aeg-event-type']).toBe('Notification');
      expect(Array.isArray(posts[1]?.body)).toBe(true);
      expect((posts[1]!.body as EventGridEvent[])[0]?.data.operationName).toBe(
        'Microsoft.Compute/virtualMachines/write',
      );
    } finally {
      await hooked.stop();
      hook.close();
    }
  });
});
