// `npm run soak -- <count> [--seed N] [--from N]`: many seeded chaos scenarios on one emulator, with the
// figures of docs/robustness.md at the end. Exit code 1 when any invariant is violated; every failing seed is
// printed with the command that replays it alone.
import { startChaos } from './harness.js';
import { addOutcome, FAULT_LABELS, newTally, runScenario, type Tally } from './scenarios.js';

export const DEFAULT_FIRST_SEED = 1;

export interface SoakArgs {
  count: number;
  firstSeed: number;
}

export function parseSoakArgs(argv: readonly string[]): SoakArgs {
  let count = 1000;
  let firstSeed = DEFAULT_FIRST_SEED;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--seed' || arg === '--from') {
      const seed = Number(argv[++i]);
      if (!Number.isSafeInteger(seed)) throw new Error(`${arg}: expected an integer seed, got '${argv[i]}'`);
      firstSeed = seed;
    } else if (/^\d+$/u.test(arg)) count = Number(arg);
    else throw new Error(`unknown argument '${arg}': usage: npm run soak -- <count> [--seed N]`);
  }
  if (count < 1) throw new Error('expected a scenario count of at least 1');
  return { count, firstSeed };
}

export function formatTally(t: Tally, ms: number): string {
  const lines = [
    `scenarios: ${t.scenarios} (reconcile runs: ${t.runs}) in ${(ms / 1000).toFixed(1)} s`,
    'faults injected (requests changed), by kind:',
    ...FAULT_LABELS.map((k) => `  ${k.padEnd(24)} ${t.injected[k] ?? 0}`),
    `  ${'total'.padEnd(24)} ${Object.values(t.injected).reduce((a, b) => a + b, 0)}`,
    `faulted-run outcomes: ${Object.entries(t.faultedStatus)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
    `worst-case ARM requests in one run: ${t.maxRequestsPerRun} (seed ${t.worstSeed})`,
    `invariant violations: ${t.violations.length}`,
  ];
  return lines.join('\n');
}

export async function soak(argv: readonly string[]): Promise<number> {
  const args = parseSoakArgs(argv);
  const env = await startChaos({ lro: { inProgressPolls: 0, retryAfterSeconds: 0, autoCompleteMs: 20 } });
  const tally = newTally();
  const started = Date.now();
  const clients = env.newClients();
  try {
    for (let i = 0; i < args.count; i++) {
      const seed = args.firstSeed + i;
      const outcome = await runScenario(env, seed, clients);
      addOutcome(tally, outcome);
      for (const v of outcome.violations) console.error(`VIOLATION ${v}`);
      if (outcome.violations.length > 0) console.error(`  replay: npm run soak -- 1 --seed ${seed}`);
      if ((i + 1) % 250 === 0)
        console.log(`... ${i + 1}/${args.count} scenarios, ${tally.violations.length} violations`);
    }
  } finally {
    await env.stop();
  }
  console.log(formatTally(tally, Date.now() - started));
  if (tally.failingSeeds.length > 0) {
    console.log(`failing seeds: ${tally.failingSeeds.join(', ')}`);
    return 1;
  }
  return 0;
}
