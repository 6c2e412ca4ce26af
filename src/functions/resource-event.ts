// Event Grid input of reconcileOnResourceChange: validate the event's shape, then decide whether it can
// concern the routes. The event is only a hint (the reconcile re-reads ARM), so this decides nothing else.
import { z } from 'zod';
import type { Config } from '../config.js';
import { FAILURE_EVENT_TYPES, HANDLED_EVENT_TYPES, HANDLED_OPERATION_NAMES } from './event-filter-catalog.js';

/** One resource-group system topic event, whichever schema Event Grid delivered it in. */
export interface ResourceEvent {
  schema: 'EventGrid' | 'CloudEvents';
  id: string;
  eventType: string;
  /** The resource id the event is about (for tag writes: `<resource id>/providers/Microsoft.Resources/tags/default`). */
  subject: string;
  eventTime: string | undefined;
  operationName: string | undefined;
  /** data.correlationId: ARM's correlation id of the operation (ours when we sent it). */
  correlationId: string | undefined;
}

type ParsedEvent =
  | { ok: true; event: ResourceEvent }
  /** `field` is the path of the first wrong field, e.g. `data.operationName`, or `(event)` for the whole. */
  | { ok: false; field: string; message: string; id: string | undefined };

const text = (what: string) =>
  z.string({ error: (issue) => `expected ${what}, got ${describe(issue.input)}` }).min(1, `expected ${what}`);

// EventGridEvent as @azure/functions types it (EventGridEvent / EventGridPartialEvent): topic, dataVersion and
// metadataVersion are optional in the partial shape; eventTime is required by both but only informative here.
const eventGridEnvelope = z.looseObject({
  id: text('the event id'),
  subject: text('the resource id of the event'),
  eventType: text('the event type'),
  eventTime: z.string().optional(),
  topic: z.string().optional(),
  dataVersion: z.string().optional(),
  metadataVersion: z.string().optional(),
});

// CloudEvents 1.0 as the Functions Event Grid trigger hands it over (specversion, type, source, id, time, subject, data).
// One stored Azure sample spells the attribute `specVersion`; both spellings are accepted, neither required.
const cloudEventEnvelope = z.looseObject({
  id: text('the event id'),
  source: text('the event source (the resource group)'),
  type: text('the event type'),
  subject: text('the resource id of the event'),
  time: z.string().optional(),
  specversion: z.literal('1.0', { error: "expected specversion '1.0'" }).optional(),
  specVersion: z.literal('1.0', { error: "expected specVersion '1.0'" }).optional(),
});

// data of Microsoft.Resources.Resource{Write,Delete,Action}Success and Resource{Write,Delete}Failure
// (Resources.json, 2018-01-01: one shape for all).
const resourceEventData = z.looseObject(
  {
    operationName: text('the ARM operation name, such as Microsoft.Network/routeTables/routes/write'),
    resourceUri: z.string().optional(),
    correlationId: z.string().optional(),
    status: z.string().optional(),
    subscriptionId: z.string().optional(),
  },
  { error: (issue) => `expected the resource event data object, got ${describe(issue.input)}` },
);

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `'${value.slice(0, 40)}'` : typeof value;
}

const handledEventTypes = new Set<string>(HANDLED_EVENT_TYPES.map((t) => t.toLowerCase()));
const handledOperations = new Set<string>(HANDLED_OPERATION_NAMES.map((o) => o.toLowerCase()));
const failureEventTypes = new Set<string>(FAILURE_EVENT_TYPES.map((t) => t.toLowerCase()));

function firstIssue(error: z.ZodError, prefix: string): { field: string; message: string } {
  const issue = error.issues[0];
  const path = [prefix, ...(issue?.path ?? []).map(String)].filter((p) => p !== '').join('.');
  return { field: path === '' ? '(event)' : path, message: issue?.message ?? 'invalid' };
}

/**
 * Validates one delivered event. Events of types we do not handle are returned as parsed (their data is not
 * validated: the caller ignores them); events of handled types must carry data.operationName.
 */
