// examples/multi-region.world.json: one cluster over three subnets in two peered vnets in two regions. East
// (eastus2, group k8s-east): vnet-east with nodes-a (worker-0, associated with pods-east) and nodes-b (worker-1,
// left unassociated); west (westus2, group k8s-west): vnet-west with nodes-c (worker-2), its table pods-west
// empty and unassociated. Each region has its table: Azure associates a table only with subnets of its region.
import { type ArmClients, createArmClients } from '../../src/azure/clients.js';
import { roleActions } from '../../src/azure/operations.js';
import { type ClusterTopology, type Config, loadConfig } from '../../src/config.js';
import { type Emulator, emulatorOwnerCredential, startEmulator } from '../../src/emulator/index.js';
import { useFixture } from './fixture.js';

const MULTI_REGION_WORLD = 'examples/multi-region.world.json';

function multiRegionTopology(subscriptionId: string): ClusterTopology {
  const subnet = (resourceGroup: string, virtualNetwork: string, name: string) => ({
    subscriptionId,
    resourceGroup,
    virtualNetwork,
    name,
  });
  return {
    name: 'multi-region',
    workerGroups: [
      { subscriptionId, resourceGroup: 'k8s-east' },
      { subscriptionId, resourceGroup: 'k8s-west' },
    ],
    routeTables: [
      {
        subscriptionId,
        resourceGroup: 'k8s-east',
        name: 'pods-east',
        subnets: [subnet('k8s-east', 'vnet-east', 'nodes-a'), subnet('k8s-east', 'vnet-east', 'nodes-b')],
      },
      {
        subscriptionId,
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

/** The world on the emulator in RBAC mode: the engine holds exactly the deployed role. */
async function startMultiRegion(): Promise<MultiRegion> {
  const emulator = await startEmulator({ world: MULTI_REGION_WORLD, rbac: { actions: roleActions(true) } });
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
    cluster: multiRegionTopology(emulator.subscriptionId),
  });
  const retry = { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 2_000 };
  const clients = (c: Config) => createArmClients(c, { pollIntervalMs: 1, retry });
  const admin = createArmClients(config(), { pollIntervalMs: 1, credential: emulatorOwnerCredential, retry });
  return { emulator, config, clients, admin, stop: () => emulator.stop() };
}

export function useMultiRegion(): MultiRegion {
  return useFixture('the multi-region cluster', {
    start: startMultiRegion,
    reset: (world) => world.emulator.reset(),
    stop: (world) => world.stop(),
  });
}
