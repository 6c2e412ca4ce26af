// The Functions handlers over the real engine, as the host runs them, with a spy on what they do: every result
// their reconciles return is recorded, and every line logged through the invocation contexts `context()` makes.
import { InvocationContext } from '@azure/functions';
import type { ArmClients } from '../../src/azure/clients.js';
import type { Config } from '../../src/config.js';
import type { ReconcileResult } from '../../src/core/types.js';
import { createHandlers, type HandlerDeps, type Handlers } from '../../src/functions/handlers.js';
import { reconcile } from '../../src/reconcile.js';

interface HandlersWithLogSpy {
  handlers: Handlers;
  /** Every result the handlers' reconciles returned, in order. */
  results: ReconcileResult[];
  /** Every line logged through the contexts `context()` made. */
  logs: string[];
  /** A fresh invocation context of the Event Grid function, logging into `logs`. */
  context: () => InvocationContext;
}

interface SpiedHandlerOptions {
  clients: ArmClients;
  loadConfig: () => Config;
  /** The engine's retry budget per run (default: the engine's). */
  timeoutMs?: number;
  isOwnWrite?: HandlerDeps['isOwnWrite'];
  /** Record into this array (e.g. one shared by two instances) instead of a new one. */
  results?: ReconcileResult[];
}

export function handlersWithLogSpy(options: SpiedHandlerOptions): HandlersWithLogSpy {
  const { clients, timeoutMs } = options;
  const results = options.results ?? [];
  const logs: string[] = [];
  const handlers = createHandlers({
    reconcile: async (runOptions) => {
      const result = await reconcile({
        ...runOptions,
        clients,
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      });
      results.push(result);
      return result;
    },
    loadConfig: options.loadConfig,
    ...(options.isOwnWrite ? { isOwnWrite: options.isOwnWrite } : {}),
  });
  const context = () =>
    new InvocationContext({
      invocationId: crypto.randomUUID(),
      functionName: 'reconcileOnResourceChange',
      logHandler: (_level, ...args) => logs.push(args.map(String).join(' ')),
    });
  return { handlers, results, logs, context };
}
