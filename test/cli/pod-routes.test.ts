// The pod-routes executable as operators run it: a spawned process, its output and its exit codes.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { BIN, runCli } from '../support/cli.js';
import { RG, useCluster } from '../support/cluster.js';

const cluster = useCluster();

describe('pod-routes plan', () => {
  it('exits 0 and says in sync on a converged cluster', async () => {
    const run = await runCli(['plan'], cluster.settings);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Route Summary');
    expect(run.stdout).toContain('kubernetes-route-10-200-0-0-24');
    expect(run.stdout).toMatch(/In sync: no drift/);
  });

  it('exits 2 on drift, writes nothing, and its JSON follows the documented schema', async () => {
    await cluster.deleteRoute('kubernetes-route-10-200-1-0-24');
    cluster.emulator.clearRequests();
    const run = await runCli(['plan', '--output', 'json'], cluster.settings);
    expect(run.code).toBe(2);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({
      schemaVersion: 1,
      command: 'plan',
      inSync: false,
      routeTable: { name: 'kubernetes-routes', resourceGroup: RG },
      drift: [{ kind: 'missing-route', subject: 'kubernetes-route-10-200-1-0-24' }],
      actions: [{ kind: 'create-route', subject: 'kubernetes-route-10-200-1-0-24' }],
      refused: [],
    });
    expect(cluster.emulator.requests().filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('renders a markdown audit record', async () => {
    await cluster.deleteRoute('kubernetes-route-10-200-1-0-24');
    const run = await runCli(['plan', '-o', 'markdown'], cluster.settings);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/^# Pod route plan: kubernetes-routes/m);
    for (const heading of ['## Before', '## Drift', '## Planned actions', '## Refusals'])
      expect(run.stdout).toContain(heading);
    expect(run.stdout).toContain(
      '| kubernetes-route-10-200-0-0-24 | 10.200.0.0/24 | 10.240.0.20 | VirtualAppliance |',
    );
    // The picture, worst first in text before it (rendered by Mermaid in test/browser).
    expect(run.stdout).toMatch(
      /## Topology\nWorst first:\n- \*\*missing route\*\* `kubernetes-route-10-200-1-0-24`/u,
    );
    expect(run.stdout).toMatch(/```mermaid\nflowchart LR\n[\s\S]*10\.200\.1\.0\/24 missing route[\s\S]*```/u);
  });

  it('takes every setting as a flag too', async () => {
    const { CLUSTER_CIDR: _omit, ...rest } = cluster.settings;
    const run = await runCli(['plan', '--cluster-cidr', '10.200.0.0/16'], rest);
    expect(run.code).toBe(0);
  });

  it('stops with exit 1 and names a missing or invalid setting', async () => {
    const { CLUSTER_CIDR: _omit, ...rest } = cluster.settings;
    const missing = await runCli(['plan'], rest);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/CLUSTER_CIDR: is required/);
    const invalid = await runCli(['plan'], { ...cluster.settings, CLUSTER_CIDR: '10.200.0.0/33' });
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/CLUSTER_CIDR: '10.200.0.0\/33' is not a valid CIDR/);
  });

  it('exits 1 with the ARM error when ARM cannot be reached', async () => {
    const run = await runCli(['plan'], { ...cluster.settings, ARM_ENDPOINT: 'https://127.0.0.1:9' });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/Error: /);
  });
});

describe('pod-routes topology', () => {
  it('writes one self-contained HTML page of the drift and exits 2', async () => {
    await cluster.deleteRoute('kubernetes-route-10-200-1-0-24');
    await cluster.detachSubnet();
    const dir = mkdtempSync(join(tmpdir(), 'topology-'));
    const out = join(dir, 'cluster.html');
    cluster.emulator.clearRequests();
    const run = await runCli(['topology', '-o', 'html', '--out', out], cluster.settings);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(2);
    expect(run.stdout).toContain(`${out}: html of cluster default, 2 finding(s)`);
    const page = readFileSync(out, 'utf8');
    expect(page).toMatch(/<ol class="findings"><li data-kind="unassociated">subnet not associated: /u);
    expect(page).toContain('missing route: kubernetes-route-10-200-1-0-24');
    expect(page).not.toMatch(/\b(?:src|href)=/u);
    expect(cluster.emulator.requests().filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('writes an SVG with -o svg, and exits 0 on a healthy cluster', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'topology-')), 'cluster.svg');
    const run = await runCli(['topology', '-o', 'svg', '--out', out], cluster.settings);
    expect(run.code).toBe(0);
    const svg = readFileSync(out, 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" class="topology"/u);
    expect(svg).toContain('worker-0');
    expect(svg).toContain('nothing found');
  });

  it('refuses to run without --out', async () => {
    const run = await runCli(['topology'], cluster.settings);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/--out <file>/u);
  });
});

