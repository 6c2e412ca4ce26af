#!/bin/sh
# azd postdeploy hook (POSIX sh, runs under bash too): subscribes reconcileOnResourceChange to the cluster
# resource group's Event Grid system topic. It must run after deploy: Event Grid validates the function
# endpoint. Filter, retry policy and names come from infra/event-filter.json. Idempotent (create = PUT).
set -eu
set -f # no globbing of filter values
cd "$(dirname "$0")/../.."

env_value() {
  # azd exports the environment's values to hooks; fall back to asking azd.
  eval "v=\${$1:-}"
  if [ -z "$v" ]; then v=$(azd env get-value "$1" 2>/dev/null || true); fi
  if [ -z "$v" ]; then
    echo "postdeploy: azd environment value $1 is missing (did 'azd provision' succeed?)" >&2
    exit 1
  fi
  printf '%s' "$v"
}

FUNCTION_APP_ID=$(env_value AZURE_FUNCTION_APP_ID)
FUNCTION_APP_NAME=$(env_value AZURE_FUNCTION_APP_NAME)
APP_RESOURCE_GROUP=$(env_value AZURE_RESOURCE_GROUP)
CLUSTER_RESOURCE_GROUP=$(env_value CLUSTER_RESOURCE_GROUP)
SYSTEM_TOPIC=$(env_value EVENT_GRID_SYSTEM_TOPIC_NAME)
DEAD_LETTER_CONTAINER_ID=$(env_value DEAD_LETTER_CONTAINER_ID)

FILTER=infra/event-filter.json
ARGS_SCRIPT=infra/hooks/event-subscription-args.mjs
FUNCTION_NAME=$(node "$ARGS_SCRIPT" "$FILTER" functionName)
SUBSCRIPTION_NAME=$(node "$ARGS_SCRIPT" "$FILTER" subscriptionName)
FILTER_ARGS=$(node "$ARGS_SCRIPT" "$FILTER" args)

echo "postdeploy: waiting for function $FUNCTION_NAME on $FUNCTION_APP_NAME to be indexed"
attempt=0
until az functionapp function show --resource-group "$APP_RESOURCE_GROUP" --name "$FUNCTION_APP_NAME" \
  --function-name "$FUNCTION_NAME" --query name --output tsv >/dev/null 2>&1; do
  attempt=$((attempt + 1))
  if [ "$attempt" -ge 30 ]; then
    echo "postdeploy: $FUNCTION_NAME not found after 5 minutes; check the deployment, then run this hook again:" >&2
    echo "  azd hooks run postdeploy" >&2
    exit 1
  fi
  sleep 10
done

# One argument per line -> positional parameters.
old_ifs=$IFS
IFS='
'
# shellcheck disable=SC2086
set -- $FILTER_ARGS
IFS=$old_ifs

echo "postdeploy: creating/updating event subscription $SUBSCRIPTION_NAME on system topic $SYSTEM_TOPIC"
az eventgrid system-topic event-subscription create \
  --name "$SUBSCRIPTION_NAME" \
  --resource-group "$CLUSTER_RESOURCE_GROUP" \
  --system-topic-name "$SYSTEM_TOPIC" \
  --endpoint-type azurefunction \
  --endpoint "$FUNCTION_APP_ID/functions/$FUNCTION_NAME" \
  --deadletter-identity systemassigned \
  --deadletter-identity-endpoint "$DEAD_LETTER_CONTAINER_ID" \
  "$@" \
  --output none

echo "postdeploy: done. Verify: az eventgrid system-topic event-subscription show -g $CLUSTER_RESOURCE_GROUP --system-topic-name $SYSTEM_TOPIC -n $SUBSCRIPTION_NAME"
