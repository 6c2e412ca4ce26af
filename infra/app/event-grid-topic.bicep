// The Event Grid system topic of the cluster resource group (deployed into that group). Its system-assigned
// identity writes dead letters. The event subscription needs the deployed function, so the postdeploy hook
// creates it (infra/hooks/postdeploy.*, filter in infra/event-filter.json).
// Only one system topic may exist per source: if the cluster group already has one, see docs/deploy.md.
param name string
param tags object = {}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: name
  location: 'global' // resource-group and subscription topics are global
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    source: resourceGroup().id
    topicType: 'Microsoft.Resources.ResourceGroups'
  }
}

output name string = systemTopic.name
output resourceId string = systemTopic.id
output principalId string = systemTopic.identity.principalId
