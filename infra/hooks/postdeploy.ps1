# azd postdeploy hook (PowerShell 7): subscribes reconcileOnResourceChange to the cluster resource group's
# Event Grid system topic. It must run after deploy: Event Grid validates the function endpoint. Filter,
# retry policy and names come from infra/event-filter.json. Idempotent (create = PUT).
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
Set-Location (Join-Path $PSScriptRoot '../..')

function Get-EnvValue([string]$Name) {
  # azd exports the environment's values to hooks; fall back to asking azd.
  $value = [Environment]::GetEnvironmentVariable($Name)
  if ([string]::IsNullOrEmpty($value)) { $value = (azd env get-value $Name 2>$null) }
  if ([string]::IsNullOrEmpty($value)) {
    throw "postdeploy: azd environment value $Name is missing (did 'azd provision' succeed?)"
  }
  return "$value".Trim()
}

function Invoke-Node([string[]]$NodeArgs) {
  $out = @(node @NodeArgs)
  if ($LASTEXITCODE -ne 0) { throw "postdeploy: node $($NodeArgs -join ' ') failed" }
  return $out
}

$functionAppId = Get-EnvValue 'AZURE_FUNCTION_APP_ID'
$functionAppName = Get-EnvValue 'AZURE_FUNCTION_APP_NAME'
$appResourceGroup = Get-EnvValue 'AZURE_RESOURCE_GROUP'
$clusterResourceGroup = Get-EnvValue 'CLUSTER_RESOURCE_GROUP'
$systemTopic = Get-EnvValue 'EVENT_GRID_SYSTEM_TOPIC_NAME'
$deadLetterContainerId = Get-EnvValue 'DEAD_LETTER_CONTAINER_ID'

$filter = 'infra/event-filter.json'
$argsScript = 'infra/hooks/event-subscription-args.mjs'
$functionName = (Invoke-Node @($argsScript, $filter, 'functionName'))[0]
$subscriptionName = (Invoke-Node @($argsScript, $filter, 'subscriptionName'))[0]
$filterArgs = Invoke-Node @($argsScript, $filter, 'args')

Write-Host "postdeploy: waiting for function $functionName on $functionAppName to be indexed"
$found = $false
for ($attempt = 1; $attempt -le 30; $attempt++) {
  az functionapp function show --resource-group $appResourceGroup --name $functionAppName `
    --function-name $functionName --query name --output tsv *> $null
  if ($LASTEXITCODE -eq 0) { $found = $true; break }
  Start-Sleep -Seconds 10
}
if (-not $found) {
  throw "postdeploy: $functionName not found after 5 minutes; check the deployment, then run: azd hooks run postdeploy"
}

Write-Host "postdeploy: creating/updating event subscription $subscriptionName on system topic $systemTopic"
az eventgrid system-topic event-subscription create `
  --name $subscriptionName `
  --resource-group $clusterResourceGroup `
  --system-topic-name $systemTopic `
  --endpoint-type azurefunction `
  --endpoint "$functionAppId/functions/$functionName" `
  --deadletter-identity systemassigned `
  --deadletter-identity-endpoint $deadLetterContainerId `
  @filterArgs `
  --output none
if ($LASTEXITCODE -ne 0) { throw 'postdeploy: az eventgrid system-topic event-subscription create failed' }

Write-Host "postdeploy: done. Verify: az eventgrid system-topic event-subscription show -g $clusterResourceGroup --system-topic-name $systemTopic -n $subscriptionName"
