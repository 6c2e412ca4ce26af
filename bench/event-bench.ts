// Event-driven figures through the real Event Grid handler in its own process (bench/event-child.ts): a route
// deleted through ARM until it is back (event to repair), and a burst of 50 new workers at once.
import type { ChildProcess } from 'node:child_process';
import {
  countLog,
  type EmulatorCounts,
  type EmulatorInfo,
  type EmulatorProcess,
  forkChild,
  waitReady,
} from './children.js';
import type { Invocation, RunRecord } from './event-child.js';
import { round } from './format.js';
import { Rpc } from './ipc.js';
import { desiredRoute } from './world.js';

type Wiring = 'bench' | 'production';

interface EventChild {
  rpc: Rpc;
  child: ChildProcess;
  stop: () => void;
}

interface Idle {
  invocations: Invocation[];
  runs: RunRecord[];
}

/** A handler process fed with every event the emulator raises. */
async function eventChild(
  emulator: EmulatorProcess,
  info: EmulatorInfo,
  wiring: Wiring,
  pollIntervalMs: number,
): Promise<EventChild> {
  const child = forkChild('event-child.mjs');
  await waitReady(child);
  const rpc = new Rpc(child);
  await rpc.call('setup', { endpoint: info.endpoint, caFile: info.caFile, pollIntervalMs, wiring });
  const unsubscribe = emulator.rpc.onNotification((n) => {
    if (n.type === 'event') rpc.notify(n);
  });
  return {
    rpc,
    child,
    stop: () => {
      unsubscribe();
      child.kill();
    },
  };
}

/** What the event-to-repair figure includes, and what it does not. */
export const EVENT_TO_REPAIR_COVERS =
  'from the event leaving the emulator (raised when the DELETE operation completed, so the delete and its LRO are not counted) ' +
  'through the relay to the handler process (Event Grid delivery latency is not modelled: ~1 ms here) to the end of the handler ' +
  'invocation, after the repair PUT, its LRO and the confirming GET';

export interface RepairSample {
  deleteWallMs: number;
  eventToRepairMs: number;
  relayMs: number;
  reconciles: number;
  repaired: boolean;
  /** Requests of the reconciles the event caused (the repair and the follow-up our own write's event causes). */
  requests: number;
  /** Everything the emulator answered in the sample, the deletion (DELETE and its polls) included. */
  allRequests: number;
}

const runRequests = (runs: RunRecord[]): number =>
  runs.reduce((sum, r) => sum + r.reads + r.writes + r.polls, 0);

/** Deletes worker k's route through ARM and waits until the handler has put it back. */
async function repairSample(emulator: EmulatorProcess, handler: EventChild, n: number, k: number) {
  await handler.rpc.call('reset');
  await emulator.clearRequests();
  const route = desiredRoute(k).name;
  const del = await handler.rpc.call<{ startedAt: number; doneAt: number }>('deleteRoute', { name: route });
  const idle = await handler.rpc.call<Idle>('waitIdle', { quietMs: 600 });
  const first = idle.invocations.find((i) =>
    i.subject.toLowerCase().endsWith(`/routes/${route.toLowerCase()}`),
  );
  const entries = await emulator.requests();
  const ok = await emulator.converged(n);
  return {
    deleteWallMs: del.doneAt - del.startedAt,
    eventToRepairMs: first?.doneAt !== undefined ? first.doneAt - first.emittedAt : Number.NaN,
    relayMs: first ? first.receivedAt - first.emittedAt : Number.NaN,
    reconciles: idle.runs.length,
    repaired: ok && idle.runs.some((r) => r.status === 'Repaired'),
    requests: runRequests(idle.runs),
    allRequests: entries.length,
  };
}

export async function eventToRepair(
  emulator: EmulatorProcess,
  wiring: Wiring,
  samples: number,
  pollIntervalMs: number,
): Promise<RepairSample[]> {
  const n = 50;
  const info = await emulator.startWorld(n, 0, true);
  const handler = await eventChild(emulator, info, wiring, pollIntervalMs);
  const out: RepairSample[] = [];
  try {
    for (let k = 0; k < samples; k++) out.push(await repairSample(emulator, handler, n, k));
  } finally {
    handler.stop();
  }
  return out;
}

export interface BurstResult {
  workersBefore: number;
  newWorkers: number;
  events: number;
  reconciles: number;
  runs: RunRecord[];
  requests: number;
  emulator: EmulatorCounts;
  oneReconcileRequests: number;
  requestsOverOneReconcile: number;
  wallMs: number;
  converged: boolean;
}

export async function burst(emulator: EmulatorProcess, pollIntervalMs: number): Promise<BurstResult> {
  const n = 50;
  const count = 50;
  const info = await emulator.startWorld(n, 0, true);
  const handler = await eventChild(emulator, info, 'bench', pollIntervalMs);
  try {
    await emulator.clearRequests();
    const t0 = Date.now();
    await emulator.rpc.call('burst', { from: n, count });
    const idle = await handler.rpc.call<Idle>('waitIdle', { quietMs: 1500, timeoutMs: 120_000 });
    const lastDone = Math.max(...idle.invocations.map((i) => i.doneAt ?? 0));
    const entries = await emulator.requests();
    const one = Math.max(...idle.runs.map((r) => r.reads + r.writes + r.polls));
    return {
      workersBefore: n,
      newWorkers: count,
      events: idle.invocations.length,
      reconciles: idle.runs.length,
      runs: idle.runs,
      requests: entries.length,
      emulator: countLog(entries),
      oneReconcileRequests: one,
      requestsOverOneReconcile: round(entries.length / one, 2),
      wallMs: lastDone - t0,
      converged: await emulator.converged(n + count),
    };
  } finally {
    handler.stop();
  }
}
