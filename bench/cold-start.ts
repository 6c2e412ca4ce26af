// Cold start of the Function app: fresh processes importing the production bundle, the same entry left to
// node_modules (unbundled), and, in a full run, with telemetry on and with Azure Monitor stubbed out.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type BuildOptions, build } from 'esbuild';
import { CREATE_REQUIRE_BANNER } from '../scripts/esbuild-banner.mjs';
import { median, round } from './format.js';
import { bundleDir, repoRoot } from './options.js';

interface ColdStart {
  importMs: number;
  sinceStartMs: number;
  processWallMs: number;
  peakRssMb: number;
}

interface ColdStartResult {
  variant: string;
  module: string;
  telemetry: 'off' | 'on';
  samples: ColdStart[];
  medianImportMs: number;
  medianProcessWallMs: number;
  medianPeakRssMb: number;
}

export interface ColdStarts {
  results: ColdStartResult[];
  bundleBytes: number;
  unbundledEntryBytes: number;
  noMonitorBundleBytes: number;
}

type Variant = [name: string, module: string, telemetry: 'off' | 'on'];

function coldStartOnce(modulePath: string, env: Record<string, string>): Promise<ColdStart> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [join(bundleDir, 'coldstart-child.mjs'), modulePath], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, APPLICATION_INSIGHTS_NO_STATSBEAT: 'true', ...env },
      cwd: repoRoot,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('exit', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith('COLDSTART '));
      if (code !== 0 || !line) {
        reject(new Error(`cold start of ${modulePath} failed (${code}): ${stderr.slice(-2000)}`));
        return;
      }
      const reported = JSON.parse(line.slice('COLDSTART '.length)) as Omit<ColdStart, 'processWallMs'>;
      resolve({ ...reported, processWallMs: performance.now() - t0 });
    });
  });
}

// esbuild filters are Go regular expressions: no 'u' flag.
const GO_MONITOR_FILTER = /^@azure\/monitor-opentelemetry$/;
const GO_ANY_FILTER = /.*/;

/** Bytes of the JavaScript the Function app ships: the entry and its lazily loaded chunks. */
function jsBytesUnder(dir: string): number {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.js'))
    .reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}

const ESM_FOR_NODE: BuildOptions = { platform: 'node', target: 'node22', format: 'esm', logLevel: 'warning' };

/** The variants beside the production bundle: unbundled, and bundled with the monitor stubbed. */
async function buildVariants(): Promise<{ unbundled: string; noMonitor: string }> {
  const entry = join(repoRoot, 'src', 'index.ts');
  const unbundled = join(bundleDir, 'unbundled', 'index.mjs');
  mkdirSync(dirname(unbundled), { recursive: true });
  // The same entry as the production bundle, with every package left to node_modules (what a plain `tsc`
  // build, or a deploy without bundling, loads).
  await build({
    ...ESM_FOR_NODE,
    entryPoints: [entry],
    outfile: unbundled,
    bundle: true,
    packages: 'external',
  });
  // Diagnostic: the same bundle with @azure/monitor-opentelemetry replaced by a no-op, to show what the
  // statically imported monitor costs at start even when telemetry is off.
  const noMonitor = join(bundleDir, 'no-monitor', 'index.mjs');
  await build({
    ...ESM_FOR_NODE,
    entryPoints: [entry],
    outfile: noMonitor,
    bundle: true,
    external: ['@azure/functions-core'],
    banner: { js: CREATE_REQUIRE_BANNER },
    plugins: [
      {
        name: 'stub-monitor',
        setup(b) {
          b.onResolve({ filter: GO_MONITOR_FILTER }, () => ({ path: 'stub', namespace: 'stub' }));
          b.onLoad({ filter: GO_ANY_FILTER, namespace: 'stub' }, () => ({
            contents: 'export function useAzureMonitor() {}',
            loader: 'js',
          }));
        },
      },
    ],
  });
  return { unbundled, noMonitor };
}

const TELEMETRY_ON = {
  APPLICATIONINSIGHTS_CONNECTION_STRING:
    'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1:9/',
};

/** Samples of every variant, interleaved so that machine noise hits every variant alike. */
async function sampleVariants(variants: Variant[], samples: number): Promise<Map<string, ColdStart[]>> {
  const collected = new Map<string, ColdStart[]>();
  for (let i = 0; i < samples; i++) {
    for (const [variant, module, telemetry] of variants) {
      const key = `${variant}|${telemetry}`;
      const sample = await coldStartOnce(module, telemetry === 'on' ? TELEMETRY_ON : {});
      collected.set(key, [...(collected.get(key) ?? []), sample]);
    }
  }
  return collected;
}

function summarize([variant, module, telemetry]: Variant, samples: ColdStart[]): ColdStartResult {
  return {
    variant,
    module: module.startsWith(repoRoot) ? module.slice(repoRoot.length + 1) : module,
    telemetry,
    samples: samples.map((x) => ({
      importMs: round(x.importMs),
      sinceStartMs: round(x.sinceStartMs),
      processWallMs: round(x.processWallMs),
      peakRssMb: round(x.peakRssMb),
    })),
    medianImportMs: round(median(samples.map((x) => x.importMs))),
    medianProcessWallMs: round(median(samples.map((x) => x.processWallMs))),
    medianPeakRssMb: round(median(samples.map((x) => x.peakRssMb))),
  };
}

export async function coldStarts(quick: boolean): Promise<ColdStarts> {
  const bundled = join(repoRoot, 'dist', 'functions', 'index.js');
  if (!existsSync(bundled)) throw new Error('dist/functions/index.js is missing: run `npm run build` first');
  const { unbundled, noMonitor } = await buildVariants();
  const variants: Variant[] = [
    ['bundled', bundled, 'off'],
    ['unbundled', unbundled, 'off'],
    ...(quick
      ? []
      : ([
          ['bundled', bundled, 'on'],
          ['unbundled', unbundled, 'on'],
          ['bundled, monitor stubbed', noMonitor, 'off'],
        ] as Variant[])),
  ];
  const collected = await sampleVariants(variants, quick ? 3 : 5);
  return {
    results: variants.map((v) => summarize(v, collected.get(`${v[0]}|${v[2]}`) ?? [])),
    bundleBytes: jsBytesUnder(dirname(bundled)),
    unbundledEntryBytes: statSync(unbundled).size,
    noMonitorBundleBytes: statSync(noMonitor).size,
  };
}
