// The emulator in its own process, so that the CPU time and memory measured for "one reconcile" are the
// client's alone. Driven by the bench runner over IPC (see ipc.ts); forwards every Event Grid event.
import { type Emulator, startEmulator } from '../src/emulator/index.js';
import { serve } from './ipc.js';
import { CONTROLLERS, makeWorld, podCidr, RG, SUBNET_ID, TABLE_ID, workerIp, workerName } from './world.js';

let emulator: Emulator | undefined;
let unsubscribe: (() => void) | undefined;
let relay = false;

function need(): Emulator {
  if (!emulator) throw new Error('emulator not started');
  return emulator;
}

serve(async (req) => {
  switch (req.cmd) {
    case 'start': {
      if (emulator) {
        unsubscribe?.();
        await emulator.stop();
      }
      emulator = await startEmulator({
        world: makeWorld(Number(req.n), Number(req.d)),
        latency: req.latency as { readMs: number; writeMs: number; lroMs: number },
        lro: req.lro as { inProgressPolls: number; retryAfterSeconds: number },
        pageSize: Number(req.pageSize),
      });
      relay = req.relayEvents === true;
      unsubscribe = emulator.subscribe((event) => {
        if (relay) process.send?.({ type: 'event', event, emittedAt: Date.now() });
      });
      return {
        endpoint: emulator.endpoint,
        caFile: emulator.caFile,
        subscriptionId: emulator.subscriptionId,
      };
    }
    case 'relay':
      relay = req.on === true;
      return relay;
    case 'requests':
      return need().requests();
    case 'clear':
      need().clearRequests();
      return true;
    case 'table':
      return need().getResource(TABLE_ID) ?? null;
    case 'burst': {
      // New workers joining at once: each is a NIC write and a VM write (two events), as ARM emits them.
      const from = Number(req.from);
      const count = Number(req.count);
      for (let i = from; i < from + count; i++) {
        need().upsertVm({
          resourceGroup: RG,
          name: workerName(i),
          privateIp: workerIp(i),
          subnetId: SUBNET_ID,
          tags: { role: 'worker', 'pod-cidr': podCidr(i) },
        });
      }
      return { workers: count, controllers: CONTROLLERS };
    }
    case 'stop':
      unsubscribe?.();
      await emulator?.stop();
      emulator = undefined;
      setImmediate(() => process.exit(0));
      return true;
    default:
      throw new Error(`unknown command ${req.cmd}`);
  }
});
process.send?.({ type: 'ready' });
