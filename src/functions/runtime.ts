// The handlers wired to the real engine, settings and telemetry: what the registered functions run.
import { loadConfig } from '../config.js';
import { reconcile } from '../reconcile.js';
import { telemetry } from '../telemetry/setup.js';
import { createHandlers } from './handlers.js';

export const handlers = createHandlers({
  reconcile,
  loadConfig: () => loadConfig(process.env),
  telemetry,
});
