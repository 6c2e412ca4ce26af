// Scenario: the product keeps the route table right through the real NetworkManagementClient: long-running
// writes, ETags and If-Match, ARM validation, concurrent writes, throttling and injected faults.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { clients, FAST, RG, raw, rejection, start, TABLE } from './helpers.js';

let emulator: Emulator;
let network: ReturnType<typeof clients>['network'];

beforeAll(async () => {
  emulator = await start();
  ({ network } = clients(emulator));
});
afterAll(async () => {
  await emulator.stop();
});
beforeEach(() => {
  emulator.reset();
});

const worker = (n: number, ip = `10.240.0.${20 + n}`) => ({
  name: `kubernetes-route-10-200-${n}-0-24`,
  addressPrefix: `10.200.${n}.0/24`,
  nextHopType: 'VirtualAppliance' as const,
  nextHopIpAddress: ip,
});
const tablePath = () =>
  `/subscriptions/${emulator.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Network/routeTables/${TABLE}`;

describe('route table lifecycle', () => {
  it('creates a table (201, LRO polled to Succeeded), lists it, tags it, deletes it (202, then 204)', async () => {
    const created = await network.routeTables.createOrUpdate(
      RG,
      'extra',
      { location: 'eastus2', tags: { a: '1' }, routes: [worker(5)] },
      FAST,
    );
    expect(created.provisioningState).toBe('Succeeded');
    expect(created.routes?.[0]?.provisioningState).toBe('Succeeded');
    const put = emulator.requests().find((r) => r.method === 'PUT');
    expect(put?.status).toBe(201);
    expect(emulator.requests().filter((r) => r.lroPoll)).toHaveLength(1);

    const inGroup = [];
    for await (const t of network.routeTables.list(RG)) inGroup.push(t.name);
    expect(inGroup.sort()).toEqual(['extra', TABLE]);
    const inSub = [];
    for await (const t of network.routeTables.listAll()) inSub.push(t.name);
    expect(inSub).toHaveLength(2);

    const tagged = await network.routeTables.updateTags(RG, 'extra', { tags: { owner: 'pod-routes' } });
    expect(tagged.tags).toEqual({ owner: 'pod-routes' });
    expect(tagged.etag).not.toBe(created.etag);

    emulator.clearRequests();
    await network.routeTables.delete(RG, 'extra', FAST);
    // The SDK polls Azure-AsyncOperation to Succeeded and stops (the Location URL is not needed for a void result).
    expect(emulator.requests().map((r) => [r.method, r.status])).toEqual([
      ['DELETE', 202],
      ['GET', 200],
    ]);
    expect(emulator.getResource(`${tablePath().replace(TABLE, 'extra')}`)).toBeUndefined();
    const err = await rejection(network.routeTables.get(RG, 'extra'));
    expect(err.statusCode).toBe(404);
  });

  it('DELETE answers 202 with Azure-AsyncOperation and Location; the Location URL then answers 204', async () => {
    const del = await raw(
      emulator,
      'DELETE',
      `${tablePath()}/routes/kubernetes-route-10-200-0-0-24?api-version=2026-01-01`,
    );
    expect(del.status).toBe(202);
    expect(del.body).toBeUndefined();
    const async = new URL(del.headers.get('azure-asyncoperation')!);
    const location = new URL(del.headers.get('location')!);
    expect(location.pathname).toMatch(
      /\/providers\/Microsoft\.Network\/locations\/eastus2\/operationResults\/[0-9a-f-]{36}$/u,
    );
    expect(location.pathname.split('/').pop()).toBe(async.pathname.split('/').pop());
    expect((await raw(emulator, 'GET', async.pathname + async.search)).body).toEqual({ status: 'Succeeded' });
    const result = await raw(emulator, 'GET', location.pathname + location.search);
    expect(result.status).toBe(204);
    expect((await network.routeTables.get(RG, TABLE)).routes).toHaveLength(1);
  });

  it('answers 204 at once when deleting what does not exist', async () => {
    await network.routeTables.delete(RG, 'never-was', FAST);
    expect(emulator.requests().map((r) => r.status)).toEqual([204]);
  });

  it('updating with PUT answers 200 with provisioningState Updating until the operation succeeds', async () => {
    const res = await raw(emulator, 'PUT', `${tablePath()}?api-version=2026-01-01`, {
      body: {
        location: 'eastus2',
        properties: {
          routes: [{ name: 'r', properties: { addressPrefix: '10.9.0.0/16', nextHopType: 'None' } }],
        },
      },
    });
    expect(res.status).toBe(200);
    expect((res.body as { properties: { provisioningState: string } }).properties.provisioningState).toBe(
      'Updating',
    );
    const async = res.headers.get('azure-asyncoperation') ?? '';
    expect(async).toMatch(
      /\/providers\/Microsoft\.Network\/locations\/eastus2\/operations\/[0-9a-f-]{36}\?api-version=2026-01-01$/u,
    );
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('azure-asyncnotification')).toBe('Enabled');
    expect((await network.routeTables.get(RG, TABLE)).provisioningState).toBe('Updating');
    const poll = await raw(emulator, 'GET', new URL(async).pathname + new URL(async).search);
    expect(poll.body).toEqual({ status: 'Succeeded' });
    const after = await network.routeTables.get(RG, TABLE);
    expect(after.provisioningState).toBe('Succeeded');
    expect(after.routes?.map((r) => r.name)).toEqual(['r']);
  });

  it('reports InProgress as many times as configured before Succeeded', async () => {
    const slow = await start({ lro: { inProgressPolls: 3 } });
    try {
      const { network: n } = clients(slow);
      await n.routeTables.createOrUpdate(RG, TABLE, { location: 'eastus2', routes: [worker(0)] }, FAST);
      expect(
        slow
          .requests()
          .filter((r) => r.lroPoll)
          .map((r) => r.status),
      ).toEqual([200, 200, 200, 200]);
    } finally {
      await slow.stop();
    }
  });

  it('reads read-only fields sent back in a PUT body without complaint, and ignores subnets', async () => {
    const table = await network.routeTables.get(RG, TABLE);
    const res = await raw(emulator, 'PUT', `${tablePath()}?api-version=2026-01-01`, {
      body: {
        ...table,
        properties: {
          provisioningState: 'Succeeded',
          resourceGuid: 'x',
          subnets: [{ id: '/bogus' }],
          routes: table.routes?.map((r) => ({
            id: r.id,
            name: r.name,
            etag: r.etag,
            type: 'Microsoft.Network/routeTables/routes',
            properties: { ...r, hasBgpOverride: false, provisioningState: 'Succeeded' },
          })),
        },
      },
    });
    expect(res.status).toBe(200);
    const subnets = (res.body as { properties: { subnets: Array<{ id: string }> } }).properties.subnets;
    expect(subnets.map((s) => s.id)).toEqual([expect.stringMatching(/kubernetes-subnet$/u)]);
  });
});

