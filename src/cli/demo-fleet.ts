// `pod-routes demo --world multi-region|fleet` (npm run demo:multi-region, npm run demo:fleet): a world of
// several tables or several clusters on the embedded emulator, run through the fleet file and the fleet runner
// exactly as `pod-routes apply --clusters-file` runs them. Each demo applies once (the fleet as deployed), breaks
// things through ARM as people do, plans, repairs, and applies again; it exits 0 only when every cluster
// converged: every table Healthy, nothing written by the last run, and no finding but the peering it broke
// (peerings are the network team's: reported, never repaired).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { type ArmClients, createArmClients } from '../azure/clients.js';
import { roleActions } from '../azure/operations.js';
import type { Config } from '../config.js';
import { type Emulator, emulatorOwnerCredential, startEmulator } from '../emulator/index.js';
import type { Json, WorldFile } from '../emulator/world.js';
import { type FleetCluster, loadFleet } from '../fleet/load.js';
import type { FleetFile } from '../fleet/schema.js';
import { type ClusterReport, engineReport, reportFleet } from './fleet.js';
import { fleetSubscription, makeFleetFile, makeFleetWorld } from './fleet-world.js';
import type { Command } from './render.js';

type Say = (text?: string) => void;

/** What a demo's breakage step may use: the operator's clients (Owner) per subscription, and the emulator. */
interface Operator {
  admin: (subscriptionId: string) => ArmClients;
  emulator: Emulator;
  lro: { updateIntervalInMs: number };
}

interface FleetDemo {
  title: string;
  world: string | WorldFile;
  /** A fleet file path, or the file's content (written to a temporary file: the CLI reads files). */
  fleetFile: string | FleetFile;
  /** What the first apply finds, in the seeded world. */
  deployed: string;
  breakIt: (op: Operator, say: Say) => Promise<void>;
  /** Per cluster, the peerings (by name) the demo broke: the converged cluster still reports exactly these. */
  brokenPeerings: Record<string, string[]>;
}

// ------------------------------------------------------------------------------------- the breakages

const idOf = (sub: string, rg: string, type: string, name: string) =>
  `/subscriptions/${sub}/resourceGroups/${rg}/providers/${type}/${name}`;

async function deleteRoute(op: Operator, sub: string, rg: string, table: string, route: string) {
  await op.admin(sub).network.routes.delete(rg, table, route, op.lro).pollUntilDone();
}

async function detachSubnet(op: Operator, sub: string, rg: string, vnet: string, name: string) {
  const { network } = op.admin(sub);
  const subnet = await network.subnets.get(rg, vnet, name);
  await network.subnets
    .createOrUpdate(rg, vnet, name, { ...subnet, routeTable: undefined }, op.lro)
    .pollUntilDone();
}

/** The worker's primary NIC gets another private IP (a re-created VM, a changed static IP). */
async function changeNicIp(op: Operator, sub: string, rg: string, nicName: string, ip: string) {
  const { network } = op.admin(sub);
  const nic = await network.networkInterfaces.get(rg, nicName);
  const ipConfigurations = (nic.ipConfigurations ?? []).map((c, i) =>
    i === 0 ? { ...c, privateIPAddress: ip, privateIPAllocationMethod: 'Static' } : c,
  );
  await network.networkInterfaces
    .createOrUpdate(rg, nicName, { ...nic, ipConfigurations }, op.lro)
    .pollUntilDone();
}

/**
 * A peering's flag, set as the network team would. The emulator serves no peering writes (they are not ours to
 * make), so the change goes through its admin API: the whole vnet in GET shape.
 */
function setPeeringFlag(op: Operator, vnetId: string, peering: string, flags: Record<string, boolean>) {
  const vnet = op.emulator.getResource(vnetId) as {
    properties: { virtualNetworkPeerings: Array<{ name: string; properties: Json }> };
  };
  const target = vnet.properties.virtualNetworkPeerings.find((p) => p.name === peering);
  if (target === undefined) throw new Error(`demo: no peering '${peering}' in ${vnetId}`);
  Object.assign(target.properties, flags);
  delete target.properties.peeringState;
  op.emulator.upsertResource(vnet as unknown as Json, { emitEvent: false });
}

// ------------------------------------------------------------------------------------- the two worlds

