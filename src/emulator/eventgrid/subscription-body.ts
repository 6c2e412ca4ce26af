// EventSubscription bodies (EventSubscriptionProperties of the 2025-02-15 spec): destination (AzureFunction,
// WebHook), filter (event types, subject, advanced filters), schema, retry policy, dead letter. Hand-written
// validation of the fields the emulator serves; anything else the spec defines is kept as given.
import {
  armId,
  describe,
  invalid,
  isObj,
  MAX_ADVANCED_FILTERS,
  MAX_FILTER_VALUES,
  MAX_STRING_VALUE_LENGTH,
  OPERATOR_TYPES,
  str,
} from './validate.js';

type Json = Record<string, unknown>;

export interface AdvancedFilter {
  operatorType: string;
  key: string;
  values?: unknown[];
  value?: unknown;
}

export interface SubscriptionFilter {
  includedEventTypes?: string[];
  subjectBeginsWith?: string;
  subjectEndsWith?: string;
  isSubjectCaseSensitive: boolean;
  enableAdvancedFilteringOnArrays?: boolean;
  advancedFilters: AdvancedFilter[];
}

export interface SubscriptionSpec {
  destination:
    | { endpointType: 'AzureFunction'; resourceId: string; maxEventsPerBatch: number; preferredKb: number }
    | { endpointType: 'WebHook'; endpointUrl: string; maxEventsPerBatch: number; preferredKb: number };
  filter: SubscriptionFilter;
  eventDeliverySchema: 'EventGridSchema' | 'CloudEventSchemaV1_0' | 'CustomInputSchema';
  retryPolicy: { maxDeliveryAttempts: number; eventTimeToLiveInMinutes: number };
  deadLetter: { resourceId: string; blobContainerName: string } | undefined;
  /** The identities delivery and dead-lettering act as ("with resource identity"), by body field. */
  identities: Array<{
    field: string;
    type: 'SystemAssigned' | 'UserAssigned';
    userAssignedIdentity?: string;
  }>;
  /** The properties as the resource provider stores them (GET shape, read-only fields added by the caller). */
  properties: Json;
}

const lower = (s: string) => s.toLowerCase();

function need(v: unknown, field: string): Json {
  if (!isObj(v)) throw invalid(`${field}: expected an object, got ${describe(v)}.`);
  return v;
}

function optInt(v: unknown, field: string, min: number, max: number, fallback: number): number {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw invalid(`${field}: expected an integer between ${min} and ${max}, got ${describe(v)}.`);
  return v;
}

function destination(v: unknown): { spec: SubscriptionSpec['destination']; stored: Json } {
  if (v === undefined || v === null) throw invalid('properties.destination is required.');
  const d = need(v, 'properties.destination');
  const type = str(d.endpointType, 'properties.destination.endpointType');
  if (!type) throw invalid('properties.destination.endpointType is required.');
  const p = d.properties === undefined ? {} : need(d.properties, 'properties.destination.properties');
  const batch = optInt(
    p.maxEventsPerBatch,
    'properties.destination.properties.maxEventsPerBatch',
    1,
    5000,
    1,
  );
  const kb = optInt(
    p.preferredBatchSizeInKilobytes,
    'properties.destination.properties.preferredBatchSizeInKilobytes',
    1,
    1024,
    64,
  );
  if (lower(type) === 'azurefunction') {
    const resourceId = armId(
      p.resourceId,
      'properties.destination.properties.resourceId',
      'Microsoft.Web/sites/functions',
    );
    return {
      spec: { endpointType: 'AzureFunction', resourceId, maxEventsPerBatch: batch, preferredKb: kb },
      stored: { endpointType: 'AzureFunction', properties: { ...p, resourceId } },
    };
  }
  if (lower(type) === 'webhook') {
    const url = str(p.endpointUrl, 'properties.destination.properties.endpointUrl');
    let parsed: URL | undefined;
    try {
      parsed = url ? new URL(url) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!parsed || !/^https?:$/u.test(parsed.protocol))
      throw invalid(
        'Invalid event subscription request: Supplied URL is invalid. It cannot be null or empty and should be a proper HTTPS URL like https://www.example.com.',
      );
    // The URL is a secret (x-ms-secret): reads show its base only, as in the spec's examples.
    const { endpointUrl: _secret, ...rest } = p;
    return {
      spec: { endpointType: 'WebHook', endpointUrl: url!, maxEventsPerBatch: batch, preferredKb: kb },
      stored: {
        endpointType: 'WebHook',
        properties: { ...rest, endpointBaseUrl: `${parsed.origin}${parsed.pathname}` },
      },
    };
  }
  throw invalid(
    `properties.destination.endpointType: '${type}' is not served by the emulator (AzureFunction or WebHook).`,
  );
}

