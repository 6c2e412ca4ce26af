// Scenario: the emulator is seeded from a world file; a bad file is refused, naming the resource and field.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startEmulator, type WorldFile } from '../../src/emulator/index.js';
import { runEmulatorCommand } from '../../src/emulator/main.js';
import { raw, worldFile } from './helpers.js';

const world = (): WorldFile => JSON.parse(readFileSync(worldFile, 'utf8')) as WorldFile;

describe('world file', () => {
  it('refuses a VM without a network profile, naming the resource and field', async () => {
    const w = world();
    const vm = w.resources.find((r) => String(r.id).endsWith('/worker-0'))!;
    delete (vm.properties as Record<string, unknown>).networkProfile;
    await expect(startEmulator({ world: w })).rejects.toThrow(
      /resources\[\d+\] \(\/subscriptions\/.*\/virtualMachines\/worker-0\) field 'properties.networkProfile': /u,
    );
  });

  it('refuses a route with a bad next hop type and a NIC with a bad IP', async () => {
    const w = world();
    const table = w.resources.find((r) => String(r.type) === 'Microsoft.Network/routeTables')!;
    (table.properties as { routes: Array<{ properties: Record<string, unknown> }> })
      .routes[0]!.properties.nextHopType = 'Teleport';
    await expect(startEmulator({ world: w })).rejects.toThrow(
      /kubernetes-routes\) field 'properties.routes\[0\].properties.nextHopType'/u,
    );
    const w2 = world();
    const nic = w2.resources.find((r) => String(r.id).endsWith('worker-1-nic'))!;
    (nic.properties as { ipConfigurations: Array<{ properties: Record<string, unknown> }> })
      .ipConfigurations[0]!.properties.privateIPAddress = '10.240.0.300';
    await expect(startEmulator({ world: w2 })).rejects.toThrow(
      /worker-1-nic\) field 'properties.ipConfigurations\[0\].properties.privateIPAddress': expected an IPv4 or IPv6 address/u,
    );
  });

  it('refuses dangling references: a subnet to a missing route table or NSG, a VM to a missing NIC', async () => {
    const w = world();
    w.resources = w.resources.filter((r) => r.type !== 'Microsoft.Network/routeTables');
    await expect(startEmulator({ world: w })).rejects.toThrow(
      /kubernetes-vnet\) field 'properties.subnets\[0\].properties.routeTable.id': route table .* is not among the world's resources/u,
    );
    const noNsg = world();
    noNsg.resources = noNsg.resources.filter((r) => r.type !== 'Microsoft.Network/networkSecurityGroups');
    await expect(startEmulator({ world: noNsg })).rejects.toThrow(
      /kubernetes-vnet\) field 'properties.subnets\[0\].properties.networkSecurityGroup.id': network security group .*kubernetes-nsg is not among the world's resources/u,
    );
    const w2 = world();
    w2.resources = w2.resources.filter((r) => !String(r.id).endsWith('/worker-0-nic'));
    await expect(startEmulator({ world: w2 })).rejects.toThrow(
      /worker-0\) field 'properties.networkProfile.networkInterfaces\[0\].id'/u,
    );
  });

  it('refuses ids from another subscription and type/name that contradict the id', async () => {
    const w = world();
    w.resources[0]!.type = 'Microsoft.Network/routeTables';
    await expect(startEmulator({ world: w })).rejects.toThrow(
      /field 'type': expected 'Microsoft.Network\/virtualNetworks'/u,
    );
    const w2 = world();
    w2.subscriptionId = '11111111-1111-1111-1111-111111111111';
    await expect(startEmulator({ world: w2 })).rejects.toThrow(/differs from the world's subscriptionId/u);
    await expect(startEmulator({ world: '/nonexistent/world.json' })).rejects.toThrow(
      /world file \/nonexistent\/world.json: cannot be read/u,
    );
  });

  it('fills in what ARM fills in and keeps empty resource groups', async () => {
    const w = world();
    w.resourceGroups = [...(w.resourceGroups ?? []), 'empty-rg'];
    const emulator = await startEmulator({ world: w });
    try {
      const id = `/subscriptions/${emulator.subscriptionId}/resourceGroups/kubernetes/providers/Microsoft.Network/routeTables/kubernetes-routes`;
      const table = emulator.getResource(id.toUpperCase())!;
      const route = (table.properties as { routes: Array<Record<string, unknown>> }).routes[0]!;
      expect(route).toMatchObject({
        id: `${id}/routes/kubernetes-route-10-200-0-0-24`,
        etag: table.etag,
        type: 'Microsoft.Network/routeTables/routes',
      });
      expect((table.properties as Record<string, unknown>).provisioningState).toBe('Succeeded');
      expect(emulator.getResource(`${id}/routes/kubernetes-route-10-200-1-0-24`)).toMatchObject({
        name: 'kubernetes-route-10-200-1-0-24',
      });
      const rg = await raw(
        emulator,
        'GET',
        `/subscriptions/${emulator.subscriptionId}/resourcegroups/empty-rg?api-version=2024-11-01`,
      );
      expect(rg.status).toBe(200);
      const list = await raw(
        emulator,
        'GET',
        `/subscriptions/${emulator.subscriptionId}/resourceGroups/empty-rg/providers/Microsoft.Network/routeTables?api-version=2026-01-01`,
      );
      expect(list.body).toEqual({ value: [] });
    } finally {
      await emulator.stop();
    }
  });

  it('seeds fault rules from the world file', async () => {
    const w = { ...world(), faults: [{ method: 'GET', path: 'routeTables', status: 503, times: 1 }] };
    const emulator = await startEmulator({ world: w });
    try {
      const path = `/subscriptions/${emulator.subscriptionId}/resourceGroups/kubernetes/providers/Microsoft.Network/routeTables?api-version=2026-01-01`;
      expect((await raw(emulator, 'GET', path)).status).toBe(503);
      expect((await raw(emulator, 'GET', path)).status).toBe(200);
    } finally {
      await emulator.stop();
    }
  });
});

