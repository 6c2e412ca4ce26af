// Real api-versions the emulated types accept (ARM accepts every registered version, not only the newest).
// Newest first: 2026-01-01 (network) and 2026-04-01 (compute) are what @azure/arm-network 39 and
// @azure/arm-compute 25 send.
import { armErrors } from './errors.js';
import type { Store } from './store.js';

export const NETWORK_API_VERSIONS = [
  '2026-01-01',
  '2025-07-01',
  '2025-05-01',
  '2025-03-01',
  '2025-01-01',
  '2024-10-01',
  '2024-07-01',
  '2024-05-01',
  '2024-03-01',
  '2024-01-01',
  '2023-11-01',
  '2023-09-01',
  '2023-06-01',
  '2023-05-01',
  '2023-04-01',
  '2023-02-01',
  '2022-11-01',
  '2022-09-01',
  '2022-07-01',
  '2022-05-01',
  '2022-01-01',
  '2021-08-01',
  '2021-05-01',
  '2021-03-01',
  '2021-02-01',
  '2020-11-01',
  '2020-08-01',
  '2020-07-01',
  '2020-06-01',
  '2020-05-01',
  '2020-04-01',
  '2020-03-01',
  '2019-12-01',
  '2019-11-01',
  '2019-09-01',
  '2019-08-01',
  '2019-07-01',
  '2019-06-01',
  '2019-04-01',
  '2019-02-01',
  '2018-12-01',
  '2018-11-01',
  '2018-10-01',
  '2018-08-01',
  '2018-07-01',
  '2018-06-01',
  '2018-04-01',
  '2018-02-01',
  '2018-01-01',
  '2017-11-01',
  '2017-10-01',
  '2017-09-01',
  '2017-08-01',
  '2017-06-01',
  '2017-03-01',
  '2016-12-01',
  '2016-09-01',
  '2016-06-01',
  '2016-03-30',
  '2015-06-15',
] as const;

export const COMPUTE_API_VERSIONS = [
  '2026-04-01',
  '2025-04-01',
  '2024-11-01',
  '2024-07-01',
  '2024-03-01',
  '2023-09-01',
  '2023-07-01',
  '2023-03-01',
  '2022-11-01',
  '2022-08-01',
  '2022-03-01',
  '2021-11-01',
  '2021-07-01',
  '2021-04-01',
  '2021-03-01',
  '2020-12-01',
  '2020-06-01',
  '2019-12-01',
  '2019-07-01',
  '2019-03-01',
  '2018-10-01',
  '2018-06-01',
  '2018-04-01',
  '2017-12-01',
  '2017-03-30',
  '2016-04-30-preview',
  '2016-03-30',
  '2015-06-15',
] as const;

/** Microsoft.Resources (resource groups, tags). */
export const RESOURCES_API_VERSIONS = [
  '2025-04-01',
  '2024-11-01',
  '2024-07-01',
  '2024-03-01',
  '2023-07-01',
  '2022-09-01',
  '2021-04-01',
  '2021-01-01',
  '2020-10-01',
  '2020-06-01',
  '2019-10-01',
  '2019-08-01',
  '2019-07-01',
  '2019-05-10',
  '2019-05-01',
  '2019-03-01',
  '2018-05-01',
  '2018-02-01',
  '2017-05-10',
  '2016-09-01',
  '2016-02-01',
  '2015-11-01',
  '2014-04-01',
] as const;

/**
 * Refuses an api-version the resource type does not register, as ARM does: NoRegisteredProviderFound naming the
 * first resource group's region and listing the regions of all groups (eastus when there is none).
 */
export function requireRegisteredVersion(
  store: Pick<Store, 'groupList'>,
  version: string,
  supported: readonly string[],
  type: string,
): void {
  if (supported.includes(version)) return;
  const locations = [
    ...new Set(
      store
        .groupList()
        .map((g) => g.location)
        .filter(Boolean),
    ),
  ];
  throw armErrors.noRegisteredProvider(
    locations[0] ?? 'eastus',
    version,
    type,
    supported,
    locations.length ? locations : ['eastus'],
  );
}
