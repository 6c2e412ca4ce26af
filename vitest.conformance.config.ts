// `npm run test:conformance`: the suites that check the emulator, the events and the engine's own traffic against
// Azure's published specs, examples and recorded ARM traffic, read from AZURE_REFERENCE_DIR (default
// ../shared/azure-reference). `npm test` (vitest.config.ts) excludes them and needs nothing outside the repository.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.conformance.test.ts'],
    environment: 'node',
    globalSetup: ['test/support/conformance-setup.ts'],
    reporters: ['default', './test/support/plain-summary-reporter.ts'],
    testTimeout: 90_000,
    hookTimeout: 30_000,
    env: { APPLICATION_INSIGHTS_NO_STATSBEAT: 'true' },
  },
});
