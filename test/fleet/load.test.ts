// The fleet file as the app and the CLI load it: every cluster becomes one engine Config (its own settings over
// the file's defaults over the app settings), and a bad file is refused naming the file, the cluster and the field.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { loadFleet } from '../../src/fleet/load.js';
import { SETTINGS } from '../functions/helpers.js';

const EXAMPLE = JSON.parse(readFileSync('examples/clusters.json', 'utf8'));

/** loadFleet with CLUSTERS_FILE=fleet.json holding `file`. */
const fleetOf = (file: unknown, env: Record<string, string> = {}) =>
  loadFleet({ ...env, CLUSTERS_FILE: 'fleet.json' }, () =>
    typeof file === 'string' ? file : JSON.stringify(file),
  );

function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => `${p.setting}: ${p.message}`);
    throw error;
  }
  throw new Error('the fleet was accepted');
}

const withCluster = (patch: Record<string, unknown>, index = 1) => ({
  ...EXAMPLE,
  clusters: EXAMPLE.clusters.map((c: object, i: number) => (i === index ? { ...c, ...patch } : c)),
});

describe('the fleet without CLUSTERS_FILE', () => {
  it("is today's app settings as one cluster named by CLUSTER_NAME (default 'default')", () => {
    expect(loadFleet(SETTINGS)).toEqual([{ name: 'default', config: loadConfig(SETTINGS) }]);
    expect(loadFleet({ ...SETTINGS, CLUSTER_NAME: 'kthw' }).map((c) => c.name)).toEqual(['kthw']);
  });
});

describe('the fleet file', () => {
  it('maps each cluster to its Config: its settings over the defaults over the app settings', () => {
    const [kthw, payments] = fleetOf(EXAMPLE, {
      REPAIR_IP_FORWARDING: 'true',
      ARM_ENDPOINT: 'https://127.0.0.1:1',
    });
    expect(kthw).toMatchObject({
      name: 'kthw',
      config: {
        subscriptionId: '3f2a7c1e-8b4d-4e6f-9a1b-2c3d4e5f6a7b',
        clusterResourceGroup: 'kubernetes',
        routeTableName: 'kubernetes-routes',
        subnetName: 'kubernetes-subnet',
        mode: 'enforce',
        verifySampleSize: 3,
        repairIpForwarding: true,
        armEndpoint: 'https://127.0.0.1:1',
      },
    });
    expect(payments).toMatchObject({
      name: 'payments-weu',
      config: {
        routeTableResourceGroup: 'payments-network',
        vnetResourceGroup: 'payments-network',
        mode: 'report',
        maxRouteDeletions: 5,
        clusterCidrs: ['10.240.0.0/16'],
      },
    });
    const sub = '9b1d2c3e-4f5a-4b6c-8d7e-0f1a2b3c4d5e';
    expect(payments?.config.cluster).toEqual({
      name: 'payments-weu',
      workerGroups: [{ subscriptionId: sub, resourceGroup: 'payments-nodes' }],
      routeTables: [
        {
          subscriptionId: sub,
          resourceGroup: 'payments-network',
          name: 'payments-pod-routes-weu',
          location: 'westeurope',
          subnets: [
            {
              subscriptionId: sub,
              resourceGroup: 'payments-network',
              virtualNetwork: 'payments-vnet-weu',
              name: 'nodes',
            },
            {
              subscriptionId: sub,
              resourceGroup: 'payments-network',
              virtualNetwork: 'payments-vnet-weu',
              name: 'control-plane',
            },
          ],
        },
      ],
    });
  });

  it('names the file when it cannot be read or is not JSON', () => {
    const missing = () =>
      loadFleet({ CLUSTERS_FILE: 'nowhere.json' }, () => {
        throw new Error("ENOENT: no such file or directory, open 'nowhere.json'");
      });
    expect(problemsOf(missing)).toEqual([
      "CLUSTERS_FILE (nowhere.json): cannot read the fleet file: ENOENT: no such file or directory, open 'nowhere.json'",
    ]);
    expect(problemsOf(() => fleetOf('{ "clusters": [')).join()).toMatch(
      /^CLUSTERS_FILE \(fleet\.json\): is not JSON: /u,
    );
  });

  it('names the cluster and the field of a misspelt or missing setting', () => {
    expect(problemsOf(() => fleetOf(withCluster({ remediationMod: 'report' })))).toEqual([
      'CLUSTERS_FILE (fleet.json) clusters[1] (payments-weu): Unrecognized key: "remediationMod"',
    ]);
    const { workers: _, ...noWorkers } = EXAMPLE.clusters[0];
    expect(problemsOf(() => fleetOf({ clusters: [noWorkers] }))).toEqual([
      'CLUSTERS_FILE (fleet.json) clusters[0] (kthw).workers: Invalid input: expected array, received undefined',
    ]);
    const noSubnets = { routeTables: [{ name: 't', resourceGroup: 'rg', subnets: [] }] };
    expect(problemsOf(() => fleetOf(withCluster(noSubnets, 0)))).toEqual([
      'CLUSTERS_FILE (fleet.json) clusters[0] (kthw).routeTables[0].subnets: expected at least one subnet the table must be associated with',
    ]);
  });

  it('refuses a bad value with the cluster and field named, as the app setting would be', () => {
    expect(problemsOf(() => fleetOf(withCluster({ clusterCidr: '10.240.0.0/33' })))).toEqual([
      "CLUSTERS_FILE (fleet.json) clusters[1] (payments-weu).clusterCidr: '10.240.0.0/33' is not a valid CIDR: prefix length /33 exceeds /32 for IPv4",
    ]);
    expect(problemsOf(() => fleetOf(withCluster({ subscriptionId: 'payments' }, 0)))).toEqual([
      'CLUSTERS_FILE (fleet.json) clusters[0] (kthw).subscriptionId: expected a subscription id (a GUID such as 00000000-0000-0000-0000-000000000000)',
    ]);
    expect(problemsOf(() => fleetOf(withCluster({ maxRoutesPerTable: 1001 }, 0)))).toEqual([
      'CLUSTERS_FILE (fleet.json) clusters[0] (kthw).maxRoutesPerTable: Too big: expected number to be <=1000',
    ]);
  });

  it('refuses two clusters of one name, and an empty fleet', () => {
    expect(problemsOf(() => fleetOf(withCluster({ name: 'kthw' })))).toEqual([
      "CLUSTERS_FILE (fleet.json) clusters[1] (kthw).name: duplicate cluster name 'kthw'",
    ]);
    expect(problemsOf(() => fleetOf({ clusters: [] }))).toEqual([
      'CLUSTERS_FILE (fleet.json) clusters: expected at least one cluster',
    ]);
  });
});
