# azd postdeploy hook (PowerShell 7): subscribes reconcileOnResourceChange to Event Grid. All the work is in
# postdeploy.mjs (Node, no dependencies; postdeploy.sh calls the same script), which reads the azd values
# from the environment and talks to Azure only through `az rest` and `az account show`.
$ErrorActionPreference = 'Stop'
node (Join-Path $PSScriptRoot 'postdeploy.mjs') @args
if ($LASTEXITCODE -ne 0) { throw "postdeploy: infra/hooks/postdeploy.mjs failed (exit code $LASTEXITCODE)" }
