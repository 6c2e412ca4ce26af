// The invariants every chaos run is checked against (docs/robustness.md, "Invariants"), computed from the
// emulator's state, request log and record of external writes, never from the engine's result alone.
import { containsCidr } from 'cidr-tools';
import type { Json, TrafficEntry } from '../../src/emulator/index.js';
import {
  type ChaosEnv,
  CLUSTER_CIDR,
  convergenceProblems,
  correctRoutes,
  healthyRoutes,
  isOwned,
  normalized,
  type RouteLite,
  type RunRecord,
  routeLite,
  stableJson,
  TABLE,
} from './harness.js';
import { checkOneStatus, checkRefusalProtects } from './truth.js';

const props = (r: Json | undefined): Json => (r?.properties as Json | undefined) ?? {};
const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

const ROUTE_DRIFT = new Set(['missing-route', 'wrong-next-hop', 'route-not-provisioned', 'pod-cidr-changed']);

function isTablePut(entry: TrafficEntry, tableName = TABLE): boolean {
  const path = new URL(entry.liveRequest.url).pathname.toLowerCase();
  return entry.liveRequest.method === 'PUT' && path.endsWith(`/routetables/${tableName.toLowerCase()}`);
}

/** Every invariant of the issue, checked for one run; returns the violations (empty when all hold). */
export function checkRun(env: ChaosEnv, run: RunRecord): string[] {
  const violations: string[] = [];
  const { before, after, result, external } = run;
  const tag = (s: string) => violations.push(`[${run.label}] ${s}`);

  // 1. Foreign routes and table properties we do not own: byte-identical modulo etag/provisioningState.
  if (before.table !== null) {
    const changed = new Set([...external.removed, ...external.added.map((r) => r.name.toLowerCase())]);
    const expected = [
      ...before.table.routes.filter((r) => !isOwned(r) && !changed.has(r.name.toLowerCase())),
      ...external.added.map((r) => routeLite(r)).filter((r) => !isOwned(r)),
    ];
    for (const f of expected) {
      const now = after.table?.routes.find((r) => r.name.toLowerCase() === f.name.toLowerCase());
      if (now === undefined) tag(`foreign route ${f.name} was removed`);
      else if (now.stable !== f.stable) tag(`foreign route ${f.name} changed: ${f.stable} => ${now.stable}`);
    }
    if (after.table !== null) {
      const wantTags = stableJson({ ...before.table.tags, ...external.tags });
      if (stableJson(after.table.tags) !== wantTags)
        tag(`table tags changed: ${wantTags} => ${stableJson(after.table.tags)}`);
      if (after.table.location !== before.table.location) tag('table location changed');
      if (after.table.disableBgpRoutePropagation !== before.table.disableBgpRoutePropagation)
        tag('disableBgpRoutePropagation changed');
    }
  }
  if (after.subnetRest !== before.subnetRest) tag(`subnet properties other than routeTable changed`);
  // NIC writes (IP forwarding) keep every other property: IP configurations, NSG, tags, DNS settings, ...
  for (const [nic, rest] of Object.entries(before.nicRest)) {
    if (after.nicRest[nic] === undefined) tag(`NIC ${nic} disappeared`);
    else if (after.nicRest[nic] !== rest)
      tag(`NIC ${nic} properties other than enableIPForwarding changed: ${rest} => ${after.nicRest[nic]}`);
  }
  if (
    before.subnetRouteTable !== undefined &&
    before.subnetRouteTable.toLowerCase() !== env.ids.table.toLowerCase() &&
    after.subnetRouteTable !== before.subnetRouteTable
  )
    tag('the subnet was moved off a route table that is not ours');

  // 2. What was sent: no route outside the cluster CIDR unless it is a foreign route sent back verbatim,
  //    no two routes with one prefix, no duplicate names.
  // The SDK sends only the writable fields of a route: compare those.
  const sent = (r: RouteLite) => `${r.name}|${r.addressPrefix}|${r.nextHopType}|${r.nextHopIpAddress}`;
  const foreignSent = new Set([
    ...(before.table?.routes ?? []).filter((r) => !isOwned(r)).map(sent),
    ...external.added.map((r) => sent(routeLite(r))),
  ]);
  for (const entry of run.traffic.filter((e) => isTablePut(e))) {
    const body = entry.liveRequest.body as Json | null;
    const routes = arr(props(body ?? undefined).routes);
    const prefixes = new Map<string, string>();
    for (const r of routes) {
      const lite = routeLite(r);
      const n = normalized(lite.addressPrefix) ?? `raw:${lite.addressPrefix}`;
      const other = prefixes.get(n);
      if (other !== undefined) tag(`PUT sent two routes with prefix ${n}: ${other} and ${lite.name}`);
      prefixes.set(n, lite.name);
      const inCluster = !n.includes(':') && !n.startsWith('raw:') && containsCidr(CLUSTER_CIDR, n);
      if (!inCluster && !foreignSent.has(sent(lite)))
        tag(
          `PUT sent route ${lite.name} (${lite.addressPrefix}) outside the cluster CIDR that is not a foreign route as read`,
        );
      if (!isOwned(lite) && inCluster && !foreignSent.has(sent(lite)))
        tag(`PUT sent a changed or new foreign-named route ${lite.name}`);
    }
  }

  // 3. Honest reporting: every repair reported is present in the emulator afterwards.
  const correctAfter = correctRoutes(after);
  for (const d of result.repaired) {
    if (ROUTE_DRIFT.has(d.kind)) {
      const name = d.after?.name ?? d.subject;
      const now = after.table?.routes.find((r) => r.name === name);
      if (
        now === undefined ||
        now.addressPrefix !== d.after?.addressPrefix ||
        now.nextHopIpAddress !== d.after?.nextHopIpAddress ||
        now.nextHopType !== 'VirtualAppliance'
      )
        tag(`reported repaired ${d.kind} ${name}, but the table holds ${now ? now.stable : 'no such route'}`);
    } else if (d.kind === 'stale-route') {
      if (after.table?.routes.some((r) => r.name === d.subject))
        tag(`reported stale route ${d.subject} removed, but it is still there`);
    } else if (d.kind === 'subnet-not-associated') {
      if (after.subnetRouteTable?.toLowerCase() !== env.ids.table.toLowerCase())
        tag('reported the subnet associated, but it is not');
    } else if (d.kind === 'ip-forwarding-disabled') {
      const nic = d.subject.slice(d.subject.lastIndexOf('/') + 1).toLowerCase();
      if (after.ipForwarding[nic] !== true) tag(`reported IP forwarding enabled on ${nic}, but it is off`);
    } else if (d.kind === 'table-missing') {
      if (after.table === null) tag('reported the table created, but it does not exist');
    }
  }
  if (result.status === 'Healthy' || result.status === 'Repaired') {
    const problems = convergenceProblems(env, after);
    if (problems.length > 0) tag(`status ${result.status} but ${problems.join('; ')}`);
  }

  // 4. No worse than found: every owned route that was correct and Succeeded before is still correct, and
  //    still Succeeded unless ARM kept failing (the run ended Failed with a transient error: retried later);
  //    the association is kept.
  const healthyAfter = healthyRoutes(after);
  const armKeptFailing = result.status === 'Failed' && result.error?.transient === true;
  for (const name of healthyRoutes(before)) {
    if (!correctAfter.has(name)) tag(`owned route ${name} was correct before the run and is not after it`);
    else if (!healthyAfter.has(name) && !armKeptFailing) {
      const state = after.table?.routes.find((r) => r.name === name)?.provisioningState;
      tag(`owned route ${name} was Succeeded before the run and is ${state} after it`);
    }
  }
  if (
    before.subnetRouteTable?.toLowerCase() === env.ids.table.toLowerCase() &&
    after.subnetRouteTable?.toLowerCase() !== env.ids.table.toLowerCase()
  )
    tag('the subnet association was lost');

  // 5. A failed run says why.
  if (result.status === 'Failed') {
    const e = result.error;
    if (e === undefined || e.message.trim().length < 10)
      tag(`failed run without a clear error: ${JSON.stringify(e)}`);
    // It may report what its confirmed table write repaired (checked against the emulator by rule 3), and
    // nothing without a table write.
    if (result.repaired.length > 0 && result.attempts === 0)
      tag('failed run reports repairs without a table write');
  } else if (result.error !== undefined) tag(`status ${result.status} with an error ${result.error.message}`);

  // 6. No retry storm: the engine's own count and (for lone runs) the emulator's log within the bound.
  const counted = result.arm.reads + result.arm.writes + result.arm.polls;
  if (counted > run.bound) tag(`engine counted ${counted} requests, over the bound ${run.bound}`);
  if (!run.concurrent) {
    const served = run.requests.length;
    if (served > run.bound) tag(`emulator served ${served} requests in one run, over the bound ${run.bound}`);
  }

  // 7, 8. A refusal protects what it refuses; one status for every surface (issue 17: truth.ts).
  violations.push(...checkRefusalProtects(run), ...checkOneStatus(run.label, result, 'apply'));
  return violations;
}
