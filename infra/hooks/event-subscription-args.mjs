// Turns infra/event-filter.json into `az eventgrid system-topic event-subscription create` arguments, one per
// line, so postdeploy.sh and postdeploy.ps1 share one reading of the filter (test/infra checks the output).
// Usage: node event-subscription-args.mjs <event-filter.json> [args|functionName|subscriptionName]
import { readFileSync } from 'node:fs';

export function eventSubscriptionArgs(filter) {
  const args = ['--included-event-types', ...filter.includedEventTypes];
  for (const f of filter.advancedFilters) {
    args.push('--advanced-filter', f.key, f.operatorType, ...f.values);
  }
  args.push(
    '--max-delivery-attempts',
    String(filter.retryPolicy.maxDeliveryAttempts),
    '--event-ttl',
    String(filter.retryPolicy.eventTimeToLiveInMinutes),
  );
  return args;
}

const [, script, file, mode = 'args'] = process.argv;
if (script?.endsWith('event-subscription-args.mjs') && file) {
  const filter = JSON.parse(readFileSync(file, 'utf8'));
  if (mode === 'args') console.log(eventSubscriptionArgs(filter).join('\n'));
  else if (mode === 'functionName' || mode === 'subscriptionName') console.log(filter[mode]);
  else {
    console.error(`unknown mode '${mode}': expected args, functionName or subscriptionName`);
    process.exit(2);
  }
}
