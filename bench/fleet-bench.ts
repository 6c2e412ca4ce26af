// `npm run bench -- fleet`: one timer tick over fleets of C clusters of N workers (every table empty: each table
// needs its one write) in one subscription and over four, and one tick of one large cluster (1,000 workers in four
// subnets over two regions: two tables, two peered vnets), under Azure's token buckets (the emulator enforces
// them; the engine paces itself) on the default latency model. The emulator runs in this process (its latency is
// timers, not CPU). Per tick: wall time against the physical minimum under the buckets, requests per cluster
// against the design minimum, peak concurrent requests and 429s (both from the emulator's request log), peak
// RSS (each tick in a fresh process: the emulator, its world and the engine); for the large cluster, whether its
// two tables were written in parallel. The checks are asserted: a run that misses one exits 1. Results: bench/fleet-results.json (and docs/performance.md by hand).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createArmClients } from '../src/azure/clients.js';
import {
  makeFleetFile,
  makeFleetWorld,
  makeLargeClusterFile,
  makeLargeClusterWorld,
} from '../src/cli/fleet-world.js';
import { startEmulator } from '../src/emulator/index.js';
import type { WorldFile } from '../src/emulator/world.js';
import { loadFleet } from '../src/fleet/load.js';
import { runFleet } from '../src/fleet/runner.js';
import type { FleetFile } from '../src/fleet/schema.js';
import { reconcile } from '../src/reconcile.js';
import { fleetChecks, peakConcurrent, tableWrites, type WriteOverlap } from './fleet-checks.js';
import {
  CLUSTER_MINIMUM_FORMULA,
  CLUSTER_WALL_FORMULA,
  clusterMinimum,
  DESIGN_MINIMUM_FORMULA,
  minimumFor,
  PHYSICAL_WALL_FORMULA,
} from './minimum.js';
import { repoRoot } from './options.js';

const LATENCY = { readMs: 40, writeMs: 80, lroMs: 1000 };
const READ_BUCKET = { burst: 250, perSecond: 25 };
const PAGE_SIZE = 100;

export interface FleetFigure {
  shape: string;
  clusters: number;
  workersPerCluster: number;
  subscriptions: number;
  /** Route tables per cluster (each needs its one write). */
  tablesPerCluster: number;
  converged: number;
  wallMs: number;
  physicalMinimumMs: number;
  requestsPerCluster: number;
  designMinimumPerCluster: number;
  requestsOverMinimum: number;
  /** Most requests the emulator was serving at once (arrival to answer, LRO polls included). */
  peakConcurrentRequests: number;
  throttled429: number;
  peakRssMb: number;
  /** The large cluster: each table's write (PUT arrival to the end of the last read of that table after it). */
  tableWrites?: WriteOverlap;
}

interface TickSpec {
  shape: string;
  clusters: number;
  workersPerCluster: number;
  subscriptions: number;
  tablesPerCluster: number;
  world: WorldFile;
  file: FleetFile;
  designMinimumPerCluster: number;
  physicalMinimumMs: number;
}

async function tick(spec: TickSpec): Promise<FleetFigure> {
  const emulator = await startEmulator({
    world: spec.world,
    latency: LATENCY,
    pageSize: PAGE_SIZE,
    lro: { inProgressPolls: 0, retryAfterSeconds: 1 },
  });
  const file = JSON.stringify(spec.file);
  const env = {
    CLUSTERS_FILE: 'clusters.json',
    ARM_ENDPOINT: emulator.endpoint,
    ARM_CA_FILE: emulator.caFile,
  };
  const fleet = loadFleet(env, () => file);
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 50);
  const started = performance.now();
  const outcomes = await runFleet({
    clusters: fleet,
    timeoutMs: 240_000,
    run: ({ config }, budget) =>
      reconcile({ config, trigger: 'timer', clients: createArmClients(config), signal: budget.signal }),
  });
  const wallMs = Math.round(performance.now() - started);
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const log = emulator.requests();
  await emulator.stop();
  const results = outcomes.flatMap((o) => (o.status === 'done' ? [o.result] : []));
  const requests = results.reduce((n, r) => n + r.arm.reads + r.arm.writes, 0);
  const requestsPerCluster = Math.round((requests / Math.max(1, results.length)) * 100) / 100;
  const { world: _world, file: _file, ...shape } = spec;
  return {
    ...shape,
    converged: results.filter((r) => r.status === 'Repaired').length,
    wallMs,
    requestsPerCluster,
    requestsOverMinimum: Math.round((requestsPerCluster / spec.designMinimumPerCluster) * 100) / 100,
    peakConcurrentRequests: peakConcurrent(log),
    throttled429: log.filter((r) => r.status === 429).length,
    peakRssMb: Math.round(peakRss / 2 ** 20),
    ...(spec.tablesPerCluster > 1 ? { tableWrites: tableWrites(log) } : {}),
  };
}

