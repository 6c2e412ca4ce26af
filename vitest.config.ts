import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The deploy rehearsal needs the az CLI: `npm run test:deploy` (vitest.deploy.config.ts).
    exclude: [...configDefaults.exclude, 'test/deploy/rehearsal.test.ts'],
    environment: 'node',
    globalSetup: ['test/support/global-setup.ts'],
    reporters: ['default', './test/support/plain-summary-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    env: { APPLICATION_INSIGHTS_NO_STATSBEAT: 'true' },
  },
});
