// Renderers of one VerifyResult (pod-routes verify): a terminal table, a stable JSON document and a markdown
// record, like plan's. They read the result; they never recompute it.
import Table from 'cli-table3';
import { describeRoute, type PrefixCheck, type WorkerVerification } from '../core/effective.js';
import { confirmedFindings, unconfirmedFindings } from '../telemetry/verify.js';
import { type ClusterScope, modelFromVerify } from '../topology/from-result.js';
import { mermaidSection } from '../topology/mermaid.js';
import type { VerifyResult } from '../verify.js';
import type { OutputFormat } from './render.js';

const VERIFY_JSON_SCHEMA_VERSION = 1;

/** The documented JSON output of verify (README); fields are only ever added. */
function toVerifyJson(result: VerifyResult) {
  return {
    schemaVersion: VERIFY_JSON_SCHEMA_VERSION,
    command: 'verify' as const,
    effective: result.status === 'Effective',
    status: result.status,
    runId: result.runId,
    durationMs: result.durationMs,
    routeTable: result.routeTable,
    subnetId: result.subnetId,
    ...(result.subnetIds ? { subnetIds: result.subnetIds } : {}),
    ...(result.peerings ? { peerings: result.peerings } : {}),
    summary: result.summary,
    workers: result.workers,
    confirmAfterMs: result.confirmAfterMs,
    cleared: result.cleared,
    arm: result.arm,
    ...(result.error ? { error: result.error } : {}),
  };
}

const VERDICT_TEXT: Record<PrefixCheck['verdict'], string> = {
  ok: 'ok',
  shadowed: 'SHADOWED',
  missing: 'MISSING',
};

/** A finding not confirmed yet says so: it may be routes still propagating. */
const verdictText = (verdict: string, confirmed: boolean | undefined) =>
  confirmed === true ? verdict : `${verdict} (unconfirmed)`;

function rows(w: WorkerVerification): string[][] {
  const nic = w.nicId?.slice(w.nicId.lastIndexOf('/') + 1) ?? '-';
  if (w.status === 'read-failed')
    return [[w.worker, nic, '-', '-', verdictText('READ FAILED', w.confirmed), w.message ?? '-']];
  if (w.status === 'not-applicable')
    return [[w.worker, nic, '-', '-', `not applicable (${w.reason ?? 'unknown'})`, w.message ?? '-']];
  if (w.checks.length === 0) return [[w.worker, nic, '-', '-', 'ok', 'no other worker to reach']];
  return w.checks.map((c) => [
    w.worker,
    nic,
    c.prefix,
    c.toWorker,
    c.verdict === 'ok' ? VERDICT_TEXT.ok : verdictText(VERDICT_TEXT[c.verdict], c.confirmed),
    c.winner ? describeRoute(c.winner) : 'no Active route (unroutable)',
  ]);
}

function verifySummaryLine(result: VerifyResult): string {
  if (result.status === 'Failed') return `Error: ${result.error?.message ?? 'verify failed'}`;
  const { summary, arm } = result;
  const calls = `ARM: ${arm.reads} reads, ${arm.posts} effective-route POSTs, ${arm.polls} polls`;
  const counts = `${summary.ok} ok, ${summary.shadowed} shadowed, ${summary.missing} missing, ${summary.readFailed} read failed, ${summary.unconfirmed} not confirmed yet on ${summary.checked} worker(s); ${summary.notApplicable} not applicable`;
  const unconfirmed =
    result.status === 'Unconfirmed'
      ? ` Findings not confirmed yet (seen, but not for ${result.confirmAfterMs / 1000} s): run verify again.`
      : '';
  return `${result.status}: ${counts}.${unconfirmed} ${calls}.`;
}

/** Findings that count, those not confirmed yet, those the re-check cleared, then not-applicable workers and notes. */
function findings(result: VerifyResult): string[] {
  return [
    ...confirmedFindings(result),
    ...unconfirmedFindings(result).map((f) => `not confirmed yet: ${f}`),
    ...result.cleared.map(
      (c) => `cleared on re-check (was propagating): ${c.worker}: ${c.verdict}: ${c.message}`,
    ),
    ...result.workers.flatMap((w) => [
      ...(w.status === 'not-applicable' ? [`${w.worker}: not applicable: ${w.message ?? w.reason}`] : []),
      ...w.notes.map((n) => `${w.worker}: note: ${n}`),
    ]),
    ...(result.peerings ?? []).map((f) => `peering: ${f.message}`),
  ];
}

function renderVerifyTable(result: VerifyResult): string {
  const table = new Table({
    head: ['Worker', 'NIC', 'Pod CIDR', 'To worker', 'Verdict', 'Route in effect'],
    style: { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const w of result.workers) for (const row of rows(w)) table.push(row);
  const out = [
    `Pod routes in effect on the workers (route table ${result.routeTable})`,
    '',
    table.toString(),
  ];
  const list = findings(result);
  if (list.length > 0) out.push('', ...list.map((f) => `  ! ${f}`));
  out.push('', verifySummaryLine(result));
  return out.join('\n');
}

const md = (v: string) => v.replaceAll('|', '\\|');

function renderVerifyMarkdown(result: VerifyResult, scope?: ClusterScope): string {
  const out = [
    `# Pod route verification: ${result.routeTable}`,
    '',
    `- Subnet: \`${result.subnetId}\``,
    `- Run: \`${result.runId}\` at ${result.startedAt} (${result.durationMs} ms, trigger ${result.trigger})`,
    `- Status: **${result.status}**`,
    '',
    '| Worker | NIC | Pod CIDR | To worker | Verdict | Route in effect |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const w of result.workers) for (const row of rows(w)) out.push(`| ${row.map(md).join(' | ')} |`);
  if (result.workers.length === 0) out.push('| (no workers) | | | | | |');
  out.push('', '## Findings');
  const list = findings(result);
  out.push(...(list.length === 0 ? ['None.'] : list.map((f) => `- ${f}`)));
  if (scope && result.status !== 'Failed')
    out.push('', '## Topology', ...mermaidSection(modelFromVerify(result, scope)));
  out.push('', verifySummaryLine(result));
  return out.join('\n');
}

/** `scope` (the cluster's name and the table's settings) adds the topology diagram to the markdown record. */
export function renderVerify(format: OutputFormat, result: VerifyResult, scope?: ClusterScope): string {
  if (format === 'json') return JSON.stringify(toVerifyJson(result), null, 2);
  if (format === 'markdown') return renderVerifyMarkdown(result, scope);
  return renderVerifyTable(result);
}

/**
 * Like plan: 0 every checked pod route in effect, 2 confirmed findings (shadowed, missing, read failed), 4 only
 * findings not confirmed yet (maybe routes still propagating: run it again), 1 error.
 */
export function verifyExitCode(result: VerifyResult): number {
  if (result.status === 'Failed') return 1;
  if (result.status === 'Unconfirmed') return 4;
  return result.status === 'Effective' ? 0 : 2;
}
