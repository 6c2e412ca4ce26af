// The tests Stryker runs against each mutant (stryker.config.mjs, docs/mutation.md), per part (MUTATION_PART):
// `core` runs the engine's unit suites only; `adapters` runs the unit suites of the decision code plus the
// emulator suites that drive the retry policy and the settle wait. The CLI suites are left out: they spawn the
// built dist/, which carries no mutants (so the global setup's build is skipped too).
import { defineConfig } from 'vitest/config';

const SUITES: Record<string, string[]> = {
  core: ['test/core/**/*.test.ts'],
  adapters: [
    'test/azure/**/*.test.ts',
    'test/functions/single-flight.test.ts',
    'test/functions/resource-event.test.ts',
    'test/functions/handlers.test.ts',
    'test/integration/conflicts-and-faults.test.ts',
    'test/chaos/mid-write.test.ts',
    'test/chaos/settle-deadline.test.ts',
  ],
};

export default defineConfig({
  test: {
    include: SUITES[process.env.MUTATION_PART ?? 'core'],
    exclude: ['**/node_modules/**', '**/*.conformance.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // 50 runs per property instead of 300, from one seed: every mutant meets the same cases, so a mutant's
    // verdict does not depend on the draw and the incremental cache stays true.
    env: { APPLICATION_INSIGHTS_NO_STATSBEAT: 'true', FC_NUM_RUNS: '50' },
    setupFiles: ['test/support/mutation-seed.ts'],
  },
});
