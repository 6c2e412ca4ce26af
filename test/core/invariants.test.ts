// The engine's invariants (issue 17) over random worlds, checked against the reference model (oracle.ts) and
// an apply as ARM and the writer make it happen (worlds.ts), never by asking the planner what it meant:
// - plan/apply agreement: every action plan lists is performed by apply from the same state; every refusal
//   apply ends with was listed by plan;
// - refusal protects: after apply, the routes a refusal is about are as they were;
// - one status: inSync, the CLI exit code and the HTTP answer follow from one status, as the docs define it.
// (The fourth, follow-ups, is about concurrent triggers: test/functions/follow-ups.test.ts.)
import { HttpRequest } from '@azure/functions';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exitCodeFor, render } from '../../src/cli/render.js';
import { outcome } from '../../src/core/outcome.js';
import { planReconcile } from '../../src/core/plan.js';
import type { Inventory, Plan, PlanSettings, ReconcileResult, RouteRecord } from '../../src/core/types.js';
import { createHandlers } from '../../src/functions/handlers.js';
import { config, healthyResult, invocation } from '../functions/helpers.js';
import { nic, reportCluster, settings, vm } from './fixtures.js';
import { hopOf, oracle, parseNet, workerIps } from './oracle.js';
import { apply, arbAnyWorld, NUM_RUNS } from './worlds.js';

const same = (a: string | undefined, b: string | undefined) =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
const refusalKey = (r: Plan['refused'][number]) => `${r.reason} ${r.subject.toLowerCase()}`;

/** Why `action` did not happen in `after` (undefined: it did). */
function notPerformed(action: Plan['actions'][number], plan: Plan, after: Inventory): string | undefined {
  const routes = after.routeTable?.routes ?? [];
  const named = routes.filter((r) => same(r.name, action.subject));
  switch (action.kind) {
    case 'create-route':
    case 'update-route': {
      const want = action.after!;
      const ok = named.some(
        (r) =>
          parseNet(r.addressPrefix)?.text === parseNet(want.addressPrefix)?.text && hopOf(r) === hopOf(want),
      );
      return ok ? undefined : `${action.kind} ${action.subject} is not in the table`;
    }
    case 'delete-route': {
      // A route replaced under its own name (a rewrite) is not a leftover.
      if (plan.actions.some((a) => a !== action && same(a.subject, action.subject))) return undefined;
      const before = parseNet(action.before?.addressPrefix)?.text;
      const left = named.some((r) => parseNet(r.addressPrefix)?.text === before);
      return left ? `delete-route ${action.subject} is still in the table` : undefined;
    }
    case 'associate-subnet': {
      const record = after.subnets?.find((s) => same(s.id, action.subject));
      const tableId = after.routeTable?.id;
      const ok =
        record !== undefined
          ? same(record.routeTableId, tableId)
          : (after.routeTable?.subnetIds.some((id) => same(id, action.subject)) ?? false);
      return ok ? undefined : `associate-subnet ${action.subject} did not happen`;
    }
    case 'create-table':
      return after.routeTable === null ? 'create-table did not happen' : undefined;
    case 'enable-ip-forwarding': {
      const nic = after.nics.find((n) => same(n.id, action.subject));
      return nic?.enableIpForwarding === true ? undefined : `IP forwarding of ${action.subject} is still off`;
    }
  }
}

/** The owned routes of `prefix` in a table, as read. */
const routesOf = (routes: readonly RouteRecord[], prefix: string) =>
  routes.filter((r) => parseNet(r.addressPrefix)?.text === prefix);

/** Prefixes a refusal is about: its refused CIDR, or every owned prefix routed to its worker's IPs. */
function protectedPrefixes(
  refusal: Plan['refused'][number],
  inventory: Inventory,
  settings: PlanSettings,
  plan: Plan,
): string[] {
  const view = oracle(inventory, settings);
  const foreign = new Set(view.foreign.map((r) => parseNet(r.addressPrefix)?.text));
  const claimed = new Set(plan.desiredRoutes.map((d) => d.addressPrefix));
  const out = new Set<string>();
  const net = parseNet(refusal.subject);
  if (net !== undefined) out.add(net.text);
  if (refusal.worker !== undefined && refusal.reason !== 'next-hop-is-scale-set-instance') {
    // Its IPs in every family where no claim of it goes ahead (docs/planning.md).
    const accepted = new Set(plan.desiredRoutes.map((d) => hopOf(d)));
    const ips = new Set(workerIps(inventory, refusal.worker).filter((ip) => !accepted.has(ip)));
    for (const r of view.owned) {
      const prefix = parseNet(r.addressPrefix)!.text;
      // A prefix a listed worker validly claims is routed to that worker (docs/planning.md).
      if (ips.has(hopOf(r) ?? '') && !claimed.has(prefix)) out.add(prefix);
    }
  }
  // A table cannot hold our route and a foreign one of one prefix: ours gives way (docs/planning.md).
  return [...out].filter((p) => !foreign.has(p) && routesOf(view.owned, p).length > 0);
}

