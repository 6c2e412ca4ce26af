// Production build with esbuild.
// - dist/functions/index.js: the Azure Functions app, one ESM bundle (fast cold start); @azure/functions-core
//   is provided by the Functions host. The createRequire banner lets bundled CommonJS dependencies require().
// - dist/cli/pod-routes.js: the CLI (with the emulator), also one bundle: it starts in about half the time
//   of resolving the SDKs' module graphs from node_modules on every run.
import { existsSync } from 'node:fs';
import { build } from 'esbuild';

const banner = {
  js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
};

const targets = [
  {
    entryPoints: ['src/index.ts'],
    outfile: 'dist/functions/index.js',
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
  if (!existsSync(target.entryPoints[0])) continue;
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