function advancedFilter(v: unknown, at: string): AdvancedFilter {
  const f = need(v, at);
  const op = str(f.operatorType, `${at}.operatorType`);
  const operatorType = OPERATOR_TYPES.find((o) => lower(o) === lower(op ?? ''));
  if (!operatorType)
    throw invalid(`${at}.operatorType: expected one of ${OPERATOR_TYPES.join(', ')}, got ${describe(op)}.`);
  const key = str(f.key, `${at}.key`);
  if (!key) throw invalid(`${at}.key is required.`);
  if (operatorType === 'IsNullOrUndefined' || operatorType === 'IsNotNull') return { operatorType, key };
  if (operatorType === 'BoolEquals') {
    if (typeof f.value !== 'boolean') throw invalid(`${at}.value: expected true or false.`);
    return { operatorType, key, value: f.value };
  }
  if (operatorType.startsWith('Number') && !operatorType.endsWith('In') && !operatorType.endsWith('Range')) {
    if (typeof f.value !== 'number')
      throw invalid(`${at}.value: expected a number, got ${describe(f.value)}.`);
    return { operatorType, key, value: f.value };
  }
  if (!Array.isArray(f.values) || f.values.length === 0)
    throw invalid(`${at}.values: expected a non-empty array, got ${describe(f.values)}.`);
  f.values.forEach((x, i) => {
    const where = `${at}.values[${i}]`;
    if (operatorType.startsWith('String')) {
      if (typeof x !== 'string') throw invalid(`${where}: expected a string, got ${describe(x)}.`);
      if (x.length > MAX_STRING_VALUE_LENGTH)
        throw invalid(`${where}: a string value can have at most ${MAX_STRING_VALUE_LENGTH} characters.`);
    } else if (operatorType.endsWith('Range')) {
      if (!Array.isArray(x) || x.length !== 2 || x.some((n) => typeof n !== 'number'))
        throw invalid(`${where}: expected a [low, high] pair of numbers, got ${describe(x)}.`);
    } else if (typeof x !== 'number') throw invalid(`${where}: expected a number, got ${describe(x)}.`);
  });
  return { operatorType, key, values: f.values };
}

function filter(v: unknown, eventTypes: readonly string[]): { spec: SubscriptionFilter; stored: Json } {
  const f = v === undefined || v === null ? {} : need(v, 'properties.filter');
  const included = f.includedEventTypes;
  if (included !== undefined && included !== null) {
    if (!Array.isArray(included) || included.some((t) => typeof t !== 'string'))
      throw invalid(`properties.filter.includedEventTypes: expected an array of strings.`);
    for (const t of included as string[])
      if (!eventTypes.some((k) => lower(k) === lower(t)))
        throw invalid(
          `properties.filter.includedEventTypes: '${t}' is not an event type of this topic (expected one of ${eventTypes.join(', ')}).`,
        );
  }
  const beginsWith = str(f.subjectBeginsWith, 'properties.filter.subjectBeginsWith');
  const endsWith = str(f.subjectEndsWith, 'properties.filter.subjectEndsWith');
  const cs = f.isSubjectCaseSensitive;
  if (cs !== undefined && cs !== null && typeof cs !== 'boolean')
    throw invalid(`properties.filter.isSubjectCaseSensitive: expected true or false, got ${describe(cs)}.`);
  const arraysFlag = f.enableAdvancedFilteringOnArrays;
  if (arraysFlag !== undefined && arraysFlag !== null && typeof arraysFlag !== 'boolean')
    throw invalid('properties.filter.enableAdvancedFilteringOnArrays: expected true or false.');
  const rawAdvanced = f.advancedFilters ?? [];
  if (!Array.isArray(rawAdvanced)) throw invalid('properties.filter.advancedFilters: expected an array.');
  if (rawAdvanced.length > MAX_ADVANCED_FILTERS)
    throw invalid(
      `properties.filter.advancedFilters: at most ${MAX_ADVANCED_FILTERS} advanced filters per event subscription, got ${rawAdvanced.length}.`,
    );
  const advanced = rawAdvanced.map((a, i) => advancedFilter(a, `properties.filter.advancedFilters[${i}]`));
  const total = advanced.reduce((n, a) => n + (a.values?.length ?? 1), 0);
  if (total > MAX_FILTER_VALUES)
    throw invalid(
      `properties.filter.advancedFilters: at most ${MAX_FILTER_VALUES} filter values across all advanced filters, got ${total}.`,
    );
  const spec: SubscriptionFilter = {
    ...(included ? { includedEventTypes: included as string[] } : {}),
    ...(beginsWith ? { subjectBeginsWith: beginsWith } : {}),
    ...(endsWith ? { subjectEndsWith: endsWith } : {}),
    isSubjectCaseSensitive: cs === true,
    ...(typeof arraysFlag === 'boolean' ? { enableAdvancedFilteringOnArrays: arraysFlag } : {}),
    advancedFilters: advanced,
  };
  return {
    spec,
    stored: {
      ...f,
      isSubjectCaseSensitive: cs === true,
      ...(advanced.length ? { advancedFilters: advanced } : {}),
    },
  };
}

