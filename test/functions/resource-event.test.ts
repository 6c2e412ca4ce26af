// What the Event Grid trigger decides about one event, and why (the reason is logged for every ignored event):
// the subscription, the resource group, the resource, the operation; and what a malformed event is told
// (docs/mutation.md lists the mutants these kill). handlers.test.ts drives the same events through the handler.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { decideOnEvent, parseResourceEvent, type ResourceEvent } from '../../src/functions/resource-event.js';
import { config, IDS, type Schema, SETTINGS, sampleEvent } from './helpers.js';

const OTHER_SUB = '11111111-1111-1111-1111-111111111111';

function event(subject: string, operationName: string | undefined, eventType?: string): ResourceEvent {
  return {
    schema: 'EventGrid',
    id: 'e1',
    eventType: eventType ?? 'Microsoft.Resources.ResourceWriteSuccess',
    subject,
    eventTime: undefined,
    operationName,
    correlationId: undefined,
  };
}

const decide = (subject: string, operation?: string, eventType?: string) =>
  decideOnEvent(event(subject, operation, eventType), config);

describe('which resources an event may concern', () => {
  it.each([
    ['a worker VM', IDS.vm, 'Microsoft.Compute/virtualMachines/write', 'vm'],
    ['a NIC', IDS.nic, 'Microsoft.Network/networkInterfaces/write', 'nic'],
    ['the route table', IDS.routeTable, 'Microsoft.Network/routeTables/write', 'route-table'],
    ['one of its routes', IDS.route, 'Microsoft.Network/routeTables/routes/delete', 'route'],
    ['the vnet', IDS.vnet, 'Microsoft.Network/virtualNetworks/write', 'vnet'],
    ['the subnet', IDS.subnet, 'Microsoft.Network/virtualNetworks/subnets/write', 'subnet'],
    [
      'the table, with a trailing slash',
      `${IDS.routeTable}//`,
      'Microsoft.Network/routeTables/write',
      'route-table',
    ],
    ['the VM, in upper case', IDS.vm.toUpperCase(), 'MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE', 'vm'],
  ])('%s: acted on as %s', (_name, subject, operation, resource) => {
    expect(decide(subject, operation)).toEqual({ act: true, resource, tagsWrite: false });
  });

  it("a tags write on a worker VM is that VM's tags changing", () => {
    expect(decide(IDS.tags(IDS.vm), 'Microsoft.Resources/tags/write')).toEqual({
      act: true,
      resource: 'vm',
      tagsWrite: true,
    });
  });

  it.each([
    [
      'a VM of another subscription',
      IDS.vm.replace(config.subscriptionId, OTHER_SUB),
      'another subscription',
    ],
    [
      'a subject that only starts like our subscription id',
      IDS.vm.replace(config.subscriptionId, `${config.subscriptionId}0`),
      'another subscription',
    ],
    [
      'a VM of another resource group',
      IDS.vm.replace('/kubernetes/', '/other-rg/'),
      'another resource group',
    ],
    ['the resource group itself', IDS.vm.split('/providers/')[0]!, 'another resource group'],
    ['a VM extension (a child of no interest)', `${IDS.vm}/extensions/foo`, 'not one the routes depend on'],
    ['the VM collection, no VM named', IDS.vm.replace(/worker-0$/u, ''), 'not one the routes depend on'],
    ['another route table', IDS.routeTable.replace(/kubernetes-routes$/u, 'other'), 'not one the routes'],
    ['another subnet', IDS.subnet.replace(/kubernetes-subnet$/u, 'gateway'), 'not one the routes depend on'],
  ])('%s: ignored, because it is in %s', (_name, subject, reason) => {
    const decision = decide(subject, 'Microsoft.Compute/virtualMachines/write');
    expect(decision.act).toBe(false);
    if (!decision.act) expect(decision.reason).toContain(reason);
  });

  it('an operation that cannot change routes is named in the reason, or said to be missing', () => {
    expect(decide(IDS.vm, 'Microsoft.Compute/virtualMachines/restart/action')).toEqual({
      act: false,
      reason: 'operation Microsoft.Compute/virtualMachines/restart/action on the vm cannot change the routes',
    });
    expect(decide(IDS.vm, undefined)).toEqual({
      act: false,
      reason: 'operation (none) on the vm cannot change the routes',
    });
  });

  it('an event type we do not handle is ignored before its subject is even looked at', () => {
    expect(
      decide(IDS.vm, 'Microsoft.Compute/virtualMachines/write', 'Microsoft.Resources.ResourceWriteCancel'),
    ).toEqual({
      act: false,
      reason: 'event type Microsoft.Resources.ResourceWriteCancel is not handled',
    });
  });
});

