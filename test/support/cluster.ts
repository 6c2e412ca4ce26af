// The provisioning report's cluster on the emulator, with config and real SDK clients pointed at it.
import type { ComputeManagementClient } from '@azure/arm-compute';
import type { NetworkManagementClient, Route } from '@azure/arm-network';
import { type ArmClients, createArmClients } from '../../src/azure/clients.js';
import { roleActions } from '../../src/azure/operations.js';
import { forgetArmPacers } from '../../src/azure/pacer.js';
import { type Config, loadConfig } from '../../src/config.js';
import type { ReconcileResult } from '../../src/core/types.js';
import {
  type Emulator,
  type EmulatorOptions,
  emulatorOwnerCredential,
  startEmulator,
} from '../../src/emulator/index.js';
import { type ReconcileOptions, reconcile } from '../../src/reconcile.js';
import { useFixture } from './fixture.js';

const WORLD = 'examples/kthw-azure.world.json';
export const RG = 'kubernetes';
export const TABLE = 'kubernetes-routes';
export const VNET = 'kubernetes-vnet';
export const SUBNET = 'kubernetes-subnet';
export const FAST_LRO = { updateIntervalInMs: 1 };

export interface TestCluster {
  emulator: Emulator;
  settings: Record<string, string>;
  config(overrides?: Record<string, string>): Config;
  clients(config?: Config): ArmClients;
  network: NetworkManagementClient;
  compute: ComputeManagementClient;
  run(options?: Partial<ReconcileOptions> & { settings?: Record<string, string> }): Promise<ReconcileResult>;
  tableId: string;
  subnetId: string;
  /** Routes of the table as the emulator stores them (GET shape). */
  storedRoutes(): Array<{ name: string; properties: Record<string, unknown> }>;
  /** Sets a route through the ARM API, as an operator would. */
  putRoute(name: string, route: Route): Promise<void>;
  deleteRoute(name: string): Promise<void>;
  detachSubnet(): Promise<void>;
  stop(): Promise<void>;
}

/** The deployed custom role (REPAIR_IP_FORWARDING on: the widest), as the function's identity holds it. */
const FUNCTION_ROLE = { actions: roleActions(true) };

/**
 * The emulator in RBAC mode: the engine's requests are authorized against the deployed role (a missing action
 * fails the test with ARM's 403), while the test's own changes (`network`, `compute`, `putRoute`...) are an
 * Owner's, as an operator's would be.
 */
export async function startCluster(options: Partial<EmulatorOptions> = {}): Promise<TestCluster> {
  const emulator = await startEmulator({ world: WORLD, rbac: FUNCTION_ROLE, ...options });
  const settings: Record<string, string> = {
    AZURE_SUBSCRIPTION_ID: emulator.subscriptionId,
    CLUSTER_RESOURCE_GROUP: RG,
    ROUTE_TABLE_NAME: TABLE,
    VNET_NAME: VNET,
    SUBNET_NAME: SUBNET,
    CLUSTER_CIDR: '10.200.0.0/16',
    ARM_ENDPOINT: emulator.endpoint,
    ARM_CA_FILE: emulator.caFile,
  };
  const config = (overrides: Record<string, string> = {}) => loadConfig({ ...settings, ...overrides });
  const clients = (c: Config = config()) =>
    createArmClients(c, { pollIntervalMs: 1, retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 2_000 } });
  const admin = createArmClients(config(), {
    pollIntervalMs: 1,
    credential: emulatorOwnerCredential,
    retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 2_000 },
  });
  const tableId = `/subscriptions/${emulator.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Network/routeTables/${TABLE}`;
  const subnetId = `/subscriptions/${emulator.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Network/virtualNetworks/${VNET}/subnets/${SUBNET}`;
  return {
    emulator,
    settings,
    config,
    clients,
    network: admin.network,
    compute: admin.compute,
    tableId,
    subnetId,
    async run(opts = {}) {
      const c = config(opts.settings ?? {});
      return reconcile({ config: c, trigger: 'timer', clients: clients(c), ...opts });
    },
    storedRoutes() {
      const table = emulator.getResource(tableId) as
        | { properties: { routes: Array<{ name: string; properties: Record<string, unknown> }> } }
        | undefined;
      return table?.properties.routes ?? [];
    },
    async putRoute(name, route) {
      await admin.network.routes.createOrUpdate(RG, TABLE, name, route, FAST_LRO).pollUntilDone();
    },
    async deleteRoute(name) {
      await admin.network.routes.delete(RG, TABLE, name, FAST_LRO).pollUntilDone();
    },
    async detachSubnet() {
      const subnet = await admin.network.subnets.get(RG, VNET, SUBNET);
      await admin.network.subnets
        .createOrUpdate(RG, VNET, SUBNET, { ...subnet, routeTable: undefined }, FAST_LRO)
        .pollUntilDone();
    },
    stop: () => emulator.stop(),
  };
}

/**
 * The file's cluster: started before its tests (with these emulator options), the emulator reset before each
 * test, stopped after them.
 */
export function useCluster(options: Partial<EmulatorOptions> = {}): TestCluster {
  return useFixture('the test cluster', {
    start: () => startCluster(options),
    reset: (cluster) => {
      cluster.emulator.reset();
      forgetArmPacers(cluster.emulator.endpoint); // a reset world's buckets are full again
    },
    stop: (cluster) => cluster.stop(),
  });
}

/** name -> "prefix -> type ip" for compact assertions. */
export function routeMap(
  routes: Array<{ name: string; properties: Record<string, unknown> }>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of routes) {
    const { addressPrefix, nextHopType, nextHopIpAddress } = r.properties;
    out[r.name] = `${addressPrefix} -> ${nextHopType}${nextHopIpAddress ? ` ${nextHopIpAddress}` : ''}`;
  }
  return out;
}

export const CONVERGED = {
  'kubernetes-route-10-200-0-0-24': '10.200.0.0/24 -> VirtualAppliance 10.240.0.20',
  'kubernetes-route-10-200-1-0-24': '10.200.1.0/24 -> VirtualAppliance 10.240.0.21',
};
