// Several subscriptions and regions in one world, virtual network peerings (state, flags, their effective routes)
// and the association rule (a route table and its subnets share one region and subscription), with the real SDK.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ComputeManagementClient } from '@azure/arm-compute';
import { NetworkManagementClient } from '@azure/arm-network';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { armClientOptions, type Emulator, emulatorCredential } from '../../src/emulator/index.js';
import type { WorldFile } from '../../src/emulator/world.js';
import { clients, FAST, raw, repoRoot, start } from './helpers.js';

const base = JSON.parse(
  readFileSync(join(repoRoot, 'examples/multi-region.world.json'), 'utf8'),
) as WorldFile;
const SUB = base.subscriptionId;
const SUB2 = '0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6';
const id = (sub: string, rg: string, type: string, name: string) =>
  `/subscriptions/${sub}/resourceGroups/${rg}/providers/${type}/${name}`;
const OTHER_TABLE = id(SUB2, 'k8s-east', 'Microsoft.Network/routeTables', 'pods-other');
const WEST_TABLE = id(SUB, 'k8s-west', 'Microsoft.Network/routeTables', 'pods-west');

/** The multi-region world plus a second subscription with a group of the same name, a table and a worker VM. */
const world: WorldFile = {
  ...base,
  subscriptions: [{ subscriptionId: SUB2, displayName: 'platform-2' }],
  resourceGroups: [
    ...(base.resourceGroups ?? []),
    { name: 'k8s-east', location: 'eastus2', subscriptionId: SUB2 },
  ],
  resources: [
    ...base.resources,
    { id: OTHER_TABLE, location: 'eastus2', properties: { routes: [] } },
    {
      id: id(SUB2, 'k8s-east', 'Microsoft.Network/networkSecurityGroups', 'other-nsg'),
      location: 'eastus2',
      properties: {},
    },
  ],
};

let emulator: Emulator;
const sdk = (subscriptionId = SUB) => {
  const options = {
    ...armClientOptions(emulator),
    retryOptions: { retryDelayInMs: 1, maxRetryDelayInMs: 5 },
  };
  return {
    network: new NetworkManagementClient(emulatorCredential, subscriptionId, options),
    compute: new ComputeManagementClient(emulatorCredential, subscriptionId, options),
  };
};

beforeAll(async () => {
  emulator = await start({ world });
});
afterAll(() => emulator.stop());
beforeEach(() => emulator.reset());

async function errorOf(
  p: Promise<unknown>,
): Promise<{ statusCode?: number; code?: string; message: string }> {
  try {
    await p;
  } catch (error) {
    return error as { statusCode?: number; code?: string; message: string };
  }
  throw new Error('expected the request to fail');
}