const MULTI_REGION_SUB = '5b8e2f10-3c4d-4a6b-9e7f-1a2b3c4d5e6f';

const MULTI_REGION: FleetDemo = {
  title:
    'one cluster over three subnets in two peered vnets in two regions (examples/multi-region.world.json, ' +
    'examples/multi-region.clusters.json): pods-east for nodes-a and nodes-b (eastus2), pods-west for nodes-c (westus2)',
  world: 'examples/multi-region.world.json',
  fleetFile: 'examples/multi-region.clusters.json',
  deployed:
    "pods-east holds only worker-0's route, pods-west is empty, nodes-b and nodes-c are not associated",
  brokenPeerings: { 'multi-region': ['west-to-east'] },
  breakIt: async (op, say) => {
    const sub = MULTI_REGION_SUB;
    await deleteRoute(op, sub, 'k8s-east', 'pods-east', 'kubernetes-route-10-200-2-0-24');
    await deleteRoute(op, sub, 'k8s-west', 'pods-west', 'kubernetes-route-10-200-0-0-24');
    say("   - worker-2's route deleted from pods-east, worker-0's from pods-west");
    await detachSubnet(op, sub, 'k8s-west', 'vnet-west', 'nodes-c');
    say('   - pods-west detached from nodes-c (the second region)');
    await changeNicIp(op, sub, 'k8s-east', 'worker-1-nic', '10.240.1.20');
    say("   - worker-1's IP changed from 10.240.1.10 to 10.240.1.20");
    const vnetWest = idOf(sub, 'k8s-west', 'Microsoft.Network/virtualNetworks', 'vnet-west');
    setPeeringFlag(op, vnetWest, 'west-to-east', { allowForwardedTraffic: false });
    say(
      "   - the peering west-to-east's allowForwardedTraffic turned off (the network team's: reported only)",
    );
  },
};

/** Twenty clusters of five workers, alternately in two subscriptions (src/cli/fleet-world.ts). */
const FLEET_SHAPE = { clusters: 20, workersPerCluster: 5, subscriptions: 2 };

const FLEET: FleetDemo = {
  title: `a fleet of ${FLEET_SHAPE.clusters} clusters of ${FLEET_SHAPE.workersPerCluster} workers over ${FLEET_SHAPE.subscriptions} subscriptions (even clusters in the first, odd in the second), one table each`,
  world: makeFleetWorld(FLEET_SHAPE),
  fleetFile: makeFleetFile(FLEET_SHAPE),
  deployed: 'every table is new and empty',
  brokenPeerings: {},
  breakIt: async (op, say) => {
    const [first, second] = [fleetSubscription(0), fleetSubscription(1)];
    for (const i of [0, 3])
      await deleteRoute(op, first, 'cluster-2', 'cluster-2-routes', `kubernetes-route-100-64-${i}-0-24`);
    say('   - cluster-2 (first subscription): two routes deleted');
    await detachSubnet(op, second, 'cluster-5', 'cluster-5-vnet', 'nodes');
    say('   - cluster-5 (second subscription): its table detached from its subnet');
    await changeNicIp(op, first, 'cluster-8', 'worker-1-nic', '10.8.0.99');
    say("   - cluster-8 (first subscription): worker-1's IP changed from 10.8.0.21 to 10.8.0.99");
    await deleteRoute(op, second, 'cluster-13', 'cluster-13-routes', 'kubernetes-route-100-64-4-0-24');
    say('   - cluster-13 (second subscription): a route deleted');
  },
};

const FLEET_DEMOS = { 'multi-region': MULTI_REGION, fleet: FLEET } as const;
export type FleetDemoName = keyof typeof FLEET_DEMOS;

export function isFleetDemo(world: string): world is FleetDemoName {
  return Object.hasOwn(FLEET_DEMOS, world);
}

// ------------------------------------------------------------------------------------- the run

/** What the demo reads of a cluster's JSON report (the CLI's `-o json`, docs/cli.md). */
interface JsonReportPart {
  status: string;
  arm: { writes: number };
  refused: Array<{ reason: string }>;
  tables?: Array<{ status: string }>;
  peerings?: Array<{ subject: string }>;
  error?: { message: string };
}

