// The picture's model from what a run found, and the Mermaid text drawn from it (Mermaid itself renders it in
// test/browser). Scenarios: drift, a repair, a refusal, the data plane's verdicts, a large cluster.
import { describe, expect, it } from 'vitest';
import type { WorkerFacts } from '../../src/core/types.js';
import {
  clusterFromReconcile,
  modelFromReconcile,
  modelFromVerify,
  withVerification,
} from '../../src/topology/from-result.js';
import { toMermaid } from '../../src/topology/mermaid.js';
import { clusterFindings, foldedGroups } from '../../src/topology/model.js';
import { clusterScope } from '../../src/topology/scope.js';
import type { VerifyResult } from '../../src/verify.js';
import { config, driftedResult, healthyResult, refusedResult, repairedResult } from '../functions/helpers.js';

const scope = clusterScope(config);
const facts = (n: number): WorkerFacts[] =>
  Array.from({ length: n }, (_, i) => ({
    name: `worker-${i}`,
    ips: [`10.240.0.${20 + i}`],
    podCidrs: [`10.200.${i}.0/24`],
    subnetId: scope.settings.subnetIds[0]!,
  }));

describe('the model of one run', () => {
  it('a plan: the missing route is drawn to its worker, named, in its subnet; it comes first', () => {
    const cluster = clusterFromReconcile(driftedResult({ mode: 'report', workers: facts(2) }), scope);
    const route = cluster.tables[0]!.routes.find((r) => r.name === 'kubernetes-route-10-200-1-0-24');
    expect(route).toMatchObject({ state: 'missing', worker: 'worker-1', nextHop: undefined });
    expect(cluster.workers.map((w) => [w.key, w.group])).toEqual([
      ['worker-0', 'subnet kubernetes-subnet'],
      ['worker-1', 'subnet kubernetes-subnet'],
    ]);
    expect(clusterFindings(cluster)[0]).toMatchObject({ state: 'missing' });
  });

  it('an apply record marks what the run repaired as repaired', () => {
    const cluster = clusterFromReconcile(repairedResult({ workers: facts(2) }), scope);
    expect(cluster.tables[0]!.routes.map((r) => r.state).sort()).toEqual(['repaired', 'repaired']);
  });

  it("a refused worker carries the refusal's reason and no route is drawn as ok for it", () => {
    const cluster = clusterFromReconcile(refusedResult(), scope);
    const worker = cluster.workers.find((w) => w.key === 'worker-2');
    expect(worker?.problems).toEqual(['refused (pod-cidr-outside-cluster)']);
    expect(cluster.tables[0]!.routes.find((r) => r.worker === 'worker-2')?.state).toBe('refused');
  });

  it('foreign routes stay apart from ours', () => {
    const firewall = {
      name: 'fw',
      addressPrefix: '0.0.0.0/0',
      nextHopType: 'VirtualAppliance',
      nextHopIpAddress: '10.240.0.4',
    };
    const result = healthyResult({ before: [...healthyResult().before, firewall] });
    const table = clusterFromReconcile(result, scope).tables[0]!;
    expect(table.foreignRoutes.map((f) => f.name)).toEqual(['fw']);
    expect(table.routes.map((r) => r.name)).not.toContain('fw');
  });

  it("verify's verdicts: a shadowed prefix and an unchecked worker become findings, worse states win", () => {
    const healthy = healthyResult({ workers: facts(2) });
    const desiredRoutes = healthy.before.map((r) => ({
      name: r.name,
      addressPrefix: r.addressPrefix!,
      nextHopType: 'VirtualAppliance' as const,
      nextHopIpAddress: r.nextHopIpAddress!,
    }));
    const cluster = clusterFromReconcile({ ...healthy, plan: { ...healthy.plan, desiredRoutes } }, scope);
    const verified = {
      workers: [
        {
          worker: 'worker-0',
          nicId: 'nic-0',
          status: 'checked',
          notes: [],
          checks: [
            {
              verdict: 'shadowed',
              prefix: '10.200.1.0/24',
              toWorker: 'worker-1',
              expectedNextHop: '10.240.0.21',
              winner: undefined,
              message: '10.200.1.128/25 takes part of it',
            },
          ],
        },
        {
          worker: 'worker-1',
          nicId: undefined,
          status: 'not-applicable',
          reason: 'vm-not-running',
          message: 'deallocated',
          checks: [],
          notes: [],
        },
      ],
    } as unknown as VerifyResult;
    const seen = withVerification(cluster, verified);
    expect(seen.tables[0]!.routes.find((r) => r.prefix === '10.200.1.0/24')?.state).toBe('shadowed');
    expect(clusterFindings(seen).map((f) => f.state)).toEqual(['shadowed', 'worker']);
  });
});

