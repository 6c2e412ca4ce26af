// Scenario: the emulator in RBAC mode answers as ARM does for a caller holding one custom role: its own action
// for every request (AuthorizationFailed), and join on everything a subnet or NIC body refers to
// (LinkedAuthorizationFailed), with ARM's error texts. An Owner (the test's own set-up) is never checked.
import { NetworkManagementClient } from '@azure/arm-network';
import { afterEach, describe, expect, it } from 'vitest';
import { REQUIRED_ACTIONS, roleActions } from '../../src/azure/operations.js';
import {
  armClientOptions,
  type Emulator,
  type EmulatorOptions,
  emulatorOwnerCredential,
  type Json,
} from '../../src/emulator/index.js';
import { requestNeeds } from '../../src/emulator/rbac.js';
import { clients, FAST, RG, raw, rejection, start, TABLE } from './helpers.js';

const VNET = 'kubernetes-vnet';
const SUBNET = 'kubernetes-subnet';
const CALLER = '00000000-0000-0000-0000-0000000e0001';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});

async function startWith(rbac: EmulatorOptions['rbac']) {
  emulator = await start({ rbac });
  const owner = new NetworkManagementClient(emulatorOwnerCredential, emulator.subscriptionId, {
    ...armClientOptions(emulator),
  });
  return {
    emulator,
    ...clients(emulator),
    owner,
    group: `/subscriptions/${emulator.subscriptionId}/resourceGroups`,
  };
}

const without = (actions: readonly string[], ...drop: string[]) => actions.filter((a) => !drop.includes(a));

function addGeneric(e: Emulator, rg: string, type: string, name: string, properties: Json = {}): string {
  const id = `/subscriptions/${e.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Network/${type}/${name}`;
  e.upsertResource({ id, location: 'eastus2', properties }, { emitEvent: false });
  return id;
}

