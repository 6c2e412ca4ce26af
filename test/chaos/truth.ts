// Issue 17's invariants over chaos runs, computed from the emulator's state before and after, never from the
// engine's word alone: plan and apply agree, a refusal protects what it refuses, one status for every surface.
// (The fourth, follow-ups, runs through the Functions handlers: fault-matrix.test.ts.)
import { exitCodeFor, render } from '../../src/cli/render.js';
import type { ReconcileResult } from '../../src/core/types.js';
import { type ChaosEnv, normalized, type RouteLite, type RunRecord, type Snapshot } from './harness.js';

const same = (a: string | undefined, b: string | undefined) =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
const refusalKey = (r: ReconcileResult['refused'][number]) => `${r.reason} ${r.subject.toLowerCase()}`;

/** Why a planned action is not visible in the emulator after the apply (undefined: it is). */
function notPerformed(
  env: ChaosEnv,
  action: ReconcileResult['plan']['actions'][number],
  actions: ReconcileResult['plan']['actions'],
  after: Snapshot,
): string | undefined {
  const named = (after.table?.routes ?? []).filter((r) => same(r.name, action.subject));
  const samePrefix = (r: RouteLite, p: string | undefined) => normalized(r.addressPrefix) === normalized(p);
  switch (action.kind) {
    case 'create-route':
    case 'update-route':
      return named.some(
        (r) =>
          samePrefix(r, action.after?.addressPrefix) && r.nextHopIpAddress === action.after?.nextHopIpAddress,
      )
        ? undefined
        : `${action.kind} ${action.subject} is not in the table`;
    case 'delete-route':
      if (actions.some((a) => a !== action && same(a.subject, action.subject))) return undefined;
      return named.some((r) => samePrefix(r, action.before?.addressPrefix))
        ? `delete-route ${action.subject} is still in the table`
        : undefined;
    case 'associate-subnet':
      return same(after.subnetRouteTable, env.ids.table) ? undefined : 'associate-subnet did not happen';
    case 'create-table':
      return after.table === null ? 'create-table did not happen' : undefined;
    case 'enable-ip-forwarding': {
      const nic = action.subject.slice(action.subject.lastIndexOf('/') + 1).toLowerCase();
      return after.ipForwarding[nic] === true ? undefined : `IP forwarding of ${nic} is still off`;
    }
  }
}

/**
 * Plan/apply agreement: `planned` is a dry run (pod-routes plan) of the state `applied` started from. Every
 * action the plan lists happened, or apply failed (transient: retried later) or refused it for a reason the plan
 * listed too; every refusal of apply was in the plan.
 */
export function checkAgreement(env: ChaosEnv, planned: ReconcileResult, applied: RunRecord): string[] {
  const out: string[] = [];
  const tag = (s: string) => out.push(`[${applied.label}] plan/apply: ${s}`);
  const listed = new Set(planned.refused.map(refusalKey));
  for (const r of applied.result.refused)
    if (!listed.has(refusalKey(r))) tag(`apply refused ${refusalKey(r)}, which plan did not list`);
  if (applied.result.status === 'Failed') return out;
  const actions = planned.plan.actions;
  for (const action of actions) {
    const why = notPerformed(env, action, actions, applied.after);
    if (why !== undefined) tag(why);
  }
  return out;
}

/** Refusal protects: the owned routes of every refused prefix are after the run exactly as before it. */
export function checkRefusalProtects(run: RunRecord): string[] {
  const out: string[] = [];
  const changed = new Set([...run.external.removed, ...run.external.added.map((r) => r.name.toLowerCase())]);
  const of = (snap: Snapshot, prefix: string) =>
    (snap.table?.routes ?? []).filter((r) => normalized(r.addressPrefix) === prefix);
  for (const refusal of run.result.refused) {
    const prefix = normalized(refusal.subject);
    if (prefix === undefined) continue;
    const before = of(run.before, prefix);
    if (before.length === 0 || before.some((r) => changed.has(r.name.toLowerCase()))) continue;
    const stable = new Set(before.map((r) => `${r.name}|${r.addressPrefix}|${r.nextHopIpAddress}`));
    const after = of(run.after, prefix);
    if (after.length === 0)
      out.push(`[${run.label}] refused ${prefix} (${refusal.reason}): its routes are gone`);
    for (const r of after) {
      if (!stable.has(`${r.name}|${r.addressPrefix}|${r.nextHopIpAddress}`))
        out.push(`[${run.label}] refused ${prefix} (${refusal.reason}): route ${r.name} changed`);
    }
  }
  return out;
}

/** One status: the JSON's inSync and the exit code follow from what is left over, as the README defines them. */
export function checkOneStatus(label: string, result: ReconcileResult, command: 'plan' | 'apply'): string[] {
  const left = command === 'plan' ? result.plan.drift : result.unrepaired;
  const inSync = result.status !== 'Failed' && left.length === 0 && result.refused.length === 0;
  const json = JSON.parse(render('json', command, result)) as { inSync: boolean; status: string };
  const exit = exitCodeFor(command, result);
  const out: string[] = [];
  if (json.inSync !== inSync)
    out.push(`[${label}] ${command} says inSync ${json.inSync} with ${result.status}`);
  if ((exit === 0) !== inSync) out.push(`[${label}] ${command} exits ${exit} with inSync ${inSync}`);
  if (inSync !== (result.status === 'Healthy' || result.status === 'Repaired'))
    out.push(`[${label}] status ${result.status} with inSync ${inSync}`);
  return out;
}
