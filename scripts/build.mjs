// Production build with esbuild.
// - dist/functions/index.js: the Azure Functions app, an ESM bundle (fast cold start) with what is imported
//   lazily in chunks beside it; @azure/functions-core is provided by the Functions host. The createRequire
//   banner (scripts/esbuild-banner.mjs) lets bundled CommonJS dependencies require().
// - dist/cli/pod-routes.js: the CLI (with the emulator), also one bundle: it starts in about half the time
//   of resolving the SDKs' module graphs from node_modules on every run.
import { existsSync } from 'node:fs';
import { CREATE_REQUIRE_BANNER } from './esbuild-banner.mjs';

let build;
try {
  ({ build } = await import('esbuild'));
} catch (error) {
  // `npm install --omit=dev` (a production install) runs `prepare` without esbuild: dist/ is then expected to
  // have been built already. Anywhere else a missing esbuild is an error.
  if (process.env.npm_lifecycle_event === 'prepare') {
    console.warn(
      'pod-route-reconciler: esbuild is not installed (production install); dist/ was not rebuilt',
    );
    process.exit(0);
  }
  throw error;
}

const banner = { js: CREATE_REQUIRE_BANNER };

const targets = [
  {
    // Split so that what is imported lazily (Azure Monitor, only when telemetry is configured) is a chunk
    // loaded on demand rather than parsed on every cold start.
    entryPoints: { index: 'src/index.ts' },
    outdir: 'dist/functions',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    external: ['@azure/functions-core'],
    banner,
  },
  {
    entryPoints: ['src/cli/pod-routes.ts'],
    outfile: 'dist/cli/pod-routes.js',
    bundle: true,
    banner: { js: `#!/usr/bin/env node\n${banner.js}` },
  },
];

for (const target of targets) {
  const entries = Object.values(target.entryPoints);
  if (!entries.every((entry) => existsSync(entry))) continue;
  await build({
    platform: 'node',
    target: 'node22',
    format: 'esm',
    sourcemap: true,
    logLevel: 'warning',
    metafile: false,
    ...target,
  });
}