describe('pod-routes apply', () => {
  it('repairs drift, exits 0, and a following plan is in sync', async () => {
    await cluster.deleteRoute('kubernetes-route-10-200-1-0-24');
    await cluster.detachSubnet();
    const apply = await runCli(['apply'], cluster.settings);
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain('Route Summary (after)');
    expect(apply.stdout).toMatch(/Repaired: 2 repaired, 0 unrepaired, 0 refused/);
    const plan = await runCli(['plan'], cluster.settings);
    expect(plan.code).toBe(0);
  });

  it('exits 3 and lists the reason when a safety rule refused a change', async () => {
    cluster.emulator.upsertVm({
      resourceGroup: RG,
      name: 'worker-1',
      privateIp: '10.240.0.21',
      tags: { 'pod-cidr': '0.0.0.0/0' },
    });
    const apply = await runCli(['apply', '-o', 'json'], cluster.settings);
    expect(apply.code).toBe(3);
    const report = JSON.parse(apply.stdout);
    expect(report.refused).toEqual([
      expect.objectContaining({ reason: 'pod-cidr-outside-cluster', worker: 'worker-1' }),
    ]);
  });

  it('needs --force to delete more than half of the routes it owns', async () => {
    for (const [name, ip] of [
      ['worker-0', '10.240.0.20'],
      ['worker-1', '10.240.0.21'],
    ] as const) {
      cluster.emulator.upsertVm({ resourceGroup: RG, name, privateIp: ip, tags: {} });
    }
    cluster.emulator.upsertVm({
      resourceGroup: RG,
      name: 'worker-9',
      privateIp: '10.240.0.29',
      tags: { 'pod-cidr': '10.200.9.0/24' },
    });
    const refused = await runCli(['apply'], cluster.settings);
    expect(refused.code).toBe(3);
    expect(refused.stdout).toMatch(/mass-deletion/);
    const forced = await runCli(['apply', '--force'], cluster.settings);
    expect(forced.code).toBe(0);
    expect(cluster.storedRoutes().map((r) => r.name)).toEqual(['kubernetes-route-10-200-9-0-24']);
  });
});

describe('pod-routes emulator', () => {
  it('prints one JSON line when ready, serves plan, and stops on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [
        BIN,
        'emulator',
        '--world',
        'examples/kthw-azure.world.json',
        '--max-routes-per-table',
        '400',
        '--event-grid-write-ms',
        '60000',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`emulator exited early with ${code}`)));
      });
      const ready = JSON.parse(line);
      expect(Object.keys(ready).sort()).toEqual(['caFile', 'endpoint', 'subscriptionId']);
      expect(ready.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const plan = await runCli(['plan'], {
        ...cluster.settings,
        ARM_ENDPOINT: ready.endpoint,
        ARM_CA_FILE: ready.caFile,
        AZURE_SUBSCRIPTION_ID: ready.subscriptionId,
      });
      expect(plan.code).toBe(0);
      // --max-routes-per-table 400: a cloud with the old limit refuses a table of 401 routes.
      const routes = Array.from({ length: 401 }, (_, i) => ({
        name: `r${i}`,
        properties: { addressPrefix: `10.${i >> 8}.${i & 255}.0/24`, nextHopType: 'None' },
      }));
      const send = (method: string, path: string, body?: unknown) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = request(
            new URL(path, ready.endpoint),
            {
              method,
              ca: readFileSync(ready.caFile, 'utf8'),
              headers: { authorization: 'Bearer x', 'content-type': 'application/json' },
            },
            (res) => {
              let text = '';
              res.on('data', (d) => {
                text += d;
              });
              res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
            },
          );
          req.on('error', reject);
          req.end(body === undefined ? undefined : JSON.stringify(body));
        });
      const refused = await send(
        'PUT',
        `/subscriptions/${ready.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Network/routeTables/big?api-version=2026-01-01`,
        { location: 'eastus2', properties: { routes } },
      );
      expect(refused.status).toBe(400);
      expect(refused.body).toContain('exceeds the limit of 400 routes');
      // --event-grid-write-ms 60000: a system topic stays Creating for a minute.
      const topic = `/subscriptions/${ready.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.EventGrid/systemTopics/t-1?api-version=2025-02-15`;
      const put = await send('PUT', topic, {
        location: 'global',
        properties: {
          source: `/subscriptions/${ready.subscriptionId}/resourceGroups/${RG}`,
          topicType: 'Microsoft.Resources.ResourceGroups',
        },
      });
      expect(put.status).toBe(201);
      expect(JSON.parse((await send('GET', topic)).body).properties.provisioningState).toBe('Creating');
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });
});

describe('the demo (npm start)', () => {
  it('breaks the cluster, repairs it in one run and exits 0', async () => {
    const run = await runCli(['demo']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Drift found: 4 item(s)');
    expect(run.stdout).toMatch(/Repaired: 4 repaired, 0 unrepaired, 0 refused/);
    expect(run.stdout).toContain('status Healthy; ARM requests: 5 reads, 0 writes');
    expect(run.stdout).toContain('the firewall route is untouched');
  });
});
