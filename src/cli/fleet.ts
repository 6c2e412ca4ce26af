// plan, apply and verify over the fleet file (CLUSTERS_FILE or --clusters-file): `--cluster NAME` or every
// cluster. One cluster prints exactly what it always has; several print each cluster's report, then one summary
// line per cluster, and exit with the worst cluster's code.
import type { ArmClients } from '../azure/clients.js';
import { type Config, ConfigError } from '../config.js';
import type { Logger } from '../core/types.js';
import type { FleetCluster } from '../fleet/load.js';
import { runFleet } from '../fleet/runner.js';
import { reconcile } from '../reconcile.js';
import { clusterScope } from '../topology/scope.js';
import { type Command, exitCodeFor, type OutputFormat, render } from './render.js';

/** The clusters `--cluster` names (all when absent); an unknown name is an error listing the fleet's. */
export function selectClusters(fleet: FleetCluster[], name: string | undefined): FleetCluster[] {
  if (name === undefined) return fleet;
  const chosen = fleet.filter((c) => c.name === name);
  if (chosen.length > 0) return chosen;
  throw new ConfigError([
    {
      setting: '--cluster',
      message: `no cluster '${name}' in the fleet (${fleet.map((c) => c.name).join(', ')})`,
    },
  ]);
}

/** An error (1) is worst; otherwise the highest code (2 drift or findings, 3 in sync but for refusals). */
function worstExitCode(codes: number[]): number {
  return codes.includes(1) ? 1 : Math.max(0, ...codes);
}

export interface ClusterReport {
  cluster: string;
  /** The full report in the chosen format. */
  rendered: string;
  /** One line: status and counts. */
  summary: string;
  /** The report as JSON (for -o json). */
  json: unknown;
  exitCode: number;
}

interface EngineReportOptions {
  forceDeletions: boolean;
  log?: Logger;
  /** The clients of a cluster's config (default: made from it, as every CLI run). */
  clients?: (config: Config) => ArmClients;
}

/** `plan` or `apply` of one cluster, as its report: what the CLI runs for every cluster of the fleet. */
export function engineReport(
  command: Command,
  format: OutputFormat,
  options: EngineReportOptions,
): (cluster: FleetCluster, signal: AbortSignal) => Promise<ClusterReport> {
  return async ({ name, config }, signal) => {
    const result = await reconcile({
      config,
      trigger: 'cli',
      dryRun: command === 'plan',
      forceDeletions: options.forceDeletions,
      ...(options.log ? { log: options.log } : {}),
      ...(options.clients ? { clients: options.clients(config) } : {}),
      signal,
    });
    const counts = `${result.plan.drift.length} drift, ${result.repaired.length} repaired, ${result.refused.length} refused`;
    return {
      cluster: name,
      rendered: render(format, command, result, clusterScope(config)),
      summary: `${result.status} [${counts}]${result.error ? `: ${result.error.message}` : ''}`,
      json: JSON.parse(render('json', command, result)),
      exitCode: exitCodeFor(command, result),
    };
  };
}

/** A CLI run's time budget over the whole fleet (each run keeps its own 120 s budget inside it). */
const CLI_FLEET_BUDGET_MS = 30 * 60_000;

/** Runs `report` for every cluster (a few at a time) and prints; returns the worst exit code. */
export async function reportFleet(
  clusters: FleetCluster[],
  format: string,
  report: (cluster: FleetCluster, signal: AbortSignal) => Promise<ClusterReport>,
  out: (text: string) => void,
): Promise<number> {
  const outcomes = await runFleet({
    clusters,
    timeoutMs: CLI_FLEET_BUDGET_MS,
    run: (cluster, budget) => report(cluster, budget.signal),
  });
  const reports: ClusterReport[] = outcomes.map((o) =>
    o.status === 'done'
      ? o.result
      : {
          cluster: o.cluster,
          rendered: '',
          summary: `error: ${o.status === 'threw' ? String(o.error) : o.reason}`,
          json: { error: o.status === 'threw' ? String(o.error) : o.reason },
          exitCode: 1,
        },
  );
  const worst = worstExitCode(reports.map((r) => r.exitCode));
  if (clusters.length === 1 && reports[0]?.rendered) {
    out(reports[0].rendered);
    return worst;
  }
  if (format === 'json') {
    const clustersJson = reports.map((r) => ({ cluster: r.cluster, exitCode: r.exitCode, report: r.json }));
    out(JSON.stringify({ schemaVersion: 1, exitCode: worst, clusters: clustersJson }, null, 2));
    return worst;
  }
  const heading =
    format === 'markdown'
      ? (name: string) => `# Cluster ${name}`
      : (name: string) => `=== cluster ${name} ===`;
  for (const r of reports) if (r.rendered) out(`${heading(r.cluster)}\n${r.rendered}\n`);
  out(reports.map((r) => `${r.cluster}: ${r.summary} (exit ${r.exitCode})`).join('\n'));
  return worst;
}
