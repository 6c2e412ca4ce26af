// The bad-input catalogue of docs/robustness.md, one test per entry: tags, settings, events, ARM payloads and
// the emulator's world file. Every engine run is also checked against the chaos invariants (checkRun).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RouteTable } from '@azure/arm-network';
import { InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { toNicRecord, toRouteTableRecord, toVmRecord } from '../../src/azure/records.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { type Json, startEmulator, WorldError } from '../../src/emulator/index.js';
import { handlersWithLogSpy } from '../support/handlers.js';
import { CHAOS_TIMEOUT_MS, type RunRecord, recordedRun, requestBound, WORLD_FILE } from './harness.js';
import { checkRun } from './invariants.js';
import { useChaos } from './use-chaos.js';

const BOUND = requestBound({ attempts: 4, pollsPerLro: 1, nicRepairs: 0, pages: 1 });
const env = useChaos();

const vmId = (name: string) => `${env.ids.group}/providers/Microsoft.Compute/virtualMachines/${name}`;
const nicId = (name: string) => `${env.ids.group}/providers/Microsoft.Network/networkInterfaces/${name}`;
const props = (r: Json): Json => r.properties as Json;

function setTag(vm: string, value: string): void {
  const r = env.emulator.getResource(vmId(vm))!;
  r.tags = { ...(r.tags as Json), 'pod-cidr': value };
  env.emulator.upsertResource(r, { emitEvent: false });
}

async function run(label: string): Promise<RunRecord> {
  const r = await recordedRun(env, { label, bound: BOUND });
  expect(checkRun(env, r)).toEqual([]);
  return r;
}

const puts = (r: RunRecord) => r.requests.filter((q) => q.method === 'PUT');
const reasons = (r: RunRecord) => r.result.refused.map((x) => x.reason);
const route = (r: RunRecord, name: string) => r.after.table?.routes.find((x) => x.name === name);
const W1 = 'kubernetes-route-10-200-1-0-24';

describe('bad-input catalogue: pod-cidr tags (worker-1 has a correct route before each)', () => {
  const cases: Array<[string, string, string]> = [
    ['empty', '', 'invalid-pod-cidr'],
    ['white space only', '   ', 'invalid-pod-cidr'],
    ['not a CIDR (banana)', 'banana', 'invalid-pod-cidr'],
    ['prefix length /33', '10.200.1.0/33', 'invalid-pod-cidr'],
    ['host bits set', '10.200.1.7/24', 'pod-cidr-host-bits'],
    ['IPv6 without an IPv6 cluster CIDR', 'fd00:10:244:1::/64', 'pod-cidr-outside-cluster'],
    ['outside the cluster CIDR', '10.201.1.0/24', 'pod-cidr-outside-cluster'],
    ['0.0.0.0/0', '0.0.0.0/0', 'pod-cidr-outside-cluster'],
  ];
  for (const [what, value, reason] of cases) {
    it(`tag ${what} ('${value}'): refused as ${reason}, worker-1's current route kept, nothing written`, async () => {
      setTag('worker-1', value);
      const r = await run(`tag ${what}`);
      expect(r.result.status).toBe('Refused');
      expect(reasons(r)).toContain(reason);
      expect(r.result.refused.find((x) => x.reason === reason)?.message).toContain('worker-1');
      expect(puts(r)).toEqual([]);
      expect(route(r, W1)).toMatchObject({ addressPrefix: '10.200.1.0/24', nextHopIpAddress: '10.240.0.21' });
    });
  }

  it('overlapping tags (worker-1 claims 10.200.0.0/23 over worker-0): both refused, both routes kept', async () => {
    setTag('worker-1', '10.200.0.0/23');
    const r = await run('overlap');
    expect(r.result.status).toBe('Refused');
    expect(r.result.refused.filter((x) => x.reason === 'overlapping-pod-cidrs').map((x) => x.worker)).toEqual(
      expect.arrayContaining(['worker-0', 'worker-1']),
    );
    expect(puts(r)).toEqual([]);
    expect(route(r, W1)?.nextHopIpAddress).toBe('10.240.0.21');
  });
});

describe('a refused claim still blocks its prefix (issue 17, bug 2)', () => {
  it("a typo on worker-1 (host bits) next to a new worker-2 claiming 10.200.1.0/24: both refused, worker-1's route kept", async () => {
    setTag('worker-1', '10.200.1.7/24');
    env.emulator.upsertVm(
      {
        resourceGroup: 'kubernetes',
        name: 'worker-2',
        privateIp: '10.240.0.22',
        tags: { 'pod-cidr': '10.200.1.0/24' },
      },
      { emitEvent: false },
    );
    const r = await run('typo next to a claim of its network'); // checkRun: refusal protects
    expect(r.result.status).toBe('Refused');
    expect(reasons(r).sort()).toEqual(['overlapping-pod-cidrs', 'pod-cidr-host-bits']);
    expect(route(r, W1)).toMatchObject({ addressPrefix: '10.200.1.0/24', nextHopIpAddress: '10.240.0.21' });
  });
});

describe('bad-input catalogue: settings (loadConfig)', () => {
  const good = {
    AZURE_SUBSCRIPTION_ID: '3f2a7c1e-8b4d-4e6f-9a1b-2c3d4e5f6a7b',
    CLUSTER_RESOURCE_GROUP: 'kubernetes',
    VNET_NAME: 'kubernetes-vnet',
    SUBNET_NAME: 'kubernetes-subnet',
    CLUSTER_CIDR: '10.200.0.0/16',
  };
  const problems = (settings: Record<string, string | undefined>) => {
    try {
      loadConfig(settings);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as ConfigError).problems;
    }
    throw new Error('loadConfig accepted bad settings');
  };

  it('missing settings: every required one is named', () => {
    const missing = problems({});
    expect(missing.map((x) => x.setting).sort()).toEqual(
      ['AZURE_SUBSCRIPTION_ID', 'CLUSTER_CIDR', 'CLUSTER_RESOURCE_GROUP', 'SUBNET_NAME', 'VNET_NAME'].sort(),
    );
    for (const x of missing) expect(x.message).toMatch(/^is required/u);
  });

  const malformed: Array<[string, string]> = [
    ['AZURE_SUBSCRIPTION_ID', 'not-a-guid'],
    ['CLUSTER_CIDR', 'banana'],
    ['CLUSTER_CIDR', '10.200.0.0/33'],
    ['MAX_ROUTE_DELETIONS', '-1'],
    ['MAX_ROUTES_PER_TABLE', '0'],
    ['MAX_ROUTES_PER_TABLE', '1001'],
    ['MAX_ROUTES_PER_TABLE', 'lots'],
    ['REMEDIATION_MODE', 'fix'],
    ['REPAIR_IP_FORWARDING', 'yes'],
    ['ARM_ENDPOINT', 'http://management.azure.com'],
    ['ROUTE_NAME_PREFIX', '-bad'],
    ['CLUSTER_RESOURCE_GROUP', 'bad/group'],
  ];
  for (const [key, value] of malformed) {
    it(`malformed ${key}='${value}': refused naming ${key}`, () => {
      expect(problems({ ...good, [key]: value }).map((x) => x.setting)).toEqual([key]);
    });
  }

  it('contradictory: two IPv4 cluster CIDRs', () => {
    expect(problems({ ...good, CLUSTER_CIDR: '10.200.0.0/16,10.201.0.0/16' })[0]).toMatchObject({
      setting: 'CLUSTER_CIDR',
      message: expect.stringContaining('at most one IPv4'),
    });
  });
  it('contradictory: a cluster CIDR of 0.0.0.0/0 would own every route', () => {
    expect(problems({ ...good, CLUSTER_CIDR: '0.0.0.0/0' })[0]?.setting).toBe('CLUSTER_CIDR');
  });
  it('contradictory: ARM_CA_FILE with a non-loopback ARM_ENDPOINT', () => {
    expect(problems({ ...good, ARM_CA_FILE: '/tmp/ca.pem' })[0]).toMatchObject({ setting: 'ARM_CA_FILE' });
  });
});

