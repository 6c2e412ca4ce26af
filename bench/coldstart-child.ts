// Cold start probe: a fresh Node process imports one module (the Functions entry, bundled or not) and
// prints how long the import took and how long since the process started. Run once per sample.
import { pathToFileURL } from 'node:url';

const target = process.argv[2];
if (!target) throw new Error('usage: coldstart-child <module path>');
const t0 = performance.now();
await import(pathToFileURL(target).href);
const importMs = performance.now() - t0;
const sinceStartMs = performance.now();
process.stdout.write(
  `\nCOLDSTART ${JSON.stringify({ importMs, sinceStartMs, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
  () => process.exit(0),
);
