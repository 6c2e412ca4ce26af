// Ends the run with one plain line, "N passed, N failed, N skipped", that any CI log reader understands
// (Vitest's own summary is formatted for terminals). A file that failed outside its tests (a beforeAll, an
// import) leaves its tests "skipped": it is counted and named, so the line never reads "0 failed" for a broken run.
import type { SerializedError } from 'vitest';
import type { Reporter, TestModule, TestRunEndReason } from 'vitest/node';

export default class PlainSummaryReporter implements Reporter {
  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
    reason: TestRunEndReason,
  ): void {
    const count = { passed: 0, failed: 0, skipped: 0 };
    const brokenFiles: string[] = [];
    for (const module of testModules) {
      let failedTests = 0;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed' || state === 'failed' || state === 'skipped') count[state]++;
        if (state === 'failed') failedTests++;
      }
      if (module.state() === 'failed' && failedTests === 0) brokenFiles.push(module.moduleId);
    }
    const extra = [
      ...(brokenFiles.length > 0
        ? [`${brokenFiles.length} file(s) failed outside their tests: ${brokenFiles.join(', ')}`]
        : []),
      ...(unhandledErrors.length > 0 ? [`${unhandledErrors.length} unhandled error(s)`] : []),
      ...(reason === 'failed' && testModules.length === 0 ? ['the run failed before any test file ran'] : []),
    ];
    process.stdout.write(
      `\n${count.passed} passed, ${count.failed} failed, ${count.skipped} skipped${extra.map((e) => `; ${e}`).join('')}\n`,
    );
  }
}