describe('several subscriptions in one world', () => {
  it('serves each subscription its own groups and resources, even under the same group name', async () => {
    const first = await sdk(SUB).network.routeTables.list('k8s-east');
    const names = [];
    for await (const t of first) names.push(t.name);
    expect(names).toEqual(['pods-east']);
    const second = [];
    for await (const t of sdk(SUB2).network.routeTables.list('k8s-east')) second.push(t.id);
    expect(second).toEqual([OTHER_TABLE]);
    const all = [];
    for await (const t of sdk(SUB2).network.routeTables.listAll()) all.push(t.name);
    expect(all).toEqual(['pods-other']);
    const group = await raw(
      emulator,
      'GET',
      `/subscriptions/${SUB2}/resourceGroups/k8s-east?api-version=2021-04-01`,
    );
    expect(group.body).toMatchObject({
      id: `/subscriptions/${SUB2}/resourceGroups/k8s-east`,
      location: 'eastus2',
    });
  });

  it('answers an unknown subscription with SubscriptionNotFound', async () => {
    const error = await errorOf(
      sdk('11111111-2222-4333-8444-555555555555').network.routeTables.get('k8s-east', 'pods-east'),
    );
    expect(error).toMatchObject({ statusCode: 404, code: 'SubscriptionNotFound' });
  });

  it('refuses a world resource in a subscription the world does not list', async () => {
    const bad: WorldFile = { ...world, subscriptions: [] };
    await expect(start({ world: bad })).rejects.toThrow(
      /subscription '0d1e2f3a-.*' differs from the world's subscriptionId/u,
    );
  });

  it('emits the events of a write in the second subscription from that subscription and group', async () => {
    const events: Array<{ topic: string; data: { subscriptionId: string } }> = [];
    const stop = emulator.subscribe((e) => events.push(e as never));
    await sdk(SUB2).network.routes.beginCreateOrUpdateAndWait(
      'k8s-east',
      'pods-other',
      'r1',
      { addressPrefix: '10.9.0.0/24', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.240.0.4' },
      FAST,
    );
    stop();
    expect(events.map((e) => [e.topic, e.data.subscriptionId])).toContainEqual([
      `/subscriptions/${SUB2}/resourceGroups/k8s-east`,
      SUB2,
    ]);
  });
});

describe('Event Grid in the second subscription', () => {
  it('makes a system topic for a group of the second subscription, there, and lists it only there', async () => {
    const path = `/subscriptions/${SUB2}/resourceGroups/k8s-east/providers/Microsoft.EventGrid/systemTopics/topic-2`;
    const body = {
      location: 'global',
      properties: {
        source: `/subscriptions/${SUB2}/resourceGroups/k8s-east`,
        topicType: 'Microsoft.Resources.ResourceGroups',
      },
    };
    const put = await raw(emulator, 'PUT', `${path}?api-version=2025-02-15`, { body });
    expect(put.status).toBeLessThan(300);
    expect((put.body as { id: string }).id).toBe(path);
    const listed = async (sub: string) =>
      (
        (
          await raw(
            emulator,
            'GET',
            `/subscriptions/${sub}/providers/Microsoft.EventGrid/systemTopics?api-version=2025-02-15`,
          )
        ).body as { value: Array<{ id: string }> }
      ).value.map((t) => t.id);
    expect(await listed(SUB2)).toEqual([path]);
    expect(await listed(SUB)).toEqual([]);
  });
});

describe('virtual network peerings', () => {
  it('lists and gets a vnet’s peerings: Connected when both sides exist, with their flags and the remote space', async () => {
    const { network } = sdk();
    const list = [];
    for await (const p of network.virtualNetworkPeerings.list('k8s-east', 'vnet-east')) list.push(p);
    expect(list).toHaveLength(1);
    const peering = await network.virtualNetworkPeerings.get('k8s-east', 'vnet-east', 'east-to-west');
    expect(peering).toMatchObject({
      name: 'east-to-west',
      peeringState: 'Connected',
      allowVirtualNetworkAccess: true,
      allowForwardedTraffic: true,
      allowGatewayTransit: false,
      useRemoteGateways: false,
      remoteVirtualNetwork: { id: id(SUB, 'k8s-west', 'Microsoft.Network/virtualNetworks', 'vnet-west') },
      remoteAddressSpace: { addressPrefixes: ['10.241.0.0/16'] },
    });
    const error = await errorOf(network.virtualNetworkPeerings.get('k8s-east', 'vnet-east', 'nope'));
    expect(error).toMatchObject({ statusCode: 404 });
  });

  it('shows a peering whose remote side is gone as Initiated, and a world-set state as given', async () => {
    const west = emulator.getResource(
      id(SUB, 'k8s-west', 'Microsoft.Network/virtualNetworks', 'vnet-west'),
    ) as {
      properties: { virtualNetworkPeerings: unknown[] };
    };
    west.properties.virtualNetworkPeerings = [];
    emulator.upsertResource(west, { emitEvent: false });
    const { network } = sdk();
    expect(
      (await network.virtualNetworkPeerings.get('k8s-east', 'vnet-east', 'east-to-west')).peeringState,
    ).toBe('Initiated');
    const vnet = await network.virtualNetworks.get('k8s-east', 'vnet-east');
    expect(vnet.virtualNetworkPeerings?.[0]?.peeringState).toBe('Initiated');
  });

  it('adds one VNetPeering route per peer range to effective routes while Connected, none otherwise', async () => {
    const { network } = sdk();
    const peeringRoutes = async () =>
      (
        (await network.networkInterfaces.beginGetEffectiveRouteTableAndWait('k8s-east', 'worker-0-nic', FAST))
          .value ?? []
      )
        .filter((r) => r.nextHopType === 'VNetPeering')
        .map((r) => [r.source, r.addressPrefix, r.state]);
    expect(await peeringRoutes()).toEqual([['Default', ['10.241.0.0/16'], 'Active']]);
    const west = emulator.getResource(
      id(SUB, 'k8s-west', 'Microsoft.Network/virtualNetworks', 'vnet-west'),
    ) as {
      properties: { virtualNetworkPeerings: unknown[] };
    };
    west.properties.virtualNetworkPeerings = [];
    emulator.upsertResource(west, { emitEvent: false });
    expect(await peeringRoutes()).toEqual([]);
  });

  it('serves no peering writes (they are the network team’s: world file and admin API only)', async () => {
    const reply = await raw(
      emulator,
      'PUT',
      `${id(SUB, 'k8s-east', 'Microsoft.Network/virtualNetworks', 'vnet-east')}/virtualNetworkPeerings/x?api-version=2024-05-01`,
      { body: { properties: {} } },
    );
    expect(reply.status).toBe(400);
  });
});

describe('the association rule: a route table and its subnets share one region and subscription', () => {
  const putSubnet = (routeTableId: string) =>
    sdk().network.subnets.beginCreateOrUpdateAndWait(
      'k8s-east',
      'vnet-east',
      'nodes-b',
      { addressPrefix: '10.240.1.0/24', routeTable: { id: routeTableId } },
      FAST,
    );

  it('refuses a route table of another region with ARM’s InvalidResourceReference', async () => {
    const error = await errorOf(putSubnet(WEST_TABLE));
    expect(error).toMatchObject({ statusCode: 400, code: 'InvalidResourceReference' });
    expect(error.message).toMatch(/both resources are in the same region/u);
  });

  it('refuses a route table of another subscription the same way', async () => {
    const error = await errorOf(putSubnet(OTHER_TABLE));
    expect(error).toMatchObject({ statusCode: 400, code: 'InvalidResourceReference' });
  });

  it('accepts the table of its own region and subscription', async () => {
    const subnet = await putSubnet(id(SUB, 'k8s-east', 'Microsoft.Network/routeTables', 'pods-east'));
    expect(subnet.routeTable?.id).toMatch(/pods-east$/u);
  });

  it('refuses a world file that associates a subnet with a table of another region', async () => {
    const vnet = structuredClone(base.resources[1]!) as {
      properties: { subnets: Array<{ properties: Record<string, unknown> }> };
    };
    vnet.properties.subnets[0]!.properties.routeTable = {
      id: id(SUB, 'k8s-east', 'Microsoft.Network/routeTables', 'pods-east'),
    };
    const bad: WorldFile = { ...base, resources: [base.resources[0]!, vnet, ...base.resources.slice(2)] };
    await expect(start({ world: bad })).rejects.toThrow(
      /is not in the region and subscription of its virtual network/u,
    );
  });
});

// The helpers' default world keeps working (one subscription, no peerings).
it('keeps the single-subscription world valid', async () => {
  const single = await start();
  try {
    const { network } = clients(single);
    const list = [];
    for await (const p of network.virtualNetworkPeerings.list('kubernetes', 'kubernetes-vnet')) list.push(p);
    expect(list).toEqual([]);
  } finally {
    await single.stop();
  }
});
