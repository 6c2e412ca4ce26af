// `npm run bench -- fleet`: one timer tick over fleets of C clusters of N workers (every table empty: each cluster
// needs its one write) in one subscription and over four, under Azure's token buckets (the emulator enforces
// them; the engine paces itself) on the default latency model. The emulator runs in this process (its latency is
// timers, not CPU). Per tick: wall time against the physical minimum under the buckets, requests per cluster
// against the design minimum, 429s, peak RSS. Results: bench/fleet-results.json (and docs/performance.md by hand).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createArmClients } from '../src/azure/clients.js';
import { makeFleetFile, makeFleetWorld } from '../src/cli/fleet-world.js';
import { startEmulator } from '../src/emulator/index.js';
import { loadFleet } from '../src/fleet/load.js';
import { runFleet } from '../src/fleet/runner.js';
import { reconcile } from '../src/reconcile.js';
import { minimumFor } from './minimum.js';
import { repoRoot } from './options.js';

const LATENCY = { readMs: 40, writeMs: 80, lroMs: 1000 };
const READ_BUCKET = { burst: 250, perSecond: 25 };

interface FleetFigure {
  clusters: number;
  workersPerCluster: number;
  subscriptions: number;
  converged: number;
  wallMs: number;
  physicalMinimumMs: number;
  requestsPerCluster: number;
  designMinimumPerCluster: number;
  throttled429: number;
  peakRssMb: number;
}

async function tick(clusters: number, workers: number, subscriptions: number): Promise<FleetFigure> {
  const shape = { clusters, workersPerCluster: workers, subscriptions };
  const emulator = await startEmulator({
    world: makeFleetWorld(shape),
    latency: LATENCY,
    lro: { inProgressPolls: 0, retryAfterSeconds: 1 },
  });
  const file = JSON.stringify(makeFleetFile(shape));
  const env = {
    CLUSTERS_FILE: 'clusters.json',
    ARM_ENDPOINT: emulator.endpoint,
    ARM_CA_FILE: emulator.caFile,
  };
  const fleet = loadFleet(env, () => file);
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 100);
  const started = performance.now();
  const outcomes = await runFleet({
    clusters: fleet,
    timeoutMs: 240_000,
    run: ({ config }, budget) =>
      reconcile({ config, trigger: 'timer', clients: createArmClients(config), signal: budget.signal }),
  });
  const wallMs = Math.round(performance.now() - started);
  clearInterval(sampler);
  const results = outcomes.flatMap((o) => (o.status === 'done' ? [o.result] : []));
  const requests = results.reduce((n, r) => n + r.arm.reads + r.arm.writes, 0);
  const minimum = minimumFor(workers, workers, 0, 100, LATENCY);
  // Per subscription, the reads beyond the burst come at the refill rate; a cluster takes its own minimum wall.
  const readsPerSubscription = Math.ceil(clusters / subscriptions) * minimum.reads;
  const bucketMs = (Math.max(0, readsPerSubscription - READ_BUCKET.burst) / READ_BUCKET.perSecond) * 1000;
  const figure: FleetFigure = {
    clusters,
    workersPerCluster: workers,
    subscriptions,
    converged: results.filter((r) => r.status === 'Repaired').length,
    wallMs,
    physicalMinimumMs: Math.round(Math.max(minimum.wallMs, bucketMs)),
    requestsPerCluster: Math.round((requests / Math.max(1, results.length)) * 100) / 100,
    designMinimumPerCluster: minimum.requests,
    throttled429: emulator.requests().filter((r) => r.status === 429).length,
    peakRssMb: Math.round(peakRss / 2 ** 20),
  };
  await emulator.stop();
  return figure;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((a) => a !== 'fleet'),
    options: {
      clusters: { type: 'string', default: '1,10,100' },
      workers: { type: 'string', default: '50' },
      subscriptions: { type: 'string', default: '1,4' },
    },
  });
  const figures: FleetFigure[] = [];
  for (const subscriptions of values.subscriptions.split(',').map(Number))
    for (const clusters of values.clusters.split(',').map(Number)) {
      if (subscriptions > clusters) continue;
      const figure = await tick(clusters, Number(values.workers), subscriptions);
      figures.push(figure);
      process.stdout.write(`${JSON.stringify(figure)}\n`);
    }
  writeFileSync(join(repoRoot, 'bench', 'fleet-results.json'), `${JSON.stringify(figures, null, 2)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`fleet bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
