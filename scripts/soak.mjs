// `npm run soak -- <count> [--seed N]`: the chaos soak (test/chaos/soak-main.ts), bundled on the fly with
// esbuild so that it runs on plain Node 22 from the same TypeScript sources as the tests. The bundle goes to
// node_modules/.cache so that its package imports resolve from the repository's node_modules, under a name of
// its own (the process id), so that two soaks started at once never run each other's bundle.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const outfile = join(process.cwd(), 'node_modules', '.cache', 'pod-routes-soak', `soak-${process.pid}.mjs`);
mkdirSync(join(outfile, '..'), { recursive: true });
let code;
try {
  await build({
    entryPoints: ['test/chaos/soak-main.ts'],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    packages: 'external',
    logLevel: 'warning',
  });
  const { soak } = await import(pathToFileURL(outfile).href);
  code = await soak(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  code = 2;
}
rmSync(outfile, { force: true });
process.exit(code);
