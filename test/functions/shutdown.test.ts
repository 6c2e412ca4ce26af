// Scenario: the Functions host shuts down gracefully (scale-in, deployment) while a run is waiting out ARM's
// Retry-After. The appTerminate hook the app registers (src/functions/appTerminate.ts, captured here: outside
// the host the package skips registration) aborts the instance's shutdown signal, which every run gets through
// runtime.ts's withShutdown: the run stops waiting at once and ends Failed instead of holding the grace period.
import { app } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { withShutdown } from '../../src/functions/shutdown.js';
import { startCluster, type TestCluster } from '../support/cluster.js';

const terminateHooks: Array<() => unknown> = [];
vi.spyOn(app.hook, 'appTerminate').mockImplementation((handler) => {
  terminateHooks.push(() => handler({} as Parameters<typeof handler>[0]));
  return { dispose: () => undefined } as ReturnType<typeof app.hook.appTerminate>;
});
await import('../../src/functions/appTerminate.js');

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startCluster();
});
afterAll(async () => {
  await cluster.stop();
});

/** Every VM list read is throttled with Retry-After: 1 s, which the test clients honour (their cap is 2 s). */
function throttleVmList(): void {
  cluster.emulator.faults.add({
    method: 'GET',
    path: 'virtualMachines',
    status: 429,
    headers: { 'Retry-After': '1' },
    times: 20,
  });
}

const vmListReads = () =>
  cluster.emulator.requests().filter((r) => r.method === 'GET' && r.path.includes('virtualMachines')).length;

describe('host shutdown', () => {
  it('the app registers one appTerminate hook', () => {
    expect(terminateHooks).toHaveLength(1);
  });

  it('without a shutdown, a throttled run waits out each Retry-After (the wait the hook must cut short)', async () => {
    throttleVmList();
    cluster.emulator.clearRequests();
    const started = Date.now();
    const result = await cluster.run(withShutdown({}));
    expect(result.status).toBe('Failed');
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_500);
    expect(vmListReads()).toBe(4);
    cluster.emulator.faults.clear();
  });

  it('a run waiting out a Retry-After ends at once when the host shuts down, and later runs start stopped', async () => {
    throttleVmList();
    cluster.emulator.clearRequests();
    const started = Date.now();
    const running = cluster.run(withShutdown({}));
    setTimeout(() => terminateHooks[0]!(), 200);
    const result = await running;
    const tookMs = Date.now() - started;
    expect(result.status).toBe('Failed');
    expect(tookMs).toBeLessThan(900);
    expect(vmListReads()).toBe(1);
    expect(result.arm.writes).toBe(0);
    const later = await cluster.run(withShutdown({}));
    expect(later.status).toBe('Failed');
    expect(later.arm.writes).toBe(0);
    cluster.emulator.faults.clear();
  });
});
