// The picture's scope for the CLI (which cluster, which table's settings) and `pod-routes topology`: one
// plan (and, with --verify, the effective-route check) drawn into one self-contained HTML or SVG file.
import type { Config } from '../config.js';
import { planSettingsFor } from '../reconcile.js';
import type { ClusterScope } from '../topology/from-result.js';

/** Today's settings are one cluster; its name is CLUSTER_NAME once the fleet settings define it. */
export function clusterScope(config: Config): ClusterScope {
  const named = (config as { cluster?: { name?: unknown } }).cluster?.name;
  return {
    name: typeof named === 'string' ? named : 'default',
    settings: planSettingsFor(config),
    workerGroup: `subnet ${config.subnetName}`,
  };
}
