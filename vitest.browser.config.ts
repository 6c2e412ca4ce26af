// `npm run test:browser`: the pictures in a real browser (Debian's chromium driven by playwright-core, with
// every network request blocked). Not part of `npm test`: it needs /usr/bin/chromium (`.ci/run` installs it).
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/browser/**/*.browser.test.ts'],
    exclude: [...configDefaults.exclude],
    environment: 'node',
    reporters: ['default', './test/support/plain-summary-reporter.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    env: { APPLICATION_INSIGHTS_NO_STATSBEAT: 'true' },
  },
});
