// The tests Stryker runs against each mutant (stryker.config.mjs, docs/mutation.md): the unit suites of the
// mutated code, plus the emulator suites that drive the retry policy and the settle wait. Every other
// emulator suite also covers src/core, and each mutant would rerun its emulator start-up: too slow for CI.
// The CLI suites spawn the built dist/, which carries no mutants, so the global setup's build is skipped.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'test/core/**/*.test.ts',
      'test/azure/**/*.test.ts',
      'test/functions/single-flight.test.ts',
      'test/functions/handlers.test.ts',
      'test/integration/conflicts-and-faults.test.ts',
      'test/chaos/mid-write.test.ts',
      'test/chaos/settle-deadline.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/*.conformance.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    env: { APPLICATION_INSIGHTS_NO_STATSBEAT: 'true' },
  },
});
