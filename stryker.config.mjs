// Mutation testing: `npm run test:mutation` (scripts/mutation.mjs, docs/mutation.md) runs Stryker twice, once
// per part (MUTATION_PART): `core`, the pure engine against its unit suites; `adapters`, the decision code of
// src/azure and src/functions (ARM retry policy, error classification, the settle wait against the run's
// deadline, own-write recognition, Event Grid event filtering, single-flight; not the I/O glue) against their
// unit suites and the emulator suites that drive them. The split keeps each mutant's test run small: a core
// mutant never waits for an emulator to start.
import { fileURLToPath } from 'node:url';

const PARTS = {
  core: ['src/core/**/*.ts'],
  adapters: [
    'src/azure/errors.ts',
    'src/azure/own-writes.ts',
    'src/azure/retry-policy.ts',
    'src/azure/settle.ts',
    'src/functions/event-filter-catalog.ts',
    'src/functions/resource-event.ts',
    'src/functions/single-flight.ts',
  ],
};
const part = process.env.MUTATION_PART ?? 'core';
if (!(part in PARTS))
  throw new Error(`MUTATION_PART must be one of ${Object.keys(PARTS).join(', ')}, not '${part}'`);

export default {
  testRunner: 'vitest',
  // vitest.mutation.config.ts picks the suites of this part from MUTATION_PART too.
  vitest: { configFile: 'vitest.mutation.config.ts', related: true },
  coverageAnalysis: 'perTest',
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.mutation.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  checkerNodeArgs: ['--import', fileURLToPath(new URL('./scripts/stryker-typescript.mjs', import.meta.url))],
  mutate: PARTS[part],
  ignorePatterns: ['dist', 'bench', 'coverage', 'reports'],
  concurrency: 2,
  // Static mutants (module-level constants: regexes, limits, lookup tables) force a fresh module load and the
  // whole suite per mutant: a fifth of src/core's mutants but half the run time, which a shared 2-core machine
  // cannot afford on every commit. They are reported as Ignored (docs/mutation.md says which and why).
  ignoreStatic: true,
  // A cache, not a source of truth: mutants in code or tests that changed since it was written are rerun.
  incremental: true,
  incrementalFile: `test/mutation/incremental-${part}.json`,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${part}.html` },
  jsonReporter: { fileName: `reports/mutation/${part}.json` },
  // Per-directory thresholds (src/core's break) are enforced by scripts/mutation.mjs.
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: '.stryker-tmp',
};