describe('emulator command', () => {
  it('prints exactly one JSON line when ready and stops when told', async () => {
    const lines: string[] = [];
    let stop!: () => void;
    const until = new Promise<void>((r) => {
      stop = r;
    });
    const running = runEmulatorCommand({ world: worldFile, out: (l) => lines.push(l), until });
    await expect.poll(() => lines.length).toBe(1);
    const ready = JSON.parse(lines[0]!) as { endpoint: string; caFile: string; subscriptionId: string };
    expect(Object.keys(ready)).toEqual(['endpoint', 'caFile', 'subscriptionId']);
    expect(ready.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/u);
    expect(readFileSync(ready.caFile, 'utf8')).toContain('BEGIN CERTIFICATE');
    stop();
    await running;
  });

  it('with a role (--rbac) refuses what the role lacks with 403 AuthorizationFailed', async () => {
    const lines: string[] = [];
    let stop!: () => void;
    const until = new Promise<void>((r) => {
      stop = r;
    });
    const running = runEmulatorCommand({
      world: worldFile,
      out: (l) => lines.push(l),
      until,
      rbac: { actions: ['Microsoft.Network/routeTables/read'] },
    });
    await expect.poll(() => lines.length).toBe(1);
    const ready = JSON.parse(lines[0]!) as { endpoint: string; caFile: string; subscriptionId: string };
    const target = { endpoint: ready.endpoint, ca: readFileSync(ready.caFile, 'utf8') } as Parameters<
      typeof raw
    >[0];
    const base = `/subscriptions/${ready.subscriptionId}/resourceGroups/kubernetes/providers`;
    const table = await raw(
      target,
      'GET',
      `${base}/Microsoft.Network/routeTables/kubernetes-routes?api-version=2026-01-01`,
    );
    const vms = await raw(target, 'GET', `${base}/Microsoft.Compute/virtualMachines?api-version=2026-04-01`);
    expect([table.status, vms.status]).toEqual([200, 403]);
    expect((vms.body as { error: { code: string } }).error.code).toBe('AuthorizationFailed');
    stop();
    await running;
  });
});
