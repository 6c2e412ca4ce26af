// The telemetry contract: every metric and health-record field the function emits. The README documents
// these, and the alert rules and workbook in infra/ query them by these names (a test checks both sides).

export const METER_NAME = 'pod-route-reconciler';

interface MetricSpec {
  name: string;
  kind: 'counter' | 'histogram' | 'gauge';
  unit: string;
  description: string;
  dimensions: readonly string[];
}

export const METRICS = {
  runs: {
    name: 'podroutes.reconcile.runs',
    kind: 'counter',
    unit: '{run}',
    description: 'Reconcile runs, by what started them and how they ended.',
    dimensions: ['cluster', 'route_table', 'trigger', 'result'],
  },
  duration: {
    name: 'podroutes.reconcile.duration',
    kind: 'histogram',
    unit: 'ms',
    description: 'Wall time of one reconcile, from trigger to verified result.',
    dimensions: ['cluster', 'route_table', 'trigger', 'result'],
  },
  driftDetected: {
    name: 'podroutes.drift.detected',
    kind: 'counter',
    unit: '{drift}',
    description: 'Drift found by a run, by kind.',
    dimensions: ['cluster', 'route_table', 'kind'],
  },
  driftRepaired: {
    name: 'podroutes.drift.repaired',
    kind: 'counter',
    unit: '{drift}',
    description: 'Drift repaired and confirmed by a re-read, by kind.',
    dimensions: ['cluster', 'route_table', 'kind'],
  },
  driftUnrepaired: {
    name: 'podroutes.drift.unrepaired',
    kind: 'gauge',
    unit: '{drift}',
    description: 'Drift still present at the end of the last run of each table.',
    dimensions: ['cluster', 'route_table'],
  },
  refused: {
    name: 'podroutes.drift.refused',
    kind: 'counter',
    unit: '{refusal}',
    description: 'Changes a safety rule refused, by reason.',
    dimensions: ['cluster', 'route_table', 'reason'],
  },
  managedRoutes: {
    name: 'podroutes.routes.managed',
    kind: 'gauge',
    unit: '{route}',
    description: 'Routes this function owns in the table after the last run.',
    dimensions: ['cluster', 'route_table'],
  },
  throttled: {
    name: 'podroutes.arm.throttled',
    kind: 'counter',
    unit: '{response}',
    description: 'ARM 429 answers (throttling or another operation in progress).',
    dimensions: ['cluster', 'route_table'],
  },
  etagConflicts: {
    name: 'podroutes.arm.etag_conflicts',
    kind: 'counter',
    unit: '{response}',
    description: 'ARM 412 answers: someone else wrote the table between our read and our write.',
    dimensions: ['cluster', 'route_table'],
  },
  verifyFindings: {
    name: 'podroutes.verify.findings',
    kind: 'counter',
    unit: '{finding}',
    description:
      'Confirmed findings of a verify run (seen again after the propagation delay): pod CIDRs not in effect on a worker NIC (shadowed, missing), NICs whose effective routes ARM did not give (read-failed); and workers it could not check (not-applicable).',
    dimensions: ['cluster', 'verdict', 'trigger', 'route_table'],
  },
  health: {
    name: 'podroutes.health',
    kind: 'gauge',
    unit: '1',
    description: '1 when the last run left every owned route in sync (Healthy or Repaired), else 0.',
    dimensions: ['cluster', 'route_table', 'status'],
  },
} as const satisfies Record<string, MetricSpec>;

/** Name of the structured health record (one per run; the audit trail). */
/** Attribute that makes the Azure Monitor exporter store a log record as a customEvent of that name. */
export const CUSTOM_EVENT_NAME_ATTRIBUTE = 'microsoft.custom_event.name';

export const HEALTH_RECORD_NAME = 'PodRouteHealth';

/** Fields of the health record, as attributes of the log record / custom event. */
export const HEALTH_RECORD_FIELDS = [
  'runId',
  'cluster',
  'trigger',
  'mode',
  'status',
  'routeTable',
  'durationMs',
  'driftDetected',
  'driftRepaired',
  'driftUnrepaired',
  'refused',
  'managedRoutes',
  'changes',
  'refusals',
  'error',
  'verification',
  'topology',
] as const;

/** Name of the record of one verify run (effective routes), with VERIFY_RECORD_FIELDS. */
export const VERIFY_RECORD_NAME = 'PodRouteVerify';

export const VERIFY_RECORD_FIELDS = [
  'runId',
  'cluster',
  'trigger',
  'status',
  'routeTable',
  'durationMs',
  'workers',
  'ok',
  'shadowed',
  'missing',
  'readFailed',
  'notApplicable',
  'unconfirmed',
  'findings',
  'unconfirmedFindings',
  'error',
] as const;
