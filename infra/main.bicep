// pod-route-reconciler: the Function app (Flex Consumption, Node 22), its identity and least-privilege role on
// the cluster, storage and telemetry without keys, the Event Grid system topic on the cluster resource group,
// alert rules and a workbook. Layout follows the official azd TypeScript Functions templates
// (Azure-Samples/functions-quickstart-typescript-azd), with plain resources instead of registry modules so the
// type@api-version of every resource is pinned here and checked by test/infra.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; used to derive a short unique token for resource names.')
param environmentName string

@minLength(1)
@description('Region of the Function app and its monitoring resources (a region with Flex Consumption).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Resource group of the app (empty: rg-<environmentName>).')
param resourceGroupName string = ''

// ------------------------------------------------------------------ the cluster (from the provisioning report)

@description('Name of the cluster ([a-z0-9-], 1 to 63 characters), carried by its records.')
param clusterName string = 'default'

@description('Resource group of the cluster VMs and NICs (and, by default, the route table and vnet).')
param clusterResourceGroup string = 'kubernetes'

@description('Route table the function keeps correct.')
param routeTableName string = 'kubernetes-routes'

@description('Resource group of the route table (empty: the cluster resource group).')
param routeTableResourceGroup string = ''

@description('Virtual network of the cluster subnet.')
param vnetName string = 'kubernetes-vnet'

@description('Resource group of the virtual network (empty: the cluster resource group).')
param vnetResourceGroup string = ''

@description('Subnet the route table must stay associated with.')
param subnetName string = 'kubernetes-subnet'

@description('Other resource groups, comma-separated, holding what the subnet or the worker NICs refer to (network security group, NAT gateway, service endpoint policies, public IPs): ARM checks join/action there on every subnet or NIC write, so the role is assigned there too. Empty: all of it lives in the cluster, route table or vnet group.')
param networkResourceGroups string = ''

@description('Cluster pod range(s): one CIDR, or an IPv4 and an IPv6 CIDR separated by a comma.')
param clusterCidr string = '10.200.0.0/16'

@description('VM tag that carries each worker\'s pod CIDR.')
param podCidrTag string = 'pod-cidr'

@description('Prefix of the route names this function owns.')
param routeNamePrefix string = 'kubernetes-route-'

@description('enforce: repair drift; report: only report it (alerts still fire).')
@allowed([
  'enforce'
  'report'
])
param remediationMode string = 'enforce'

@description('Most routes one run may delete: a whole number, or auto (refuse deleting more than half of the owned routes).')
param maxRouteDeletions string = 'auto'

@description('Most routes the route table may hold: 1000 (Azure\'s limit since 2026); lower it in a cloud that still has the old limit of 400.')
@minValue(1)
@maxValue(1000)
param maxRoutesPerTable int = 1000

@description('Let the function enable IP forwarding on worker NICs. Adds Microsoft.Network/networkInterfaces/write to its role.')
param repairIpForwarding bool = false

@description('NCRONTAB schedule (with seconds, UTC) of the periodic reconcile.')
param reconcileSchedule string = '0 */5 * * * *'

@description('Workers whose effective routes are checked after each repair and on verifySchedule (0: off). Each costs one POST and its polls.')
param verifySampleSize int = 0

@description('NCRONTAB schedule (with seconds, UTC) of the periodic effective-route check (does nothing while verifySampleSize is 0).')
param verifySchedule string = '0 30 * * * *'

// ------------------------------------------------------------------ alerting

@description('Email address that receives the alerts (empty: the action group has no receiver; add one later).')
param alertEmail string = ''

@secure()
@description('Webhook receivers of the alerts (common alert schema) as JSON: {"teams": "https://..."}. Empty: none.')
param alertWebhooks string = ''

@description('Export the subscription\'s Activity log to the workspace (needed by the changed-by-others alert).')
param exportActivityLog bool = true

@description('Minutes without any reconcile telemetry before the heartbeat alert fires: 3 reconcile periods.')
@allowed([
  15
  30
  45
  60
])
param heartbeatWindowMinutes int = 15

@description('Failed runs within 15 minutes that raise the failure alert.')
@minValue(1)
param failedRunsThreshold int = 1

