// Which cluster and table a picture is of, from today's settings (one cluster, one table, one subnet).
import type { Config } from '../config.js';
import { planSettingsFor } from '../run-settings.js';
import type { ClusterScope } from './from-result.js';

/** The cluster's name: CLUSTER_NAME, or its entry in the fleet file. */
export function clusterScope(config: Config): ClusterScope {
  return {
    name: config.cluster.name,
    settings: planSettingsFor(config),
    workerGroup: `subnet ${config.subnetName}`,
  };
}
