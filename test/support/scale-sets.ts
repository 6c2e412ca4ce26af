// The provisioning report's cluster plus two scale sets of workers in the same subnet: `pool-uniform`
// (Uniform, 2 instances, made by the emulator from its network profile) and `pool-flex` (Flexible, no VMs yet).
import { readFileSync } from 'node:fs';
import type { Json, WorldFile } from '../../src/emulator/index.js';

export const UNIFORM = 'pool-uniform';
export const FLEXIBLE = 'pool-flex';

function scaleSet(base: string, name: string, mode: 'Uniform' | 'Flexible', capacity: number): Json {
  const subnetId = `${base}/Microsoft.Network/virtualNetworks/kubernetes-vnet/subnets/kubernetes-subnet`;
  return {
    id: `${base}/Microsoft.Compute/virtualMachineScaleSets/${name}`,
    location: 'eastus2',
    tags: { role: 'kubernetes-worker' },
    sku: { name: 'Standard_B2s', tier: 'Standard', capacity },
    properties: {
      orchestrationMode: mode,
      ...(mode === 'Flexible' ? { platformFaultDomainCount: 1 } : { upgradePolicy: { mode: 'Manual' } }),
      virtualMachineProfile: {
        networkProfile: {
          networkInterfaceConfigurations: [
            {
              name: `${name}-nic`,
              properties: {
                primary: true,
                enableIPForwarding: true,
                ipConfigurations: [
                  { name: 'ipconfig1', properties: { subnet: { id: subnetId }, primary: true } },
                ],
              },
            },
          ],
        },
      },
    },
  };
}

/** examples/kthw-azure.world.json with the two scale sets added. */
export function worldWithScaleSets(worldPath = 'examples/kthw-azure.world.json'): WorldFile {
  const world = JSON.parse(readFileSync(worldPath, 'utf8')) as WorldFile;
  const base = `/subscriptions/${world.subscriptionId}/resourceGroups/kubernetes/providers`;
  world.resources.push(scaleSet(base, UNIFORM, 'Uniform', 2), scaleSet(base, FLEXIBLE, 'Flexible', 0));
  return world;
}

export function scaleSetId(subscriptionId: string, name: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/kubernetes/providers/Microsoft.Compute/virtualMachineScaleSets/${name}`;
}
