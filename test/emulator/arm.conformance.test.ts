// Conformance (reads AZURE_REFERENCE_DIR, see test/support/reference.ts): (1) the emulator's traffic for a whole route-table lifecycle, driven by the real SDK, passes the
// official `oav validate-traffic` against the 2026-01-01 spec with zero errors; (2) the real ARM traffic recorded
// by azure-cli (test_network_route_table_operation.yaml), replayed against the emulator, gets the same status
// codes, the same LRO headers and the same body shapes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { routeTableTraffic, validateTraffic } from '../support/oav.js';
import { readReference, referencePath } from '../support/reference.js';
import { clients, FAST, RG, raw, start } from './helpers.js';

/** Shape of a JSON value: same keys recursively, values replaced by their type. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(shape);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, shape((v as Record<string, unknown>)[k])]),
    );
  return v === null ? 'null' : typeof v;
}

describe('oav validate-traffic on the emulator traffic', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await start({ captureTraffic: true });
  });
  afterAll(async () => {
    await emulator.stop();
  });

  it('the whole route-table lifecycle has zero oav errors and covers all 10 operations', async () => {
    const { network } = clients(emulator);
    const name = 'conformance-routes';
    const route = {
      addressPrefix: '10.200.5.0/24',
      nextHopType: 'VirtualAppliance',
      nextHopIpAddress: '10.240.0.25',
    } as const;
    const created = await network.routeTables.createOrUpdate(
      RG,
      name,
      { location: 'eastus2', tags: { a: 'b' }, routes: [{ name: 'r0', ...route }] },
      FAST,
    );
    await network.routeTables.createOrUpdate(
      RG,
      name,
      { ...created, disableBgpRoutePropagation: true },
      { ...FAST, requestOptions: { headers: { 'If-Match': created.etag! } } },
    );
    await network.routeTables.get(RG, name);
    for await (const _ of network.routeTables.list(RG));
    for await (const _ of network.routeTables.listAll());
    await network.routeTables.updateTags(RG, name, { tags: { owner: 'pod-routes' } });
    await network.routes.createOrUpdate(
      RG,
      name,
      'r1',
      { addressPrefix: '10.200.6.0/24', nextHopType: 'None' },
      FAST,
    );
    const r1 = await network.routes.get(RG, name, 'r1');
    await network.routes.createOrUpdate(
      RG,
      name,
      'r1',
      { ...r1, nextHopType: 'VirtualNetworkGateway' },
      FAST,
    );
    for await (const _ of network.routes.list(RG, name));
    await network.routes.delete(RG, name, 'r1', FAST);
    await expect(network.routes.get(RG, name, 'r1')).rejects.toThrow();
    await network.routeTables.delete(RG, name, FAST);
    await network.routeTables.delete(RG, name, FAST); // 204: already gone
    await expect(network.routeTables.get(RG, name)).rejects.toThrow();

    const traffic = routeTableTraffic(emulator.traffic());
    expect(traffic.length).toBeGreaterThan(12);
    const started = performance.now();
    const report = await validateTraffic(traffic, referencePath('oavRouteTableSpec'));
    const seconds = (performance.now() - started) / 1000;
    expect(report.errors, JSON.stringify(report.errors, null, 1)).toEqual([]);
    expect(report.failedOperations).toBe(0);
    expect(report.allOperations).toBe(10);
    expect(report.coveredOperations).toBe(10);
    expect(seconds).toBeLessThan(25);
  });
});

interface Interaction {
  request: { method: string; uri: string; body: string | null; headers: Record<string, string[]> };
  response: { status: { code: number }; headers: Record<string, string[]>; body: { string: string } };
}

describe('replay of real ARM traffic recorded by azure-cli', () => {
  let emulator: Emulator;
  let interactions: Interaction[];
  beforeAll(async () => {
    ({ interactions } = parse(readReference('cliRecording')) as { interactions: Interaction[] });
    // The recording starts with azure-cli's GET of its resource group: the world is that group, as recorded.
    const first = interactions[0]!;
    const subscriptionId = /\/subscriptions\/([^/]+)\//iu.exec(first.request.uri)?.[1] ?? '';
    const group = JSON.parse(first.response.body.string) as {
      name: string;
      location: string;
      tags?: Record<string, string>;
    };
    emulator = await startEmulator({
      world: {
        subscriptionId,
        resourceGroups: [{ name: group.name, location: group.location, tags: group.tags ?? {} }],
        resources: [],
      },
      lro: { inProgressPolls: 0 },
    });
  });
  afterAll(async () => {
    await emulator.stop();
  });

  it('gives the same status codes, LRO headers and body shapes for all 28 interactions', async () => {
    expect(interactions).toHaveLength(28);
    const operationUrls = new Map<string, { async?: string; location?: string }>();
    const guidOf = (url: string | undefined) =>
      url && /\/(?:operations|operationResults)\/([0-9a-f-]{36})/iu.exec(url)?.[1];
    const differences: string[] = [];
    for (const [i, it] of interactions.entries()) {
      const recorded = new URL(it.request.uri);
      let target = recorded.pathname + recorded.search;
      const opGuid = guidOf(it.request.uri);
      if (opGuid) {
        const ours = operationUrls.get(opGuid);
        const url = /operationResults/iu.test(recorded.pathname) ? ours?.location : ours?.async;
        if (!url)
          throw new Error(`interaction ${i}: no operation URL of ours for recorded operation ${opGuid}`);
        const u = new URL(url);
        target = u.pathname + u.search;
      }
      const res = await raw(emulator, it.request.method, target, {
        body: it.request.body ? JSON.parse(it.request.body) : undefined,
      });
      const recHeaders = it.response.headers;
      const recAsync = recHeaders['azure-asyncoperation']?.[0];
      const recLocation = recHeaders.location?.[0];
      const recGuid = guidOf(recAsync);
      if (recGuid)
        operationUrls.set(recGuid, {
          async: res.headers.get('azure-asyncoperation') ?? undefined,
          location: res.headers.get('location') ?? undefined,
        });
      const what = `#${i} ${it.request.method} ${recorded.pathname}`;
      if (res.status !== it.response.status.code)
        differences.push(`${what}: status ${res.status}, recorded ${it.response.status.code}`);
      for (const h of ['azure-asyncoperation', 'location', 'etag', 'azure-asyncnotification']) {
        const recordedHas = recHeaders[h] !== undefined;
        const oursHas = res.headers.get(h) !== null;
        if (recordedHas !== oursHas)
          differences.push(
            `${what}: header ${h} ${oursHas ? 'present' : 'absent'}, recorded ${recordedHas ? 'present' : 'absent'}`,
          );
      }
      void recLocation;
      const recBody = it.response.body.string ? JSON.parse(it.response.body.string) : undefined;
      if (JSON.stringify(shape(res.body)) !== JSON.stringify(shape(recBody)))
        differences.push(
          `${what}: body shape ${JSON.stringify(shape(res.body))}, recorded ${JSON.stringify(shape(recBody))}`,
        );
    }
    expect(differences).toEqual([]);
  });
});