describe('a cluster whose table and vnet live in groups of their own, in a subscription with letters in its id', () => {
  const SUB = 'abcdef01-2345-6789-abcd-ef0123456789';
  const spread = loadConfig({
    ...SETTINGS,
    AZURE_SUBSCRIPTION_ID: SUB.toUpperCase(),
    ROUTE_TABLE_RESOURCE_GROUP: 'network',
    VNET_RESOURCE_GROUP: 'vnets',
  });
  const group = (name: string) => `/subscriptions/${SUB}/resourceGroups/${name}/providers`;
  const decideIn = (subject: string, operation: string) => decideOnEvent(event(subject, operation), spread);

  it('its workers, table and subnet are acted on, however the subscription id was written in the settings', () => {
    const vm = `${group('kubernetes')}/Microsoft.Compute/virtualMachines/worker-0`;
    const table = `${group('network')}/Microsoft.Network/routeTables/kubernetes-routes`;
    const subnet = `${group('vnets')}/Microsoft.Network/virtualNetworks/kubernetes-vnet/subnets/kubernetes-subnet`;
    expect(decideIn(vm, 'Microsoft.Compute/virtualMachines/write')).toMatchObject({
      act: true,
      resource: 'vm',
    });
    expect(decideIn(table, 'Microsoft.Network/routeTables/write')).toMatchObject({ resource: 'route-table' });
    expect(decideIn(subnet, 'Microsoft.Network/virtualNetworks/subnets/write')).toMatchObject({
      resource: 'subnet',
    });
  });

  it("another resource of the table's group is one of ours we do not depend on, not another group's", () => {
    const other = `${group('network')}/Microsoft.Network/routeTables/other`;
    expect(decideIn(other, 'Microsoft.Network/routeTables/write')).toEqual({
      act: false,
      reason: 'the resource is not one the routes depend on',
    });
    // A VM there is no worker: workers live in the cluster's group.
    const vm = `${group('network')}/Microsoft.Compute/virtualMachines/worker-0`;
    expect(decideIn(vm, 'Microsoft.Compute/virtualMachines/write')).toEqual({
      act: false,
      reason: 'the resource is not one the routes depend on',
    });
  });
});

describe('what a malformed event is told', () => {
  const good = (schema: Schema) =>
    sampleEvent(schema, 'write', IDS.vm, 'Microsoft.Compute/virtualMachines/write');
  const failure = (raw: unknown) => {
    const parsed = parseResourceEvent(raw);
    if (parsed.ok) throw new Error('expected a refusal');
    return [parsed.field, parsed.message];
  };

  it.each([
    [undefined, 'nothing'],
    [null, 'null'],
    [[1, 2], 'an array'],
    [42, 'number'],
    ['x'.repeat(60), `'${'x'.repeat(40)}'`],
  ])('not an event object (%j): says what came instead', (raw, got) => {
    expect(failure(raw)).toEqual(['(event)', `expected an event object, got ${got}`]);
  });

  it('a field of the wrong type: the field named, what was expected and what came', () => {
    expect(failure({ ...good('event-grid-schema'), subject: null })).toEqual([
      'subject',
      'expected the resource id of the event, got null',
    ]);
    expect(failure({ ...good('cloud-events-schema'), type: ['a'] })).toEqual([
      'type',
      'expected the event type, got an array',
    ]);
  });

  it('data that is no object, and data without its operation', () => {
    expect(failure({ ...good('event-grid-schema'), data: 'x' })).toEqual([
      'data',
      "expected the resource event data object, got 'x'",
    ]);
    expect(failure({ ...good('event-grid-schema'), data: {} })).toEqual([
      'data.operationName',
      'expected the ARM operation name, such as Microsoft.Network/routeTables/routes/write, got nothing',
    ]);
  });

  it.each([
    ['type', { type: 'Microsoft.Resources.ResourceWriteSuccess' }],
    ['specversion', { specversion: '1.0' }],
    ['specVersion', { specVersion: '1.0' }],
    ['source', { source: '/subscriptions/x/resourceGroups/y' }],
  ])('an envelope with only %s (no eventType) is read as a CloudEvent', (_attribute, attribute) => {
    const [field] = failure({ id: 'e1', subject: IDS.vm, ...attribute });
    // Read as Event Grid it would lack eventType; read as a CloudEvent it lacks what CloudEvents require.
    expect(field).not.toBe('eventType');
  });

  it('an envelope with none of them, nor eventType, is told it lacks the Event Grid event type', () => {
    expect(failure({ id: 'e1', subject: IDS.vm })[0]).toBe('eventType');
  });

  it('an envelope with eventType is Event Grid, whatever else it carries', () => {
    const parsed = parseResourceEvent({ ...good('event-grid-schema'), type: 'x', source: 'y' });
    expect(parsed.ok && parsed.event.schema).toBe('EventGrid');
  });
});
