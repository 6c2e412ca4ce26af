// The handlers wired to the real engine, settings and telemetry: what the registered functions run. ARM
// clients come from the one cache in src/azure/clients.ts (one set per instance: connections and tokens
// are reused); every run gets the instance's shutdown signal (src/functions/shutdown.ts).
import { isOwnWrite } from '../azure/own-writes.js';
import { loadConfig } from '../config.js';
import { loadFleet } from '../fleet/load.js';
import { reconcile } from '../reconcile.js';
import { telemetry } from '../telemetry/setup.js';
import { verify } from '../verify.js';
import { readAppFile } from './app-file.js';
import { createHandlers } from './handlers.js';
import { withShutdown } from './shutdown.js';

export const handlers = createHandlers({
  reconcile: (options) => reconcile(withShutdown(options)),
  loadConfig: () => loadConfig(process.env),
  // CLUSTERS_FILE's clusters (a relative path: the app package's file), or the app settings' one cluster.
  loadFleet: () => loadFleet(process.env, readAppFile),
  verify: (options) => verify(withShutdown(options)),
  telemetry,
  isOwnWrite,
});
