// Azure Monitor workbook over the workspace: drift, repairs, refusals, run duration and health over time.
// The content is infra/workbook.json (its queries are checked against src/telemetry/catalog.ts).
param location string
param tags object = {}
param workspaceId string

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(resourceGroup().id, 'pod-route-reconciler-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'Pod route reconciler'
    category: 'workbook'
    version: 'Notebook/1.0'
    sourceId: workspaceId
    serializedData: loadTextContent('../workbook.json')
  }
}

output resourceId string = workbook.id
