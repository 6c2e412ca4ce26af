// Telemetry of one verify run: the findings counter (by verdict; confirmed findings only) and one PodRouteVerify
// record with the findings and, apart, those not confirmed yet, as an OTel log record that Azure Monitor stores as
// a customEvent.
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

/** One line per finding: "worker-0: shadowed: 10.200.1.0/24: ...". */
function findingLines(result: VerifyResult, confirmed: boolean): string[] {
  const counted = (flag: boolean | undefined) => (flag === true) === confirmed;
  return result.workers.flatMap((w) => [
    ...w.checks
      .filter((c) => c.verdict !== 'ok' && counted(c.confirmed))
      .map((c) => `${w.worker}: ${c.verdict}: ${c.message}`),
    ...(w.status === 'read-failed' && counted(w.confirmed) ? [`${w.worker}: read-failed: ${w.message}`] : []),
  ]);
}

/** The findings that count: seen again after the propagation delay. */
export function confirmedFindings(result: VerifyResult): string[] {
  return findingLines(result, true);
}

/** The findings that count, then the workers not applicable (listed, not findings). */
export function verifyFindings(result: VerifyResult): string[] {
  return [
    ...confirmedFindings(result),
    ...result.workers
      .filter((w) => w.status === 'not-applicable')
      .map((w) => `${w.worker}: not-applicable: ${w.message ?? w.reason}`),
  ];
}

/** Findings seen but not confirmed yet: never counted nor alerted on; the next check reads them again. */
export function unconfirmedFindings(result: VerifyResult): string[] {
  return findingLines(result, false);
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
    readFailed: result.summary.readFailed,
    notApplicable: result.summary.notApplicable,
    unconfirmed: result.summary.unconfirmed,
    findings: JSON.stringify(verifyFindings(result)),
    unconfirmedFindings: JSON.stringify(unconfirmedFindings(result)),
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
      ['read-failed', summary.readFailed],
      ['not-applicable', summary.notApplicable],
    ] as const)
      if (count > 0) findings.add(count, { ...dims, verdict });
    // Unconfirmed findings may be routes still propagating: not a warning until confirmed.
    const warn = result.status === 'Findings' || result.status === 'Failed';
    logger.emit({
      severityNumber: warn ? SeverityNumber.WARN : SeverityNumber.INFO,
      severityText: warn ? 'WARN' : 'INFO',
      body: `${VERIFY_RECORD_NAME} ${result.status} ${result.routeTable} (${result.trigger}, run ${result.runId})`,
      attributes: { [CUSTOM_EVENT_NAME_ATTRIBUTE]: VERIFY_RECORD_NAME, ...verifyRecord(result) },
    });
  };
}