@description('Unrepaired drift items, left by every run of a route table for the whole window, above which the alert fires.')
@minValue(0)
param unrepairedDriftThreshold int = 0

@description('How long drift must stay unrepaired before the alert fires (minutes).')
@allowed([
  15
  30
  45
  60
])
param unrepairedDriftWindowMinutes int = 30

@description('Five-minute intervals with ARM throttling (429), out of the last six, that count as sustained throttling.')
@minValue(1)
@maxValue(6)
param throttledIntervalsThreshold int = 3

// ------------------------------------------------------------------ the fleet (clusters.json)

// The one fleet file of the app, this template and the deploy hook: clusters.json at the project root. Bicep
// reads a file only while compiling, from a literal path relative to this file (loadJsonContent, "File functions
// for Bicep"), so the file always exists: its `clusters` empty (as committed), the deployment keeps the one
// cluster of the parameters above, unchanged. With clusters, the app package carries the file (.funcignore keeps
// it), the app setting CLUSTERS_FILE names it, and the azd output CLUSTERS_FILE hands it to the hook.
var fleet = loadJsonContent('../clusters.json')
var fleetClusters = fleet.clusters
var isFleet = !empty(fleetClusters)
var fleetFileName = 'clusters.json'

// Every (subscription, resource group) of every cluster, as src/fleet/load.ts reads the file: its worker groups,
// its route tables' groups and its subnets' vnet groups (an omitted subscriptionId is the cluster's, a subnet's
// is its table's; a subnet's omitted resourceGroup is its table's). Lower-cased: ARM ids are case-insensitive, and
// union() then drops the same group spelt twice.
var fleetWorkerGroups = flatten(map(fleetClusters, c => map(c.workers, w => {
  subscriptionId: toLower(w.?subscriptionId ?? c.subscriptionId)
  resourceGroup: toLower(w.resourceGroup)
})))
var fleetTableGroups = flatten(map(fleetClusters, c => map(c.routeTables, t => {
  subscriptionId: toLower(t.?subscriptionId ?? c.subscriptionId)
  resourceGroup: toLower(t.resourceGroup)
})))
var fleetSubnetGroups = flatten(flatten(map(fleetClusters, c => map(c.routeTables, t => map(t.subnets, s => {
  subscriptionId: toLower(t.?subscriptionId ?? c.subscriptionId)
  resourceGroup: toLower(s.?resourceGroup ?? t.resourceGroup)
})))))
// NETWORK_RESOURCE_GROUPS in a fleet: `group` (this subscription) or `subscriptionId/group`.
var fleetLinkedGroups = map(linkedResourceGroups, g => {
  subscriptionId: toLower(contains(g, '/') ? split(g, '/')[0] : subscription().subscriptionId)
  resourceGroup: toLower(last(split(g, '/')))
})
// union() of arrays drops duplicates: one assignable scope and one role assignment per distinct pair.
var fleetScopes = isFleet ? union(fleetWorkerGroups, fleetTableGroups, fleetSubnetGroups, fleetLinkedGroups) : []
var fleetScopeIds = map(fleetScopes, g => '/subscriptions/${g.subscriptionId}/resourceGroups/${g.resourceGroup}')
// Every route table of the fleet, for the changed-by-others alert.
var fleetTableIds = flatten(map(fleetClusters, c => map(c.routeTables, t => '/subscriptions/${toLower(t.?subscriptionId ?? c.subscriptionId)}/resourceGroups/${t.resourceGroup}/providers/Microsoft.Network/routeTables/${t.name}')))

// ------------------------------------------------------------------ names

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var functionAppName = 'func-podroutes-${resourceToken}'
var deploymentStorageContainerName = 'app-package-${take(functionAppName, 32)}-${take(resourceToken, 7)}'
var deadLetterContainerName = 'eventgrid-deadletter'
var effectiveRouteTableResourceGroup = empty(routeTableResourceGroup) ? clusterResourceGroup : routeTableResourceGroup
var effectiveVnetResourceGroup = empty(vnetResourceGroup) ? clusterResourceGroup : vnetResourceGroup
var linkedResourceGroups = filter(map(split(networkResourceGroups, ','), g => trim(g)), g => !empty(g))
// union() of arrays drops duplicates: one role assignment per distinct resource group.
var clusterScopes = union([clusterResourceGroup], [effectiveRouteTableResourceGroup], [effectiveVnetResourceGroup], linkedResourceGroups)
// One cluster (no fleet): the groups above, in this subscription.
var singleClusterScopes = isFleet ? [] : clusterScopes
var systemTopicName = 'evgt-podroutes-${resourceToken}'

