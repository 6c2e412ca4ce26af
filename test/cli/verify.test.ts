// pod-routes verify as operators run it: the spawned executable against the emulator, its three outputs and
// its exit codes (0 all effective, 2 findings, 4 findings not confirmed yet, 1 error).
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { useCluster } from '../support/cluster.js';

const cluster = useCluster();

describe('pod-routes verify', () => {
  it('exits 0 with a table of every checked pod CIDR when all routes are in effect', async () => {
    const run = await runCli(['verify'], cluster.settings);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/worker-0[\s│]+worker-0-nic[\s│]+10\.200\.1\.0\/24[\s│]+worker-1[\s│]+ok/u);
    expect(run.stdout).toContain(
      'Effective: 2 ok, 0 shadowed, 0 missing, 0 read failed, 0 not confirmed yet on 2 worker(s); 0 not applicable.',
    );
    expect(run.stdout).toContain('ARM: 2 reads, 2 effective-route POSTs, 4 polls.');
  });

  it('exits 2 on a missing route that persists; its JSON names the finding and what traffic follows instead', async () => {
    await cluster.deleteRoute('kubernetes-route-10-200-1-0-24');
    const run = await runCli(['verify', '-o', 'json', '--confirm-after', '1'], cluster.settings);
    expect(run.code).toBe(2);
    const doc = JSON.parse(run.stdout) as {
      schemaVersion: number;
      command: string;
      effective: boolean;
      status: string;
      summary: { missing: number };
      workers: Array<{
        worker: string;
        checks: Array<{ verdict: string; winner: { addressPrefix: string } }>;
      }>;
    };
    expect(doc).toMatchObject({ schemaVersion: 1, command: 'verify', effective: false, status: 'Findings' });
    expect(doc.summary.missing).toBe(1);
    const w0 = doc.workers.find((w) => w.worker === 'worker-0');
    expect(w0?.checks[0]).toMatchObject({
      verdict: 'missing',
      confirmed: true,
      winner: { addressPrefix: '10.0.0.0/8' },
    });
  });

  it('exits 0 when a route written just before is seen missing, then in effect on the re-check, and says so', async () => {
    cluster.emulator.setRoutePropagation(3_000);
    await cluster.deleteRoute('kubernetes-route-10-200-1-0-24');
    await new Promise((r) => setTimeout(r, 3_100));
    await cluster.putRoute('kubernetes-route-10-200-1-0-24', {
      addressPrefix: '10.200.1.0/24',
      nextHopType: 'VirtualAppliance',
      nextHopIpAddress: '10.240.0.21',
    });
    const run = await runCli(['verify', '--confirm-after', '4'], cluster.settings);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('cleared on re-check (was propagating): worker-0: missing: 10.200.1.0/24');
    expect(run.stdout).toContain('Effective: 2 ok');
  }, 30_000);

  it('renders markdown with a not-applicable worker, and --workers 1 reads a single NIC', async () => {
    cluster.emulator.setPowerState(
      `/subscriptions/${cluster.emulator.subscriptionId}/resourceGroups/kubernetes/providers/Microsoft.Compute/virtualMachines/worker-1`,
      'stopped',
    );
    const md = await runCli(['verify', '-o', 'markdown'], cluster.settings);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('# Pod route verification: kubernetes-routes');
    expect(md.stdout).toContain('| worker-1 | - | - | - | not applicable (vm-not-running) |');
    cluster.emulator.reset();
    const one = await runCli(['verify', '--workers', '1'], cluster.settings);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain('on 1 worker(s)');
    expect(one.stdout).toContain('1 effective-route POSTs');
  });

  it('exits 1 on bad input: a bad --workers value, a missing setting, an unreachable ARM', async () => {
    const bad = await runCli(['verify', '--workers', 'some'], cluster.settings);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("--workers: expected 'all' or a number of workers");
    const wait = await runCli(['verify', '--confirm-after', '1m'], cluster.settings);
    expect(wait.code).toBe(1);
    expect(wait.stderr).toContain(
      "--confirm-after: expected a whole number of seconds (0 to 3600), got '1m'",
    );
    const { VNET_NAME: _, ...noVnet } = cluster.settings;
    const missing = await runCli(['verify'], noVnet);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('VNET_NAME');
    const down = await runCli(['verify'], { ...cluster.settings, ARM_ENDPOINT: 'https://127.0.0.1:1' });
    expect(down.code).toBe(1);
    expect(down.stdout).toContain('Error:');
  });
});