/** EventSubscriptionIdentity of a "with resource identity" block. */
function resourceIdentity(v: unknown, at: string): SubscriptionSpec['identities'][number] {
  const identity = need(v, `${at}.identity`);
  const type = str(identity.type, `${at}.identity.type`);
  if (type !== 'SystemAssigned' && type !== 'UserAssigned')
    throw invalid(`${at}.identity.type: expected 'SystemAssigned' or 'UserAssigned', got ${describe(type)}.`);
  if (type === 'SystemAssigned') return { field: at, type };
  const userAssignedIdentity = armId(
    identity.userAssignedIdentity,
    `${at}.identity.userAssignedIdentity`,
    'Microsoft.ManagedIdentity/userAssignedIdentities',
  );
  return { field: at, type, userAssignedIdentity };
}

function deadLetter(v: unknown): SubscriptionSpec['deadLetter'] {
  if (v === undefined || v === null) return undefined;
  const at = 'properties.deadLetterWithResourceIdentity';
  const d = need(v, at);
  const dest = need(d.deadLetterDestination, `${at}.deadLetterDestination`);
  if (dest.endpointType !== 'StorageBlob')
    throw invalid(
      `${at}.deadLetterDestination.endpointType: expected 'StorageBlob', got ${describe(dest.endpointType)}.`,
    );
  const p = need(dest.properties, `${at}.deadLetterDestination.properties`);
  const resourceId = armId(
    p.resourceId,
    `${at}.deadLetterDestination.properties.resourceId`,
    'Microsoft.Storage/storageAccounts',
  );
  const container = str(p.blobContainerName, `${at}.deadLetterDestination.properties.blobContainerName`);
  if (!container || !/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/u.test(container))
    throw invalid(
      `${at}.deadLetterDestination.properties.blobContainerName: expected a blob container name (3-63 lower-case letters, digits and single hyphens), got ${describe(container)}.`,
    );
  return { resourceId, blobContainerName: container };
}

/** Validates an event subscription PUT body against the topic's event types. */
export function validateEventSubscription(body: unknown, eventTypes: readonly string[]): SubscriptionSpec {
  if (!isObj(body)) throw invalid(`The request body must be a JSON object, got ${describe(body)}.`);
  const p = body.properties === undefined ? {} : need(body.properties, 'properties');
  const identities: SubscriptionSpec['identities'] = [];
  const withIdentity = p.deliveryWithResourceIdentity;
  if (
    withIdentity !== undefined &&
    withIdentity !== null &&
    p.destination !== undefined &&
    p.destination !== null
  )
    throw invalid('properties.destination and properties.deliveryWithResourceIdentity cannot both be set.');
  let dest: ReturnType<typeof destination>;
  if (withIdentity !== undefined && withIdentity !== null) {
    const at = 'properties.deliveryWithResourceIdentity';
    const d = need(withIdentity, at);
    identities.push(resourceIdentity(d.identity, at));
    dest = destination(d.destination);
  } else dest = destination(p.destination);
  const flt = filter(p.filter, eventTypes);
  const schema = str(p.eventDeliverySchema, 'properties.eventDeliverySchema') ?? 'EventGridSchema';
  const schemas = ['EventGridSchema', 'CloudEventSchemaV1_0', 'CustomInputSchema'] as const;
  const eventDeliverySchema = schemas.find((s) => lower(s) === lower(schema));
  if (!eventDeliverySchema)
    throw invalid(`properties.eventDeliverySchema: expected one of ${schemas.join(', ')}, got '${schema}'.`);
  const rp =
    p.retryPolicy === undefined || p.retryPolicy === null
      ? {}
      : need(p.retryPolicy, 'properties.retryPolicy');
  const retryPolicy = {
    maxDeliveryAttempts: optInt(
      rp.maxDeliveryAttempts,
      'properties.retryPolicy.maxDeliveryAttempts',
      1,
      30,
      30,
    ),
    eventTimeToLiveInMinutes: optInt(
      rp.eventTimeToLiveInMinutes,
      'properties.retryPolicy.eventTimeToLiveInMinutes',
      1,
      1440,
      1440,
    ),
  };
  if (p.deadLetterDestination !== undefined && p.deadLetterWithResourceIdentity !== undefined)
    throw invalid(
      'properties.deadLetterDestination and properties.deadLetterWithResourceIdentity cannot both be set.',
    );
  const dl = deadLetter(p.deadLetterWithResourceIdentity);
  if (dl)
    identities.push(
      resourceIdentity(
        (p.deadLetterWithResourceIdentity as Json).identity,
        'properties.deadLetterWithResourceIdentity',
      ),
    );
  if (p.labels !== undefined && (!Array.isArray(p.labels) || p.labels.some((l) => typeof l !== 'string')))
    throw invalid('properties.labels: expected an array of strings.');
  const { topic: _t, provisioningState: _s, ...given } = p;
  return {
    destination: dest.spec,
    filter: flt.spec,
    eventDeliverySchema,
    retryPolicy,
    deadLetter: dl,
    identities,
    properties: {
      ...given,
      ...(withIdentity === undefined || withIdentity === null
        ? { destination: dest.stored }
        : {
            deliveryWithResourceIdentity: {
              ...(withIdentity as Json),
              destination: dest.stored,
            },
          }),
      filter: flt.stored,
      eventDeliverySchema,
      retryPolicy,
    },
  };
}
