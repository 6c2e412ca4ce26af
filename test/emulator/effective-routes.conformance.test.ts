// The emulator's effective route table against the official Network spec (2026-01-01 networkInterface.json:
// NetworkInterfaces_GetEffectiveRouteTable, EffectiveRouteListResult, EffectiveRoute) and its official example
// (NetworkInterfaceEffectiveRouteTableList.json), read from AZURE_REFERENCE_DIR. The traffic is the real SDK's.
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator, Json, WorldFile } from '../../src/emulator/index.js';
import { readReferenceJson } from '../support/reference.js';
import { clients, FAST, start, worldFile } from './helpers.js';

interface Spec {
  paths: Record<string, Record<string, Json>>;
  definitions: Record<string, Json>;
}
const nicSpec = readReferenceJson<Spec>('networkInterfaceSpec');
const tableSpec = readReferenceJson<Spec>('routeTableSpec');
const example = readReferenceJson<{
  parameters: Json;
  responses: { '200': { body: { value: Json[] } }; '202': { headers: Json } };
}>('effectiveRouteTableExample');

/** EffectiveRouteListResult as JSON Schema: its two definitions and RouteNextHopType from routeTable.json. */
function listSchema() {
  const local = (def: Json) =>
    JSON.parse(JSON.stringify(def).replaceAll('./routeTable.json#/definitions/', '#/definitions/')) as Json;
  const definitions = {
    EffectiveRoute: local(nicSpec.definitions.EffectiveRoute!),
    RouteNextHopType: tableSpec.definitions.RouteNextHopType!,
  };
  const ajv = new Ajv({ strict: false, allErrors: true });
  return ajv.compile({ ...local(nicSpec.definitions.EffectiveRouteListResult!), definitions });
}

/** The example's network: a vnet 172.20.2.0/24 and no route table. */
function exampleWorld(): WorldFile {
  const world = JSON.parse(readFileSync(worldFile, 'utf8')) as WorldFile;
  for (const r of world.resources) {
    if (!String(r.id).endsWith('/virtualNetworks/kubernetes-vnet')) continue;
    const p = r.properties as { addressSpace: Json; subnets: Array<{ properties: Json }> };
    p.addressSpace = { addressPrefixes: ['172.20.2.0/24'] };
    p.subnets[0]!.properties = { addressPrefix: '172.20.2.0/24' };
  }
  return world;
}

let emulator: Emulator;
beforeAll(async () => {
  emulator = await start({ world: exampleWorld(), captureTraffic: true });
});
afterAll(() => emulator.stop());

describe('NetworkInterfaces_GetEffectiveRouteTable in the spec', () => {
  const op = Object.entries(nicSpec.paths).find(([p]) => p.endsWith('/effectiveRouteTable'));

  it('is the POST the emulator serves: long-running, 200 or 202, final state via Location', () => {
    expect(op?.[0]).toBe(
      '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/networkInterfaces/{networkInterfaceName}/effectiveRouteTable',
    );
    const post = op?.[1].post as Json;
    expect(post['x-ms-long-running-operation']).toBe(true);
    expect(post['x-ms-long-running-operation-options']).toEqual({ 'final-state-via': 'location' });
    expect(Object.keys(post.responses as Json).sort()).toEqual(['200', '202', 'default']);
  });

  it('the schema check is real: the official example passes, a mutated one fails', () => {
    const validate = listSchema();
    expect(validate(example.responses['200'].body), JSON.stringify(validate.errors)).toBe(true);
    const bad = structuredClone(example.responses['200'].body) as { value: Json[] };
    bad.value[0]!.addressPrefix = '172.20.2.0/24';
    bad.value[1]!.state = 'Sleeping';
    expect(validate(bad)).toBe(false);
  });
});

describe('the emulator answer', () => {
  it('starts with 202 and a Location, and the Location answers EffectiveRouteListResult', async () => {
    const { network } = clients(emulator);
    const result = await network.networkInterfaces
      .getEffectiveRouteTable('kubernetes', 'worker-0-nic', FAST)
      .pollUntilDone();
    expect(result.value?.length).toBeGreaterThan(0);
    const traffic = emulator.traffic();
    const post = traffic.find((t) => t.liveRequest.method === 'POST');
    expect(post?.liveResponse.statusCode).toBe('202');
    expect(post?.liveResponse.headers.location).toMatch(/\/operationResults\//u);
    const locationPath = new URL(String(post?.liveResponse.headers.location)).pathname;
    const final = traffic.find(
      (t) => new URL(t.liveRequest.url).pathname === locationPath && t.liveResponse.statusCode === '200',
    );
    expect(final, 'a 200 from the Location URL').toBeDefined();
    const validate = listSchema();
    expect(validate(final?.liveResponse.body), JSON.stringify(validate.errors)).toBe(true);
    // Only spec properties, plus hasBgpOverride, which real ARM sends too (Azure/azure-powershell#23091).
    const allowed = new Set([
      ...Object.keys(nicSpec.definitions.EffectiveRoute!.properties as Json),
      'hasBgpOverride',
    ]);
    for (const route of (final!.liveResponse.body as { value: Json[] }).value)
      for (const key of Object.keys(route)) expect(allowed, key).toContain(key);
  });

  it('for the example network (a vnet 172.20.2.0/24, no table) lists the example routes, plus the None routes real NICs show', async () => {
    const { network } = clients(emulator);
    const result = await network.networkInterfaces
      .getEffectiveRouteTable('kubernetes', 'worker-1-nic', FAST)
      .pollUntilDone();
    const key = (r: Json) =>
      `${r.source} ${r.state} ${JSON.stringify(r.addressPrefix)} ${r.nextHopType} ${JSON.stringify(r.nextHopIpAddress)}`;
    const ours = (result.value ?? []).map((r) => key(r as unknown as Json));
    const theirs = example.responses['200'].body.value.map(key);
    expect(ours).toEqual(expect.arrayContaining(theirs));
    // The rest: system routes to None that real NICs list and the example leaves out (127.0.0.0/8, 198.18.0.0/15...).
    const extra = ours.filter((r) => !theirs.includes(r));
    expect(extra).toContain('Default Active ["127.0.0.0/8"] None []');
    expect(extra).toContain('Default Active ["198.18.0.0/15"] None []');
    expect(extra.every((r) => /^Default Active \["[\d./]+"\] None \[\]$/u.test(r))).toBe(true);
  });
});
