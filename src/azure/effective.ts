// The reads of `verify`: the VMs with their power state (one paged list with $expand=instanceView, no per-VM
// call), the NICs, and one NIC's effective routes (a long-running POST; ARM answers it only for a NIC of a
// running VM). Nothing here writes.
import type { VirtualMachine } from '@azure/arm-compute';
import type { EffectiveRoute } from '@azure/arm-network';
import type { Config } from '../config.js';
import type { EffectiveRouteRecord } from '../core/effective.js';
import type { Inventory } from '../core/types.js';
import { withAnswerBodies } from './answer-bodies.js';
import type { ArmClients } from './clients.js';
import { httpStatusOf } from './errors.js';
import { collect, toNicRecord, toVmRecord } from './records.js';
import { awaitLro } from './session.js';

interface VerifyInventory {
  inventory: Inventory;
  /** Lower-cased VM id -> the instance view's PowerState code ('PowerState/running', ...), when reported. */
  powerStates: Map<string, string | undefined>;
}

function powerStateOf(vm: VirtualMachine): string | undefined {
  return vm.instanceView?.statuses?.find((s) => s.code?.toLowerCase().startsWith('powerstate/'))?.code;
}

/**
 * The VMs with their instance view in one paged list. The spec documents `$expand=instanceView` on a list as
 * needing a `$filter` (Azure/azure-rest-api-specs#42411), though SDKs use it without one; if ARM refuses it (400),
 * the plain list plus one instanceView GET per VM is the fallback (same permission, N more reads).
 */
async function readVmsWithPower(
  clients: ArmClients,
  config: Config,
  options: { abortSignal?: AbortSignal },
): Promise<VirtualMachine[]> {
  const rg = config.clusterResourceGroup;
  try {
    return await collect(clients.compute.virtualMachines.list(rg, { ...options, expand: 'instanceView' }));
  } catch (error) {
    if (httpStatusOf(error) !== 400) throw error;
  }
  const vms = await collect(clients.compute.virtualMachines.list(rg, options));
  const out: VirtualMachine[] = [];
  for (const vm of vms) {
    const instanceView = vm.name
      ? await clients.compute.virtualMachines.instanceView(rg, vm.name, options)
      : undefined;
    out.push({ ...vm, instanceView } as VirtualMachine);
  }
  return out;
}

/** VMs with their power state, and NICs. The table is not read: verify judges ARM's view of it. */
export async function readVerifyInventory(
  clients: ArmClients,
  config: Config,
  signal?: AbortSignal,
): Promise<VerifyInventory> {
  const options = signal ? { abortSignal: signal } : {};
  const [vms, nics] = await Promise.all([
    readVmsWithPower(clients, config, options),
    collect(clients.network.networkInterfaces.list(config.clusterResourceGroup, options)),
  ]);
  const powerStates = new Map<string, string | undefined>();
  for (const vm of vms) if (vm.id) powerStates.set(vm.id.toLowerCase(), powerStateOf(vm));
  return {
    inventory: {
      vms: vms.map(toVmRecord),
      nics: nics.map(toNicRecord),
      routeTable: null,
      vnetLocation: undefined,
    },
    powerStates,
  };
}

/** The `hasBgpOverride` of each route of the final answer (by position), from the bodies as ARM sent them. */
function bgpOverrides(bodies: readonly string[]): boolean[] {
  for (const body of [...bodies].reverse()) {
    try {
      const parsed = JSON.parse(body) as { value?: unknown };
      if (Array.isArray(parsed.value))
        return parsed.value.map((r) => (r as { hasBgpOverride?: unknown } | null)?.hasBgpOverride === true);
    } catch {
      // Not JSON (an empty 202): not the answer.
    }
  }
  return [];
}

function toEffectiveRouteRecord(route: EffectiveRoute, hasBgpOverride: boolean): EffectiveRouteRecord {
  return {
    name: route.name ?? undefined,
    source: route.source ?? undefined,
    state: route.state ?? undefined,
    addressPrefixes: (route.addressPrefix ?? []).filter((p): p is string => typeof p === 'string'),
    nextHopType: route.nextHopType ?? undefined,
    nextHopIpAddresses: (route.nextHopIpAddress ?? []).filter((p): p is string => typeof p === 'string'),
    hasBgpOverride,
  };
}

/** One NIC's effective routes: POST .../effectiveRouteTable, then its polls (counted as LRO polls). */
export async function readEffectiveRoutes(
  clients: ArmClients,
  nicId: string,
  signal?: AbortSignal,
): Promise<EffectiveRouteRecord[]> {
  const m = /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/networkInterfaces\/([^/]+)$/iu.exec(
    nicId,
  );
  if (!m) throw new Error(`not a network interface id: ${nicId}`);
  // Real ARM sends hasBgpOverride on every effective route (Azure/azure-powershell#23091), but the spec's
  // EffectiveRoute lacks it and the SDK's deserializer drops it: it is read from the answers as ARM sent them.
  const { result, bodies } = await withAnswerBodies(() => {
    const poller = clients.network.networkInterfaces.getEffectiveRouteTable(m[1]!, m[2]!, {
      updateIntervalInMs: clients.pollIntervalMs,
      ...(signal ? { abortSignal: signal } : {}),
    });
    return awaitLro(() => poller.pollUntilDone());
  });
  const overrides = bgpOverrides(bodies);
  return (result.value ?? []).map((route, i) => toEffectiveRouteRecord(route, overrides[i] === true));
}
