// Flex Consumption (FC1) Function app on Node 22 with the user-assigned identity, following the azd
// TypeScript Functions templates: runtime and deployment storage in functionAppConfig, identity-based
// AzureWebJobsStorage__*, Entra ID telemetry ingestion. No keys or connection secrets in settings.
param name string
param planName string
param location string
param tags object = {}
param storageAccountName string
param deploymentStorageContainerName string
param identityId string
param identityClientId string
param applicationInsightsConnectionString string
param reconcileSchedule string
param verifySchedule string
@description('The engine settings (ENGINE_SETTING_KEYS), built in main.bicep.')
param engineSettings object
@description('The fleet file in the app package (clusters.json), or empty: the one cluster of engineSettings.')
param clustersFile string = ''
param instanceMemoryMB int = 512
param maximumInstanceCount int = 40

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

// Host and platform settings besides the engine's; the allow-list is infra/settings-allowlist.json.
var platformSettings = {
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD;ClientId=${identityClientId}'
  AZURE_CLIENT_ID: identityClientId
  RECONCILE_SCHEDULE: reconcileSchedule
  VERIFY_SCHEDULE: verifySchedule
  CLUSTERS_FILE: clustersFile
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'reconciler' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentStorageContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
}

resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: union(platformSettings, engineSettings)
}

// No publishing (basic auth) credentials: azd deploys with Entra ID.
resource ftpPolicy 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmPolicy 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'scm'
  properties: {
    allow: false
  }
}

output name string = functionApp.name
output resourceId string = functionApp.id
output uri string = 'https://${functionApp.properties.defaultHostName}'