describe('verify -o markdown alone', () => {
  it('draws the routes it judged, the shadowed one marked, the association as not read', () => {
    const verified = {
      routeTable: 'kubernetes-routes',
      subnetId: scope.settings.subnetIds[0]!,
      startedAt: '2026-12-04T03:00:00.000Z',
      workers: [
        {
          worker: 'worker-0',
          nicId: 'nic-0',
          status: 'checked',
          notes: [],
          checks: [
            {
              verdict: 'shadowed',
              prefix: '10.200.1.0/24',
              toWorker: 'worker-1',
              expectedNextHop: '10.240.0.21',
              winner: undefined,
              message: 'taken by 10.200.1.0/25',
            },
          ],
        },
        {
          worker: 'worker-1',
          nicId: 'nic-1',
          status: 'checked',
          notes: [],
          checks: [
            {
              verdict: 'ok',
              prefix: '10.200.0.0/24',
              toWorker: 'worker-0',
              expectedNextHop: '10.240.0.20',
              winner: undefined,
              message: 'ok',
            },
          ],
        },
      ],
    } as unknown as VerifyResult;
    const model = modelFromVerify(verified, scope);
    const table = model.clusters[0]!.tables[0]!;
    expect(table.subnets[0]!.associated).toBeUndefined();
    expect(table.routes.map((r) => [r.prefix, r.worker, r.state])).toEqual([
      ['10.200.1.0/24', 'worker-1', 'shadowed'],
      ['10.200.0.0/24', 'worker-0', 'ok'],
    ]);
    expect(toMermaid(model)).toContain('association not read');
  });
});

describe('the Mermaid text', () => {
  const big = () => {
    const workers = facts(60);
    const result = driftedResult({ mode: 'report', workers });
    const desiredRoutes = workers.map((w, i) => ({
      name: `kubernetes-route-10-200-${i}-0-24`,
      addressPrefix: w.podCidrs[0]!,
      nextHopType: 'VirtualAppliance' as const,
      nextHopIpAddress: w.ips[0]!,
    }));
    return modelFromReconcile({ ...result, plan: { ...result.plan, desiredRoutes } }, scope);
  };

  it('folds healthy workers beyond the threshold into one node with their count', () => {
    const [group] = foldedGroups(big().clusters[0]!);
    expect(group!.shown.map((w) => w.key)[0]).toBe('worker-1');
    expect(group!.shown).toHaveLength(7);
    expect(group!.folded).toHaveLength(53);
    expect(toMermaid(big())).toContain('"53 more healthy workers"');
  });

  it('styles every edge it draws, and only those (linkStyle indices match the edges)', () => {
    const text = toMermaid(big());
    const edges = text.split('\n').filter((l) => /^ {2}\w+ (?:-->|==>|-\.->|-\.-)\|/u.test(l));
    const styles = text.split('\n').filter((l) => l.startsWith('  linkStyle '));
    expect(styles.map((l) => Number(l.split(' ')[3]))).toEqual(edges.map((_, i) => i));
  });

  it('escapes what would end a label', () => {
    const model = modelFromReconcile(
      healthyResult({ workers: [{ ...facts(1)[0]!, name: 'w"1<b>' }] }),
      scope,
    );
    const text = toMermaid(model);
    expect(text).toContain('w#quot;1#lt;b#gt;');
    expect(text).not.toContain('w"1');
  });
});
