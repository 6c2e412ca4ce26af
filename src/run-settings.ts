// What every run is told, whichever command it serves (reconcile, verify): the planner's settings derived from
// the config, and the logger used when the caller gives none.
import { routeTableId, subnetId } from './azure/ids.js';
import type { Config } from './config.js';
import type { Logger, PlanSettings } from './core/types.js';

export const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export function planSettingsFor(config: Config, forceDeletions = false): PlanSettings {
  return {
    clusterCidrs: config.clusterCidrs,
    podCidrTag: config.podCidrTag,
    routeNamePrefix: config.routeNamePrefix,
    routeTableId: routeTableId(config),
    routeTableName: config.routeTableName,
    subnetIds: [subnetId(config)],
    maxRouteDeletions: config.maxRouteDeletions,
    forceDeletions,
    repairIpForwarding: config.repairIpForwarding,
    maxRoutesPerTable: config.maxRoutesPerTable,
  };
}
