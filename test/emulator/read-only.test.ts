// A PUT of an existing NIC keeps what ARM owns: the SDK never sends read-only properties (virtualMachine,
// macAddress, primary, ...), and ARM ignores them when a raw client does. Before this, a NIC write through the
// SDK (the engine's IP forwarding repair) left the emulator's NIC detached from its VM.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator, Json } from '../../src/emulator/index.js';
import { clients, FAST, RG, start } from './helpers.js';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await start();
});
afterAll(async () => {
  await emulator.stop();
});

describe('read-only properties survive a PUT', () => {
  it('a NIC written back by the SDK keeps its virtualMachine and its MAC address', async () => {
    const id = `/subscriptions/${emulator.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Network/networkInterfaces/worker-0-nic`;
    const stored = emulator.getResource(id)!;
    (stored.properties as Json).macAddress = '00-0D-3A-1B-2C-3D';
    emulator.upsertResource(stored, { emitEvent: false });
    const { network } = clients(emulator);
    const nic = await network.networkInterfaces.get(RG, 'worker-0-nic');
    expect(nic.virtualMachine?.id).toMatch(/virtualMachines\/worker-0$/u);
    await network.networkInterfaces.beginCreateOrUpdateAndWait(
      RG,
      'worker-0-nic',
      { ...nic, enableIPForwarding: false },
      FAST,
    );
    const after = emulator.getResource(id)!.properties as Json;
    expect(after.enableIPForwarding).toBe(false);
    expect((after.virtualMachine as Json | undefined)?.id).toBe(nic.virtualMachine?.id);
    expect(after.macAddress).toBe('00-0D-3A-1B-2C-3D');
  });
});
