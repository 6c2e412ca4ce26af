// The bench's command line (`npm run bench -- --quick --read-ms 40 ...`) and where it runs from.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { LatencyModel } from '../src/emulator/arm.js';

/** The directory of the bundled runner (tmp/bench/), where the children's bundles are too. */
export const bundleDir = dirname(fileURLToPath(import.meta.url));
/** The repository: two levels up from tmp/bench/, one from bench/ when run unbundled. */
export const repoRoot = existsSync(join(bundleDir, '..', 'package.json'))
  ? join(bundleDir, '..')
  : join(bundleDir, '..', '..');

export interface BenchOptions {
  quick: boolean;
  latency: LatencyModel;
  /** The emulator's long-running operations: done at the first poll, after `Retry-After: 1`. */
  lro: { inProgressPolls: number; retryAfterSeconds: number };
  pollIntervalMs: number;
  pageSize: number;
  naiveBudgetMs: number;
  /** Where results.json goes. */
  out: string;
  /** The documented model (40/80/1000 ms, 1 s polls): the only one the latency targets are judged on. */
  defaultModel: boolean;
}

export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values: args } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      'read-ms': { type: 'string', default: '40' },
      'write-ms': { type: 'string', default: '80' },
      'lro-ms': { type: 'string', default: '1000' },
      'poll-ms': { type: 'string', default: '1000' },
      'page-size': { type: 'string', default: '100' },
      'naive-budget-s': { type: 'string', default: '90' },
      out: { type: 'string', default: join(repoRoot, 'bench', 'results.json') },
    },
    strict: true,
  });
  const latency = {
    readMs: Number(args['read-ms']),
    writeMs: Number(args['write-ms']),
    lroMs: Number(args['lro-ms']),
  };
  const pollIntervalMs = Number(args['poll-ms']);
  return {
    quick: args.quick === true,
    latency,
    lro: { inProgressPolls: 0, retryAfterSeconds: 1 },
    pollIntervalMs,
    pageSize: Number(args['page-size']),
    naiveBudgetMs: Number(args['naive-budget-s']) * 1000,
    out: String(args.out),
    defaultModel:
      latency.readMs === 40 && latency.writeMs === 80 && latency.lroMs === 1000 && pollIntervalMs === 1000,
  };
}
