// One reconcile in a fresh process: the engine ("ours") or the naive baseline, against an emulator running in
// another process. Reports wall time, CPU time (process.cpuUsage delta around the reconcile), the process's
// peak RSS (resourceUsage().maxRSS: includes Node and the loaded SDKs), and the run's ARM request counts.
import { createArmClients } from '../src/azure/clients.js';
import { reconcile } from '../src/reconcile.js';
import { naiveReconcile } from './naive.js';
import { benchConfig, workerName } from './world.js';

export interface ScenarioInput {
  mode: 'ours' | 'naive';
  endpoint: string;
  caFile: string;
  n: number;
  pollIntervalMs: number;
}

export interface ScenarioOutput {
  mode: 'ours' | 'naive';
  wallMs: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  rssBeforeMb: number;
  peakRssMb: number;
  reads: number;
  writes: number;
  polls: number;
  throttled: number;
  conflicts: number;
  status: string;
  /** The dry-run reconcile before the measured one (cold TLS and code): its wall time and requests. */
  warmUp: { wallMs: number; requests: number };
  driftFound?: number;
  repaired?: number;
  error?: string;
}

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2] ?? '{}') as ScenarioInput;
  const config = benchConfig(input.endpoint, input.caFile);
  const clients = createArmClients(config, { pollIntervalMs: input.pollIntervalMs });
  // Warm-up: one dry-run reconcile (the same reads, no write) opens the TLS connections and loads the code
  // paths, as on a Functions instance that has run before. Both ways get it; its requests are reported apart.
  const warm = await reconcile({ config, trigger: 'cli', clients, dryRun: true });
  const warmUp = { wallMs: warm.durationMs, requests: warm.arm.reads + warm.arm.writes + warm.arm.polls };
  const rssBefore = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let out: Omit<
    ScenarioOutput,
    'wallMs' | 'cpuUserMs' | 'cpuSystemMs' | 'rssBeforeMb' | 'peakRssMb' | 'warmUp'
  >;
  if (input.mode === 'ours') {
    const result = await reconcile({ config, trigger: 'timer', clients });
    out = {
      mode: 'ours',
      ...result.arm,
      status: result.status,
      driftFound: result.plan.drift.length,
      repaired: result.repaired.length,
      ...(result.error ? { error: result.error.message } : {}),
    };
  } else {
    const workers = Array.from({ length: input.n }, (_, i) => workerName(i));
    const naive = await naiveReconcile(clients, config, workers);
    out = { mode: 'naive', ...naive.arm, status: 'done', repaired: naive.puts + naive.deletes };
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const result: ScenarioOutput = {
    ...out,
    wallMs,
    cpuUserMs: cpu.user / 1000,
    cpuSystemMs: cpu.system / 1000,
    rssBeforeMb: rssBefore / 2 ** 20,
    warmUp,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
  process.send?.({ type: 'result', result }, () => process.exit(0));
}

main().catch((error: unknown) => {
  process.send?.(
    { type: 'error', error: error instanceof Error ? (error.stack ?? error.message) : String(error) },
    () => process.exit(1),
  );
});