describe('routes', () => {
  it('creates (201), gets, lists, updates (200) and deletes (202) a route; each write changes the table etag', async () => {
    const before = await network.routeTables.get(RG, TABLE);
    const created = await network.routes.createOrUpdate(
      RG,
      TABLE,
      'kubernetes-route-10-200-2-0-24',
      worker(2),
      FAST,
    );
    expect(created.provisioningState).toBe('Succeeded');
    expect(created.hasBgpOverride).toBe(false);
    const table = await network.routeTables.get(RG, TABLE);
    expect(table.etag).not.toBe(before.etag);
    expect(created.etag).toBe(table.etag);
    const got = await network.routes.get(RG, TABLE, 'KUBERNETES-ROUTE-10-200-2-0-24');
    expect(got.nextHopIpAddress).toBe('10.240.0.22');
    const names = [];
    for await (const r of network.routes.list(RG, TABLE)) names.push(r.name);
    expect(names).toHaveLength(3);
    emulator.clearRequests();
    const moved = await network.routes.createOrUpdate(
      RG,
      TABLE,
      'kubernetes-route-10-200-2-0-24',
      worker(2, '10.240.0.99'),
      FAST,
    );
    expect(moved.nextHopIpAddress).toBe('10.240.0.99');
    expect(emulator.requests()[0]).toMatchObject({ method: 'PUT', status: 200 });
    await network.routes.delete(RG, TABLE, 'kubernetes-route-10-200-2-0-24', FAST);
    expect((await network.routeTables.get(RG, TABLE)).routes).toHaveLength(2);
    const err = await rejection(network.routes.get(RG, TABLE, 'kubernetes-route-10-200-2-0-24'));
    expect([err.statusCode, err.code]).toEqual([404, 'NotFound']);
  });

  it('a route write on a missing table answers 404 ResourceNotFound', async () => {
    const err = await rejection(network.routes.createOrUpdate(RG, 'ghost', 'r', worker(1), FAST));
    expect(err.statusCode).toBe(404);
    expect(err.message).toContain(
      "The Resource 'Microsoft.Network/routeTables/ghost' under resource group 'kubernetes' was not found.",
    );
  });
});

