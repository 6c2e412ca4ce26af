// The NICs of Uniform scale-set instances: in neither the VM list nor the group's NIC list, they are read
// through the scale sets. Cost per run: one (paged) list of the group's scale sets, plus one (paged) NIC list
// per Uniform scale set (Network API, api-version 2018-10-01, the newest that type is registered with).
// Flexible scale sets need nothing more: their VMs and NICs are ordinary ones, already in the group's lists.
import type { Config } from '../config.js';
import type { NicRecord } from '../core/types.js';
import type { ArmClients } from './clients.js';
import { isResourceNotFound } from './errors.js';
import { collect, toNicRecord } from './records.js';

export async function readScaleSetNics(
  clients: ArmClients,
  config: Config,
  abortSignal: AbortSignal,
): Promise<NicRecord[]> {
  const rg = config.clusterResourceGroup;
  const scaleSets = await collect(clients.compute.virtualMachineScaleSets.list(rg, { abortSignal }));
  // No orchestration mode is a Uniform scale set (the mode before Flexible existed).
  const uniform = scaleSets.filter((s) => s.orchestrationMode !== 'Flexible' && typeof s.name === 'string');
  const lists = await Promise.all(
    uniform.map(async (s) => {
      try {
        return await collect(
          clients.network.networkInterfaces.listVirtualMachineScaleSetNetworkInterfaces(rg, s.name!, {
            abortSignal,
          }),
        );
      } catch (error) {
        // Deleted between the two reads: it has no instances left to protect.
        if (isResourceNotFound(error)) return [];
        throw error;
      }
    }),
  );
  return lists.flat().map(toNicRecord);
}