// Every engine setting (ENGINE_SETTING_KEYS in src/config.ts), and only those; test/infra checks both ways.
// Host/platform settings are added in app/function.bicep (allow-list: infra/settings-allowlist.json).
var engineSettings = {
  CLUSTER_NAME: clusterName
  AZURE_SUBSCRIPTION_ID: subscription().subscriptionId
  CLUSTER_RESOURCE_GROUP: clusterResourceGroup
  ROUTE_TABLE_RESOURCE_GROUP: effectiveRouteTableResourceGroup
  ROUTE_TABLE_NAME: routeTableName
  VNET_NAME: vnetName
  VNET_RESOURCE_GROUP: effectiveVnetResourceGroup
  SUBNET_NAME: subnetName
  CLUSTER_CIDR: clusterCidr
  POD_CIDR_TAG: podCidrTag
  ROUTE_NAME_PREFIX: routeNamePrefix
  REMEDIATION_MODE: remediationMode
  MAX_ROUTE_DELETIONS: maxRouteDeletions
  MAX_ROUTES_PER_TABLE: string(maxRoutesPerTable)
  REPAIR_IP_FORWARDING: repairIpForwarding ? 'true' : 'false'
  VERIFY_SAMPLE_SIZE: string(verifySampleSize)
  ARM_ENDPOINT: environment().resourceManager
  ARM_CA_FILE: '' // only for a loopback emulator; empty counts as unset
  EVENT_RUN_TIMEOUT_MS: '20000' // Event Grid waits 30 s: 20 s of run + at most 3 s of telemetry flush
}

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-podroutes-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
    identityPrincipalId: identity.outputs.principalId
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    containerNames: [
      deploymentStorageContainerName
      deadLetterContainerName
    ]
    identityPrincipalId: identity.outputs.principalId
  }
}

module functionApp 'app/function.bicep' = {
  name: 'function'
  scope: rg
  params: {
    name: functionAppName
    planName: 'plan-${resourceToken}'
    location: location
    tags: tags
    storageAccountName: storage.outputs.name
    deploymentStorageContainerName: deploymentStorageContainerName
    identityId: identity.outputs.resourceId
    identityClientId: identity.outputs.clientId
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    reconcileSchedule: reconcileSchedule
    verifySchedule: verifySchedule
    engineSettings: engineSettings
    clustersFile: isFleet ? fleetFileName : ''
  }
}

// ------------------------------------------------------------------ least privilege on the cluster

// The role is defined once, here in the app's subscription, and a fleet's assignable scopes name groups of any
// subscription of the tenant: a custom role is a tenant object "shared between subscriptions that trust the same
// Microsoft Entra tenant", assignable at up to 2,000 scopes (subscriptions or resource groups), and whoever
// writes it needs Microsoft.Authorization/roleDefinitions/write on every assignable scope (learn.microsoft.com
// role-based-access-control/custom-roles and role-definitions#assignablescopes; troubleshooting "Unable to create
// or update a custom role" shows a role written at one subscription with "linked scopes" in others).
module clusterRole 'app/cluster-role.bicep' = {
  name: 'cluster-role'
  params: {
    environmentName: environmentName
    assignableResourceGroups: singleClusterScopes
    fleetResourceGroupIds: fleetScopeIds
    repairIpForwarding: repairIpForwarding
  }
}

module clusterRoleAssignments 'app/cluster-role-assignment.bicep' = [
  for scopeName in singleClusterScopes: {
    name: 'cluster-role-assignment-${uniqueString(scopeName)}'
    scope: resourceGroup(scopeName)
    params: {
      roleDefinitionId: clusterRole.outputs.roleDefinitionId
      principalId: identity.outputs.principalId
    }
  }
]