describe('ETags', () => {
  it('GET returns a weak etag in body and header; If-Match with it succeeds, a stale one gives 412', async () => {
    const res = await raw(emulator, 'GET', `${tablePath()}?api-version=2026-01-01`);
    const etag = res.headers.get('etag')!;
    expect(etag).toMatch(/^W\/"[0-9a-f-]{36}"$/u);
    expect((res.body as { etag: string }).etag).toBe(etag);

    const table = await network.routeTables.get(RG, TABLE);
    const updated = await network.routeTables.createOrUpdate(
      RG,
      TABLE,
      { location: 'eastus2', routes: [...(table.routes ?? []), worker(2)] },
      { ...FAST, requestOptions: { headers: { 'If-Match': table.etag! } } },
    );
    expect(updated.routes).toHaveLength(3);
    const err = await rejection(
      network.routeTables.createOrUpdate(
        RG,
        TABLE,
        { location: 'eastus2', routes: [] },
        { ...FAST, requestOptions: { headers: { 'If-Match': table.etag! } } },
      ),
    );
    expect(err.statusCode).toBe(412);
    expect(err.code).toBe('PreconditionFailed');
    expect((await network.routeTables.get(RG, TABLE)).routes).toHaveLength(3);
  });

  it('If-None-Match: * refuses to overwrite an existing table, but creates a new one', async () => {
    const opts = { ...FAST, requestOptions: { headers: { 'If-None-Match': '*' } } };
    const err = await rejection(network.routeTables.createOrUpdate(RG, TABLE, { location: 'eastus2' }, opts));
    expect(err.statusCode).toBe(412);
    const created = await network.routeTables.createOrUpdate(RG, 'fresh', { location: 'eastus2' }, opts);
    expect(created.name).toBe('fresh');
  });
});

describe('ARM validation', () => {
  const put = (routes: unknown[]) =>
    raw(emulator, 'PUT', `${tablePath()}?api-version=2026-01-01`, {
      body: { location: 'eastus2', properties: { routes } },
    });
  const r = (name: string, addressPrefix: string, nextHopType: string, nextHopIpAddress?: string) => ({
    name,
    properties: { addressPrefix, nextHopType, ...(nextHopIpAddress ? { nextHopIpAddress } : {}) },
  });
  const error = (res: { body: unknown }) => (res.body as { error: { code: string; message: string } }).error;

  it('rejects a whole table whose routes repeat an address prefix (RouteConflict)', async () => {
    const res = await put([
      r('a', '10.200.0.0/24', 'VirtualAppliance', '10.240.0.20'),
      r('b', '10.200.0.0/24', 'VirtualAppliance', '10.240.0.21'),
    ]);
    expect(res.status).toBe(400);
    expect(error(res)).toMatchObject({
      code: 'RouteConflict',
      message: 'Route: b conflicts with Route: a. Routes cannot have the same AddressPrefix.',
    });
    expect((await network.routeTables.get(RG, TABLE)).routes).toHaveLength(2);
  });

  it('rejects a route whose prefix repeats one already in the table', async () => {
    const err = await rejection(network.routes.createOrUpdate(RG, TABLE, 'dup', worker(0), FAST));
    expect([err.statusCode, err.code]).toEqual([400, 'RouteConflict']);
  });

  it("rejects more than 1,000 routes (Azure's limit since 2026), and more than a lower configured limit", async () => {
    const many = Array.from({ length: 1001 }, (_, i) =>
      r(`r${i}`, `10.${Math.floor(i / 256)}.${i % 256}.0/24`, 'None'),
    );
    const res = await put(many);
    expect(res.status).toBe(400);
    expect(error(res).code).toBe('RouteTableRoutesLimitExceeded');
    expect(error(res).message).toContain('exceeds the limit of 1000 routes');
    expect((await put(many.slice(0, 1000))).status).toBe(200);
    // A cloud that still has the old limit of 400.
    const old = await start({ maxRoutesPerTable: 400 });
    try {
      const putOld = (routes: unknown[]) =>
        raw(old, 'PUT', `${tablePath()}?api-version=2026-01-01`, {
          body: { location: 'eastus2', properties: { routes } },
        });
      const refused = await putOld(many.slice(0, 401));
      expect(error(refused).code).toBe('RouteTableRoutesLimitExceeded');
      expect(error(refused).message).toContain('exceeds the limit of 400 routes');
      expect((await putOld(many.slice(0, 400))).status).toBe(200);
    } finally {
      await old.stop();
    }
  });

  it('rejects an invalid address prefix, naming it', async () => {
    const res = await put([r('bad', '10.200.0.0/33', 'None')]);
    expect(error(res).code).toBe('InvalidAddressPrefixFormat');
    expect(error(res).message).toContain('Address prefix 10.200.0.0/33 of resource');
  });

  it('rejects an unknown next hop type', async () => {
    const res = await put([r('bad', '10.200.0.0/24', 'Teleport')]);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('nextHopType');
  });

  it('rejects VirtualAppliance without a next hop IP, and a next hop IP for another type', async () => {
    const missing = await put([r('va', '10.200.0.0/24', 'VirtualAppliance')]);
    expect(error(missing)).toMatchObject({
      code: 'MissingNextHopIpAddress',
      message: 'NextHopIpAddress cannot be Null or Empty in route va when NextHopType is VirtualAppliance.',
    });
    const extra = await put([r('inet', '10.200.0.0/24', 'Internet', '10.240.0.20')]);
    expect(extra.status).toBe(400);
    expect(error(extra).code).toBe('NextHopIpAddressNotAllowed');
  });
});

