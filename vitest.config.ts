import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Conformance suites read Azure's reference material from outside the repository: `npm run test:conformance`.
    // The deploy rehearsal needs the az CLI: `npm run test:deploy` (vitest.deploy.config.ts); the browser tests
    // need chromium: `npm run test:browser` (vitest.browser.config.ts).
    exclude: [
      '**/node_modules/**',
      '**/*.conformance.test.ts',
      'test/deploy/rehearsal.test.ts',
      '**/*.browser.test.ts',
    ],
    environment: 'node',
    globalSetup: ['test/support/global-setup.ts'],
    reporters: ['default', './test/support/plain-summary-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    env: { APPLICATION_INSIGHTS_NO_STATSBEAT: 'true' },
  },
});
