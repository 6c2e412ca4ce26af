// pod-routes over a fleet file: every cluster or `--cluster NAME`, one summary line per cluster, the worst exit
// code; the spawned CLI against a fleet of three clusters over two subscriptions on the emulator.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFleetFile, makeFleetWorld } from '../../src/cli/fleet-world.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { runCli } from '../support/cli.js';

const SHAPE = { clusters: 3, workersPerCluster: 2, subscriptions: 2 };
let emulator: Emulator;
let env: Record<string, string>;

beforeAll(async () => {
  emulator = await startEmulator({ world: makeFleetWorld(SHAPE) });
  const file = join(mkdtempSync(join(tmpdir(), 'fleet-')), 'clusters.json');
  writeFileSync(file, JSON.stringify(makeFleetFile(SHAPE)));
  env = { CLUSTERS_FILE: file, ARM_ENDPOINT: emulator.endpoint, ARM_CA_FILE: emulator.caFile };
});
afterAll(() => emulator?.stop());

describe('pod-routes over a fleet file', () => {
  it('plans every cluster: one summary line each, exit 2 (drift) and nothing written', async () => {
    emulator.clearRequests();
    const run = await runCli(['plan'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(2);
    const summary = run.stdout.trim().split('\n').slice(-3);
    expect(summary).toEqual([
      'cluster-0: Drifted [2 drift, 0 repaired, 0 refused] (exit 2)',
      'cluster-1: Drifted [2 drift, 0 repaired, 0 refused] (exit 2)',
      'cluster-2: Drifted [2 drift, 0 repaired, 0 refused] (exit 2)',
    ]);
    expect(emulator.requests().filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('applies one cluster with --cluster (its report only), then plans the fleet: only the others drift', async () => {
    const applied = await runCli(['apply', '--cluster', 'cluster-1', '-o', 'json'], env);
    expect(applied.code).toBe(0);
    expect(JSON.parse(applied.stdout)).toMatchObject({ command: 'apply', status: 'Repaired', inSync: true });
    const run = await runCli(['plan', '-o', 'json'], env);
    expect(run.code).toBe(2);
    const report = JSON.parse(run.stdout);
    expect(
      report.clusters.map((c: { cluster: string; exitCode: number }) => [c.cluster, c.exitCode]),
    ).toEqual([
      ['cluster-0', 2],
      ['cluster-1', 0],
      ['cluster-2', 2],
    ]);
    expect(report.exitCode).toBe(2);
  });

  it('refuses an unknown --cluster naming the fleet, and a broken fleet file naming the field', async () => {
    const unknown = await runCli(['plan', '--cluster', 'cluster-9'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(
      "--cluster: no cluster 'cluster-9' in the fleet (cluster-0, cluster-1, cluster-2)",
    );
    const broken = join(mkdtempSync(join(tmpdir(), 'fleet-')), 'clusters.json');
    writeFileSync(broken, JSON.stringify({ clusters: [{ name: 'Bad Name' }] }));
    const run = await runCli(['plan', '--clusters-file', broken], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `CLUSTERS_FILE (${broken}) clusters[0] (Bad Name).name: expected a cluster name`,
    );
  });
});