describe('which action a request needs (table-driven, as ARM derives it)', () => {
  const sub = '/subscriptions/s/resourceGroups/kubernetes/providers';
  it.each([
    [
      'GET',
      `${sub}/Microsoft.Network/routeTables/t`,
      'Microsoft.Network/routeTables/read',
      `${sub}/Microsoft.Network/routeTables/t`,
    ],
    [
      'GET',
      `${sub}/Microsoft.Compute/virtualMachines`,
      'Microsoft.Compute/virtualMachines/read',
      `${sub}/Microsoft.Compute`,
    ],
    [
      'PUT',
      `${sub}/Microsoft.Network/virtualNetworks/v/subnets/s`,
      'Microsoft.Network/virtualNetworks/subnets/write',
      `${sub}/Microsoft.Network/virtualNetworks/v/subnets/s`,
    ],
    [
      'DELETE',
      `${sub}/Microsoft.Network/routeTables/t/routes/r`,
      'Microsoft.Network/routeTables/routes/delete',
      `${sub}/Microsoft.Network/routeTables/t/routes/r`,
    ],
    [
      'POST',
      `${sub}/Microsoft.Network/networkInterfaces/n/effectiveRouteTable`,
      'Microsoft.Network/networkInterfaces/effectiveRouteTable/action',
      `${sub}/Microsoft.Network/networkInterfaces/n`,
    ],
    [
      'PATCH',
      `${sub}/Microsoft.Network/routeTables/t/providers/Microsoft.Resources/tags/default`,
      'Microsoft.Resources/tags/write',
      `${sub}/Microsoft.Network/routeTables/t/providers/Microsoft.Resources/tags/default`,
    ],
  ])('%s %s -> %s', (method, path, action, scope) => {
    expect(requestNeeds(method, path, undefined)).toMatchObject({
      action,
      scope,
      known: true,
      checked: true,
    });
  });

  it('reads a scale set, its instances and their NICs with the Compute actions of the provider operations list', () => {
    const vmss = `${sub}/Microsoft.Compute/virtualMachineScaleSets/pool`;
    expect(requestNeeds('GET', `${vmss}/virtualMachines/0/networkInterfaces`, undefined)).toMatchObject({
      action: 'Microsoft.Compute/virtualMachineScaleSets/virtualMachines/networkInterfaces/read',
      scope: `${vmss}/virtualMachines/0`,
      known: true,
    });
    expect(requestNeeds('GET', `${vmss}/networkInterfaces`, undefined)?.action).toBe(
      'Microsoft.Compute/virtualMachineScaleSets/networkInterfaces/read',
    );
  });

  it('needs no action to poll an operation, and none outside /subscriptions/{id}/', () => {
    expect(
      requestNeeds(
        'GET',
        '/subscriptions/s/providers/Microsoft.Network/locations/eastus2/operations/1',
        undefined,
      )?.action,
    ).toBeNull();
    expect(
      requestNeeds(
        'GET',
        '/subscriptions/s/providers/Microsoft.Compute/locations/eastus2/operationResults/1',
        undefined,
      )?.action,
    ).toBeNull();
    expect(requestNeeds('GET', '/adfs/.well-known/openid-configuration', undefined)).toBeUndefined();
  });

  it('derives an unknown operation generically: checked (refused) in Microsoft.Network/Compute, unchecked elsewhere', () => {
    expect(requestNeeds('GET', `${sub}/Microsoft.Network/loadBalancers/lb`, undefined)).toMatchObject({
      action: 'Microsoft.Network/loadBalancers/read',
      known: false,
      checked: true,
    });
    expect(requestNeeds('PUT', `${sub}/Microsoft.EventGrid/systemTopics/t`, {})).toMatchObject({
      known: false,
      checked: false,
    });
  });

  it('lists the join of every reference in a subnet or NIC body, unchanged ones included', () => {
    const subnet = requestNeeds('PUT', `${sub}/Microsoft.Network/virtualNetworks/v/subnets/s`, {
      properties: {
        networkSecurityGroup: { id: '/nsg' },
        routeTable: { id: '/rt' },
        natGateway: { id: '/nat' },
        serviceEndpointPolicies: [{ id: '/sep1' }, { id: '/sep2' }],
        serviceEndpoints: [{ service: 'Microsoft.Storage' }],
        delegations: [{ name: 'd', properties: { serviceName: 'Microsoft.Web/serverFarms' } }],
      },
    });
    expect(subnet?.linked).toEqual([
      { action: 'Microsoft.Network/networkSecurityGroups/join/action', scope: '/nsg' },
      { action: 'Microsoft.Network/routeTables/join/action', scope: '/rt' },
      { action: 'Microsoft.Network/natGateways/join/action', scope: '/nat' },
      { action: 'Microsoft.Network/serviceEndpointPolicies/join/action', scope: '/sep1' },
      { action: 'Microsoft.Network/serviceEndpointPolicies/join/action', scope: '/sep2' },
    ]);
    const nic = requestNeeds('PUT', `${sub}/Microsoft.Network/networkInterfaces/n`, {
      properties: {
        networkSecurityGroup: { id: '/nsg' },
        ipConfigurations: [
          { properties: { subnet: { id: '/s1' }, publicIPAddress: { id: '/pip' } } },
          { properties: { subnet: { id: '/s1' } } },
        ],
      },
    });
    expect(nic?.linked.map((l) => `${l.action} ${l.scope}`)).toEqual([
      'Microsoft.Network/networkSecurityGroups/join/action /nsg',
      'Microsoft.Network/virtualNetworks/subnets/join/action /s1',
      'Microsoft.Network/virtualNetworks/subnets/join/action /s1',
      'Microsoft.Network/publicIPAddresses/join/action /pip',
    ]);
  });
});