// A fleet: the role assigned to the app's identity in each group, in its own subscription. The role definition is
// named by its id in that subscription, as ARM stores it (Azure/azure-rest-api-specs#10939: an assignment in
// another subscription comes back with that subscription's role definition id).
module fleetRoleAssignments 'app/cluster-role-assignment.bicep' = [
  for group in fleetScopes: {
    name: 'fleet-role-assignment-${uniqueString(group.subscriptionId, group.resourceGroup)}'
    scope: resourceGroup(group.subscriptionId, group.resourceGroup)
    params: {
      roleDefinitionId: '/subscriptions/${group.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${clusterRole.outputs.roleDefinitionName}'
      principalId: identity.outputs.principalId
    }
  }
]

// ------------------------------------------------------------------ Event Grid (by the postdeploy hook)
// The system topics and the event subscriptions are made by infra/hooks/postdeploy.mjs after deploy: the
// subscription needs the deployed function, and a group may already have a system topic under another name
// (Azure allows one per source), which a template cannot reuse. The hook gives the topics the identity above;
// it writes dead letters with its Storage Blob Data Owner role on the storage account (app/storage.bicep).

// ------------------------------------------------------------------ alerts and workbook

module alerts 'app/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    location: location
    tags: tags
    resourceToken: resourceToken
    workspaceId: monitoring.outputs.logAnalyticsWorkspaceId
    alertEmail: alertEmail
    alertWebhooks: alertWebhooks
    watchedRouteTableIds: isFleet ? fleetTableIds : [
      '/subscriptions/${subscription().subscriptionId}/resourceGroups/${effectiveRouteTableResourceGroup}/providers/Microsoft.Network/routeTables/${routeTableName}'
    ]
    appPrincipalIds: [
      identity.outputs.principalId
      identity.outputs.clientId
    ]
    heartbeatWindowMinutes: heartbeatWindowMinutes
    failedRunsThreshold: failedRunsThreshold
    unrepairedDriftThreshold: unrepairedDriftThreshold
    unrepairedDriftWindowMinutes: unrepairedDriftWindowMinutes
    throttledIntervalsThreshold: throttledIntervalsThreshold
  }
}

// The subscription's Activity log in the workspace, for the podroutes-changed-by-others alert (a subscription
// takes up to 5 diagnostic settings; set EXPORT_ACTIVITY_LOG=false where one already sends it to this workspace).
resource activityLogExport 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (exportActivityLog) {
  name: 'podroutes-activity-log-${resourceToken}'
  properties: {
    workspaceId: monitoring.outputs.logAnalyticsWorkspaceId
    logs: [
      {
        category: 'Administrative'
        enabled: true
      }
    ]
  }
}

module workbook 'app/workbook.bicep' = {
  name: 'workbook'
  scope: rg
  params: {
    location: location
    tags: tags
    workspaceId: monitoring.outputs.logAnalyticsWorkspaceId
  }
}

// ------------------------------------------------------------------ outputs (azd env values; the hooks read them)

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_APP_ID string = functionApp.outputs.resourceId
output AZURE_FUNCTION_URI string = functionApp.outputs.uri
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.connectionString
output LOG_ANALYTICS_WORKSPACE_ID string = monitoring.outputs.logAnalyticsWorkspaceId
output AZURE_FUNCTION_IDENTITY_ID string = identity.outputs.resourceId
output CLUSTER_RESOURCE_GROUP string = clusterResourceGroup
output ROUTE_TABLE_RESOURCE_GROUP string = effectiveRouteTableResourceGroup
output VNET_RESOURCE_GROUP string = effectiveVnetResourceGroup
// The name the hook gives a system topic it creates (a group that already has one keeps its own).
output EVENT_GRID_SYSTEM_TOPIC_NAME string = systemTopicName
output DEAD_LETTER_CONTAINER_ID string = '${storage.outputs.resourceId}/blobServices/default/containers/${deadLetterContainerName}'
output CLUSTER_ROLE_DEFINITION_ID string = clusterRole.outputs.roleDefinitionId
// The fleet file, relative to the project root where azd runs the hook (empty: no fleet, one cluster).
output CLUSTERS_FILE string = isFleet ? fleetFileName : ''
output WORKBOOK_ID string = workbook.outputs.resourceId
