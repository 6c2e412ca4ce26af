// The custom role: exactly the ARM actions the code performs (src/azure/operations.ts: REQUIRED_ACTIONS, and
// IP_FORWARDING_REPAIR_ACTIONS only with repairIpForwarding). test/infra/role.test.ts compares both lists.
targetScope = 'subscription'

param environmentName string
@description('Resource groups the role may be assigned at (cluster, route table, vnet).')
param assignableResourceGroups array
param repairIpForwarding bool

var requiredActions = [
  'Microsoft.Compute/virtualMachines/read'
  'Microsoft.Network/networkInterfaces/effectiveRouteTable/action'
  'Microsoft.Network/networkInterfaces/read'
  'Microsoft.Network/networkSecurityGroups/join/action'
  'Microsoft.Network/routeTables/join/action'
  'Microsoft.Network/routeTables/read'
  'Microsoft.Network/routeTables/routes/delete'
  'Microsoft.Network/routeTables/routes/write'
  'Microsoft.Network/routeTables/write'
  'Microsoft.Network/virtualNetworks/read'
  'Microsoft.Network/virtualNetworks/subnets/read'
  'Microsoft.Network/virtualNetworks/subnets/write'
]

var ipForwardingRepairActions = [
  'Microsoft.Network/networkInterfaces/write'
]

var roleName = guid(subscription().id, 'pod-route-reconciler', environmentName)

resource role 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: roleName
  properties: {
    roleName: 'Pod Route Reconciler (${environmentName})'
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
    assignableScopes: [for rgName in assignableResourceGroups: subscriptionResourceId('Microsoft.Resources/resourceGroups', rgName)]
  }
}

output roleDefinitionId string = role.id