describe('RBAC mode on the wire', () => {
  it('is off by default: a caller may do anything', async () => {
    const { network } = await startWith(undefined);
    await network.routeTables.delete(RG, TABLE, FAST).catch(() => undefined);
    expect(emulator!.requests()[0]).toMatchObject({
      status: 400,
      action: 'Microsoft.Network/routeTables/delete',
    });
  });

  it('answers 403 AuthorizationFailed, in ARM words, for an action the role lacks; the Owner is not checked', async () => {
    const { network, owner, group } = await startWith({ actions: REQUIRED_ACTIONS });
    await expect(network.routeTables.get(RG, TABLE)).resolves.toMatchObject({ name: TABLE });
    const nic = await network.networkInterfaces.get(RG, 'worker-0-nic');
    const error = await rejection(
      network.networkInterfaces.createOrUpdate(RG, 'worker-0-nic', nic, FAST).pollUntilDone(),
    );
    const scope = `${group}/${RG}/providers/Microsoft.Network/networkInterfaces/worker-0-nic`;
    expect(error.statusCode).toBe(403);
    expect(error.code).toBe('AuthorizationFailed');
    expect(error.message).toBe(
      `The client '${CALLER}' with object id '${CALLER}' does not have authorization to perform action 'Microsoft.Network/networkInterfaces/write' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    );
    await owner.networkInterfaces
      .createOrUpdate(RG, 'worker-0-nic', { ...nic, tags: { by: 'owner' } }, FAST)
      .pollUntilDone();
    expect(emulator!.getResource(scope)?.tags).toEqual({ by: 'owner' });
    const log = emulator!.requests();
    expect(log.filter((r) => r.caller === 'role').map((r) => r.status)).toEqual([200, 200, 403]);
    expect(log.filter((r) => r.caller === 'owner').every((r) => r.status === 200)).toBe(true);
  });

  it('refuses a list with the provider namespace as scope, and an unknown Microsoft.Network operation', async () => {
    await startWith({ actions: ['Microsoft.Network/*/read'] });
    const list = await raw(
      emulator!,
      'GET',
      `/subscriptions/${emulator!.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines?api-version=2026-04-01`,
    );
    expect(list.status).toBe(403);
    expect(JSON.stringify(list.body)).toContain(
      `'Microsoft.Compute/virtualMachines/read' over scope '/subscriptions/${emulator!.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Compute'`,
    );
    const lb = await raw(
      emulator!,
      'GET',
      `/subscriptions/${emulator!.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Network/loadBalancers/lb?api-version=2026-01-01`,
    );
    expect(lb.status).toBe(403);
  });

  it('polls a long-running operation without any action of its own', async () => {
    const { network } = await startWith({ actions: roleActions(false) });
    const table = await network.routeTables.get(RG, TABLE);
    await network.routeTables.createOrUpdate(RG, TABLE, { ...table, tags: { a: 'b' } }, FAST).pollUntilDone();
    const polls = emulator!.requests().filter((r) => r.lroPoll);
    expect(polls.length).toBeGreaterThan(0);
    expect(polls.every((r) => r.status === 200 && r.action === undefined)).toBe(true);
  });

  it('answers 403 LinkedAuthorizationFailed for a subnet PUT lacking the join of an unchanged NAT gateway', async () => {
    const { network, owner, group } = await startWith({
      actions: without(REQUIRED_ACTIONS, 'Microsoft.Network/natGateways/join/action'),
    });
    const nat = addGeneric(emulator!, RG, 'natGateways', 'kubernetes-nat');
    const current = await owner.subnets.get(RG, VNET, SUBNET);
    await owner.subnets
      .createOrUpdate(RG, VNET, SUBNET, { ...current, natGateway: { id: nat } }, FAST)
      .pollUntilDone();
    const subnet = await network.subnets.get(RG, VNET, SUBNET);
    const error = await rejection(
      network.subnets
        .createOrUpdate(RG, VNET, SUBNET, { ...subnet, routeTable: undefined }, FAST)
        .pollUntilDone(),
    );
    const scope = `${group}/${RG}/providers/Microsoft.Network/virtualNetworks/${VNET}/subnets/${SUBNET}`;
    expect(error.statusCode).toBe(403);
    expect(error.code).toBe('LinkedAuthorizationFailed');
    expect(error.message).toBe(
      `The client '${CALLER}' with object id '${CALLER}' has permission to perform action 'Microsoft.Network/virtualNetworks/subnets/write' on scope '${scope}'; however, it does not have permission to perform action(s) 'Microsoft.Network/natGateways/join/action' on the linked scope(s) '${nat}' (respectively) or the linked scope(s) are invalid.`,
    );
    expect(emulator!.requests().at(-1)?.linkedActions).toEqual([
      'Microsoft.Network/networkSecurityGroups/join/action',
      'Microsoft.Network/natGateways/join/action',
    ]);
  });

  it('checks the join on the linked resource group: an NSG in a group without the role is refused', async () => {
    const { network, owner } = await startWith({ actions: REQUIRED_ACTIONS, resourceGroups: [RG] });
    const nsg = addGeneric(emulator!, 'network-security', 'networkSecurityGroups', 'shared-nsg');
    const current = await owner.subnets.get(RG, VNET, SUBNET);
    await owner.subnets
      .createOrUpdate(RG, VNET, SUBNET, { ...current, networkSecurityGroup: { id: nsg } }, FAST)
      .pollUntilDone();
    const subnet = await network.subnets.get(RG, VNET, SUBNET);
    const error = await rejection(
      network.subnets.createOrUpdate(RG, VNET, SUBNET, subnet, FAST).pollUntilDone(),
    );
    expect(error.code).toBe('LinkedAuthorizationFailed');
    expect(error.message).toContain(
      `'Microsoft.Network/networkSecurityGroups/join/action' on the linked scope(s) '${nsg}'`,
    );

    await emulator!.stop();
    const again = await startWith({ actions: REQUIRED_ACTIONS, resourceGroups: [RG, 'network-security'] });
    const nsg2 = addGeneric(again.emulator, 'network-security', 'networkSecurityGroups', 'shared-nsg');
    const s2 = await again.owner.subnets.get(RG, VNET, SUBNET);
    await again.owner.subnets
      .createOrUpdate(RG, VNET, SUBNET, { ...s2, networkSecurityGroup: { id: nsg2 } }, FAST)
      .pollUntilDone();
    const mine = await again.network.subnets.get(RG, VNET, SUBNET);
    await expect(
      again.network.subnets.createOrUpdate(RG, VNET, SUBNET, mine, FAST).pollUntilDone(),
    ).resolves.toBeDefined();
  });

  it('names every missing join of a NIC PUT, respectively: subnet, public IP and NSG', async () => {
    const { network, owner } = await startWith({
      actions: [...REQUIRED_ACTIONS, 'Microsoft.Network/networkInterfaces/write'].filter(
        (a) => !a.includes('networkSecurityGroups'),
      ),
    });
    const pip = addGeneric(emulator!, RG, 'publicIPAddresses', 'worker-0-pip');
    const nsg = `/subscriptions/${emulator!.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Network/networkSecurityGroups/kubernetes-nsg`;
    const nic = await owner.networkInterfaces.get(RG, 'worker-0-nic');
    const ipConfigurations = nic.ipConfigurations!.map((c) => ({ ...c, publicIPAddress: { id: pip } }));
    await owner.networkInterfaces
      .createOrUpdate(
        RG,
        'worker-0-nic',
        { ...nic, ipConfigurations, networkSecurityGroup: { id: nsg } },
        FAST,
      )
      .pollUntilDone();
    const mine = await network.networkInterfaces.get(RG, 'worker-0-nic');
    const error = await rejection(
      network.networkInterfaces
        .createOrUpdate(RG, 'worker-0-nic', { ...mine, enableIPForwarding: true }, FAST)
        .pollUntilDone(),
    );
    const subnet = String(nic.ipConfigurations![0]!.subnet!.id);
    expect(error.code).toBe('LinkedAuthorizationFailed');
    expect(error.message).toContain(
      `perform action(s) 'Microsoft.Network/networkSecurityGroups/join/action,Microsoft.Network/virtualNetworks/subnets/join/action,Microsoft.Network/publicIPAddresses/join/action' on the linked scope(s) '${nsg},${subnet},${pip}' (respectively)`,
    );
  });

  it('lets the full role (REPAIR_IP_FORWARDING) write that NIC', async () => {
    const { network, owner } = await startWith({ actions: roleActions(true) });
    const pip = addGeneric(emulator!, RG, 'publicIPAddresses', 'worker-0-pip');
    const nic = await owner.networkInterfaces.get(RG, 'worker-0-nic');
    const ipConfigurations = nic.ipConfigurations!.map((c) => ({ ...c, publicIPAddress: { id: pip } }));
    await owner.networkInterfaces
      .createOrUpdate(RG, 'worker-0-nic', { ...nic, ipConfigurations }, FAST)
      .pollUntilDone();
    const mine = await network.networkInterfaces.get(RG, 'worker-0-nic');
    await expect(
      network.networkInterfaces.createOrUpdate(RG, 'worker-0-nic', mine, FAST).pollUntilDone(),
    ).resolves.toMatchObject({ name: 'worker-0-nic' });
  });
});