describe('subnet association', () => {
  it('associates and dissociates the table through the subnet, reflected in the table subnets', async () => {
    const subnet = await network.subnets.get(RG, 'kubernetes-vnet', 'kubernetes-subnet');
    const dissociated = await network.subnets.createOrUpdate(
      RG,
      'kubernetes-vnet',
      'kubernetes-subnet',
      { ...subnet, routeTable: undefined },
      FAST,
    );
    expect(dissociated.routeTable).toBeUndefined();
    expect((await network.routeTables.get(RG, TABLE)).subnets).toBeUndefined();
    const table = await network.routeTables.get(RG, TABLE);
    const again = await network.subnets.createOrUpdate(
      RG,
      'kubernetes-vnet',
      'kubernetes-subnet',
      { ...subnet, routeTable: { id: table.id } },
      FAST,
    );
    expect(again.routeTable?.id).toBe(table.id);
    expect((await network.routeTables.get(RG, TABLE)).subnets).toHaveLength(1);
  });

  it('rejects a subnet that references a missing route table (InvalidResourceReference)', async () => {
    const subnet = await network.subnets.get(RG, 'kubernetes-vnet', 'kubernetes-subnet');
    const missing = `/subscriptions/${emulator.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Network/routeTables/ghost`;
    const err = await rejection(
      network.subnets.createOrUpdate(
        RG,
        'kubernetes-vnet',
        'kubernetes-subnet',
        { ...subnet, routeTable: { id: missing } },
        FAST,
      ),
    );
    expect([err.statusCode, err.code]).toEqual([400, 'InvalidResourceReference']);
    expect(err.message).toContain(`Resource ${missing} referenced by resource`);
  });

  it('refuses to delete a table still associated with a subnet', async () => {
    const err = await rejection(network.routeTables.delete(RG, TABLE, FAST));
    expect(err.statusCode).toBe(400);
  });
});

describe('NIC writes', () => {
  it('enables IP forwarding on a NIC with createOrUpdate', async () => {
    emulator.upsertResource(
      {
        ...emulator.getResource(
          `/subscriptions/${emulator.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Network/networkInterfaces/worker-0-nic`,
        )!,
        properties: {
          ...(emulator.getResource(
            `/subscriptions/${emulator.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Network/networkInterfaces/worker-0-nic`,
          )!.properties as object),
          enableIPForwarding: false,
        },
      },
      { emitEvent: false },
    );
    const nic = await network.networkInterfaces.get(RG, 'worker-0-nic');
    expect(nic.enableIPForwarding).toBe(false);
    const updated = await network.networkInterfaces.createOrUpdate(
      RG,
      'worker-0-nic',
      { ...nic, enableIPForwarding: true },
      FAST,
    );
    expect(updated.enableIPForwarding).toBe(true);
    expect(updated.provisioningState).toBe('Succeeded');
    expect(updated.ipConfigurations?.[0]?.privateIPAddress).toBe('10.240.0.20');
  });
});

