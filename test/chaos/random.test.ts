// Seeded randomized chaos: 500 scenarios of random starting drift × random fault rules, each a faulted
// reconcile followed by clean ones that must converge within 3 runs, every run checked against the invariants
// (test/chaos/harness.ts checkRun). One emulator for the file, reset between scenarios. A failing seed is
// printed with the command that replays it: `npm run soak -- 1 --seed N`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArmClients } from '../../src/azure/clients.js';
import { type ChaosEnv, startChaos } from './harness.js';
import { addOutcome, FAULT_LABELS, newTally, runScenario } from './scenarios.js';
import { formatTally } from './soak-main.js';
import { FAST_CHAOS_LRO } from './use-chaos.js';

/** Fixed: the default suite always runs the same 500 scenarios. */
const FIRST_SEED = 1;
const BATCHES = 5;
const PER_BATCH = 100;

let env: ChaosEnv;
let clients: ArmClients;
const tally = newTally();
const started = Date.now();

beforeAll(async () => {
  env = await startChaos({ lro: FAST_CHAOS_LRO });
  clients = env.newClients();
});
afterAll(async () => {
  await env?.stop();
  console.log(formatTally(tally, Date.now() - started));
});

describe('seeded chaos: random drift × random faults keep every invariant', () => {
  for (let b = 0; b < BATCHES; b++) {
    const from = FIRST_SEED + b * PER_BATCH;
    const to = from + PER_BATCH - 1;
    it(`scenarios with seeds ${from}..${to}: no invariant violated, converged within 3 clean runs`, async () => {
      const violations: string[] = [];
      for (let seed = from; seed <= to; seed++) {
        const outcome = await runScenario(env, seed, clients);
        addOutcome(tally, outcome);
        if (outcome.violations.length > 0)
          violations.push(...outcome.violations, `  replay: npm run soak -- 1 --seed ${seed}`);
      }
      expect(violations).toEqual([]);
    }, 120_000);
  }

  it('the 500 scenarios injected every fault kind and exercised both failed and repaired runs', () => {
    expect(tally.scenarios).toBe(BATCHES * PER_BATCH);
    for (const kind of FAULT_LABELS) expect(tally.injected[kind] ?? 0, kind).toBeGreaterThan(0);
    expect(tally.faultedStatus.Failed ?? 0).toBeGreaterThan(0);
    expect(tally.faultedStatus.Repaired ?? 0).toBeGreaterThan(0);
  });
});
