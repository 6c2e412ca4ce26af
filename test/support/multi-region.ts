// examples/multi-region.world.json: one cluster over three subnets in two peered vnets in two regions. East
// (eastus2, group k8s-east): vnet-east with nodes-a (worker-0, associated with pods-east) and nodes-b (worker-1,
// left unassociated); west (westus2, group k8s-west): vnet-west with nodes-c (worker-2), its table pods-west
// empty and unassociated. Each region has its table: Azure associates a table only with subnets of its region.
import { readFileSync } from 'node:fs';
import { type ArmClients, createArmClients } from '../../src/azure/clients.js';
import { roleActions } from '../../src/azure/operations.js';
import { type ClusterTopology, type Config, loadConfig } from '../../src/config.js';
import { type Emulator, emulatorOwnerCredential, startEmulator } from '../../src/emulator/index.js';
import type { WorldFile } from '../../src/emulator/world.js';
import { useFixture } from './fixture.js';

const MULTI_REGION_WORLD = 'examples/multi-region.world.json';

function multiRegionTopology(subscriptionId: string, west = subscriptionId): ClusterTopology {
  const subnet = (resourceGroup: string, virtualNetwork: string, name: string) => ({
    subscriptionId: resourceGroup === 'k8s-west' ? west : subscriptionId,
    resourceGroup,
    virtualNetwork,
    name,
  });
  return {
    name: 'multi-region',
    workerGroups: [
      { subscriptionId, resourceGroup: 'k8s-east' },
      { subscriptionId: west, resourceGroup: 'k8s-west' },
    ],
    routeTables: [
      {
        subscriptionId,
        resourceGroup: 'k8s-east',
        name: 'pods-east',
        subnets: [subnet('k8s-east', 'vnet-east', 'nodes-a'), subnet('k8s-east', 'vnet-east', 'nodes-b')],
      },
      {
        subscriptionId: west,
        resourceGroup: 'k8s-west',
        name: 'pods-west',
        subnets: [subnet('k8s-west', 'vnet-west', 'nodes-c')],
      },
    ],
  };
}

export interface MultiRegion {
  emulator: Emulator;
  config(settings?: Record<string, string>): Config;
  clients(config: Config): ArmClients;
  /** An operator's clients (Owner), for breaking things. */
  admin: ArmClients;
  stop(): Promise<void>;
}

/** The world with its west group (vnet, table, worker) in a second subscription of the tenant. */
function westInSubscription(west: string): WorldFile {
  const world = JSON.parse(readFileSync(MULTI_REGION_WORLD, 'utf8')) as WorldFile;
  const from = `/subscriptions/${world.subscriptionId}/resourceGroups/k8s-west/`;
  const moved = JSON.parse(
    JSON.stringify(world).replaceAll(from, `/subscriptions/${west}/resourceGroups/k8s-west/`),
  ) as WorldFile;
  return {
    ...moved,
    subscriptions: [{ subscriptionId: west }],
    resourceGroups: (moved.resourceGroups ?? []).map((g) =>
      typeof g !== 'string' && g.name === 'k8s-west' ? { ...g, subscriptionId: west } : g,
    ),
  };
}

/**
 * The world on the emulator in RBAC mode: the engine holds exactly the deployed role. `westSubscription`: the
 * west region's group lives in that second subscription.
 */
async function startMultiRegion(westSubscription?: string): Promise<MultiRegion> {
  const world = westSubscription === undefined ? MULTI_REGION_WORLD : westInSubscription(westSubscription);
  const emulator = await startEmulator({ world, rbac: { actions: roleActions(true) } });
  const config = (settings: Record<string, string> = {}) => ({
    ...loadConfig({
      AZURE_SUBSCRIPTION_ID: emulator.subscriptionId,
      CLUSTER_NAME: 'multi-region',
      CLUSTER_RESOURCE_GROUP: 'k8s-east',
      ROUTE_TABLE_NAME: 'pods-east',
      VNET_NAME: 'vnet-east',
      SUBNET_NAME: 'nodes-a',
      CLUSTER_CIDR: '10.200.0.0/16',
      ARM_ENDPOINT: emulator.endpoint,
      ARM_CA_FILE: emulator.caFile,
      ...settings,
    }),
    cluster: multiRegionTopology(emulator.subscriptionId, westSubscription),
  });
  const retry = { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 2_000 };
  const clients = (c: Config) => createArmClients(c, { pollIntervalMs: 1, retry });
  const admin = createArmClients(config(), { pollIntervalMs: 1, credential: emulatorOwnerCredential, retry });
  return { emulator, config, clients, admin, stop: () => emulator.stop() };
}

export function useMultiRegion(westSubscription?: string): MultiRegion {
  return useFixture('the multi-region cluster', {
    start: () => startMultiRegion(westSubscription),
    reset: (world) => world.emulator.reset(),
    stop: (world) => world.stop(),
  });
}
