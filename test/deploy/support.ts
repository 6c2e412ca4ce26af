// The deploy rehearsal's props: a trap proxy that nothing may reach, the real az CLI logged in to the emulator
// as a custom cloud (docs/deploy.md, "Rehearsal"), the postdeploy hook run as azd runs it, and a local Functions
// host serving the real Event Grid handler where Event Grid delivers to the function.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Emulator } from '../../src/emulator/index.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

// ------------------------------------------------------------------ trap proxy

export interface TrapProxy {
  url: string;
  /** Every request that reached the proxy: `CONNECT host:port` or `METHOD url`. */
  seen: string[];
  stop(): Promise<void>;
}

/** An HTTP(S) proxy that forwards nothing: it records and refuses every request and CONNECT. */
export async function startTrapProxy(): Promise<TrapProxy> {
  const seen: string[] = [];
  const server = createHttpServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    res.writeHead(403, { 'content-type': 'text/plain' });
    res.end('The deploy rehearsal allows no request outside 127.0.0.1.');
  });
  server.on('connect', (req: IncomingMessage, socket) => {
    seen.push(`CONNECT ${req.url}`);
    socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    stop: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

// ------------------------------------------------------------------ processes

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a process without blocking the event loop (the emulator answers from this same process). */
function run(file: string, args: string[], env: NodeJS.ProcessEnv, cwd = repoRoot): Promise<Run> {
  return new Promise((resolvePromise) => {
    const child = spawn(file, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    child.on('error', (err) => resolvePromise({ code: -1, stdout, stderr: `${stderr}${err.message}` }));
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
  });
}

// ------------------------------------------------------------------ az

const SP_CLIENT_ID = '0d7e3a52-6c1b-4f3e-9a57-2b8c4d6e8f10';

/** az's own version, read from its Python package without a network call (`az version` would make one). */
async function azVersion(): Promise<string> {
  const which = await run('sh', ['-c', 'command -v az'], process.env);
  const azPath = which.stdout.trim();
  if (which.code !== 0 || !azPath)
    throw new Error('the az CLI is not on the PATH: apt-get install -y azure-cli');
  const shebang = /^#!\s*(\S+)/u.exec(readFileSync(azPath, 'utf8').split('\n')[0] ?? '')?.[1];
  const python = shebang && /python/u.test(shebang) ? shebang : 'python3';
  const r = await run(
    python,
    ['-c', 'from azure.cli.core import __version__; print(__version__)'],
    process.env,
  );
  if (r.code !== 0) throw new Error(`cannot read az's version with ${python}: ${r.stderr}`);
  return r.stdout.trim();
}

export interface AzSession {
  /** The environment az (and the hook) run with. */
  env: NodeJS.ProcessEnv;
  version: string;
  az(args: string[]): Promise<Run>;
  dispose(): void;
}

/**
 * A fresh az configuration (temp AZURE_CONFIG_DIR) with the emulator registered as cloud `Local` and a
 * service principal logged in. Every request az makes outside 127.0.0.1 goes to the trap proxy.
 */
export async function azLogin(emulator: Emulator, proxy: TrapProxy): Promise<AzSession> {
  const dir = mkdtempSync(join(tmpdir(), 'az-rehearsal-'));
  const version = await azVersion();
  // Without a cached version check, az's first command probes https://azure.microsoft.com (measured).
  const stamp = new Date().toISOString().replace('T', ' ').replace('Z', '000');
  writeFileSync(
    join(dir, 'versionCheck.json'),
    JSON.stringify({
      versions: { 'azure-cli': { local: version }, core: { local: version } },
      update_time: stamp,
    }),
  );
  const e = emulator.endpoint;
  const cloud = {
    endpoints: {
      activeDirectory: `${e}/adfs`,
      activeDirectoryResourceId: `${e}/`,
      activeDirectoryGraphResourceId: `${e}/graph/`,
      microsoftGraphResourceId: `${e}/msgraph/`,
      resourceManager: `${e}/`,
      management: `${e}/`,
      gallery: `${e}/gallery/`,
      sqlManagement: `${e}/sql/`,
      vmImageAliasDoc: `${e}/vm-image-aliases.json`,
      mediaResourceId: `${e}/media/`,
      logAnalyticsResourceId: `${e}/loganalytics/`,
      appInsightsResourceId: `${e}/appinsights/`,
      appInsightsTelemetryChannelResourceId: `${e}/appinsights-telemetry/`,
      synapseAnalyticsResourceId: `${e}/synapse/`,
      attestationResourceId: `${e}/attestation/`,
      portal: `${e}/portal/`,
    },
    suffixes: {
      storageEndpoint: 'storage.emulator.invalid',
      keyvaultDns: '.vault.emulator.invalid',
      sqlServerHostname: '.sql.emulator.invalid',
      acrLoginServerEndpoint: '.acr.emulator.invalid',
    },
  };
  const cloudFile = join(dir, 'cloud.json');
  writeFileSync(cloudFile, JSON.stringify(cloud));
  const env: NodeJS.ProcessEnv = {
    PATH: [dirname(process.execPath), process.env.PATH ?? ''].join(delimiter),
    HOME: process.env.HOME ?? dir,
    LANG: 'C.UTF-8',
    AZURE_CONFIG_DIR: dir,
    REQUESTS_CA_BUNDLE: emulator.caFile,
    AZURE_CORE_COLLECT_TELEMETRY: 'false',
    AZURE_EXTENSION_USE_DYNAMIC_INSTALL: 'no',
    AZURE_CORE_NO_COLOR: 'true',
    HTTPS_PROXY: proxy.url,
    HTTP_PROXY: proxy.url,
    https_proxy: proxy.url,
    http_proxy: proxy.url,
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
  };
  const az = (args: string[]) => run('az', args, env);
  const must = async (args: string[]) => {
    const r = await az(args);
    if (r.code !== 0) throw new Error(`az ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r;
  };
  await must(['cloud', 'register', '-n', 'Local', '--cloud-config', `@${cloudFile}`, '--output', 'none']);
  await must(['cloud', 'set', '-n', 'Local', '--output', 'none']);
  await must([
    'login',
    '--service-principal',
    '-u',
    SP_CLIENT_ID,
    '-p',
    'rehearsal-secret',
    '--tenant',
    emulator.tenantId,
    '--output',
    'none',
  ]);
  return { env, version, az, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

// ------------------------------------------------------------------ hook

/** Runs infra/hooks/postdeploy.sh as azd's posix hook does: `sh`, repo root, azd values in the environment. */
export function runHook(
  session: AzSession,
  azdValues: Record<string, string>,
  waitSeconds = 90,
  pollSeconds = 1,
): Promise<Run> {
  return run('sh', ['./infra/hooks/postdeploy.sh'], {
    ...session.env,
    ...azdValues,
    POSTDEPLOY_POLL_SECONDS: String(pollSeconds),
    POSTDEPLOY_WAIT_SECONDS: String(waitSeconds),
  });
}

// ------------------------------------------------------------------ Functions host

export interface FunctionsHost {
  /** Base URL, e.g. http://127.0.0.1:PORT */
  url: string;
  /** The URL Event Grid delivery uses for one function, as on Azure (`/runtime/webhooks/EventGrid`). */
  webhook(functionName: string): string;
  /** Every event handed to a function: [function name, event]. */
  invocations: Array<[string, unknown]>;
  stop(): Promise<void>;
}

export type EventHandler = (functionName: string, event: unknown) => Promise<void>;

/**
 * The part of the Functions host an Event Grid trigger sees: POST /runtime/webhooks/EventGrid?functionName=X
 * with an array of events (EventGridSchema); each event is one invocation; 200 when all succeeded, 500 when one
 * threw (Event Grid then retries).
 */
export async function startFunctionsHost(handle: EventHandler): Promise<FunctionsHost> {
  const invocations: Array<[string, unknown]> = [];
  const server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const fn = url.searchParams.get('functionName') ?? '';
      if (req.method !== 'POST' || url.pathname.toLowerCase() !== '/runtime/webhooks/eventgrid' || !fn) {
        res.writeHead(404).end();
        return;
      }
      try {
        const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
        for (const event of Array.isArray(parsed) ? parsed : [parsed]) {
          invocations.push([fn, event]);
          await handle(fn, event);
        }
        res.writeHead(200).end();
      } catch (err) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end((err as Error).message);
      }
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    webhook: (name) => `${base}/runtime/webhooks/EventGrid?functionName=${name}`,
    invocations,
    stop: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
