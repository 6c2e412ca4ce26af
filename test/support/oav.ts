// `oav validate-traffic` (the official Azure spec validator, a devDependency) on captured emulator traffic. oav
// 4.0.3 exits 1 after writing its JSON report (the package lacks its HTML template), so the report is read and
// its exit code ignored.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TrafficEntry } from '../../src/emulator/index.js';
import { repoRoot } from './reference.js';

const run = promisify(execFile);

export interface OavReport {
  allOperations: number;
  coveredOperations: number;
  failedOperations: number;
  /** One per failed exchange; each has `errors` with `code` such as OBJECT_ADDITIONAL_PROPERTIES. */
  errors: Array<{ operationId?: string; errors?: Array<{ code: string; message: string }> }>;
  operationCoverageResult?: Array<{ coveredOperaions?: number; validationFailOperations?: number }>;
}

/** Writes each exchange as one oav live-traffic file, runs oav against `spec`, returns its JSON report. */
export async function validateTraffic(traffic: TrafficEntry[], spec: string): Promise<OavReport> {
  const dir = mkdtempSync(join(tmpdir(), 'oav-traffic-'));
  try {
    traffic.forEach((t, i) => {
      writeFileSync(join(dir, `${String(i).padStart(3, '0')}.json`), JSON.stringify(t, null, 1));
    });
    const reportFile = join(dir, 'report.json');
    await run(
      process.execPath,
      [
        join(repoRoot, 'node_modules/oav/dist/cli.js'),
        'validate-traffic',
        dir,
        spec,
        '--jsonReport',
        reportFile,
      ],
      { timeout: 60_000 },
    ).catch((err: unknown) => err);
    try {
      return JSON.parse(readFileSync(reportFile, 'utf8')) as OavReport;
    } catch (err) {
      throw new Error(`oav wrote no readable report at ${reportFile}: ${(err as Error).message}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The exchanges that address route tables and their routes (the operations routeTable.json defines). */
export function routeTableTraffic(traffic: TrafficEntry[]): TrafficEntry[] {
  return traffic.filter((t) => /\/routeTables(\/|\?|$)/iu.test(t.liveRequest.url));
}
