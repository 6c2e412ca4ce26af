// Telemetry of one verify run: the findings counter (by verdict) and one PodRouteVerify record with the findings,
// as an OTel log record that Azure Monitor stores as a customEvent.
import type { Meter } from '@opentelemetry/api';
import { type Logger, SeverityNumber } from '@opentelemetry/api-logs';
import type { VerifyResult } from '../verify.js';
import {
  CUSTOM_EVENT_NAME_ATTRIBUTE,
  METRICS,
  type VERIFY_RECORD_FIELDS,
  VERIFY_RECORD_NAME,
} from './catalog.js';

type VerifyRecord = Record<(typeof VERIFY_RECORD_FIELDS)[number], string | number>;

/** Every finding as one line: "worker-0: shadowed: 10.200.1.0/24: ...". */
export function verifyFindings(result: VerifyResult): string[] {
  return result.workers.flatMap((w) => [
    ...w.checks.filter((c) => c.verdict !== 'ok').map((c) => `${w.worker}: ${c.verdict}: ${c.message}`),
    ...(w.status === 'not-applicable' ? [`${w.worker}: not-applicable: ${w.message ?? w.reason}`] : []),
  ]);
}

function verifyRecord(result: VerifyResult): VerifyRecord {
  return {
    runId: result.runId,
    cluster: result.cluster ?? 'default',
    trigger: result.trigger,
    status: result.status,
    routeTable: result.routeTable,
    durationMs: result.durationMs,
    workers: result.summary.workers,
    ok: result.summary.ok,
    shadowed: result.summary.shadowed,
    missing: result.summary.missing,
    notApplicable: result.summary.notApplicable,
    findings: JSON.stringify(verifyFindings(result)),
    error: result.error === undefined ? '' : JSON.stringify(result.error),
  };
}

export function createVerifyRecorder(meter: Meter, logger: Logger): (result: VerifyResult) => void {
  const spec = METRICS.verifyFindings;
  const findings = meter.createCounter(spec.name, { unit: spec.unit, description: spec.description });
  return (result) => {
    const dims = {
      cluster: result.cluster ?? 'default',
      trigger: result.trigger,
      route_table: result.routeTable,
    };
    const { summary } = result;
    for (const [verdict, count] of [
      ['shadowed', summary.shadowed],
      ['missing', summary.missing],
      ['not-applicable', summary.notApplicable],
    ] as const)
      if (count > 0) findings.add(count, { ...dims, verdict });
    const warn = result.status !== 'Effective';
    logger.emit({
      severityNumber: warn ? SeverityNumber.WARN : SeverityNumber.INFO,
      severityText: warn ? 'WARN' : 'INFO',
      body: `${VERIFY_RECORD_NAME} ${result.status} ${result.routeTable} (${result.trigger}, run ${result.runId})`,
      attributes: { [CUSTOM_EVENT_NAME_ATTRIBUTE]: VERIFY_RECORD_NAME, ...verifyRecord(result) },
    });
  };
}
