// The custom role: exactly the ARM actions the code performs (src/azure/operations.ts: REQUIRED_ACTIONS, and
// IP_FORWARDING_REPAIR_ACTIONS only with repairIpForwarding). test/infra/role.test.ts compares both lists.
targetScope = 'subscription'

param environmentName string
@description('Resource groups of this subscription the role may be assigned at, for one cluster (cluster, route table, vnet, and the groups of what the subnet and worker NICs refer to).')
param assignableResourceGroups array
@description('Resource group ids, in any subscription of the tenant, the role may be assigned at, for a fleet (clusters.json).')
param fleetResourceGroupIds array = []
param repairIpForwarding bool

var requiredActions = [
  'Microsoft.Compute/virtualMachineScaleSets/networkInterfaces/read'
  'Microsoft.Compute/virtualMachineScaleSets/read'
  'Microsoft.Compute/virtualMachines/read'
  'Microsoft.Compute/virtualMachines/instanceView/read'
  'Microsoft.Network/natGateways/join/action'
  'Microsoft.Network/networkIntentPolicies/join/action'
  'Microsoft.Network/networkInterfaces/effectiveRouteTable/action'
  'Microsoft.Network/networkInterfaces/read'
  'Microsoft.Network/networkManagers/ipamPools/associateResourcesToPool/action'
  'Microsoft.Network/networkSecurityGroups/join/action'
  'Microsoft.Network/routeTables/join/action'
  'Microsoft.Network/routeTables/read'
  'Microsoft.Network/routeTables/routes/delete'
  'Microsoft.Network/routeTables/routes/write'
  'Microsoft.Network/routeTables/write'
  'Microsoft.Network/serviceEndpointPolicies/join/action'
  'Microsoft.Network/virtualNetworks/read'
  'Microsoft.Network/virtualNetworks/subnets/read'
  'Microsoft.Network/virtualNetworks/subnets/write'
  'Microsoft.Network/virtualNetworks/virtualNetworkPeerings/read'
]

// The NIC write is linked-authorized: join on each IP configuration's subnet, public IP, load balancer backend
// pools and inbound NAT rules, application security groups and application gateway backend pools (and on the
// NIC's network security group, already granted above for the subnet write).
var ipForwardingRepairActions = [
  'Microsoft.Network/applicationGateways/backendAddressPools/join/action'
  'Microsoft.Network/applicationSecurityGroups/joinIpConfiguration/action'
  'Microsoft.Network/loadBalancers/backendAddressPools/join/action'
  'Microsoft.Network/loadBalancers/inboundNatRules/join/action'
  'Microsoft.Network/networkInterfaces/write'
  'Microsoft.Network/publicIPAddresses/join/action'
  'Microsoft.Network/virtualNetworks/subnets/join/action'
]

var roleName = guid(subscription().id, 'pod-route-reconciler', environmentName)
var assignableScopes = concat(map(assignableResourceGroups, rgName => subscriptionResourceId('Microsoft.Resources/resourceGroups', rgName)), fleetResourceGroupIds)

resource role 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: roleName
  properties: {
    // Role names are unique per tenant: the subscription id lets another subscription of the same tenant deploy
    // an environment of the same name.
    roleName: 'Pod Route Reconciler (${environmentName}, ${subscription().subscriptionId})'
    description: 'Reads cluster VMs/NICs, keeps the pod routes of one route table and its subnet association. Created by pod-route-reconciler (azd env ${environmentName}).'
    type: 'CustomRole'
    permissions: [
      {
        actions: repairIpForwarding ? concat(requiredActions, ipForwardingRepairActions) : requiredActions
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
    assignableScopes: assignableScopes
  }
}

output roleDefinitionId string = role.id
// The role's GUID: a fleet's assignments name it by its id in their own subscription.
output roleDefinitionName string = role.name
