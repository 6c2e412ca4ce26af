// The fleet demos (npm run demo:multi-region, npm run demo:fleet): the built CLI spawned as a user runs it on a
// fresh clone. Each applies its world through the fleet file, breaks it, repairs it, and exits 0 only when every
// cluster converged (the broken peering reported, not repaired).
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

/** The summary lines a step printed, from its heading to the next. */
function step(stdout: string, heading: string): string {
  const from = stdout.indexOf(heading);
  expect(from, `step '${heading}'`).toBeGreaterThanOrEqual(0);
  const next = stdout.slice(from + heading.length).search(/\n\d\. /u);
  return stdout.slice(from, next < 0 ? undefined : from + heading.length + next);
}

describe('the multi-region demo (pod-routes demo --world multi-region)', () => {
  it('repairs the routes, the second region’s subnet and the changed IP; reports the peering; exits 0', async () => {
    const run = await runCli(['demo', '--world', 'multi-region']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(step(run.stdout, '1. pod-routes apply')).toContain(
      'multi-region: Repaired [7 drift, 7 repaired, 0 refused] (exit 0)',
    );
    const plan = step(run.stdout, '3. pod-routes plan');
    expect(plan).toMatch(/subnet-not-associated: subnet '.*\/vnet-west\/subnets\/nodes-c'/u);
    expect(plan).toMatch(/update-route kubernetes-route-10-200-1-0-24: .* => .* 10\.240\.1\.20/u);
    expect(plan).toMatch(/x peering-drops-pod-traffic: peering 'west-to-east'/u);
    const repair = step(run.stdout, '4. pod-routes apply');
    expect(repair).toMatch(/pods-east \(resource group k8s-east, 2 subnet\(s\)\): Repaired/u);
    expect(repair).toMatch(/pods-west \(resource group k8s-west, 1 subnet\(s\)\): Repaired/u);
    const last = step(run.stdout, '5. pod-routes apply again');
    expect(last).toMatch(/pods-west \(resource group k8s-west, 1 subnet\(s\)\): Healthy/u);
    expect(last).toContain('ARM: 13 reads, 0 writes');
    expect(run.stdout).toContain(
      'Converged: 1 cluster(s), every table Healthy and the last run wrote nothing; the broken peering (west-to-east) is reported, not repaired.',
    );
  }, 60_000);
});

describe('the fleet demo (pod-routes demo --world fleet)', () => {
  it('applies 20 clusters over two subscriptions, repairs only the broken ones, and exits 0', async () => {
    const run = await runCli(['demo', '--world', 'fleet']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const summaries = (heading: string) =>
      step(run.stdout, heading)
        .split('\n')
        .filter((line) => /^ {3}cluster-\d+: /u.test(line))
        .map((line) => line.trim());
    const first = summaries('1. pod-routes apply');
    expect(first).toHaveLength(20);
    expect(first.every((line) => line.endsWith('Repaired [5 drift, 5 repaired, 0 refused] (exit 0)'))).toBe(
      true,
    );
    const broken = ['cluster-2', 'cluster-5', 'cluster-8', 'cluster-13'];
    const drifted = summaries('3. pod-routes plan').filter((line) => line.includes('Drifted'));
    expect(drifted.map((line) => line.split(':')[0])).toEqual(broken);
    const repaired = summaries('4. pod-routes apply').filter((line) => line.includes('Repaired'));
    expect(repaired.map((line) => line.split(':')[0])).toEqual(broken);
    const last = summaries('5. pod-routes apply again');
    expect(last).toHaveLength(20);
    expect(last.every((line) => line.endsWith('Healthy [0 drift, 0 repaired, 0 refused] (exit 0)'))).toBe(
      true,
    );
    expect(run.stdout).toContain(
      'Converged: 20 cluster(s), every table Healthy and the last run wrote nothing.',
    );
  }, 120_000);
});
