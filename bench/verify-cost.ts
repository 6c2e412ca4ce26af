// The cost of one `verify` run in ARM requests (the figure that matters: each checked NIC costs one POST and its
// polls), for all workers and for a Functions-sized sample, on the synthetic cluster with the bench's latency
// model. Requests are counted from the emulator's log, not from our own counters. Wall time is informational
// (the emulator runs in this process here).
import { createArmClients } from '../src/azure/clients.js';
import type { LatencyModel, LroSettings } from '../src/emulator/arm.js';
import { startEmulator } from '../src/emulator/index.js';
import { verify } from '../src/verify.js';
import { benchConfig, makeWorld } from './world.js';

export interface VerifyCostRow {
  workers: number;
  checked: 'all' | number;
  status: string;
  /** From the emulator's request log. */
  reads: number;
  posts: number;
  polls: number;
  total: number;
  /** Requests per checked NIC beyond the 2 list reads. */
  perNic: number;
  wallMs: number;
}

export async function verifyCost(options: {
  quick: boolean;
  latency: LatencyModel;
  lro: Partial<LroSettings>;
  pollIntervalMs: number;
  pageSize: number;
}): Promise<VerifyCostRow[]> {
  const rows: VerifyCostRow[] = [];
  const cases: Array<[number, 'all' | number]> = options.quick
    ? [
        [10, 'all'],
        [10, 2],
      ]
    : [
        [10, 'all'],
        [50, 'all'],
        [50, 2],
      ];
  for (const [n, checked] of cases) {
    const emulator = await startEmulator({
      world: makeWorld(n, 0),
      latency: options.latency,
      lro: options.lro,
      pageSize: options.pageSize,
    });
    try {
      const config = benchConfig(emulator.endpoint, emulator.caFile);
      const clients = createArmClients(config, { pollIntervalMs: options.pollIntervalMs });
      emulator.clearRequests();
      const started = performance.now();
      const result = await verify({ config, trigger: 'cli', workers: checked, clients });
      const wallMs = Math.round(performance.now() - started);
      const log = emulator.requests();
      const posts = log.filter((e) => e.method === 'POST').length;
      const polls = log.filter((e) => e.lroPoll).length;
      const reads = log.length - posts - polls;
      rows.push({
        workers: n,
        checked,
        status: result.status,
        reads,
        posts,
        polls,
        total: log.length,
        perNic: posts === 0 ? 0 : Math.round(((posts + polls) / posts) * 100) / 100,
        wallMs,
      });
    } finally {
      await emulator.stop();
    }
  }
  return rows;
}
