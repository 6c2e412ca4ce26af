// The fleet: the clusters of CLUSTERS_FILE, or, without it, today's app settings as a one-cluster fleet. Each
// cluster becomes one engine Config: the file's per-cluster settings over its `defaults`, over the app settings
// (so REMEDIATION_MODE=report still turns a whole deployment to report), validated by loadConfig like any setting.
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { type ClusterTopology, type Config, ConfigError, loadConfig } from '../config.js';
import { type ClusterSettings, type FleetFile, type FleetFileCluster, fleetFileSchema } from './schema.js';

export interface FleetCluster {
  name: string;
  config: Config;
}

type Settings = Record<string, string | undefined>;

/** The clusters to keep, from CLUSTERS_FILE or the app settings. Throws ConfigError naming what is wrong. */
export function loadFleet(
  env: Settings,
  readText = (path: string) => readFileSync(path, 'utf8'),
): FleetCluster[] {
  const path = env.CLUSTERS_FILE?.trim();
  if (path === undefined || path === '') {
    const config = loadConfig(env);
    return [{ name: config.cluster.name, config }];
  }
  const file = parseFleetFile(path, readText);
  return file.clusters.map((cluster, index) => ({
    name: cluster.name,
    config: clusterConfig(env, path, file.defaults ?? {}, cluster, index),
  }));
}

function fileProblem(path: string, message: string): ConfigError {
  return new ConfigError([{ setting: `CLUSTERS_FILE (${path})`, message }]);
}

function parseFleetFile(path: string, readText: (path: string) => string): FleetFile {
  let text: string;
  try {
    text = readText(path);
  } catch (error) {
    throw fileProblem(path, `cannot read the fleet file: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw fileProblem(path, `is not JSON: ${(error as Error).message}`);
  }
  const parsed = fleetFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        setting: `CLUSTERS_FILE (${path}) ${issuePath(json, issue.path)}`,
        message: issue.message,
      })),
    );
  }
  if (parsed.data.clusters.length === 0)
    throw new ConfigError([
      { setting: `CLUSTERS_FILE (${path}) clusters`, message: 'expected at least one cluster' },
    ]);
  return parsed.data;
}

/** `clusters[1] (payments).routeTables[0].name`: the cluster named where it has a name. */
function issuePath(json: unknown, path: z.core.$ZodIssue['path']): string {
  let text = '';
  path.forEach((key, i) => {
    text += typeof key === 'number' ? `[${key}]` : `${text === '' ? '' : '.'}${String(key)}`;
    if (i === 1 && path[0] === 'clusters' && typeof key === 'number') {
      const name = (json as { clusters?: Array<{ name?: unknown }> }).clusters?.[key]?.name;
      if (typeof name === 'string') text += ` (${name})`;
    }
  });
  return text === '' ? '(the file)' : text;
}

/** Where each engine setting comes from in a cluster's entry, for error messages. */
const FIELD_OF: Record<string, string> = {
  AZURE_SUBSCRIPTION_ID: 'subscriptionId',
  CLUSTER_RESOURCE_GROUP: 'workers[0].resourceGroup',
  ROUTE_TABLE_RESOURCE_GROUP: 'routeTables[0].resourceGroup',
  ROUTE_TABLE_NAME: 'routeTables[0].name',
  VNET_NAME: 'routeTables[0].subnets[0].virtualNetwork',
  VNET_RESOURCE_GROUP: 'routeTables[0].subnets[0].resourceGroup',
  SUBNET_NAME: 'routeTables[0].subnets[0].name',
  CLUSTER_CIDR: 'clusterCidr',
  REMEDIATION_MODE: 'remediationMode',
  MAX_ROUTE_DELETIONS: 'maxRouteDeletions',
  MAX_ROUTES_PER_TABLE: 'maxRoutesPerTable',
  POD_CIDR_TAG: 'podCidrTag',
  ROUTE_NAME_PREFIX: 'routeNamePrefix',
  VERIFY_SAMPLE_SIZE: 'verifySampleSize',
  REPAIR_IP_FORWARDING: 'repairIpForwarding',
  CLUSTER_NAME: 'name',
};

const SETTING_OF: Record<keyof ClusterSettings, string> = {
  remediationMode: 'REMEDIATION_MODE',
  maxRouteDeletions: 'MAX_ROUTE_DELETIONS',
  maxRoutesPerTable: 'MAX_ROUTES_PER_TABLE',
  podCidrTag: 'POD_CIDR_TAG',
  routeNamePrefix: 'ROUTE_NAME_PREFIX',
  verifySampleSize: 'VERIFY_SAMPLE_SIZE',
  repairIpForwarding: 'REPAIR_IP_FORWARDING',
};

function settingsOf(values: ClusterSettings): Settings {
  const settings: Settings = {};
  for (const [field, setting] of Object.entries(SETTING_OF)) {
    const value = values[field as keyof ClusterSettings];
    if (value !== undefined) settings[setting] = String(value);
  }
  return settings;
}

function clusterConfig(
  env: Settings,
  path: string,
  defaults: ClusterSettings,
  cluster: FleetFileCluster,
  index: number,
): Config {
  const table = cluster.routeTables[0]!;
  const subnet = table.subnets[0]!;
  const source: Settings = {
    ...env,
    ...settingsOf(defaults),
    ...settingsOf(cluster),
    CLUSTER_NAME: cluster.name,
    AZURE_SUBSCRIPTION_ID: cluster.subscriptionId,
    CLUSTER_RESOURCE_GROUP: cluster.workers[0]!.resourceGroup,
    ROUTE_TABLE_RESOURCE_GROUP: table.resourceGroup,
    ROUTE_TABLE_NAME: table.name,
    VNET_NAME: subnet.virtualNetwork,
    VNET_RESOURCE_GROUP: subnet.resourceGroup ?? table.resourceGroup,
    SUBNET_NAME: subnet.name,
    CLUSTER_CIDR: cluster.clusterCidr,
  };
  try {
    // The single-table settings describe the first table and subnet; the topology is the whole cluster.
    return { ...loadConfig(source), cluster: topologyOf(cluster) };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(
      error.problems.map(({ setting, message }) => {
        const field = FIELD_OF[setting];
        return field === undefined
          ? { setting, message }
          : { setting: `CLUSTERS_FILE (${path}) clusters[${index}] (${cluster.name}).${field}`, message };
      }),
    );
  }
}

/** The cluster's topology: omitted subscriptions are the cluster's, a subnet's omitted group is its table's. */
function topologyOf(cluster: FleetFileCluster): ClusterTopology {
  const own = cluster.subscriptionId.toLowerCase();
  return {
    name: cluster.name,
    workerGroups: cluster.workers.map((w) => ({
      subscriptionId: w.subscriptionId?.toLowerCase() ?? own,
      resourceGroup: w.resourceGroup,
    })),
    routeTables: cluster.routeTables.map((table) => {
      const subscriptionId = table.subscriptionId?.toLowerCase() ?? own;
      return {
        subscriptionId,
        resourceGroup: table.resourceGroup,
        name: table.name,
        ...(table.location !== undefined ? { location: table.location } : {}),
        subnets: table.subnets.map((subnet) => ({
          subscriptionId,
          resourceGroup: subnet.resourceGroup ?? table.resourceGroup,
          virtualNetwork: subnet.virtualNetwork,
          name: subnet.name,
        })),
      };
    }),
  };
}
