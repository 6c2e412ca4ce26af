// The custom role grants exactly the ARM actions the code performs (src/azure/operations.ts), and no broad
// built-in role is assigned anywhere.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ARM_OPERATIONS,
  IP_FORWARDING_REPAIR_ACTIONS,
  REQUIRED_ACTIONS,
  roleActions,
} from '../../src/azure/operations.js';
import { arrayStrings, bicepFiles, lexBicep, readInfra, varValueIndex } from './bicep.js';

const role = lexBicep(readInfra('app/cluster-role.bicep'));
const required = arrayStrings(role, varValueIndex(role, 'requiredActions'));
const repair = arrayStrings(role, varValueIndex(role, 'ipForwardingRepairActions'));
const sorted = (xs: readonly string[]) => [...xs].sort();

describe('custom role for the cluster', () => {
  it('always grants exactly REQUIRED_ACTIONS', () => {
    expect(sorted(required)).toEqual(sorted(REQUIRED_ACTIONS));
    expect(new Set(required).size).toBe(required.length);
  });

  it('adds exactly IP_FORWARDING_REPAIR_ACTIONS, and only when repairIpForwarding is true', () => {
    expect(sorted(repair)).toEqual(sorted(IP_FORWARDING_REPAIR_ACTIONS));
    expect(role.code).toMatch(
      /actions: repairIpForwarding \? concat\(requiredActions, ipForwardingRepairActions\) : requiredActions/u,
    );
    expect(required).not.toContain('Microsoft.Network/networkInterfaces/write');
  });

  it("grants every join ARM's linked authorization checks on a subnet write and on a NIC write", () => {
    // Subnet PUT: join on each resource the subnet refers to (read-modify-write sends them all back).
    for (const linked of [
      'networkSecurityGroups',
      'routeTables',
      'natGateways',
      'serviceEndpointPolicies',
      'networkIntentPolicies',
    ])
      expect(required).toContain(`Microsoft.Network/${linked}/join/action`);
    expect(required).toContain('Microsoft.Network/networkManagers/ipamPools/associateResourcesToPool/action');
    // NIC PUT (REPAIR_IP_FORWARDING): join on the ip configurations' subnets, public IPs and the NIC's NSG.
    const withRepair = [...required, ...repair];
    // ... and on their load balancer pools and NAT rules, application gateway pools and application security groups.
    for (const linked of [
      'virtualNetworks/subnets',
      'publicIPAddresses',
      'networkSecurityGroups',
      'loadBalancers/backendAddressPools',
      'loadBalancers/inboundNatRules',
      'applicationGateways/backendAddressPools',
    ])
      expect(withRepair).toContain(`Microsoft.Network/${linked}/join/action`);
    expect(withRepair).toContain('Microsoft.Network/applicationSecurityGroups/joinIpConfiguration/action');
    expect(sorted(roleActions(true))).toEqual(sorted(withRepair));
    expect(sorted(roleActions(false))).toEqual(sorted(required));
  });

  it('has a display name unique per subscription (role names are unique per tenant)', () => {
    expect(role.source).toMatch(
      /roleName: 'Pod Route Reconciler \(\$\{environmentName\}, \$\{subscription\(\)\.subscriptionId\}\)'/u,
    );
    expect(role.source).toMatch(/name: roleName\n/u);
    expect(role.source).toMatch(
      /var roleName = guid\(subscription\(\)\.id, 'pod-route-reconciler', environmentName\)/u,
    );
  });

  it('together covers every action of ARM_OPERATIONS, and nothing else', () => {
    expect(sorted([...required, ...repair])).toEqual(
      sorted([...new Set(ARM_OPERATIONS.map((op) => op.action))]),
    );
  });

  it('has no wildcard, notActions or data actions, and is assignable only at the cluster groups', () => {
    for (const a of [...required, ...repair]) expect(a).not.toContain('*');
    expect(role.source).toMatch(/notActions: \[\]\s+dataActions: \[\]\s+notDataActions: \[\]/u);
    expect(role.source).toMatch(/type: 'CustomRole'/u);
    // One cluster: groups of this subscription; a fleet: group ids of any subscription (test/infra/bicep-fleet.test.ts).
    expect(role.source).toMatch(
      /var assignableScopes = concat\(map\(assignableResourceGroups, rgName => subscriptionResourceId\('Microsoft\.Resources\/resourceGroups', rgName\)\), fleetResourceGroupIds\)/u,
    );
    expect(role.source).toMatch(/assignableScopes: assignableScopes\n/u);
  });

  it('is assigned to the identity at the cluster, route table, vnet and linked resources groups (deduplicated)', () => {
    const main = readInfra('main.bicep');
    expect(main).toMatch(
      /var clusterScopes = union\(\[clusterResourceGroup\], \[effectiveRouteTableResourceGroup\], \[effectiveVnetResourceGroup\], linkedResourceGroups\)/u,
    );
    // NETWORK_RESOURCE_GROUPS: where the NSG, NAT gateway, public IPs or endpoint policies live, comma-separated.
    expect(main).toMatch(/param networkResourceGroups string = ''/u);
    expect(main).toMatch(
      /var linkedResourceGroups = filter\(map\(split\(networkResourceGroups, ','\), g => trim\(g\)\), g => !empty\(g\)\)/u,
    );
    // Without a fleet (clusters.json lists none); a fleet's groups: test/infra/bicep-fleet.test.ts.
    expect(main).toMatch(/var singleClusterScopes = isFleet \? \[\] : clusterScopes\n/u);
    expect(main).toMatch(
      /for scopeName in singleClusterScopes: \{\s+name: [^\n]+\s+scope: resourceGroup\(scopeName\)/u,
    );
    expect(main).toMatch(/roleDefinitionId: clusterRole\.outputs\.roleDefinitionId/u);
    expect(main).toMatch(/assignableResourceGroups: singleClusterScopes/u);
  });

  it('assigns no Owner, Contributor, Network Contributor or User Access Administrator anywhere', () => {
    const broad = {
      Owner: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
      Contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
      'Network Contributor': '4d97b98b-1d4f-4787-a291-c67834d212e7',
      'User Access Administrator': '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9',
    };
    for (const file of bicepFiles()) {
      const text = readFileSync(file, 'utf8');
      for (const [name, id] of Object.entries(broad)) expect(text, `${file}: ${name}`).not.toContain(id);
      expect(text, file).not.toMatch(/\bContributor'\)/u);
    }
    // Built-in roles in use, each on a single resource: blob data (the storage account, dead letters included), metrics publisher.
    const builtIns = new Set<string>();
    for (const file of bicepFiles()) {
      for (const m of readFileSync(file, 'utf8').matchAll(/RoleId = '([0-9a-f-]{36})'/gu))
        builtIns.add(m[1]!);
    }
    expect(sorted([...builtIns])).toEqual(
      sorted([
        '3913510d-42f4-4e42-8a64-420c390055eb', // Monitoring Metrics Publisher
        'b7e6dc6d-f1e8-4753-8033-0f276bb0955b', // Storage Blob Data Owner
      ]),
    );
  });
});
