// `pod-routes emulator`: start the emulator, print one JSON line when ready, run until SIGINT/SIGTERM.
import { type Emulator, startEmulator } from './index.js';

interface EmulatorCommandOptions {
  /** World file path (or parsed world). */
  world: string | import('./world.js').WorldFile;
  port?: number;
  eventsTo?: string;
  /** RBAC mode: callers without the Owner token hold this role. */
  rbac?: import('./rbac.js').RbacSettings;
  /** Routes per table before a PUT is refused (default 1,000; 400 models a cloud with the old limit). */
  maxRoutesPerTable?: number;
  /** Route propagation delay (ms) before effective routes show a network change (default: the world's, else 0). */
  routePropagationMs?: number;
  /** How long Event Grid's writes take (ms; default: the world's `writeDelays.eventGridMs`, else 0). */
  eventGridWriteMs?: number;
  /** Where the ready line goes (default process.stdout). */
  out?: (line: string) => void;
  /** Resolves to stop the emulator instead of waiting for a signal (for tests). */
  until?: Promise<unknown>;
}

export async function runEmulatorCommand(options: EmulatorCommandOptions): Promise<void> {
  const emulator: Emulator = await startEmulator({
    world: options.world,
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.eventsTo ? { eventsTo: options.eventsTo } : {}),
    ...(options.rbac ? { rbac: options.rbac } : {}),
    ...(options.maxRoutesPerTable !== undefined ? { maxRoutesPerTable: options.maxRoutesPerTable } : {}),
    ...(options.routePropagationMs !== undefined ? { routePropagationMs: options.routePropagationMs } : {}),
    ...(options.eventGridWriteMs !== undefined
      ? { eventGrid: { operationMs: options.eventGridWriteMs } }
      : {}),
  });
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  out(
    JSON.stringify({
      endpoint: emulator.endpoint,
      caFile: emulator.caFile,
      subscriptionId: emulator.subscriptionId,
    }),
  );
  const stopSignal = new Promise<void>((resolve) => {
    const onSignal = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve();
    };
    if (!options.until) {
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    }
  });
  await (options.until ?? stopSignal);
  await emulator.stop();
}
