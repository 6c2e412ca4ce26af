// The handlers wired to the real engine, settings and telemetry: what the registered functions run.
import type { ArmClients } from '../azure/clients.js';
import { isOwnWrite } from '../azure/own-writes.js';
import { loadConfig } from '../config.js';
import { clientsFor, reconcile } from '../reconcile.js';
import { telemetry } from '../telemetry/setup.js';
import { verify } from '../verify.js';
import { createHandlers } from './handlers.js';

// One set of ARM clients per instance (connection reuse, one token cache); the config is loaded once too.
let clients: ArmClients | undefined;

export const handlers = createHandlers({
  reconcile: (options) => {
    clients ??= clientsFor(options.config);
    return reconcile({ ...options, clients });
  },
  loadConfig: () => loadConfig(process.env),
  verify: (options) => {
    clients ??= clientsFor(options.config);
    return verify({ ...options, clients });
  },
  telemetry,
  isOwnWrite,
});
