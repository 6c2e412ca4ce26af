// One cluster over four subnets in two regions (a vnet and a route table per region, the vnets peered): the bench's
// large cluster (src/cli/fleet-world.ts) at 40 workers. One run writes both tables in parallel, as the emulator's
// request log shows, with the design minimum of requests; the log figures the fleet bench asserts on
// (bench/fleet-checks.ts) read overlapping and sequential writes as such.
import { afterEach, describe, expect, it } from 'vitest';
import { fleetChecks, peakConcurrent, tableWrites } from '../../bench/fleet-checks.js';
import { clusterMinimum } from '../../bench/minimum.js';
import { createArmClients } from '../../src/azure/clients.js';
import { makeLargeClusterFile, makeLargeClusterWorld } from '../../src/cli/fleet-world.js';
import { type Emulator, type RequestLogEntry, startEmulator } from '../../src/emulator/index.js';
import { loadFleet } from '../../src/fleet/load.js';
import { reconcile } from '../../src/reconcile.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});

const entry = (startedMs: number, ms: number, method = 'GET', path = '/x'): RequestLogEntry => ({
  method,
  path,
  status: 200,
  ms,
  startedMs,
  lroPoll: false,
});
const TABLES = '/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/routeTables';

describe('the large cluster: 40 workers, four subnets, two regions, two tables', () => {
  it('one run writes both tables in parallel, every worker routed in each, with the design minimum of requests', async () => {
    // Operations of 300 ms, so that two writes one after the other could not overlap.
    emulator = await startEmulator({
      world: makeLargeClusterWorld(40),
      latency: { readMs: 5, writeMs: 10, lroMs: 300 },
      lro: { inProgressPolls: 0, retryAfterSeconds: 1 },
    });
    const file = JSON.stringify(makeLargeClusterFile());
    const env = { CLUSTERS_FILE: 'c.json', ARM_ENDPOINT: emulator.endpoint, ARM_CA_FILE: emulator.caFile };
    const [cluster] = loadFleet(env, () => file);
    const config = cluster!.config;
    const clients = createArmClients(config, { pollIntervalMs: 50 });
    const result = await reconcile({ config, trigger: 'timer', clients });
    expect(result.status).toBe('Repaired');
    expect(result.tables?.map((t) => [t.routeTable.name, t.after.length])).toEqual([
      ['large-east-routes', 40],
      ['large-west-routes', 40],
    ]);
    expect(result.peerings).toEqual([]);
    const minimum = clusterMinimum(
      { workerGroups: [20, 20], vnets: 2, subnetsPerTable: [2, 2], tablesDrifted: 2 },
      100,
      { readMs: 5, writeMs: 10, lroMs: 300 },
    );
    expect(result.arm.reads + result.arm.writes).toBe(minimum.requests);
    const writes = tableWrites(emulator.requests());
    expect(writes.writes.map((w) => w.table)).toHaveLength(2);
    expect(writes.overlapMs).toBeGreaterThan(0);
  });
});

describe("what the fleet bench reads off the emulator's log", () => {
  it('peak concurrency: the most requests in flight at one instant; one answered as another arrives is over', () => {
    expect(peakConcurrent([entry(0, 10), entry(5, 10), entry(8, 1), entry(15, 5)])).toBe(3);
    expect(peakConcurrent([entry(0, 10), entry(10, 10), entry(20, 10)])).toBe(1);
    expect(peakConcurrent([])).toBe(0);
  });

  it('two table writes one after the other do not overlap, and the check says so', () => {
    const log = [
      entry(0, 80, 'PUT', `${TABLES}/east`),
      entry(1100, 40, 'GET', `${TABLES}/east`),
      entry(1200, 80, 'PUT', `${TABLES}/west`),
      entry(2300, 40, 'GET', `${TABLES}/west`),
    ];
    const sequential = tableWrites(log);
    expect(sequential.writes.map((w) => [w.table, w.putAt, w.doneAt])).toEqual([
      ['east', 0, 1140],
      ['west', 1200, 2340],
    ]);
    expect(sequential.overlapMs).toBe(0);
    const figure = {
      shape: 'large',
      clusters: 1,
      tablesPerCluster: 2,
      converged: 1,
      wallMs: 2400,
      requestsOverMinimum: 1,
      throttled429: 0,
    };
    const failed = fleetChecks([{ ...figure, tableWrites: sequential }]).filter((c) => !c.pass);
    expect(failed.map((c) => c.check)).toEqual([
      "large: the 2 tables written in parallel (their writes overlap in the emulator's log)",
    ]);
    const together = tableWrites([
      entry(0, 80, 'PUT', `${TABLES}/east`),
      entry(30, 80, 'PUT', `${TABLES}/west`),
      entry(1100, 40, 'GET', `${TABLES}/east`),
      entry(1130, 40, 'GET', `${TABLES}/west`),
    ]);
    expect([together.overlapMs, together.putOverlapMs]).toEqual([1110, 50]);
    expect(fleetChecks([{ ...figure, tableWrites: together }]).every((c) => c.pass)).toBe(true);
  });
});
