// Scenario: every completed ARM write or delete raises the resource-group system topic event that Event Grid
// would deliver, in the shape of the official samples and valid against the official data schema.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator, EventGridEvent } from '../../src/emulator/index.js';
import { clients, FAST, RG, raw, sharedDir, start, TABLE } from './helpers.js';

const egDir = () =>
  join(
    sharedDir(),
    'azure-reference/specs/specification/eventgrid/data-plane/Microsoft.Resources/stable/2018-01-01',
  );
const sample = (name: string) =>
  JSON.parse(readFileSync(join(egDir(), 'examples/event-grid-schema', name), 'utf8')) as Record<
    string,
    unknown
  >;

function dataValidator(definition: string) {
  const spec = JSON.parse(readFileSync(join(egDir(), 'Resources.json'), 'utf8')) as {
    definitions: Record<string, object>;
  };
  const ajv = new Ajv({ strict: false, allErrors: true });
  return ajv.compile({ ...spec.definitions[definition], definitions: spec.definitions });
}

const keys = (o: unknown): string[] => Object.keys(o as object).sort();

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

  it('write and delete events validate against the official data schema and have the samples keys', async () => {
    await network.routeTables.createOrUpdate(RG, 'extra', { location: 'eastus2' }, FAST);
    await network.routeTables.delete(RG, 'extra', FAST);
    const [write, del] = emulator.events;
    expect(write?.data.operationName).toBe('Microsoft.Network/routeTables/write');
    expect(del?.eventType).toBe('Microsoft.Resources.ResourceDeleteSuccess');
    expect(del?.data.operationName).toBe('Microsoft.Network/routeTables/delete');
    const validWrite = dataValidator('ResourceWriteSuccessData');
    const validDelete = dataValidator('ResourceDeleteSuccessData');
    expect(validWrite(write?.data), JSON.stringify(validWrite.errors)).toBe(true);
    expect(validDelete(del?.data), JSON.stringify(validDelete.errors)).toBe(true);
    const writeSample = sample('resource_write_success.json');
    const deleteSample = sample('resource_delete_success.json');
    expect(keys(write)).toEqual(keys(writeSample));
    expect(keys(del)).toEqual(keys(deleteSample));
    expect(keys(del?.data)).toEqual(keys(deleteSample.data));
    // The write sample shows no httpRequest; ARM sends it on writes too (the delete sample has it).
    expect(keys(write?.data).filter((k) => k !== 'httpRequest')).toEqual(keys(writeSample.data));
    expect(keys(write?.data.authorization)).toEqual(
      keys((writeSample.data as { authorization: object }).authorization),
    );
  });

  it('an operation that fails emits ResourceWriteFailure / ResourceDeleteFailure, valid against their data schemas', async () => {
    emulator.faults.add({ kind: 'lroFail', method: 'PUT', path: '/routeTables/extra', times: 1 });
    await expect(
      network.routeTables.beginCreateOrUpdateAndWait(RG, 'extra', { location: 'eastus2' }, FAST),
    ).rejects.toThrow();
    await network.routeTables.beginCreateOrUpdateAndWait(RG, 'extra', { location: 'eastus2' }, FAST);
    emulator.faults.add({ kind: 'lroFail', method: 'DELETE', path: '/routeTables/extra', times: 1 });
    await expect(network.routeTables.beginDeleteAndWait(RG, 'extra', FAST)).rejects.toThrow();
    const failures = emulator.events.filter((e) => e.eventType.endsWith('Failure'));
    expect(failures.map((e) => [e.eventType, e.data.operationName, e.data.status])).toEqual([
      ['Microsoft.Resources.ResourceWriteFailure', 'Microsoft.Network/routeTables/write', 'Failed'],
      ['Microsoft.Resources.ResourceDeleteFailure', 'Microsoft.Network/routeTables/delete', 'Failed'],
    ]);
    const validWrite = dataValidator('ResourceWriteFailureData');
    const validDelete = dataValidator('ResourceDeleteFailureData');
    expect(validWrite(failures[0]?.data), JSON.stringify(validWrite.errors)).toBe(true);
    expect(validDelete(failures[1]?.data), JSON.stringify(validDelete.errors)).toBe(true);
    // Same envelope and data keys as the success samples: the schema gives both one shape.
    expect(keys(failures[1])).toEqual(keys(sample('resource_delete_success.json')));
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