/** Issue 17's reproductions, always among the worlds tried: a typo next to a claim of its network (bug 2). */
function typoWorld(): { inventory: Inventory; settings: PlanSettings } {
  const inventory = reportCluster();
  inventory.vms[0]!.tags['pod-cidr'] = '10.200.0.1/24';
  inventory.vms.push(vm('worker-2', '10.200.0.0/24'));
  inventory.nics.push(nic('worker-2', '10.240.0.22'));
  return { inventory, settings: settings() };
}

describe('invariants of plan and apply over random worlds (issue 17)', () => {
  it('plan/apply agreement: every planned action happens in apply; every refusal of apply was in plan', () => {
    fc.assert(
      fc.property(arbAnyWorld, ({ inventory, settings }) => {
        const plan = planReconcile(inventory, settings);
        const after = apply(inventory, plan);
        for (const action of plan.actions) expect(notPerformed(action, plan, after)).toBeUndefined();
        // What apply reports is re-planned from what its writes left (src/reconcile-phases.ts sideWrites).
        const planned = new Set(plan.refused.map(refusalKey));
        const applied = planReconcile(after, settings).refused.map(refusalKey);
        expect(applied.filter((key) => !planned.has(key))).toEqual([]);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('refusal protects: after apply, the routes a refused claim or worker is about are exactly as read', () => {
    fc.assert(
      fc.property(arbAnyWorld, ({ inventory, settings }) => {
        const plan = planReconcile(inventory, settings);
        const before = inventory.routeTable?.routes ?? [];
        const after = apply(inventory, plan).routeTable?.routes ?? [];
        for (const refusal of plan.refused) {
          for (const prefix of protectedPrefixes(refusal, inventory, settings, plan)) {
            const now = routesOf(after, prefix);
            const why = `${refusal.reason} ${refusal.subject}: routes of ${prefix}`;
            expect(now.length, why).toBeGreaterThan(0);
            for (const r of now) expect(routesOf(before, prefix), why).toContainEqual(r);
          }
        }
      }),
      { numRuns: NUM_RUNS, examples: [[typoWorld()]] },
    );
  });

  it('one status: inSync, the CLI exit codes and the HTTP answer agree, and match what the docs define', async () => {
    const worlds = fc.sample(arbAnyWorld, { numRuns: Math.min(NUM_RUNS, 150), seed: 17 });
    for (const { inventory, settings } of worlds) {
      const found = planReconcile(inventory, settings);
      const final = planReconcile(apply(inventory, found), settings);
      const runs: Array<[ReconcileResult, 'plan' | 'apply', Plan]> = [
        [
          resultOf(
            outcome({ initial: found, confirmed: undefined, final: undefined, failed: false }),
            'report',
          ),
          'plan',
          found,
        ],
        [
          resultOf(outcome({ initial: found, confirmed: undefined, final, failed: false }), 'enforce'),
          'apply',
          final,
        ],
      ];
      for (const [result, command, left] of runs) {
        // The model (README, docs/functions.md): in sync = nothing left over and nothing refused.
        const inSync = left.drift.length === 0 && left.refused.length === 0;
        const json = JSON.parse(render('json', command, result)) as { inSync: boolean; status: string };
        expect(json).toMatchObject({ inSync, status: result.status });
        const exit = exitCodeFor(command, result);
        if (inSync) expect(exit).toBe(0);
        else if (command === 'plan') expect(exit).toBe(2);
        else
          expect(exit).toBe(
            left.drift.some((d) => d.repairable || d.kind === 'ip-forwarding-disabled') ? 1 : 3,
          );
        if (command === 'plan') {
          const handlers = createHandlers({ reconcile: async () => result, loadConfig: () => config });
          const answer = await handlers.driftReport(
            new HttpRequest({ method: 'GET', url: 'http://localhost/api/driftReport' }),
            invocation('driftReport').context,
          );
          expect(answer.status).toBe(200);
          expect(answer.jsonBody).toMatchObject({ inSync, status: result.status });
        }
      }
    }
  });
});

function resultOf(reported: ReturnType<typeof outcome>, mode: ReconcileResult['mode']): ReconcileResult {
  return healthyResult({
    mode,
    status: reported.status,
    plan: reported.found,
    repaired: reported.repaired,
    unrepaired: reported.unrepaired,
    refused: reported.refused,
  });
}
