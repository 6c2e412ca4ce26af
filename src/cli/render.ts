// Renderers of one ReconcileResult: a terminal table mirroring the provisioning report's "Route Summary",
// a stable JSON document, and a markdown audit record for change tickets. They read the result; they never
// recompute it.
import Table from 'cli-table3';
import { verdictOf } from '../core/outcome.js';
import type { Drift, ReconcileResult, Refusal, RouteRecord, TableResult } from '../core/types.js';
import { type ClusterScope, modelFromReconcile } from '../topology/from-result.js';
import { mermaidSection } from '../topology/mermaid.js';

export type OutputFormat = 'table' | 'json' | 'markdown';
export type Command = 'plan' | 'apply';

const JSON_SCHEMA_VERSION = 1;

/** The documented JSON output (README "JSON output"); fields are only ever added. */
interface JsonReport {
  schemaVersion: typeof JSON_SCHEMA_VERSION;
  command: Command;
  /** Healthy or Repaired: nothing left to repair, nothing refused (core/outcome.ts verdictOf). */
  inSync: boolean;
  status: ReconcileResult['status'];
  mode: ReconcileResult['mode'];
  runId: string;
  durationMs: number;
  routeTable: ReconcileResult['routeTable'] & { routes: RouteRecord[] };
  drift: Drift[];
  refused: ReconcileResult['refused'];
  actions: ReconcileResult['plan']['actions'];
  repaired: Drift[];
  unrepaired: Drift[];
  arm: ReconcileResult['arm'];
  error?: ReconcileResult['error'];
  /** A cluster of several tables (ReconcileResult.cluster): each table's part, and the peering findings. */
  cluster?: string;
  tables?: Array<{
    status: ReconcileResult['status'];
    routeTable: ReconcileResult['routeTable'] & { routes: RouteRecord[] };
    subnetIds: string[];
    drift: Drift[];
    refused: ReconcileResult['refused'];
    actions: ReconcileResult['plan']['actions'];
    repaired: Drift[];
    unrepaired: Drift[];
    error?: ReconcileResult['error'];
  }>;
  peerings?: ReconcileResult['peerings'];
}

/** The one verdict (core/outcome.ts): plan never writes, apply writes only in enforce mode. */
function verdict(command: Command, result: ReconcileResult) {
  return verdictOf(result.status, command === 'apply' && result.mode === 'enforce');
}

function toJsonReport(command: Command, result: ReconcileResult): JsonReport {
  return {
    schemaVersion: JSON_SCHEMA_VERSION,
    command,
    inSync: verdict(command, result).inSync,
    status: result.status,
    mode: result.mode,
    runId: result.runId,
    durationMs: result.durationMs,
    routeTable: { ...result.routeTable, routes: command === 'plan' ? result.before : result.after },
    drift: result.plan.drift,
    refused: result.refused,
    actions: result.plan.actions,
    repaired: result.repaired,
    unrepaired: result.unrepaired,
    arm: result.arm,
    ...(result.error ? { error: result.error } : {}),
    ...(result.tables ? clusterParts(command, result) : {}),
  };
}

function clusterParts(
  command: Command,
  result: ReconcileResult,
): Pick<JsonReport, 'cluster' | 'tables' | 'peerings'> {
  return {
    ...(result.cluster !== undefined ? { cluster: result.cluster } : {}),
    tables: (result.tables ?? []).map((t) => ({
      status: t.status,
      routeTable: { ...t.routeTable, routes: command === 'plan' ? t.before : t.after },
      subnetIds: t.subnetIds,
      drift: t.plan.drift,
      refused: t.refused,
      actions: t.plan.actions,
      repaired: t.repaired,
      unrepaired: t.unrepaired,
      ...(t.error ? { error: t.error } : {}),
    })),
    peerings: result.peerings ?? [],
  };
}

/** One line per table of a cluster of several tables. */
function tableLines(result: ReconcileResult): string[] {
  if (result.tables === undefined) return [];
  const lines = result.tables.map(
    (t) =>
      `  ${t.routeTable.name} (resource group ${t.routeTable.resourceGroup}, ${t.subnetIds.length} subnet(s)): ${t.status}, ${t.plan.drift.length} drift, ${t.plan.actions.length} action(s), ${t.refused.length} refused`,
  );
  return ['', `Cluster ${result.cluster ?? ''}: ${result.tables.length} route table(s)`, ...lines];
}

const dash = (v: string | undefined) => (v === undefined || v === '' ? '-' : v);

function driftByRoute(drift: Drift[]): Map<string, Drift[]> {
  const map = new Map<string, Drift[]>();
  for (const d of drift) {
    for (const name of [d.before?.name, d.after?.name]) {
      if (!name) continue;
      const key = name.toLowerCase();
      const list = map.get(key) ?? [];
      if (!list.includes(d)) list.push(d);
      map.set(key, list);
    }
  }
  return map;
}

