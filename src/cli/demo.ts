// `npm start`: the main job on the embedded emulator. It seeds the provisioning report's cluster, breaks its
// routing the ways it breaks in real life, shows the plan, repairs it exactly as the timer function does
// (the same reconcile call), shows the converged table, and checks that the foreign route survived.
import type { Writable } from 'node:stream';
import { createArmClients } from '../azure/clients.js';
import { roleActions } from '../azure/operations.js';
import { loadConfig } from '../config.js';
import type { ReconcileResult } from '../core/types.js';
import { emulatorOwnerCredential, startEmulator } from '../emulator/index.js';
import { reconcile } from '../reconcile.js';
import type { ClusterScope } from '../topology/from-result.js';
import { clusterScope } from '../topology/scope.js';
import { render } from './render.js';

const RG = 'kubernetes';
const TABLE = 'kubernetes-routes';
const FIREWALL_ROUTE = 'firewall-default-route';

interface DemoOptions {
  world: string;
  out: Writable;
  /** LRO polling interval for the demo's clients (the emulator completes operations at once). */
  pollIntervalMs?: number;
}

/** The demo's emulator and settings: the provisioning report's cluster, the engine holding only its role. */
async function startDemoCluster(world: string, pollIntervalMs: number) {
  // The engine holds exactly the deployed custom role (RBAC mode); the breakage is an operator's (Owner).
  const emulator = await startEmulator({ world, rbac: { actions: roleActions(false) } });
  try {
    return demoClients(emulator, pollIntervalMs);
  } catch (error) {
    await emulator.stop();
    throw error;
  }
}

function demoClients(emulator: Awaited<ReturnType<typeof startEmulator>>, pollIntervalMs: number) {
  const config = loadConfig({
    AZURE_SUBSCRIPTION_ID: emulator.subscriptionId,
    CLUSTER_RESOURCE_GROUP: RG,
    ROUTE_TABLE_NAME: TABLE,
    VNET_NAME: 'kubernetes-vnet',
    SUBNET_NAME: 'kubernetes-subnet',
    CLUSTER_CIDR: '10.200.0.0/16',
    ARM_ENDPOINT: emulator.endpoint,
    ARM_CA_FILE: emulator.caFile,
  });
  const clients = createArmClients(config, { pollIntervalMs });
  const { network } = createArmClients(config, { pollIntervalMs, credential: emulatorOwnerCredential });
  return { emulator, config, clients, network, lro: { updateIntervalInMs: pollIntervalMs } };
}

type DemoCluster = Awaited<ReturnType<typeof startDemoCluster>>;

/** Step 1: four drifts (missing, wrong next hop, stale, subnet detached) and a foreign firewall route. */
async function breakTheRouting({ network, lro }: DemoCluster, say: (text?: string) => void): Promise<void> {
  say('1. Breaking the routing through the ARM API, as people and time do:');
  await network.routes.delete(RG, TABLE, 'kubernetes-route-10-200-1-0-24', lro).pollUntilDone();
  say("   - worker-1's route deleted by hand");
  const appliance = (addressPrefix: string, nextHopIpAddress: string) => ({
    addressPrefix,
    nextHopType: 'VirtualAppliance',
    nextHopIpAddress,
  });
  const edits: Array<[string, ReturnType<typeof appliance>, string]> = [
    [
      'kubernetes-route-10-200-0-0-24',
      appliance('10.200.0.0/24', '10.240.0.99'),
      "worker-0's route points at a stale IP (10.240.0.99)",
    ],
    [
      'kubernetes-route-10-200-2-0-24',
      appliance('10.200.2.0/24', '10.240.0.22'),
      'a leftover route of a departed worker-2 (10.200.2.0/24)',
    ],
    [
      FIREWALL_ROUTE,
      appliance('0.0.0.0/0', '10.240.0.4'),
      'a foreign firewall route 0.0.0.0/0 -> 10.240.0.4 (not ours: it must survive)',
    ],
  ];
  for (const [name, route, what] of edits) {
    await network.routes.createOrUpdate(RG, TABLE, name, route, lro).pollUntilDone();
    say(`   - ${what}`);
  }
  const subnet = await network.subnets.get(RG, 'kubernetes-vnet', 'kubernetes-subnet');
  await network.subnets
    .createOrUpdate(RG, 'kubernetes-vnet', 'kubernetes-subnet', { ...subnet, routeTable: undefined }, lro)
    .pollUntilDone();
  say('   - the route table detached from kubernetes-subnet');
}

/** The plan of the demo's broken cluster and its scope for the pictures (`pod-routes plan` as the demo runs it). */
export async function brokenDemoPlan(world: string): Promise<{ plan: ReconcileResult; scope: ClusterScope }> {
  const demo = await startDemoCluster(world, 50);
  try {
    await breakTheRouting(demo, () => {});
    const plan = await reconcile({
      config: demo.config,
      trigger: 'cli',
      dryRun: true,
      clients: demo.clients,
    });
    return { plan, scope: clusterScope(demo.config) };
  } finally {
    await demo.emulator.stop();
  }
}

export async function runDemo(options: DemoOptions): Promise<number> {
  const say = (text = '') => options.out.write(`${text}\n`);
  const demo = await startDemoCluster(options.world, options.pollIntervalMs ?? 50);
  const { emulator, config, clients, network } = demo;
  try {
    say(
      `pod-route-reconciler demo: the provisioning report's cluster on the local ARM emulator at ${emulator.endpoint}`,
    );
    say();
    await breakTheRouting(demo, say);
    const firewallBefore = JSON.stringify(await network.routes.get(RG, TABLE, FIREWALL_ROUTE));
    say();
    say('2. pod-routes plan');
    const plan = await reconcile({ config, trigger: 'cli', dryRun: true, clients });
    say(render('table', 'plan', plan));

    say();
    say('3. Repair, exactly as the timer function runs it (one reconcile, trigger "timer")');
    const repaired = await reconcile({ config, trigger: 'timer', clients });
    say(render('table', 'apply', repaired));

    say();
    say('4. Second run on the converged table');
    const second = await reconcile({ config, trigger: 'timer', clients });
    say(`   status ${second.status}; ARM requests: ${second.arm.reads} reads, ${second.arm.writes} writes`);

    const firewallAfter = JSON.stringify(await network.routes.get(RG, TABLE, FIREWALL_ROUTE));
    const problems = demoProblems(repaired, second, firewallBefore, firewallAfter);
    say();
    if (problems.length > 0) {
      for (const p of problems) say(`FAILED: ${p}`);
      return 1;
    }
    say(
      'Converged: every worker has its route, the subnet is associated, the firewall route is untouched, and the second run wrote nothing.',
    );
    return 0;
  } finally {
    await emulator.stop();
  }
}

function demoProblems(
  repaired: ReconcileResult,
  second: ReconcileResult,
  firewallBefore: string,
  firewallAfter: string,
): string[] {
  const problems: string[] = [];
  if (repaired.status !== 'Repaired')
    problems.push(
      `the repair run ended ${repaired.status}${repaired.error ? `: ${repaired.error.message}` : ''}`,
    );
  if (second.status !== 'Healthy') problems.push(`the second run found ${second.status}`);
  if (second.arm.writes !== 0) problems.push(`the second run made ${second.arm.writes} writes`);
  // A table write gives every route of the table a new etag (one etag per parent, as ARM does); all else must match.
  const strip = (s: string) => JSON.stringify({ ...JSON.parse(s), etag: undefined });
  if (strip(firewallBefore) !== strip(firewallAfter))
    problems.push(`the foreign firewall route changed: ${firewallBefore} => ${firewallAfter}`);
  return problems;
}
