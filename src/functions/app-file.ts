// Files of the deployed app package. Bicep sets CLUSTERS_FILE to 'clusters.json', the fleet file shipped at the
// package root (.funcignore keeps it): a relative path is read from there, whatever the host's working directory.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: two levels above this module, in src/functions/ and once bundled in dist/functions/. */
export const APP_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export function readAppFile(path: string): string {
  return readFileSync(resolve(APP_ROOT, path), 'utf8');
}
