// `pod-routes topology`: one plan (and, with --verify, the effective-route check) drawn into one
// self-contained HTML or SVG file.
import { writeFileSync } from 'node:fs';
import type { Config } from '../config.js';
import type { Logger } from '../core/types.js';
import { reconcile } from '../reconcile.js';
import { modelFromReconcile } from '../topology/from-result.js';
import { toHtml } from '../topology/html.js';
import { clusterScope } from '../topology/scope.js';
import { toSvg } from '../topology/svg.js';
import type { VerifyResult } from '../verify.js';

export interface TopologyRun {
  config: Config;
  format: 'html' | 'svg';
  out: string;
  /** Also read the workers' effective routes (verify) and mark what is not in effect. */
  verify: boolean;
  log: Logger;
  signal?: AbortSignal;
}

/** Exit code like plan's: 0 nothing found, 2 findings, 1 the read failed (nothing written). */
export async function writeTopology(run: TopologyRun): Promise<number> {
  const { config } = run;
  const result = await reconcile({ config, trigger: 'cli', dryRun: true, log: run.log, signal: run.signal });
  if (result.status === 'Failed') {
    process.stderr.write(`pod-routes topology: ${result.error?.message ?? 'the plan failed'}\n`);
    return 1;
  }
  let verified: VerifyResult | undefined;
  if (run.verify) {
    const { verify } = await import('../verify.js');
    verified = await verify({ config, trigger: 'cli', workers: 'all', log: run.log, signal: run.signal });
    if (verified.status === 'Failed') {
      process.stderr.write(`pod-routes topology: verify failed: ${verified.error?.message ?? 'unknown'}\n`);
      return 1;
    }
  }
  const model = modelFromReconcile(result, clusterScope(config), verified);
  writeFileSync(run.out, run.format === 'svg' ? toSvg(model) : toHtml(model));
  const findings = model.clusters.reduce((n, c) => n + c.findings.length, 0);
  process.stdout.write(
    `${run.out}: ${run.format} of cluster ${model.clusters[0]?.name}, ${findings} finding(s)\n`,
  );
  return findings === 0 && result.refused.length === 0 ? 0 : 2;
}
