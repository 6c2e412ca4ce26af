// `npm run test:deploy`: the deploy rehearsal (test/deploy/*.test.ts), which runs the real az CLI and the
// unchanged postdeploy hook against the emulator. Not part of `npm test`: it needs az (Debian's azure-cli).
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/deploy/**/*.test.ts'],
    exclude: [...configDefaults.exclude, '**/*.conformance.test.ts'],
    environment: 'node',
    reporters: ['default', './test/support/plain-summary-reporter.ts'],
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 120_000,
    env: { APPLICATION_INSIGHTS_NO_STATSBEAT: 'true' },
  },
});
