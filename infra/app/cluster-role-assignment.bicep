// Assigns the custom role to the function's identity at one resource group (cluster, route table or vnet).
param roleDefinitionId string
param principalId string

resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalId, roleDefinitionId)
  properties: {
    roleDefinitionId: roleDefinitionId
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'pod-route-reconciler: least-privilege access to the cluster routing'
  }
}

output resourceId string = assignment.id