/** The "Route Summary" table: name, address prefix, next hop IP, next hop type, state, and a drift column. */
function routeSummary(routes: RouteRecord[], drift: Drift[]): string {
  const table = new Table({
    head: ['Name', 'Address prefix', 'Next hop IP', 'Next hop type', 'State', 'Drift'],
    // Plain text: the output is pasted into tickets and read by scripts as often as by people.
    style: { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  const byRoute = driftByRoute(drift);
  const shown = new Set<string>();
  for (const r of routes) {
    shown.add(r.name.toLowerCase());
    const kinds = (byRoute.get(r.name.toLowerCase()) ?? []).map((d) => d.kind);
    table.push([
      r.name,
      dash(r.addressPrefix),
      dash(r.nextHopIpAddress),
      dash(r.nextHopType),
      dash(r.provisioningState),
      kinds.join(', ') || 'ok',
    ]);
  }
  // Routes that should exist but do not: shown as the plan would create them.
  for (const d of drift) {
    const target = d.after;
    if (!target || shown.has(target.name.toLowerCase())) continue;
    shown.add(target.name.toLowerCase());
    table.push([
      target.name,
      dash(target.addressPrefix),
      dash(target.nextHopIpAddress),
      dash(target.nextHopType),
      '(absent)',
      d.kind,
    ]);
  }
  return table.toString();
}

function routeText(r: RouteRecord | null): string {
  if (!r) return '-';
  return `${r.name} ${r.addressPrefix ?? '?'} -> ${r.nextHopType ?? '?'}${r.nextHopIpAddress ? ` ${r.nextHopIpAddress}` : ''}`;
}

/** One table's section: its routes with its own drift, its actions and refusals, and its routes after. */
function tableSection(command: Command, table: Omit<TableResult, 'subnetIds'>): string[] {
  const out: string[] = [];
  out.push(`Route table ${table.routeTable.name} (resource group ${table.routeTable.resourceGroup})`);
  out.push('');
  out.push(command === 'plan' ? 'Route Summary (now)' : 'Route Summary (before)');
  out.push(routeSummary(table.before, table.plan.drift));
  const others = table.plan.drift.filter((d) => !d.before && !d.after);
  for (const d of others) out.push(`  ! ${d.kind}: ${d.message}`);
  if (table.plan.actions.length > 0) {
    out.push('');
    out.push(command === 'plan' ? 'Planned actions' : 'Actions');
    for (const action of table.plan.actions) {
      const sign = action.kind.startsWith('delete') ? '-' : action.kind.startsWith('create') ? '+' : '~';
      const change =
        action.before || action.after ? `: ${routeText(action.before)} => ${routeText(action.after)}` : '';
      out.push(`  ${sign} ${action.kind} ${action.subject}${change}`);
    }
  }
  out.push(...refusalLines(table.refused));
  if (command === 'apply' && table.status !== 'Failed') {
    out.push('');
    out.push('Route Summary (after)');
    out.push(routeSummary(table.after, table.unrepaired));
  }
  return out;
}

function refusalLines(refused: Refusal[]): string[] {
  if (refused.length === 0) return [];
  return [
    '',
    'Refused by safety rules (not written)',
    ...refused.map((r) => `  x ${r.reason}: ${r.message}`),
  ];
}

/** The cluster's own refusals (the peering findings): in the result's list but in none of its tables'. */
function clusterRefusals(result: ReconcileResult, tables: TableResult[]): Refusal[] {
  const key = (r: Refusal) => `${r.reason}\u0000${r.subject}\u0000${r.message}`;
  const inTables = new Set(tables.flatMap((t) => t.refused.map(key)));
  return result.refused.filter((r) => !inTables.has(key(r)));
}

function renderTable(command: Command, result: ReconcileResult): string {
  const tables = result.tables ?? [result];
  const out = tables.flatMap((table, i) => [...(i > 0 ? ['', ''] : []), ...tableSection(command, table)]);
  if (result.tables) out.push(...refusalLines(clusterRefusals(result, result.tables)));
  out.push(...tableLines(result));
  out.push('');
  out.push(summaryLine(command, result));
  return out.join('\n');
}

function summaryLine(command: Command, result: ReconcileResult): string {
  if (result.status === 'Failed') return `Error: ${result.error?.message ?? 'reconcile failed'}`;
  const arm = result.arm;
  const calls = `${arm.reads} reads, ${arm.writes} writes, ${arm.polls} polls`;
  if (command === 'plan') {
    const found = result.plan.drift.length;
    return found === 0
      ? `In sync: no drift (${result.refused.length} refused). ARM: ${calls}.`
      : `Drift found: ${found} item(s), ${result.plan.actions.length} action(s) planned, ${result.refused.length} refused. ARM: ${calls}.`;
  }
  return `${result.status}: ${result.repaired.length} repaired, ${result.unrepaired.length} unrepaired, ${result.refused.length} refused in ${result.durationMs} ms. ARM: ${calls}.`;
}

const mdCell = (v: string | undefined) => dash(v).replaceAll('|', '\\|');

function mdRoutes(routes: RouteRecord[]): string[] {
  const lines = [
    '| Name | Address prefix | Next hop IP | Next hop type | State |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const r of routes) {
    lines.push(
      `| ${mdCell(r.name)} | ${mdCell(r.addressPrefix)} | ${mdCell(r.nextHopIpAddress)} | ${mdCell(r.nextHopType)} | ${mdCell(r.provisioningState)} |`,
    );
  }
  if (routes.length === 0) lines.push('| (no routes) | | | | |');
  return lines;
}

/** One table's part of the markdown record; `h` is the heading level (a cluster nests its tables). */
function mdTableSections(command: Command, table: Omit<TableResult, 'subnetIds'>, h: string): string[] {
  const out: string[] = [];
  if (h !== '## ')
    out.push(`## Route table ${table.routeTable.name}`, '', `- Status: **${table.status}**`, '');
  out.push(`${h}Before`, ...mdRoutes(table.before), '', `${h}Drift`);
  if (table.plan.drift.length === 0) out.push('None.');
  for (const d of table.plan.drift) out.push(`- **${d.kind}** \`${d.subject}\`: ${d.message}`);
  out.push('', command === 'plan' ? `${h}Planned actions` : `${h}Actions`);
  if (table.plan.actions.length === 0) out.push('None.');
  for (const a of table.plan.actions)
    out.push(`- ${a.kind} \`${a.subject}\`: ${routeText(a.before)} → ${routeText(a.after)}`);
  out.push('', `${h}Refusals`, ...mdRefusals(table.refused));
  if (command === 'apply') {
    out.push('', `${h}After`, ...mdRoutes(table.after));
    if (table.unrepaired.length > 0) {
      out.push('', 'Still drifted:');
      for (const d of table.unrepaired) out.push(`- **${d.kind}** \`${d.subject}\`: ${d.message}`);
    }
  }
  return out;
}

function mdRefusals(refused: Refusal[]): string[] {
  return refused.length === 0
    ? ['None.']
    : refused.map((r) => `- **${r.reason}** \`${r.subject}\`: ${r.message}`);
}

function renderMarkdown(command: Command, result: ReconcileResult, scope?: ClusterScope): string {
  const table = result.routeTable;
  const out: string[] = [];
  const title = result.tables ? `cluster ${result.cluster ?? ''}` : table.name;
  out.push(`# Pod route ${command === 'plan' ? 'plan' : 'change record'}: ${title}`);
  out.push('');
  for (const t of result.tables ?? [result]) out.push(`- Route table: \`${t.routeTable.id}\``);
  out.push(
    `- Run: \`${result.runId}\` at ${result.startedAt} (${result.durationMs} ms, trigger ${result.trigger}, mode ${result.mode})`,
  );
  out.push(`- Status: **${result.status}**`);
  if (!result.tables)
    out.push(`- ETag before: \`${table.etagBefore ?? '-'}\`, after: \`${table.etagAfter ?? '-'}\``);
  out.push('');
  if (scope && result.status !== 'Failed')
    out.push('## Topology', ...mermaidSection(modelFromReconcile(result, scope)), '');
  const tables = result.tables ?? [result];
  tables.forEach((t, i) => {
    out.push(...(i > 0 ? [''] : []), ...mdTableSections(command, t, result.tables ? '### ' : '## '));
  });
  if (result.tables)
    out.push('', '## Cluster refusals', ...mdRefusals(clusterRefusals(result, result.tables)));
  if (result.error) {
    out.push('');
    out.push('## Error');
    out.push(`${result.error.message}${result.error.code ? ` (code ${result.error.code})` : ''}`);
  }
  return out.join('\n');
}

/** `scope` (the cluster's name and the table's settings) adds the topology diagram to the markdown record. */
export function render(
  format: OutputFormat,
  command: Command,
  result: ReconcileResult,
  scope?: ClusterScope,
): string {
  if (format === 'json') return JSON.stringify(toJsonReport(command, result), null, 2);
  if (format === 'markdown') return renderMarkdown(command, result, scope);
  return renderTable(command, result);
}

/** plan: 0 in sync, 2 drift or refusals found, 1 error. apply: 0 in sync, 3 in sync but for refusals, 1 otherwise. */
export function exitCodeFor(command: Command, result: ReconcileResult): number {
  return verdict(command, result).cliExitCode;
}
