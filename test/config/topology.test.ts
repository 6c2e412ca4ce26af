// Today's single-cluster settings become a one-cluster, one-table, one-subnet topology (issue 19).
import { describe, expect, it } from 'vitest';
import {
  type ClusterTopology,
  ConfigError,
  loadConfig,
  type ResourceGroupRef,
  type RouteTableTarget,
  type SubnetRef,
} from '../../src/config.js';

const SUB = '00000000-0000-0000-0000-0000000000AA';
const required = {
  AZURE_SUBSCRIPTION_ID: SUB,
  CLUSTER_RESOURCE_GROUP: 'kubernetes',
  VNET_NAME: 'kubernetes-vnet',
  SUBNET_NAME: 'kubernetes-subnet',
  CLUSTER_CIDR: '10.200.0.0/16',
};
const sub = SUB.toLowerCase();

describe('the cluster topology from the single-cluster settings', () => {
  it('puts the table, the vnet and the workers in the cluster group when nothing else is set', () => {
    const subnet: SubnetRef = {
      subscriptionId: sub,
      resourceGroup: 'kubernetes',
      virtualNetwork: 'kubernetes-vnet',
      name: 'kubernetes-subnet',
    };
    const table: RouteTableTarget = {
      subscriptionId: sub,
      resourceGroup: 'kubernetes',
      name: 'kubernetes-routes',
      subnets: [subnet],
    };
    const workers: ResourceGroupRef = { subscriptionId: sub, resourceGroup: 'kubernetes' };
    const expected: ClusterTopology = { name: 'default', workerGroups: [workers], routeTables: [table] };
    expect(loadConfig(required).cluster).toEqual(expected);
  });

  it('follows CLUSTER_NAME, ROUTE_TABLE_* and VNET_RESOURCE_GROUP, and keeps the flat fields as they were', () => {
    const config = loadConfig({
      ...required,
      CLUSTER_NAME: 'prod-west-1',
      ROUTE_TABLE_NAME: 'pods',
      ROUTE_TABLE_RESOURCE_GROUP: 'routing',
      VNET_RESOURCE_GROUP: 'network',
    });
    expect(config.cluster.name).toBe('prod-west-1');
    expect(config.cluster.routeTables).toEqual([
      {
        subscriptionId: sub,
        resourceGroup: 'routing',
        name: 'pods',
        subnets: [
          {
            subscriptionId: sub,
            resourceGroup: 'network',
            virtualNetwork: 'kubernetes-vnet',
            name: 'kubernetes-subnet',
          },
        ],
      },
    ]);
    expect(config.cluster.routeTables[0]).not.toHaveProperty('location');
    expect(config).toMatchObject({
      subscriptionId: sub,
      clusterResourceGroup: 'kubernetes',
      routeTableResourceGroup: 'routing',
      routeTableName: 'pods',
      vnetName: 'kubernetes-vnet',
      vnetResourceGroup: 'network',
      subnetName: 'kubernetes-subnet',
    });
  });

  it('treats an empty CLUSTER_NAME as unset', () => {
    expect(loadConfig({ ...required, CLUSTER_NAME: '  ' }).cluster.name).toBe('default');
  });

  it.each(['Prod', 'a_b', 'x'.repeat(64), 'west.1'])(
    'refuses the cluster name %j, naming the setting',
    (name) => {
      expect(() => loadConfig({ ...required, CLUSTER_NAME: name })).toThrow(ConfigError);
      expect(() => loadConfig({ ...required, CLUSTER_NAME: name })).toThrow(
        /CLUSTER_NAME: expected a cluster name of 1 to 63 lower-case letters, digits or '-'/u,
      );
    },
  );
});
