// The fleet runner on its own: a cluster's throw is its outcome, a hung cluster is aborted at the tick's
// deadline, and a cluster the tick had no time for is reported as skipped.
import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import type { FleetCluster } from '../../src/fleet/load.js';
import { runFleet } from '../../src/fleet/runner.js';

const cluster = (name: string): FleetCluster => ({ name, config: {} as Config });

describe('runFleet', () => {
  it("keeps a cluster's throw and a hung cluster to themselves", async () => {
    const outcomes = await runFleet({
      clusters: ['broken', 'hung', 'fine-1', 'fine-2'].map(cluster),
      concurrency: 2,
      timeoutMs: 300,
      run: async ({ name }, { signal }) => {
        if (name === 'broken') throw new Error('no clients for you');
        if (name === 'hung')
          return new Promise<string>((_, reject) =>
            signal.addEventListener('abort', () => reject(signal.reason)),
          );
        return `${name} done`;
      },
    });
    expect(outcomes.map((o) => [o.cluster, o.status])).toEqual([
      ['broken', 'threw'],
      ['hung', 'threw'],
      ['fine-1', 'done'],
      ['fine-2', 'done'],
    ]);
    expect(outcomes[2]).toMatchObject({ result: 'fine-1 done' });
  });

  it('reports the clusters the deadline left no time for as skipped', async () => {
    const outcomes = await runFleet({
      clusters: ['slow', 'late'].map(cluster),
      concurrency: 1,
      timeoutMs: 50,
      run: () => new Promise((resolve) => setTimeout(() => resolve('ok'), 120)),
    });
    expect(outcomes.map((o) => o.status)).toEqual(['done', 'skipped']);
    expect(outcomes[1]).toMatchObject({ reason: 'the tick ran out of time before its turn' });
  });
});
