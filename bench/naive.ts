// The naive baseline: the provisioning report's method, made drift-aware (so it is the *generous* naive way:
// the report's script rewrote every route). One awaited call at a time, as the script ran `az` commands:
// per worker a VM GET and a NIC GET, one list of the table's routes (paged) to know what is there, then one
// awaited PUT per missing or wrong route and one awaited DELETE per stale route, each polled to completion.
// It runs through the same clients (same pipeline, same request accounting) as the engine.
import type { Route } from '@azure/arm-network';
import type { ArmClients } from '../src/azure/clients.js';
import { awaitLro, newCounts, withArmRun } from '../src/azure/session.js';
import type { Config } from '../src/config.js';
import { isOwnedRouteName, routeNameForCidr } from '../src/core/naming.js';
import type { ArmRequestCounts } from '../src/core/types.js';

export interface NaiveResult {
  arm: ArmRequestCounts;
  puts: number;
  deletes: number;
}

export async function naiveReconcile(
  clients: ArmClients,
  config: Config,
  workers: string[],
): Promise<NaiveResult> {
  const counts = newCounts();
  const lro = { updateIntervalInMs: clients.pollIntervalMs };
  let puts = 0;
  let deletes = 0;
  await withArmRun({ counts, deadline: Date.now() + 3_600_000, signal: undefined }, async () => {
    const want = new Map<string, Route>();
    for (const name of workers) {
      const vm = await clients.compute.virtualMachines.get(config.clusterResourceGroup, name);
      const cidr = vm.tags?.[config.podCidrTag];
      const nicId = vm.networkProfile?.networkInterfaces?.[0]?.id;
      if (!cidr || !nicId) continue;
      const nic = await clients.network.networkInterfaces.get(
        config.clusterResourceGroup,
        nicId.slice(nicId.lastIndexOf('/') + 1),
      );
      const ip = nic.ipConfigurations?.find((c) => c.primary)?.privateIPAddress;
      if (!ip) continue;
      const routeName = routeNameForCidr(cidr, config.routeNamePrefix);
      want.set(routeName.toLowerCase(), {
        name: routeName,
        addressPrefix: cidr,
        nextHopType: 'VirtualAppliance',
        nextHopIpAddress: ip,
      });
    }
    const have: Route[] = [];
    for await (const r of clients.network.routes.list(config.routeTableResourceGroup, config.routeTableName))
      have.push(r);
    const haveByName = new Map(have.map((r) => [r.name?.toLowerCase() ?? '', r]));
    for (const [key, route] of want) {
      const cur = haveByName.get(key);
      if (
        cur &&
        cur.addressPrefix === route.addressPrefix &&
        cur.nextHopType === route.nextHopType &&
        cur.nextHopIpAddress === route.nextHopIpAddress
      )
        continue;
      const { name, ...body } = route;
      const poller = clients.network.routes.createOrUpdate(
        config.routeTableResourceGroup,
        config.routeTableName,
        name as string,
        body,
        lro,
      );
      await awaitLro(() => poller.pollUntilDone());
      puts++;
    }
    for (const r of have) {
      const name = r.name ?? '';
      if (!isOwnedRouteName(name, config.routeNamePrefix) || want.has(name.toLowerCase())) continue;
      const poller = clients.network.routes.delete(
        config.routeTableResourceGroup,
        config.routeTableName,
        name,
        lro,
      );
      await awaitLro(() => poller.pollUntilDone());
      deletes++;
    }
  });
  return { arm: counts, puts, deletes };
}
