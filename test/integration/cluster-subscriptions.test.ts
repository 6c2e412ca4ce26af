// The multi-region cluster with its west region in a second subscription: the workers, the table and the vnet of
// each subscription are read and written with that subscription's clients, and the cluster converges.
import { describe, expect, it } from 'vitest';
import { reconcile } from '../../src/reconcile.js';
import { verify } from '../../src/verify.js';
import { useMultiRegion } from '../support/multi-region.js';

const WEST = '0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6';
const world = useMultiRegion(WEST);

describe('a cluster over two subscriptions', () => {
  it('converges: the west table (second subscription) holds every pod route and its subnet is associated', async () => {
    const config = world.config();
    const first = await reconcile({ config, trigger: 'timer', clients: world.clients(config) });
    expect(first.error).toBeUndefined();
    expect(first.status).toBe('Repaired');
    expect(first.peerings).toEqual([]);
    const west = world.emulator.getResource(
      `/subscriptions/${WEST}/resourceGroups/k8s-west/providers/Microsoft.Network/routeTables/pods-west`,
    ) as { properties: { routes: Array<{ name: string }>; subnets?: Array<{ id: string }> } };
    expect(west.properties.routes.map((r) => r.name).sort()).toEqual([
      'kubernetes-route-10-200-0-0-24',
      'kubernetes-route-10-200-1-0-24',
      'kubernetes-route-10-200-2-0-24',
    ]);
    expect(west.properties.subnets?.map((s) => s.id)).toEqual([
      `/subscriptions/${WEST}/resourceGroups/k8s-west/providers/Microsoft.Network/virtualNetworks/vnet-west/subnets/nodes-c`,
    ]);
    const second = await reconcile({ config, trigger: 'timer', clients: world.clients(config) });
    expect(second.status).toBe('Healthy');

    const checked = await verify({ config, trigger: 'cli', workers: 'all', clients: world.clients(config) });
    expect(checked.error).toBeUndefined();
    expect(checked.status).toBe('Effective');
    expect(checked.workers.map((w) => w.status)).toEqual(['checked', 'checked', 'checked']);
  });

  it("turns on IP forwarding of a west worker's NIC in the west subscription (REPAIR_IP_FORWARDING)", async () => {
    // worker-2 sits in the second subscription: its NIC must be read and written there, whatever table's run
    // repairs it (the first table, pods-east, lives in the first subscription).
    const nicId = `/subscriptions/${WEST}/resourceGroups/k8s-west/providers/Microsoft.Network/networkInterfaces/worker-2-nic`;
    const nic = world.emulator.getResource(nicId) as { properties: { enableIPForwarding: boolean } };
    nic.properties.enableIPForwarding = false;
    world.emulator.upsertResource(nic, { emitEvent: false });
    const config = world.config({ REPAIR_IP_FORWARDING: 'true' });
    world.emulator.clearRequests();
    const result = await reconcile({ config, trigger: 'timer', clients: world.clients(config) });
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('Repaired');
    expect(result.repaired.filter((d) => d.kind === 'ip-forwarding-disabled').map((d) => d.subject)).toEqual([
      nicId,
    ]);
    const stored = world.emulator.getResource(nicId) as { properties: { enableIPForwarding: boolean } };
    expect(stored.properties.enableIPForwarding).toBe(true);
    const nicWrites = world.emulator
      .requests()
      .filter((r) => r.method === 'PUT' && /networkinterfaces/iu.test(r.path))
      .map((r) => r.path.split('?')[0]);
    expect(nicWrites).toEqual([nicId]);
    const second = await reconcile({ config, trigger: 'timer', clients: world.clients(config) });
    expect(second.status).toBe('Healthy');
  });
});
