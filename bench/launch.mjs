// `npm run bench`: bundles the TypeScript bench (bench/*.ts, importing src/) with esbuild into tmp/bench/,
// dependencies bundled as scripts/build.mjs bundles the Functions app (children start fast, as a deployed
// instance does), then runs it with this Node (npm scripts put Node 22 first on PATH). A full run writing the
// default bench/results.json then regenerates the figures in docs/performance.md (bench/doc.mjs).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { CREATE_REQUIRE_BANNER } from '../scripts/esbuild-banner.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'tmp', 'bench');
const launchedAt = Date.now();
// The production build first (the cold-start figures import dist/functions/index.js): as `npm run build`.
const built = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], {
  cwd: root,
  stdio: 'inherit',
});
if (built.status !== 0) process.exit(built.status ?? 1);
mkdirSync(outdir, { recursive: true });
await build({
  entryPoints: [
    'run',
    'emulator-child',
    'scenario-child',
    'event-child',
    'coldstart-child',
    'planner-child',
    'fleet-bench',
    'planner-main',
  ].map((e) => join(root, 'bench', `${e}.ts`)),
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  external: ['@azure/functions-core', 'esbuild'],
  banner: { js: CREATE_REQUIRE_BANNER },
  platform: 'node',
  target: 'node22',
  format: 'esm',
  sourcemap: 'linked',
  logLevel: 'warning',
});
// `npm run bench -- fleet [--clusters 1,10,100] [--subscriptions 1,4] [--large 1000]`: the fleet ticks
// (bench/fleet-bench.ts) alone; `npm run bench -- planner [--quick]`: the planner alone (bench/planner-main.ts).
const alone = { fleet: 'fleet-bench.mjs', planner: 'planner-main.mjs' }[process.argv[2] ?? ''];
const entry = alone ?? 'run.mjs';
const child = spawn(process.execPath, [join(outdir, entry), ...process.argv.slice(2)], {
  stdio: 'inherit',
  cwd: root,
  env: { ...process.env, BENCH_LAUNCHED_AT: String(launchedAt) },
});
const args = process.argv.slice(2);
child.on('exit', (code, signal) => {
  if (signal || code !== 0) process.exit(signal ? 1 : (code ?? 1));
  if (
    alone !== undefined ||
    args.includes('--quick') ||
    args.some((a) => a === '--out' || a.startsWith('--out='))
  )
    process.exit(0);
  const doc = spawnSync(process.execPath, [join(root, 'bench', 'doc.mjs')], { cwd: root, stdio: 'inherit' });
  process.exit(doc.status ?? 1);
});
