// Which cluster and table a picture is of, from today's settings (one cluster, one table, one subnet).
import type { Config } from '../config.js';
import { planSettingsFor } from '../reconcile.js';
import type { ClusterScope } from './from-result.js';

/** The cluster's name is CLUSTER_NAME once the fleet settings define it; 'default' until then. */
export function clusterScope(config: Config): ClusterScope {
  const named = (config as { cluster?: { name?: unknown } }).cluster?.name;
  return {
    name: typeof named === 'string' ? named : 'default',
    settings: planSettingsFor(config),
    workerGroup: `subnet ${config.subnetName}`,
  };
}
