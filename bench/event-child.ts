// Event-to-repair and event bursts through the real Event Grid handler (src/functions/handlers.ts
// createHandlers, called as the Functions host would, with an InvocationContext). Events come from the
// emulator process, relayed by the runner. Telemetry is off (noTelemetry): this measures the engine path.
import { randomUUID } from 'node:crypto';
import functions from '@azure/functions';
import { type ArmClients, createArmClients } from '../src/azure/clients.js';
import { isOwnWrite } from '../src/azure/own-writes.js';
import type { Config } from '../src/config.js';
import { createHandlers, type Handlers } from '../src/functions/handlers.js';
import { reconcile } from '../src/reconcile.js';
import { serve } from './ipc.js';
import { benchConfig, RG, ROUTE_PREFIX, TABLE } from './world.js';

export interface Invocation {
  eventId: string;
  operationName: string;
  subject: string;
  emittedAt: number;
  receivedAt: number;
  doneAt?: number;
  error?: string;
}

export interface RunRecord {
  trigger: string;
  status: string;
  startedAt: number;
  durationMs: number;
  reads: number;
  writes: number;
  polls: number;
  drift: number;
}

// @azure/functions is CommonJS without static export names: take the class off the default export.
const { InvocationContext } = functions;

let handlers: Handlers | undefined;
let clients: ArmClients | undefined;
let config: Config | undefined;
let invocations: Invocation[] = [];
let runs: RunRecord[] = [];
let inFlight = 0;
let lastActivity = Date.now();

function onEvent(
  event: { id: string; subject: string; data: { operationName: string } },
  emittedAt: number,
): void {
  if (!handlers) return;
  const inv: Invocation = {
    eventId: event.id,
    operationName: event.data.operationName,
    subject: event.subject,
    emittedAt,
    receivedAt: Date.now(),
  };
  invocations.push(inv);
  inFlight++;
  lastActivity = Date.now();
  const context = new InvocationContext({
    invocationId: randomUUID(),
    functionName: 'reconcileOnResourceChange',
    logHandler: () => {},
  });
  const settle = (error?: unknown) => {
    inv.doneAt = Date.now();
    if (error !== undefined) inv.error = String(error);
    inFlight--;
    lastActivity = Date.now();
  };
  const handler = handlers.reconcileOnResourceChange;
  void (async () => {
    try {
      await handler(event, context);
      settle();
    } catch (error) {
      settle(error ?? 'error');
    }
  })();
}

serve(
  async (req) => {
    switch (req.cmd) {
      case 'setup': {
        config = benchConfig(String(req.endpoint), String(req.caFile));
        // 'bench': the engine with clients polling LROs every pollIntervalMs (as the scenarios use).
        // 'production': exactly what src/functions/runtime.ts wires: reconcile without clients, so the engine
        // makes its own with clientsFor(config) and createArmClients' default poll interval.
        const own = createArmClients(config, { pollIntervalMs: Number(req.pollIntervalMs) });
        clients = own;
        const production = req.wiring === 'production';
        const cfg = config;
        handlers = createHandlers({
          reconcile: async (options) => {
            const startedAt = Date.now();
            const r = await reconcile(production ? options : { ...options, clients: own });
            runs.push({
              trigger: r.trigger,
              status: r.status,
              startedAt,
              durationMs: r.durationMs,
              reads: r.arm.reads,
              writes: r.arm.writes,
              polls: r.arm.polls,
              drift: r.plan.drift.length,
            });
            return r;
          },
          loadConfig: () => cfg,
          // As src/functions/runtime.ts wires it: the echo of our own write is recognised and runs nothing.
          isOwnWrite,
        });
        return true;
      }
      case 'reset':
        invocations = [];
        runs = [];
        return true;
      case 'deleteRoute': {
        // Someone deletes a route through ARM (the SDK, polled to completion as `az` does).
        if (!clients) throw new Error('not set up');
        const name = String(req.name);
        const t0 = Date.now();
        const poller = clients.network.routes.delete(RG, TABLE, name, {
          updateIntervalInMs: clients.pollIntervalMs,
        });
        await poller.pollUntilDone();
        return { startedAt: t0, doneAt: Date.now(), prefix: ROUTE_PREFIX };
      }
      case 'waitIdle': {
        const quietMs = Number(req.quietMs ?? 500);
        const limit = Date.now() + Number(req.timeoutMs ?? 60_000);
        while (Date.now() < limit) {
          if (inFlight === 0 && Date.now() - lastActivity >= quietMs) break;
          await new Promise((r) => setTimeout(r, 20));
        }
        return { invocations, runs, idle: inFlight === 0 };
      }
      default:
        throw new Error(`unknown command ${req.cmd}`);
    }
  },
  (n) => {
    if (n.type === 'event') {
      onEvent(n.event as Parameters<typeof onEvent>[0], Number(n.emittedAt));
    }
  },
);
process.send?.({ type: 'ready' });
