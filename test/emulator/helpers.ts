// Shared set-up for emulator tests: the real SDK clients over HTTPS against a started emulator.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ComputeManagementClient } from '@azure/arm-compute';
import { NetworkManagementClient } from '@azure/arm-network';
import {
  armClientOptions,
  type Emulator,
  type EmulatorOptions,
  emulatorCredential,
  startEmulator,
} from '../../src/emulator/index.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const worldFile = join(repoRoot, 'examples/kthw-azure.world.json');

export const FAST = { updateIntervalInMs: 1 } as const;

export async function start(options: Partial<EmulatorOptions> = {}): Promise<Emulator> {
  return startEmulator({ world: worldFile, lro: { inProgressPolls: 0, retryAfterSeconds: 0 }, ...options });
}

export function clients(emulator: Emulator): {
  network: NetworkManagementClient;
  compute: ComputeManagementClient;
} {
  const options = {
    ...armClientOptions(emulator),
    retryOptions: { retryDelayInMs: 1, maxRetryDelayInMs: 5 },
  };
  return {
    network: new NetworkManagementClient(emulatorCredential, emulator.subscriptionId, options),
    compute: new ComputeManagementClient(emulatorCredential, emulator.subscriptionId, options),
  };
}

/** Raw HTTPS call to the emulator (for what the SDK cannot send: missing auth, odd api-versions). */
export async function raw(
  emulator: Emulator,
  method: string,
  path: string,
  init: { body?: unknown; headers?: Record<string, string>; auth?: boolean } = {},
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const { request } = await import('node:https');
  return new Promise((resolvePromise, reject) => {
    const url = new URL(path, emulator.endpoint);
    const headers: Record<string, string> = { ...init.headers };
    if (init.auth !== false) headers.authorization = 'Bearer test';
    const payload = init.body === undefined ? undefined : JSON.stringify(init.body);
    if (payload) headers['content-type'] = 'application/json';
    const req = request(url, { method, headers, ca: emulator.ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
        resolvePromise({
          status: res.statusCode ?? 0,
          headers: h,
          body: text ? JSON.parse(text) : undefined,
        });
      });
    });
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

export const RG = 'kubernetes';
export const TABLE = 'kubernetes-routes';

/** What the SDK throws for an HTTP error (a RestError from @azure/core-rest-pipeline, matched by shape). */
export interface SdkError extends Error {
  statusCode?: number;
  code?: string;
}

/** Awaits a call that must fail with an HTTP error from the SDK and returns that error. */
export async function rejection(p: PromiseLike<unknown>): Promise<SdkError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof Error && err.name === 'RestError') return err as SdkError;
    throw err;
  }
  throw new Error('expected the call to fail');
}

/** Every item of a paged SDK list (the SDK follows nextLink). */
export async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of pages) items.push(item);
  return items;
}