describe('bad-input catalogue: Event Grid events (reconcileOnResourceChange)', () => {
  const handlersWithSpy = () =>
    handlersWithLogSpy({
      clients: env.newClients(),
      loadConfig: () => env.config,
      timeoutMs: CHAOS_TIMEOUT_MS,
    });
  const event = (over: Json = {}): Json => ({
    id: crypto.randomUUID(),
    subject: vmId('worker-0'),
    eventType: 'Microsoft.Resources.ResourceWriteSuccess',
    eventTime: new Date().toISOString(),
    dataVersion: '2',
    metadataVersion: '1',
    topic: `/subscriptions/${env.emulator.subscriptionId}/resourceGroups/kubernetes`,
    data: { operationName: 'Microsoft.Compute/virtualMachines/write' },
    ...over,
  });

  const dropped: Array<[string, () => unknown, RegExp]> = [
    ['malformed JSON (a string)', () => '{"id": "1", "subject": ', /malformed Event Grid event/u],
    ['wrong types (id is a number)', () => event({ id: 5 }), /malformed Event Grid event .*id/u],
    ['missing data.operationName', () => event({ data: {} }), /data\.operationName/u],
    ['null', () => null, /malformed/u],
  ];
  for (const [what, make, log] of dropped) {
    it(`${what}: dropped with an error log naming the field, no reconcile, no throw (no redelivery loop)`, async () => {
      const { handlers, results, logs, context } = handlersWithSpy();
      await expect(handlers.reconcileOnResourceChange(make(), context())).resolves.toBeUndefined();
      expect(results).toEqual([]);
      expect(logs.join('\n')).toMatch(log);
    });
  }

  it('unknown event type (Microsoft.Storage.BlobCreated): ignored, no reconcile', async () => {
    const { handlers, results } = handlersWithSpy();
    await handlers.reconcileOnResourceChange(
      event({ eventType: 'Microsoft.Storage.BlobCreated' }),
      context0(),
    );
    expect(results).toEqual([]);
  });

  it('subject in another subscription: ignored, no reconcile', async () => {
    const { handlers, results } = handlersWithSpy();
    const other = vmId('worker-0').replace(
      env.emulator.subscriptionId,
      '00000000-0000-0000-0000-000000000001',
    );
    await handlers.reconcileOnResourceChange(event({ subject: other }), context0());
    expect(results).toEqual([]);
  });

  it('a huge batch (2,000 relevant events delivered at once): coalesced into at most 2 reconciles', async () => {
    const { handlers, results, context } = handlersWithSpy();
    env.emulator.externalWrite(env.ids.table, { removeRoutes: [W1] });
    const events = Array.from({ length: 2000 }, () => event());
    await Promise.all(events.map((e) => handlers.reconcileOnResourceChange(e, context())));
    expect(results.length).toBeGreaterThanOrEqual(1);
    expect(results.length).toBeLessThanOrEqual(2);
    expect(results.some((c) => c.status === 'Repaired')).toBe(true);
    expect(env.emulator.getResource(`${env.ids.table}/routes/${W1}`)).toBeDefined();
  });

  function context0() {
    return new InvocationContext({ invocationId: '1', functionName: 'f', logHandler: () => {} });
  }
});

