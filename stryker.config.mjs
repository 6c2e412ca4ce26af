// Mutation testing: `npm run test:mutation` (docs/mutation.md). Mutates the pure engine (src/core) and the
// decision code of the adapters: ARM retry policy, error classification, the settle wait against the run's
// deadline, own-write recognition, Event Grid event filtering, single-flight. Not the I/O glue.
import { fileURLToPath } from 'node:url';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: true },
  coverageAnalysis: 'perTest',
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.mutation.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  checkerNodeArgs: ['--import', fileURLToPath(new URL('./scripts/stryker-typescript.mjs', import.meta.url))],
  mutate: [
    'src/core/**/*.ts',
    'src/azure/errors.ts',
    'src/azure/own-writes.ts',
    'src/azure/retry-policy.ts',
    'src/azure/settle.ts',
    'src/functions/event-filter-catalog.ts',
    'src/functions/resource-event.ts',
    'src/functions/single-flight.ts',
  ],
  ignorePatterns: ['dist', 'bench', 'coverage', 'reports'],
  concurrency: 2,
  // A cache, not a source of truth: mutants in code or tests that changed since it was written are rerun.
  incremental: true,
  incrementalFile: 'stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // Per-directory thresholds (src/core's break) are enforced by scripts/mutation-score.mjs.
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