describe('VM writes', () => {
  it('updates a VM through compute createOrUpdate (LRO on the compute operations URL) and emits its write event', async () => {
    const { compute } = clients(emulator);
    const vm = await compute.virtualMachines.get(RG, 'worker-1');
    const updated = await compute.virtualMachines.createOrUpdate(
      RG,
      'worker-1',
      { ...vm, tags: { ...vm.tags, 'pod-cidr': '10.200.11.0/24' } },
      FAST,
    );
    expect(updated.tags?.['pod-cidr']).toBe('10.200.11.0/24');
    expect(updated.provisioningState).toBe('Succeeded');
    expect(updated.etag).not.toBe(vm.etag);
    const poll = emulator.requests().find((r) => r.lroPoll);
    expect(poll?.path).toMatch(/\/providers\/Microsoft\.Compute\/locations\/eastus2\/operations\//u);
    expect(emulator.events.map((e) => e.data.operationName)).toEqual([
      'Microsoft.Compute/virtualMachines/write',
    ]);
  });
});

describe('concurrency and throttling', () => {
  it('a write while an earlier write on the table is in progress gets 429 RetryableErrorDueToAnotherOperation', async () => {
    const first = await raw(emulator, 'PUT', `${tablePath()}/routes/x?api-version=2026-01-01`, {
      body: { properties: { addressPrefix: '10.9.0.0/16', nextHopType: 'None' } },
    });
    expect(first.status).toBe(201);
    const second = await raw(emulator, 'PUT', `${tablePath()}?api-version=2026-01-01`, {
      body: { location: 'eastus2' },
    });
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toBe('0');
    expect(second.body).toMatchObject({
      error: { code: 'RetryableError', details: [{ code: 'RetryableErrorDueToAnotherOperation' }] },
    });
    const async = new URL(first.headers.get('azure-asyncoperation')!);
    await raw(emulator, 'GET', async.pathname + async.search);
    const third = await raw(emulator, 'PUT', `${tablePath()}?api-version=2026-01-01`, {
      body: { location: 'eastus2' },
    });
    expect(third.status).toBe(200);
  });

  it('the SDK retries a 429 with Retry-After (injected twice) and then succeeds', async () => {
    emulator.faults.add({
      method: 'PUT',
      path: 'routeTables',
      status: 429,
      headers: { 'Retry-After': '0' },
      times: 2,
      error: { code: 'TooManyRequests', message: 'throttled' },
    });
    const t = await network.routeTables.createOrUpdate(
      RG,
      TABLE,
      { location: 'eastus2', routes: [worker(0)] },
      FAST,
    );
    expect(t.provisioningState).toBe('Succeeded');
    expect(
      emulator
        .requests()
        .filter((r) => r.method === 'PUT')
        .map((r) => r.status),
    ).toEqual([429, 429, 200]);
  });

  it('ARM subscription token buckets drive the remaining-reads header and, when enforced, throttle with 429', async () => {
    const limited = await start({ throttle: { enforce: true, reads: { burst: 3, perSecond: 0.5 } } });
    try {
      const path = `/subscriptions/${limited.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Network/routeTables/${TABLE}?api-version=2026-01-01`;
      const remaining = [];
      for (let i = 0; i < 3; i++)
        remaining.push(
          (await raw(limited, 'GET', path)).headers.get('x-ms-ratelimit-remaining-subscription-reads'),
        );
      expect(remaining).toEqual(['2', '1', '0']);
      const throttled = await raw(limited, 'GET', path);
      expect(throttled.status).toBe(429);
      expect(throttled.headers.get('retry-after')).toBe('2');
      expect(throttled.body).toMatchObject({ error: { code: 'SubscriptionRequestsThrottled' } });
      expect((throttled.body as { error: { message: string } }).error.message).toMatch(
        /^Number of 'read' requests for subscription '.*' actor '.*' exceeded\. Please try again after '2' seconds/u,
      );
    } finally {
      await limited.stop();
    }
  });

  it('a 500 fault surfaces as a RestError with the injected ARM error', async () => {
    emulator.faults.add({
      method: 'GET',
      pathRegex: 'virtualNetworks/kubernetes-vnet$',
      status: 500,
      error: { code: 'InternalServerError', message: 'boom' },
    });
    const err = await rejection(
      network.virtualNetworks.get(RG, 'kubernetes-vnet', { retryOptions: { maxRetries: 0 } } as never),
    );
    expect(err.statusCode).toBe(500);
  });
});

describe('injected faults', () => {
  it('an LRO that ends Failed reports the error and leaves the table Failed', async () => {
    emulator.faults.add({ kind: 'lroFail', method: 'PUT', path: TABLE, times: 1 });
    await expect(
      network.routeTables.createOrUpdate(RG, TABLE, { location: 'eastus2', routes: [] }, FAST),
    ).rejects.toThrow('The long-running operation has failed. InternalServerError. An error occurred.');
    const table = await network.routeTables.get(RG, TABLE);
    expect(table.provisioningState).toBe('Failed');
    expect(table.routes).toHaveLength(2);
  });

  it('an external writer changes the table between our read and our write, so If-Match gives 412', async () => {
    emulator.faults.add({
      kind: 'externalWrite',
      method: 'PUT',
      path: TABLE,
      times: 1,
      externalWrite: {
        addRoutes: [{ name: 'manual', properties: { addressPrefix: '192.168.0.0/16', nextHopType: 'None' } }],
      },
    });
    const table = await network.routeTables.get(RG, TABLE);
    const err = await rejection(
      network.routeTables.createOrUpdate(
        RG,
        TABLE,
        { location: 'eastus2', routes: table.routes },
        {
          ...FAST,
          requestOptions: { headers: { 'If-Match': table.etag! } },
        },
      ),
    );
    expect(err.statusCode).toBe(412);
    const now = await network.routeTables.get(RG, TABLE);
    expect(now.routes?.map((r) => r.name)).toContain('manual');
  });

  it('a dropped connection surfaces as a network error', async () => {
    emulator.faults.add({ kind: 'drop', method: 'GET', path: 'routeTables', times: 5 });
    await expect(
      network.routeTables.get(RG, TABLE, { retryOptions: { maxRetries: 0 } } as never),
    ).rejects.toThrow();
    expect(emulator.requests()[0]).toMatchObject({ status: 0, fault: 'drop' });
  });

  it('added latency and seeded probability are honoured', async () => {
    emulator.faults.add({ kind: 'latency', method: 'GET', path: TABLE, latencyMs: 60, times: 1 });
    await network.routeTables.get(RG, TABLE);
    expect(emulator.requests()[0]!.ms).toBeGreaterThanOrEqual(55);
    emulator.faults.clear();
    emulator.faults.add({ method: 'GET', path: 'resourcegroups', status: 503, probability: 0.5, seed: 7 });
    const statuses = [];
    for (let i = 0; i < 20; i++)
      statuses.push(
        (
          await raw(
            emulator,
            'GET',
            `/subscriptions/${emulator.subscriptionId}/resourcegroups/kubernetes?api-version=2024-11-01`,
          )
        ).status,
      );
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(3);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(3);
  });

  it('admin endpoints add and clear faults, list requests and reset', async () => {
    const add = await raw(emulator, 'POST', '/_emulator/faults', {
      body: { method: 'PUT', path: 'routeTables', status: 429, headers: { 'Retry-After': '1' }, times: 2 },
    });
    expect(add.status).toBe(201);
    expect(
      (await raw(emulator, 'PUT', `${tablePath()}?api-version=2026-01-01`, { body: { location: 'eastus2' } }))
        .status,
    ).toBe(429);
    expect((await raw(emulator, 'DELETE', '/_emulator/faults')).status).toBe(204);
    expect(
      (await raw(emulator, 'PUT', `${tablePath()}?api-version=2026-01-01`, { body: { location: 'eastus2' } }))
        .status,
    ).toBe(200);
    const log = await raw(emulator, 'GET', '/_emulator/requests');
    expect(log.body).toEqual([
      { method: 'PUT', path: tablePath(), status: 429, ms: expect.any(Number) },
      { method: 'PUT', path: tablePath(), status: 200, ms: expect.any(Number) },
    ]);
    expect((await raw(emulator, 'POST', '/_emulator/reset')).status).toBe(204);
    expect(emulator.requests()).toEqual([]);
    expect((await network.routeTables.get(RG, TABLE)).provisioningState).toBe('Succeeded');
    const bad = await raw(emulator, 'POST', '/_emulator/faults', { body: { kind: 'status' } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain("needs a 'status'");
  });
});