/** C clusters of N workers over S subscriptions (one table, one subnet each). */
function smallClusters(clusters: number, workers: number, subscriptions: number): TickSpec {
  const shape = { clusters, workersPerCluster: workers, subscriptions };
  const minimum = minimumFor(workers, workers, 0, PAGE_SIZE, LATENCY);
  // Per subscription, the reads beyond the burst come at the refill rate; a cluster takes its own minimum wall.
  const readsPerSubscription = Math.ceil(clusters / subscriptions) * minimum.reads;
  const bucketMs = (Math.max(0, readsPerSubscription - READ_BUCKET.burst) / READ_BUCKET.perSecond) * 1000;
  return {
    shape: `${clusters} x ${workers}, ${subscriptions} subscription${subscriptions > 1 ? 's' : ''}`,
    ...shape,
    tablesPerCluster: 1,
    world: makeFleetWorld(shape),
    file: makeFleetFile(shape),
    designMinimumPerCluster: minimum.requests,
    physicalMinimumMs: Math.round(Math.max(minimum.wallMs, bucketMs)),
  };
}

/** One cluster of N workers: two worker groups (a region each), two vnets, two tables of two subnets each. */
function largeCluster(workers: number): TickSpec {
  const perRegion = Math.ceil(workers / 2);
  const minimum = clusterMinimum(
    { workerGroups: [perRegion, workers - perRegion], vnets: 2, subnetsPerTable: [2, 2], tablesDrifted: 2 },
    PAGE_SIZE,
    LATENCY,
  );
  return {
    shape: `1 x ${workers}: 4 subnets, 2 regions, 2 tables`,
    clusters: 1,
    workersPerCluster: workers,
    subscriptions: 1,
    tablesPerCluster: 2,
    world: makeLargeClusterWorld(workers),
    file: makeLargeClusterFile(),
    designMinimumPerCluster: minimum.requests,
    physicalMinimumMs: minimum.wallMs,
  };
}

function gitCommit(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: repoRoot,
      encoding: 'utf8',
    }).trim();
    return dirty ? `${commit} (dirty tree)` : commit;
  } catch {
    return 'unknown';
  }
}

function specsFrom(argv: string[]): TickSpec[] {
  const { values } = parseArgs({
    args: argv.filter((a) => a !== 'fleet'),
    options: {
      clusters: { type: 'string', default: '1,10,100' },
      workers: { type: 'string', default: '50' },
      subscriptions: { type: 'string', default: '1,4' },
      large: { type: 'string', default: '1000' },
    },
  });
  const specs: TickSpec[] = [];
  for (const subscriptions of values.subscriptions.split(',').map(Number))
    for (const clusters of values.clusters.split(',').map(Number))
      if (subscriptions <= clusters)
        specs.push(smallClusters(clusters, Number(values.workers), subscriptions));
  const large = Number(values.large);
  if (large > 0) specs.push(largeCluster(large));
  return specs;
}

/** Tick `index` in a fresh process (this bundle with `--tick index`), so that its peak RSS is its own. */
function tickInFreshProcess(argv: string[], index: number): FleetFigure {
  const out = execFileSync(process.execPath, [process.argv[1]!, ...argv, '--tick', String(index)], {
    cwd: repoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 2 ** 24,
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as FleetFigure;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const only = argv.indexOf('--tick');
  const specs = specsFrom(only < 0 ? argv : argv.slice(0, only));
  if (only >= 0) {
    process.stdout.write(`${JSON.stringify(await tick(specs[Number(argv[only + 1])]!))}\n`);
    return;
  }
  const loadAverageAtStart = os.loadavg().map((x) => Math.round(x * 100) / 100);
  const date = new Date().toISOString();
  const figures: FleetFigure[] = [];
  for (const [index] of specs.entries()) {
    const figure = tickInFreshProcess(argv, index);
    figures.push(figure);
    process.stdout.write(`${JSON.stringify(figure)}\n`);
  }
  const checks = fleetChecks(figures);
  const results = {
    date,
    commit: gitCommit(),
    machine: {
      cpus: os.cpus().length,
      loadAverageAtStart,
      loadAverageAtEnd: os.loadavg().map((x) => Math.round(x * 100) / 100),
    },
    model: { latency: LATENCY, pageSize: PAGE_SIZE, readBucket: READ_BUCKET },
    formulas: {
      designMinimum: DESIGN_MINIMUM_FORMULA,
      physicalMinimumWall: `${PHYSICAL_WALL_FORMULA}; a fleet in one subscription: at least (C x reads - burst) / refill`,
      clusterDesignMinimum: CLUSTER_MINIMUM_FORMULA,
      clusterPhysicalMinimumWall: CLUSTER_WALL_FORMULA,
    },
    figures,
    checks,
  };
  writeFileSync(join(repoRoot, 'bench', 'fleet-results.json'), `${JSON.stringify(results, null, 2)}\n`);
  for (const c of checks) process.stdout.write(`${c.pass ? 'PASS' : 'FAIL'} ${c.check}: ${c.measured}\n`);
  if (checks.some((c) => !c.pass)) throw new Error('a fleet check failed (see above)');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`fleet bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