export function parseResourceEvent(raw: unknown): ParsedEvent {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return {
      ok: false,
      field: '(event)',
      message: `expected an event object, got ${describe(raw)}`,
      id: undefined,
    };
  }
  const record = raw as Record<string, unknown>;
  const rawId = typeof record.id === 'string' ? record.id : undefined;
  const isCloudEvent =
    !('eventType' in record) &&
    ('type' in record || 'specversion' in record || 'specVersion' in record || 'source' in record);

  let event: ResourceEvent;
  if (isCloudEvent) {
    const parsed = cloudEventEnvelope.safeParse(record);
    if (!parsed.success) return { ok: false, ...firstIssue(parsed.error, ''), id: rawId };
    event = {
      schema: 'CloudEvents',
      id: parsed.data.id,
      eventType: parsed.data.type,
      subject: parsed.data.subject,
      eventTime: parsed.data.time,
      operationName: undefined,
      correlationId: undefined,
    };
  } else {
    const parsed = eventGridEnvelope.safeParse(record);
    if (!parsed.success) return { ok: false, ...firstIssue(parsed.error, ''), id: rawId };
    event = {
      schema: 'EventGrid',
      id: parsed.data.id,
      eventType: parsed.data.eventType,
      subject: parsed.data.subject,
      eventTime: parsed.data.eventTime,
      operationName: undefined,
      correlationId: undefined,
    };
  }
  if (!handledEventTypes.has(event.eventType.toLowerCase())) return { ok: true, event };
  const data = resourceEventData.safeParse(record.data);
  if (!data.success) return { ok: false, ...firstIssue(data.error, 'data'), id: event.id };
  return {
    ok: true,
    event: { ...event, operationName: data.data.operationName, correlationId: data.data.correlationId },
  };
}

type RelevantResource = 'vm' | 'nic' | 'route-table' | 'route' | 'vnet' | 'subnet';

type EventDecision =
  | { act: true; resource: RelevantResource; tagsWrite: boolean }
  | { act: false; reason: string };

const TAGS_SUFFIX = '/providers/microsoft.resources/tags/default';

/** Resources the engine writes: an event about one of them may be the echo of our own write. */
const WRITTEN_BY_US = new Set<RelevantResource>(['route-table', 'route', 'subnet', 'nic']);

/**
 * Does this event concern the routes of the configured table? Yes when its subject is a VM or NIC in the cluster
 * resource group, the route table or one of its routes, the vnet or the cluster subnet, or a tags write on one
 * of those, and its operation is one of HANDLED_OPERATION_NAMES. Ids are compared case-insensitively.
 * The echo of a write this process made (`isOwnWrite` of the event's correlation id) is not acted on: the run
 * that made it already confirmed it; somebody else's change arrives as an event of its own. A failure event is
 * acted on even for our own write: the run that made it may have stopped polling before the operation failed.
 */
export function decideOnEvent(
  event: ResourceEvent,
  config: Config,
  isOwnWrite: (correlationId: string | undefined) => boolean = () => false,
): EventDecision {
  if (!handledEventTypes.has(event.eventType.toLowerCase())) {
    return { act: false, reason: `event type ${event.eventType} is not handled` };
  }
  let subject = event.subject.toLowerCase().replace(/\/+$/u, '');
  const tagsWrite = subject.endsWith(TAGS_SUFFIX);
  if (tagsWrite) subject = subject.slice(0, -TAGS_SUFFIX.length);

  const resource = classifySubject(subject, config);
  if (typeof resource !== 'string') return { act: false, reason: resource.reason };
  const operation = event.operationName ?? '';
  if (!handledOperations.has(operation.toLowerCase())) {
    return {
      act: false,
      reason: `operation ${operation || '(none)'} on the ${resource} cannot change the routes`,
    };
  }
  const failed = failureEventTypes.has(event.eventType.toLowerCase());
  if (WRITTEN_BY_US.has(resource) && !tagsWrite && !failed && isOwnWrite(event.correlationId)) {
    return { act: false, reason: `the event of our own write (correlation id ${event.correlationId})` };
  }
  return { act: true, resource, tagsWrite };
}

function classifySubject(subject: string, config: Config): RelevantResource | { reason: string } {
  const sub = `/subscriptions/${config.subscriptionId.toLowerCase()}`;
  if (!subject.startsWith(`${sub}/`)) return { reason: 'the resource is in another subscription' };
  const group = (name: string) => `${sub}/resourcegroups/${name.toLowerCase()}/providers/`;
  // The subject has no trailing slash, so one that starts with the prefix names a child.
  const childName = (prefix: string): boolean =>
    subject.startsWith(prefix) && !subject.slice(prefix.length).includes('/');

  const cluster = group(config.clusterResourceGroup);
  if (childName(`${cluster}microsoft.compute/virtualmachines/`)) return 'vm';
  if (childName(`${cluster}microsoft.network/networkinterfaces/`)) return 'nic';

  const table = `${group(config.routeTableResourceGroup)}microsoft.network/routetables/${config.routeTableName.toLowerCase()}`;
  if (subject === table) return 'route-table';
  if (childName(`${table}/routes/`)) return 'route';

  const vnet = `${group(config.vnetResourceGroup)}microsoft.network/virtualnetworks/${config.vnetName.toLowerCase()}`;
  if (subject === vnet) return 'vnet';
  if (subject === `${vnet}/subnets/${config.subnetName.toLowerCase()}`) return 'subnet';

  const groups = [config.clusterResourceGroup, config.routeTableResourceGroup, config.vnetResourceGroup];
  if (!groups.some((g) => subject.startsWith(group(g))))
    return { reason: 'the resource is in another resource group' };
  return { reason: 'the resource is not one the routes depend on' };
}