interface DemoRun {
  emulator: Emulator;
  fleet: FleetCluster[];
  op: Operator;
  /** The engine's clients of a cluster's config (the demo's short LRO polling interval). */
  clients: (config: Config) => ArmClients;
  cleanup: () => void;
}

/** The fleet file as the CLI reads it: a path (written to a temporary directory when given as content). */
function fleetFilePath(file: string | FleetFile): { path: string; cleanup: () => void } {
  if (typeof file === 'string') return { path: file, cleanup: () => {} };
  const dir = mkdtempSync(join(tmpdir(), 'pod-routes-demo-'));
  const path = join(dir, 'clusters.json');
  writeFileSync(path, JSON.stringify(file, null, 2));
  return { path, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

async function startDemo(demo: FleetDemo, pollIntervalMs: number): Promise<DemoRun> {
  // The engine holds exactly the deployed custom role (RBAC mode); the breakage is an operator's (Owner).
  const emulator = await startEmulator({ world: demo.world, rbac: { actions: roleActions(false) } });
  const file = fleetFilePath(demo.fleetFile);
  try {
    const env = { CLUSTERS_FILE: file.path, ARM_ENDPOINT: emulator.endpoint, ARM_CA_FILE: emulator.caFile };
    const fleet = loadFleet(env);
    const base = fleet[0]!.config;
    const admin = (subscriptionId: string) =>
      createArmClients({ ...base, subscriptionId }, { pollIntervalMs, credential: emulatorOwnerCredential });
    const clients = (c: Config) => createArmClients(c, { pollIntervalMs });
    const op = { admin, emulator, lro: { updateIntervalInMs: pollIntervalMs } };
    return { emulator, fleet, op, clients, cleanup: file.cleanup };
  } catch (error) {
    file.cleanup();
    await emulator.stop();
    throw error;
  }
}

/**
 * `pod-routes plan|apply --clusters-file` over the fleet (the CLI's own per-cluster run and printing); a
 * cluster's full report is printed only when it has something to show (exit code not 0).
 */
async function fleetCommand(run: DemoRun, command: Command, say: Say): Promise<Map<string, JsonReportPart>> {
  const reports = new Map<string, JsonReportPart>();
  const report = engineReport(command, 'table', { forceDeletions: false, clients: run.clients });
  const shown = async (cluster: FleetCluster, signal: AbortSignal): Promise<ClusterReport> => {
    const r = await report(cluster, signal);
    reports.set(r.cluster, r.json as JsonReportPart);
    return r.exitCode === 0 ? { ...r, rendered: '' } : r;
  };
  const exitCode = await reportFleet(run.fleet, 'table', shown, (text) => say(indent(text)));
  say(`   exit code ${exitCode}`);
  return reports;
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((line) => (line === '' ? line : `   ${line}`))
    .join('\n');

/** Why a cluster's last run does not count as converged (none: converged). */
function notConverged(name: string, report: JsonReportPart | undefined, peerings: string[]): string[] {
  if (report === undefined) return [`${name}: no report`];
  if (report.error) return [`${name}: failed: ${report.error.message}`];
  const problems: string[] = [];
  if (report.arm.writes !== 0) problems.push(`${name}: the last run made ${report.arm.writes} writes`);
  const tables = report.tables ?? [{ status: report.status }];
  if (tables.some((t) => t.status !== 'Healthy'))
    problems.push(`${name}: tables ${tables.map((t) => t.status).join(', ')} (expected all Healthy)`);
  const found = (report.peerings ?? []).map((p) => p.subject.split('/').pop()).sort();
  if (JSON.stringify(found) !== JSON.stringify([...peerings].sort()))
    problems.push(`${name}: peering findings [${found.join(', ')}], expected [${peerings.join(', ')}]`);
  const others = report.refused.filter((r) => r.reason !== 'peering-drops-pod-traffic');
  if (others.length > 0) problems.push(`${name}: refused ${others.map((r) => r.reason).join(', ')}`);
  return problems;
}

const sameId = (a: string | undefined, b: string | undefined) =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();

/** Each worker's pod CIDR (its VM's tag) and the IP of its primary NIC, as ARM holds them. */
async function workerPodRoutes(op: Operator, config: Config): Promise<Map<string, string | undefined>> {
  const routes = new Map<string, string | undefined>();
  for (const group of config.cluster.workerGroups) {
    const { compute, network } = op.admin(group.subscriptionId);
    const ips = new Map<string, string | undefined>();
    for await (const nic of network.networkInterfaces.list(group.resourceGroup))
      ips.set(String(nic.id).toLowerCase(), nic.ipConfigurations?.[0]?.privateIPAddress);
    for await (const vm of compute.virtualMachines.list(group.resourceGroup)) {
      const cidr = vm.tags?.[config.podCidrTag];
      const nicId = vm.networkProfile?.networkInterfaces?.[0]?.id;
      if (cidr !== undefined && nicId !== undefined) routes.set(cidr, ips.get(nicId.toLowerCase()));
    }
  }
  return routes;
}

/**
 * What ARM holds, read apart from the engine (its results could agree with themselves and still be wrong):
 * every table routes each worker's pod CIDR to the worker's IP, and every subnet is associated with its table.
 */
async function armProblems(op: Operator, fleet: readonly FleetCluster[]): Promise<string[]> {
  const problems: string[] = [];
  for (const { name, config } of fleet) {
    const expected = await workerPodRoutes(op, config);
    const want = [...expected].map(([cidr, ip]) => `${cidr} -> ${ip}`).sort();
    for (const target of config.cluster.routeTables) {
      const { network } = op.admin(target.subscriptionId);
      const table = await network.routeTables.get(target.resourceGroup, target.name);
      const got = (table.routes ?? [])
        .filter((r) => r.name?.startsWith(config.routeNamePrefix))
        .map((r) => `${r.addressPrefix} -> ${r.nextHopIpAddress}`)
        .sort();
      if (JSON.stringify(got) !== JSON.stringify(want))
        problems.push(`${name}: ${target.name} holds [${got.join(', ')}], expected [${want.join(', ')}]`);
      for (const s of target.subnets) {
        const subnet = await op
          .admin(s.subscriptionId)
          .network.subnets.get(s.resourceGroup, s.virtualNetwork, s.name);
        if (!sameId(subnet.routeTable?.id, table.id))
          problems.push(`${name}: subnet ${s.name} is not associated with ${target.name}`);
      }
    }
  }
  return problems;
}

interface FleetDemoOptions {
  demo: FleetDemoName;
  out: Writable;
  /** LRO polling interval for the demo's clients (the emulator completes operations at once). */
  pollIntervalMs?: number;
}

export async function runFleetDemo(options: FleetDemoOptions): Promise<number> {
  const say: Say = (text = '') => options.out.write(`${text}\n`);
  const demo = FLEET_DEMOS[options.demo];
  const run = await startDemo(demo, options.pollIntervalMs ?? 50);
  try {
    say(`pod-route-reconciler demo (${options.demo}) on the local ARM emulator at ${run.emulator.endpoint}:`);
    say(`${demo.title}.`);
    say();
    say(
      '1. pod-routes apply --clusters-file: the fleet as deployed (new tables, subnets not yet associated)',
    );
    await fleetCommand(run, 'apply', say);
    say();
    say('2. Breaking things through the ARM API, as people and time do:');
    await demo.breakIt(run.op, say);
    say();
    say('3. pod-routes plan');
    await fleetCommand(run, 'plan', say);
    say();
    say('4. pod-routes apply: the repair, every cluster as the timer function runs it');
    await fleetCommand(run, 'apply', say);
    say();
    say('5. pod-routes apply again: a converged fleet writes nothing');
    const last = await fleetCommand(run, 'apply', say);
    const problems = [
      ...run.fleet.flatMap((c) => notConverged(c.name, last.get(c.name), demo.brokenPeerings[c.name] ?? [])),
      ...(await armProblems(run.op, run.fleet)),
    ];
    say();
    if (problems.length > 0) {
      for (const p of problems) say(`FAILED: ${p}`);
      return 1;
    }
    const peerings = Object.values(demo.brokenPeerings).flat();
    say(
      `Converged: ${run.fleet.length} cluster(s), every table Healthy and the last run wrote nothing` +
        (peerings.length > 0
          ? `; the broken peering (${peerings.join(', ')}) is reported, not repaired.`
          : '.'),
    );
    return 0;
  } finally {
    run.cleanup();
    await run.emulator.stop();
  }
}
