// What `verify` checks (src/verify.ts): the workers it reads, the sample it takes, and, for a cluster of several
// subnets, the peerings between its vnets. Today's settings (one subnet) sample the cluster's workers as before;
// a cluster samples per subnet, so that every table and every subnet is checked, and reads the workers of every
// worker group and the peerings of every vnet (a peering that would drop pod traffic is a finding).
import type { ArmClients } from './azure/clients.js';
import { clientsFor } from './azure/clients.js';
import { readPeerings, vnetsOf } from './azure/cluster-inventory.js';
import { readVerifyInventory } from './azure/effective.js';
import { subnetRefId, subscriptionOfId } from './azure/ids.js';
import type { Config } from './config.js';
import { type DesiredState, deriveDesired, type Worker } from './core/desired.js';
import { sampleWorkers, type VerifyTarget, verifyTargets } from './core/effective.js';
import { peeringFindings } from './core/peerings.js';
import type { PeeringFindingRecord, PlanSettings } from './core/types.js';
import { isClusterRun } from './reconcile-cluster.js';

export interface VerifyScope {
  desired: DesiredState;
  targets: VerifyTarget[];
  /** Every subnet sampled (the cluster's subnets). */
  subnetIds: string[];
  peerings: PeeringFindingRecord[];
  /** The clients of the subscription a NIC is in. */
  clientsOf(nicId: string): ArmClients;
}

interface ScopeOptions {
  config: Config;
  settings: PlanSettings;
  clients: ArmClients;
  workers: 'all' | number;
  offset: number;
  /** Workers read whatever the sample (those of findings not confirmed yet). */
  also?: readonly string[];
  signal: AbortSignal | undefined;
}

function primarySubnet(w: Worker): string | undefined {
  const ipc = w.nic?.ipConfigurations.find((c) => c.primary === true) ?? w.nic?.ipConfigurations[0];
  return ipc?.subnetId?.toLowerCase();
}

/** `workers` of each subnet (rotating with `offset`); the workers in none of them are a group of their own. */
function samplePerSubnet(
  workers: readonly Worker[],
  subnetIds: readonly string[],
  size: 'all' | number,
  offset: number,
): Array<{ subnetId: string; chosen: string[] }> {
  const known = new Set(subnetIds.map((s) => s.toLowerCase()));
  const groups = subnetIds.map((subnetId) => ({
    subnetId,
    names: workers.filter((w) => primarySubnet(w) === subnetId.toLowerCase()).map((w) => w.vm.name),
  }));
  const outside = workers.filter((w) => !known.has(primarySubnet(w) ?? '')).map((w) => w.vm.name);
  if (outside.length > 0) groups.push({ subnetId: subnetIds[0]!, names: outside });
  return groups.map((g) => ({ subnetId: g.subnetId, chosen: sampleWorkers(g.names, size, offset) }));
}

/** `chosen` plus the workers of `also` that still exist and are not chosen yet. */
function withAlso(chosen: string[], names: readonly string[], also: readonly string[] = []): string[] {
  const extra = also.filter((w) => names.includes(w) && !chosen.includes(w));
  return [...chosen, ...new Set(extra)];
}

export async function verifyScope(options: ScopeOptions): Promise<VerifyScope> {
  const { config, settings, clients, signal } = options;
  const given = (sub: string) =>
    sub.toLowerCase() === config.subscriptionId.toLowerCase()
      ? clients
      : clientsFor({ ...config, subscriptionId: sub });
  if (!isClusterRun(config)) {
    const read = await readVerifyInventory(clients, config, signal);
    const desired = deriveDesired(read.inventory, settings);
    const names = desired.workers.map((w) => w.vm.name);
    const chosen = withAlso(sampleWorkers(names, options.workers, options.offset), names, options.also);
    const targets = verifyTargets(desired.workers, chosen, settings.subnetIds[0]!, read.powerStates);
    return { desired, targets, subnetIds: settings.subnetIds, peerings: [], clientsOf: () => clients };
  }
  const subnets = config.cluster.routeTables.flatMap((t) => t.subnets);
  const [reads, vnets] = await Promise.all([
    Promise.all(
      config.cluster.workerGroups.map((g) =>
        readVerifyInventory(
          given(g.subscriptionId),
          { ...config, clusterResourceGroup: g.resourceGroup },
          signal,
        ),
      ),
    ),
    readPeerings(given, vnetsOf(subnets), signal),
  ]);
  const inventory = {
    ...reads[0]!.inventory,
    vms: reads.flatMap((r) => r.inventory.vms),
    nics: reads.flatMap((r) => r.inventory.nics),
  };
  const powerStates = new Map(reads.flatMap((r) => [...r.powerStates]));
  const desired = deriveDesired(inventory, settings);
  const subnetIds = subnets.map(subnetRefId);
  const groups = samplePerSubnet(desired.workers, subnetIds, options.workers, options.offset);
  const names = desired.workers.map((w) => w.vm.name);
  const sampled = new Set(groups.flatMap((g) => g.chosen));
  const extra = withAlso([], names, options.also).filter((n) => !sampled.has(n));
  // A pending worker is judged against its own subnet (else the first, as the sample does with strays).
  const subnetOfWorker = (name: string) => {
    const own = primarySubnet(desired.workers.find((w) => w.vm.name === name)!);
    return subnetIds.find((id) => id.toLowerCase() === own) ?? subnetIds[0]!;
  };
  const targets = [
    ...groups.flatMap((g) => verifyTargets(desired.workers, g.chosen, g.subnetId, powerStates)),
    ...extra.flatMap((n) => verifyTargets(desired.workers, [n], subnetOfWorker(n), powerStates)),
  ];
  return {
    desired,
    targets,
    subnetIds,
    peerings: peeringFindings(vnets),
    clientsOf: (nicId) => given(subscriptionOfId(nicId) ?? ''),
  };
}