describe('bad-input catalogue: ARM payloads', () => {
  it('a worker VM without a NIC: refused as worker-without-nic, its route kept', async () => {
    const vm = env.emulator.getResource(vmId('worker-1'))!;
    (props(vm).networkProfile as Json).networkInterfaces = [];
    env.emulator.upsertResource(vm, { emitEvent: false });
    env.emulator.deleteResource(nicId('worker-1-nic'), { emitEvent: false });
    const r = await run('vm without nic');
    expect(reasons(r)).toContain('worker-without-nic');
    expect(route(r, W1)?.nextHopIpAddress).toBe('10.240.0.21');
  });

  it('a NIC without an IPv4 address (IPv6 only): refused as worker-without-ip, its route kept', async () => {
    const nic = env.emulator.getResource(nicId('worker-1-nic'))!;
    const ipc = (props(nic).ipConfigurations as Json[])[0]!;
    props(ipc).privateIPAddress = 'fd00::21';
    props(ipc).privateIPAddressVersion = 'IPv6';
    env.emulator.upsertResource(nic, { emitEvent: false });
    const r = await run('nic without ip');
    expect(reasons(r)).toContain('worker-without-ip');
    expect(route(r, W1)?.nextHopIpAddress).toBe('10.240.0.21');
  });

  it('a deallocated VM (still listed, NIC keeps its static IP): still a worker, its route kept, Healthy', async () => {
    const vm = env.emulator.getResource(vmId('worker-1'))!;
    props(vm).instanceView = { statuses: [{ code: 'PowerState/deallocated' }] };
    env.emulator.upsertResource(vm, { emitEvent: false });
    const r = await run('deallocated');
    expect(r.result.status).toBe('Healthy');
    expect(puts(r)).toEqual([]);
  });

  it('a worker NIC in another vnet: its route is written to that NIC IP (no vnet check; documented)', async () => {
    const nic = env.emulator.getResource(nicId('worker-1-nic'))!;
    const ipc = (props(nic).ipConfigurations as Json[])[0]!;
    props(ipc).subnet = {
      id: `${env.ids.group}/providers/Microsoft.Network/virtualNetworks/other-vnet/subnets/default`,
    };
    props(ipc).privateIPAddress = '10.50.0.21';
    env.emulator.upsertResource(nic, { emitEvent: false });
    const r = await run('nic in other vnet');
    expect(r.result.status).toBe('Repaired');
    expect(route(r, W1)?.nextHopIpAddress).toBe('10.50.0.21');
  });

  it('a table already at 1,000 routes (the limit) and a new worker: refused as route-limit-exceeded, nothing written', async () => {
    const table = env.emulator.getResource(env.ids.table)!;
    const routes = props(table).routes as Json[];
    for (let i = 0; routes.length < 1000; i++)
      routes.push({
        name: `onprem-${i}`,
        properties: {
          addressPrefix: `172.${16 + (i >> 8)}.${i & 255}.0/24`,
          nextHopType: 'VirtualNetworkGateway',
        },
      });
    env.emulator.upsertResource(table, { emitEvent: false });
    env.emulator.upsertVm(
      {
        resourceGroup: 'kubernetes',
        name: 'worker-2',
        privateIp: '10.240.0.22',
        tags: { 'pod-cidr': '10.200.2.0/24' },
      },
      { emitEvent: false },
    );
    const r = await run('1,000 routes');
    expect(reasons(r)).toContain('route-limit-exceeded');
    expect(r.result.status).not.toBe('Repaired');
    expect(puts(r)).toEqual([]);
    expect(r.after.table?.routes).toHaveLength(1000);
  });

  it('two foreign routes with one prefix (ARM would reject any PUT): refused as duplicate-route-prefix, nothing written', async () => {
    const table = env.emulator.getResource(env.ids.table)!;
    const routes = props(table).routes as Json[];
    routes.splice(1, 1); // worker-1's route missing: drift that cannot be repaired this time
    routes.push(
      {
        name: 'fw-a',
        properties: {
          addressPrefix: '0.0.0.0/0',
          nextHopType: 'VirtualAppliance',
          nextHopIpAddress: '10.240.0.4',
        },
      },
      { name: 'fw-b', properties: { addressPrefix: '0.0.0.0/0', nextHopType: 'Internet' } },
    );
    env.emulator.upsertResource(table, { emitEvent: false });
    const r = await run('duplicate foreign prefix');
    expect(reasons(r)).toContain('duplicate-route-prefix');
    expect(puts(r)).toEqual([]);
    expect(r.result.repaired).toEqual([]);
  });

  // The emulator refuses these shapes at upsertResource (its world schema), so they are fed to the ARM
  // adapter's converters directly, in the shape the SDK hands over.
  it('SDK payloads with null properties, routes: null, null NIC refs and null ip configurations are read as empty', () => {
    const table = toRouteTableRecord({
      id: env.ids.table,
      location: 'eastus2',
      routes: null,
    } as unknown as RouteTable);
    expect(table.routes).toEqual([]);
    const vm = toVmRecord({ id: vmId('w'), location: 'eastus2', networkProfile: null } as never);
    expect(vm.nicRefs).toEqual([]);
    const nic = toNicRecord({ id: nicId('n'), ipConfigurations: [null, { name: 'x' }] } as never);
    expect(nic.ipConfigurations).toHaveLength(1);
    expect(nic.ipConfigurations[0]?.privateIpAddress).toBeUndefined();
  });
  it('SDK payloads without an id or a route without a name: the read fails with a message naming what is missing', () => {
    expect(() => toVmRecord({ location: 'eastus2' } as never)).toThrow(/virtual machine without an id/u);
    expect(() =>
      toRouteTableRecord({
        id: env.ids.table,
        location: 'x',
        routes: [{ addressPrefix: '10.0.0.0/8' }],
      } as never),
    ).toThrow(/route without a name/u);
  });
  it('the emulator refuses a VM with null properties at upsertResource, naming the resource and field', () => {
    expect(() =>
      env.emulator.upsertResource({ id: vmId('worker-9'), location: 'eastus2', properties: null }),
    ).toThrow(/worker-9.*properties/u);
  });
});

