// The bench's child processes: each measured reconcile, event handler, planner run and the emulator run in
// their own process (bundles beside the runner in tmp/bench/), so that one's CPU and memory are not another's.
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { RequestLogEntry } from '../src/emulator/index.js';
import type { Notification } from './ipc.js';
import { Rpc } from './ipc.js';
import type { BenchOptions } from './options.js';
import { bundleDir } from './options.js';
import { desiredRoute } from './world.js';

export function forkChild(script: string, argv: string[] = []): ChildProcess {
  return fork(join(bundleDir, script), argv, {
    execPath: process.execPath,
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, APPLICATION_INSIGHTS_NO_STATSBEAT: 'true' },
  });
}

export function waitReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: unknown) => {
      if ((m as Notification).type === 'ready') {
        child.off('message', onMessage);
        resolve();
      }
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before it was ready`)));
  });
}

/** The one result a one-shot child sends ({type: 'result', result} or {type: 'error', error}). */
export function childResult<T>(child: ChildProcess, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    child.on('message', (m) => {
      const msg = m as { type?: string; result?: T; error?: string };
      if (msg.type === 'error') reject(new Error(msg.error));
      else if (msg.type === 'result' && msg.result !== undefined) resolve(msg.result);
    });
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`${what} child exited with ${code}`));
    });
  });
}

export interface EmulatorInfo {
  endpoint: string;
  caFile: string;
}

export interface EmulatorCounts {
  requests: number;
  gets: number;
  writes: number;
  lroStatusPolls: number;
}

export function countLog(entries: RequestLogEntry[]): EmulatorCounts {
  return {
    requests: entries.length,
    gets: entries.filter((e) => e.method === 'GET' && !e.lroPoll).length,
    writes: entries.filter((e) => e.method !== 'GET').length,
    lroStatusPolls: entries.filter((e) => e.lroPoll).length,
  };
}

interface TableJson {
  properties?: { routes?: Array<{ name: string; properties: Record<string, unknown> }> };
}

/** The emulator in its own process (bench/emulator-child.ts), driven over IPC. */
export class EmulatorProcess {
  private constructor(
    readonly rpc: Rpc,
    private readonly child: ChildProcess,
    private readonly options: BenchOptions,
  ) {}

  static async start(options: BenchOptions): Promise<EmulatorProcess> {
    const child = forkChild('emulator-child.mjs');
    const rpc = new Rpc(child);
    await waitReady(child).catch((error: unknown) => {
      child.kill();
      throw error;
    });
    return new EmulatorProcess(rpc, child, options);
  }

  /** A fresh synthetic cluster of `n` workers, `d` of them drifted (bench/world.ts). */
  startWorld(n: number, d: number, relayEvents = false): Promise<EmulatorInfo> {
    const { latency, lro, pageSize } = this.options;
    return this.rpc.call<EmulatorInfo>('start', { n, d, latency, lro, pageSize, relayEvents });
  }

  requests(): Promise<RequestLogEntry[]> {
    return this.rpc.call<RequestLogEntry[]>('requests');
  }

  clearRequests(): Promise<unknown> {
    return this.rpc.call('clear');
  }

  /** The table holds exactly the desired routes of workers 0..n-1, all Succeeded. */
  async converged(n: number): Promise<boolean> {
    const table = await this.rpc.call<TableJson | null>('table');
    const routes = table?.properties?.routes ?? [];
    if (routes.length !== n) return false;
    const byName = new Map(routes.map((r) => [r.name.toLowerCase(), r.properties]));
    for (let i = 0; i < n; i++) {
      const want = desiredRoute(i);
      const got = byName.get(want.name.toLowerCase());
      if (
        !got ||
        got.addressPrefix !== want.addressPrefix ||
        got.nextHopIpAddress !== want.nextHopIpAddress ||
        got.provisioningState !== 'Succeeded'
      )
        return false;
    }
    return true;
  }

  async stop(): Promise<void> {
    await this.rpc.call('stop').catch(() => undefined);
  }

  kill(): void {
    this.child.kill();
  }
}
