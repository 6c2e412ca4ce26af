#!/bin/sh
# azd postdeploy hook (POSIX sh): subscribes reconcileOnResourceChange to Event Grid. All the work is in
# postdeploy.mjs (Node, no dependencies; postdeploy.ps1 calls the same script), which reads the azd values
# from the environment and talks to Azure only through `az rest` and `az account show`.
set -eu
exec node "$(dirname "$0")/postdeploy.mjs" "$@"
