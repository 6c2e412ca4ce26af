// Validation of Event Grid management bodies (system topics and their event subscriptions), hand-written from
// the official 2025-02-15 spec (EventGrid.json: SystemTopic, EventSubscriptionProperties and the definitions
// they reference) for the fields the emulator serves. Errors are 400s in the Event Grid resource provider's
// shape ({ code: 'InvalidRequest', message }); each message names the field and what was expected.
import { ArmError } from '../errors.js';

type Json = Record<string, unknown>;

export const EVENTGRID_API_VERSIONS = [
  '2025-02-15',
  '2024-12-15-preview',
  '2024-06-01-preview',
  '2023-12-15-preview',
  '2023-06-01-preview',
  '2022-06-15',
  '2021-12-01',
  '2021-10-15-preview',
  '2021-06-01-preview',
  '2020-10-15-preview',
  '2020-04-01-preview',
] as const;

/** Event types a resource-group (or subscription) system topic publishes (Microsoft.Resources events). */
const RESOURCE_EVENT_TYPES = ['Write', 'Delete', 'Action'].flatMap((op) =>
  ['Success', 'Failure', 'Cancel'].map((outcome) => `Microsoft.Resources.Resource${op}${outcome}`),
);
export const TOPIC_TYPES: Record<string, readonly string[]> = {
  'microsoft.resources.resourcegroups': RESOURCE_EVENT_TYPES,
  'microsoft.resources.subscriptions': RESOURCE_EVENT_TYPES,
};

const STRING_OPERATORS = [
  'StringIn',
  'StringNotIn',
  'StringBeginsWith',
  'StringNotBeginsWith',
  'StringEndsWith',
  'StringNotEndsWith',
  'StringContains',
  'StringNotContains',
];
const NUMBER_LIST_OPERATORS = ['NumberIn', 'NumberNotIn'];
const NUMBER_OPERATORS = [
  'NumberLessThan',
  'NumberGreaterThan',
  'NumberLessThanOrEquals',
  'NumberGreaterThanOrEquals',
];
const RANGE_OPERATORS = ['NumberInRange', 'NumberNotInRange'];
const OTHER_OPERATORS = ['BoolEquals', 'IsNullOrUndefined', 'IsNotNull'];
export const OPERATOR_TYPES = [
  ...STRING_OPERATORS,
  ...NUMBER_LIST_OPERATORS,
  ...NUMBER_OPERATORS,
  ...RANGE_OPERATORS,
  ...OTHER_OPERATORS,
];

/** Documented limits ("Advanced filtering" in the Event Grid docs). */
export const MAX_ADVANCED_FILTERS = 25;
export const MAX_FILTER_VALUES = 25;
export const MAX_STRING_VALUE_LENGTH = 512;

export const invalid = (message: string): ArmError => new ArmError(400, { code: 'InvalidRequest', message });

export const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const lower = (s: string) => s.toLowerCase();

function object(v: unknown, field: string, required = false): Json | undefined {
  if (v === undefined || v === null) {
    if (required) throw invalid(`${field} is required.`);
    return undefined;
  }
  if (!isObj(v)) throw invalid(`${field}: expected an object, got ${describe(v)}.`);
  return v;
}

export function str(v: unknown, field: string, required = false): string | undefined {
  if (v === undefined || v === null) {
    if (required) throw invalid(`${field} is required.`);
    return undefined;
  }
  if (typeof v !== 'string') throw invalid(`${field}: expected a string, got ${describe(v)}.`);
  if (required && v.trim() === '') throw invalid(`${field} is required and cannot be empty.`);
  return v;
}

function oneOf(v: string, allowed: readonly string[], field: string): string {
  const hit = allowed.find((a) => lower(a) === lower(v));
  if (!hit) throw invalid(`${field}: '${v}' is not one of ${allowed.map((a) => `'${a}'`).join(', ')}.`);
  return hit;
}

export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `'${v.slice(0, 60)}'`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

/** An ARM resource id of the given type (case-insensitive), e.g. Microsoft.Web/sites/functions. */
export function armId(v: unknown, field: string, type: string): string {
  const id = str(v, field, true)!;
  const segments = type.split('/');
  const names = segments.slice(1).map((t) => `/${t}/[^/]+`);
  const re = new RegExp(
    `^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/${segments[0]}${names.join('')}$`,
    'iu',
  );
  if (!re.test(id)) throw invalid(`${field}: expected the resource id of a ${type}, got '${id}'.`);
  return id;
}

/** SystemTopic (TrackedResource + SystemTopicProperties + IdentityInfo). Returns the stored shape's inputs. */
export function validateSystemTopic(body: unknown): {
  location: string;
  tags: Record<string, string> | undefined;
  source: string;
  topicType: string;
  identity: Json | undefined;
} {
  if (!isObj(body)) throw invalid(`The request body must be a JSON object, got ${describe(body)}.`);
  const location = str(body.location, 'location', true)!;
  const tags = object(body.tags, 'tags') as Record<string, string> | undefined;
  for (const [k, v] of Object.entries(tags ?? {}))
    if (typeof v !== 'string') throw invalid(`tags.${k}: expected a string, got ${describe(v)}.`);
  const p = object(body.properties, 'properties', true)!;
  const source = str(p.source, 'properties.source', true)!;
  const topicType = str(p.topicType, 'properties.topicType', true)!;
  const knownType = TOPIC_TYPES[lower(topicType)];
  if (!knownType)
    throw invalid(
      `properties.topicType: '${topicType}' is not a topic type the emulator serves (Microsoft.Resources.ResourceGroups, Microsoft.Resources.Subscriptions).`,
    );
  const sourceRe =
    lower(topicType) === 'microsoft.resources.resourcegroups'
      ? /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+$/iu
      : /^\/subscriptions\/[^/]+$/iu;
  if (!sourceRe.test(source))
    throw invalid(
      `properties.source: '${source}' is not a valid source for topic type ${topicType} (expected ${lower(topicType).endsWith('resourcegroups') ? '/subscriptions/{id}/resourceGroups/{name}' : '/subscriptions/{id}'}).`,
    );
  if (lower(location) !== 'global')
    throw invalid(
      `location: system topics of type ${topicType} must be created in location 'global', got '${location}'.`,
    );
  const identity = object(body.identity, 'identity');
  if (identity) {
    const type = str(identity.type, 'identity.type', true)!;
    oneOf(type, ['None', 'SystemAssigned', 'UserAssigned', 'SystemAssigned, UserAssigned'], 'identity.type');
    const uai = object(identity.userAssignedIdentities, 'identity.userAssignedIdentities');
    if (type.includes('UserAssigned') && (!uai || Object.keys(uai).length === 0))
      throw invalid(`identity.userAssignedIdentities is required when identity.type is '${type}'.`);
    for (const k of Object.keys(uai ?? {}))
      armId(k, 'identity.userAssignedIdentities key', 'Microsoft.ManagedIdentity/userAssignedIdentities');
  }
  return { location: 'global', tags, source, topicType, identity };
}