describe('bad-input catalogue: the emulator world file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bad-world-'));
  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it('not JSON: refused naming the file', async () => {
    await expect(startEmulator({ world: write('a.json', '{nope') })).rejects.toThrow(
      /a\.json: is not valid JSON/u,
    );
  });
  it('a subscription id that is not a GUID: refused naming the field', async () => {
    await expect(startEmulator({ world: { subscriptionId: 'x', resources: [] } })).rejects.toThrow(
      /field 'subscriptionId'/u,
    );
  });
  it('a NIC with privateIPAddress banana: refused naming the resource and the field', async () => {
    const world = readFileSync(WORLD_FILE, 'utf8').replace(
      /"privateIPAddress": "10\.240\.0\.20"/u,
      '"privateIPAddress": "banana"',
    );
    const error = await startEmulator({ world: write('b.json', world) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WorldError);
    expect(String(error)).toMatch(
      /worker-0-nic.*field 'properties\.ipConfigurations\[0\]\.properties\.privateIPAddress'/u,
    );
  });
  it('a route with an unknown next hop type: refused naming the route table and the field', async () => {
    const world = readFileSync(WORLD_FILE, 'utf8').replace(
      '"nextHopType": "VirtualAppliance"',
      '"nextHopType": "Teleport"',
    );
    await expect(startEmulator({ world: write('c.json', world) })).rejects.toThrow(
      /kubernetes-routes.*field 'properties\.routes\[0\]\.properties\.nextHopType'/u,
    );
  });
});
