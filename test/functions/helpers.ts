// Shared test material: the provisioning report's settings, resource events in the documented shape of Event
// Grid's resource-group system topic (written here; test/functions/events.conformance.test.ts checks them against
// Azure's published samples and data schema), fake results.
import { InvocationContext, type LogLevel } from '@azure/functions';
import { type Config, loadConfig } from '../../src/config.js';
import { emptyPlan } from '../../src/core/outcome.js';
import type { Drift, Plan, ReconcileResult } from '../../src/core/types.js';

const SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';
export const SETTINGS = {
  AZURE_SUBSCRIPTION_ID: SUBSCRIPTION,
  CLUSTER_RESOURCE_GROUP: 'kubernetes',
  ROUTE_TABLE_NAME: 'kubernetes-routes',
  VNET_NAME: 'kubernetes-vnet',
  SUBNET_NAME: 'kubernetes-subnet',
  CLUSTER_CIDR: '10.200.0.0/16',
};
export const config: Config = loadConfig(SETTINGS);

const RG = `/subscriptions/${SUBSCRIPTION}/resourceGroups/kubernetes`;
export const IDS = {
  vm: `${RG}/providers/Microsoft.Compute/virtualMachines/worker-0`,
  nic: `${RG}/providers/Microsoft.Network/networkInterfaces/worker-0-nic`,
  routeTable: `${RG}/providers/Microsoft.Network/routeTables/kubernetes-routes`,
  route: `${RG}/providers/Microsoft.Network/routeTables/kubernetes-routes/routes/kubernetes-route-10-200-0-0-24`,
  vnet: `${RG}/providers/Microsoft.Network/virtualNetworks/kubernetes-vnet`,
  subnet: `${RG}/providers/Microsoft.Network/virtualNetworks/kubernetes-vnet/subnets/kubernetes-subnet`,
  tags: (id: string) => `${id}/providers/Microsoft.Resources/tags/default`,
};

export type Schema = 'event-grid-schema' | 'cloud-events-schema';
export type Kind = 'write' | 'delete' | 'action';

type Json = Record<string, unknown>;

const EVENT_TYPES: Record<Kind, string> = {
  write: 'Microsoft.Resources.ResourceWriteSuccess',
  delete: 'Microsoft.Resources.ResourceDeleteSuccess',
  action: 'Microsoft.Resources.ResourceActionSuccess',
};
const METHODS: Record<Kind, string> = { write: 'PUT', delete: 'DELETE', action: 'POST' };

/**
 * A Resource{Write,Delete,Action}Success event as the resource-group system topic delivers it ("Azure Resource
 * Manager as an Event Grid source"), with '{subscription-id}' and '{resource-group}' placeholders. Like
 * Azure's samples, the write event carries no data.httpRequest; the delete and action events do.
 */
function sample(schema: Schema, kind: Kind): Json {
  const group = '/subscriptions/{subscription-id}/resourceGroups/{resource-group}';
  const subject =
    kind === 'action'
      ? `${group}/providers/Microsoft.EventHub/namespaces/ns1/authorizationRules/RootManageSharedAccessKey`
      : `${group}/providers/Microsoft.Storage/storageAccounts/store1`;
  const operationName =
    kind === 'action'
      ? 'Microsoft.EventHub/namespaces/authorizationRules/listKeys/action'
      : `Microsoft.Storage/storageAccounts/${kind}`;
  const data: Json = {
    authorization: { scope: subject, action: operationName, evidence: { role: 'Contributor' } },
    claims: { aud: 'https://management.azure.com/', appid: crypto.randomUUID(), ver: '1.0' },
    correlationId: crypto.randomUUID(),
    ...(kind === 'write'
      ? {}
      : {
          httpRequest: {
            clientRequestId: crypto.randomUUID(),
            clientIpAddress: '192.0.2.10',
            method: METHODS[kind],
            url: `https://management.azure.com${subject}?api-version=2024-01-01`,
          },
        }),
    resourceProvider: operationName.split('/')[0],
    resourceUri: subject,
    operationName,
    status: 'Succeeded',
    subscriptionId: '{subscription-id}',
    tenantId: '{tenant-id}',
  };
  const id = crypto.randomUUID();
  const time = new Date().toISOString();
  return schema === 'event-grid-schema'
    ? {
        subject,
        eventType: EVENT_TYPES[kind],
        eventTime: time,
        id,
        data,
        dataVersion: '2',
        metadataVersion: '1',
        topic: group,
      }
    : { source: group, subject, type: EVENT_TYPES[kind], time, id, data, specversion: '1.0' };
}

/** The event of that schema and kind, re-aimed at `subject` with `operationName`. */
export function sampleEvent(
  schema: Schema,
  kind: Kind,
  subject: string,
  operationName: string,
  subscription = SUBSCRIPTION,
  resourceGroup = 'kubernetes',
): Json {
  const event = sample(schema, kind);
  const text = JSON.stringify(event)
    .replaceAll('{subscription-id}', subscription)
    .replaceAll('{resource-group}', resourceGroup);
  const filled = JSON.parse(text) as Json & { data: Json };
  filled.subject = subject;
  filled.id = crypto.randomUUID();
  filled.data.resourceUri = subject;
  filled.data.operationName = operationName;
  (filled.data.authorization as Json).scope = subject;
  (filled.data.authorization as Json).action = operationName;
  return filled;
}

/** The event about a storage account (write, delete) or an event hub rule (action), placeholders filled: not ours. */
export function untouchedSample(schema: Schema, kind: Kind): Json {
  const text = JSON.stringify(sample(schema, kind))
    .replaceAll('{subscription-id}', SUBSCRIPTION)
    .replaceAll('{resource-group}', 'kubernetes');
  return JSON.parse(text) as Json;
}

export interface CapturedLog {
  level: LogLevel;
  message: string;
}

export function invocation(functionName: string): { context: InvocationContext; logs: CapturedLog[] } {
  const logs: CapturedLog[] = [];
  const context = new InvocationContext({
    invocationId: crypto.randomUUID(),
    functionName,
    logHandler: (level, ...args) => logs.push({ level, message: args.map(String).join(' ') }),
  });
  return { context, logs };
}

// emptyPlan() is the engine's plan of a run that could not read (nothingToRepair false); the fixtures' healthy run
// read a table in sync, so its plan says so. A drifted plan is the empty one with drift.
const inSyncPlan: Plan = { ...emptyPlan(), nothingToRepair: true };

const route0 = {
  name: 'kubernetes-route-10-200-0-0-24',
  addressPrefix: '10.200.0.0/24',
  nextHopType: 'VirtualAppliance',
  nextHopIpAddress: '10.240.0.20',
};
const route1 = {
  name: 'kubernetes-route-10-200-1-0-24',
  addressPrefix: '10.200.1.0/24',
  nextHopType: 'VirtualAppliance',
  nextHopIpAddress: '10.240.0.21',
};
/** worker-1's route is missing: in the repaired and the drifted result alike. */
const route1Missing: Drift = {
  kind: 'missing-route',
  subject: route1.name,
  worker: 'worker-1',
  before: null,
  after: route1,
  message: 'route for worker-1 is missing',
  repairable: true,
};

export function healthyResult(overrides: Partial<ReconcileResult> = {}): ReconcileResult {
  return {
    runId: crypto.randomUUID(),
    trigger: 'timer',
    mode: 'enforce',
    startedAt: new Date().toISOString(),
    durationMs: 120,
    status: 'Healthy',
    routeTable: {
      id: IDS.routeTable,
      name: 'kubernetes-routes',
      resourceGroup: 'kubernetes',
      etagBefore: 'W/"a"',
      etagAfter: 'W/"a"',
    },
    plan: inSyncPlan,
    repaired: [],
    unrepaired: [],
    refused: [],
    before: [route0, route1],
    after: [route0, route1],
    managedRoutes: 2,
    attempts: 1,
    arm: { reads: 3, writes: 0, polls: 0, throttled: 0, conflicts: 0 },
    ...overrides,
  };
}

/** worker-1's route was missing and a wrong next hop on worker-0's: both repaired, after one 412 and one 429. */
export function repairedResult(overrides: Partial<ReconcileResult> = {}): ReconcileResult {
  const wrong = { ...route0, nextHopIpAddress: '10.240.0.99' };
  const drift = [
    {
      kind: 'wrong-next-hop' as const,
      subject: route0.name,
      worker: 'worker-0',
      before: wrong,
      after: route0,
      message: 'next hop 10.240.0.99 should be 10.240.0.20',
      repairable: true,
    },
    route1Missing,
  ];
  return healthyResult({
    status: 'Repaired',
    plan: { ...emptyPlan(), drift },
    repaired: drift,
    before: [wrong],
    after: [route0, route1],
    routeTable: { ...healthyResult().routeTable, etagBefore: 'W/"a"', etagAfter: 'W/"b"' },
    attempts: 2,
    arm: { reads: 6, writes: 2, polls: 2, throttled: 1, conflicts: 1 },
    ...overrides,
  });
}

/** worker-2 claims a pod CIDR outside the cluster CIDR: refused, the rest in sync. */
export function refusedResult(overrides: Partial<ReconcileResult> = {}): ReconcileResult {
  const refused = [
    {
      reason: 'pod-cidr-outside-cluster' as const,
      subject: 'worker-2',
      worker: 'worker-2',
      message: "pod-cidr '10.99.0.0/24' is outside the cluster CIDR 10.200.0.0/16",
    },
  ];
  return healthyResult({ status: 'Refused', plan: { ...inSyncPlan, refused }, refused, ...overrides });
}

export function driftedResult(overrides: Partial<ReconcileResult> = {}): ReconcileResult {
  const drift = [route1Missing];
  return healthyResult({
    status: 'Drifted',
    trigger: 'http',
    plan: { ...emptyPlan(), drift },
    unrepaired: drift,
    managedRoutes: 1,
    ...overrides,
  });
}

export function failedResult(transient: boolean, overrides: Partial<ReconcileResult> = {}): ReconcileResult {
  return healthyResult({
    status: 'Failed',
    managedRoutes: 0,
    before: [],
    after: [],
    error: transient
      ? { message: 'ARM answered 429 TooManyRequests', code: 'TooManyRequests', statusCode: 429, transient }
      : {
          message: 'AuthorizationFailed on routeTables/write',
          code: 'AuthorizationFailed',
          statusCode: 403,
          transient,
        },
    ...overrides,
  });
}

export const timer = (isPastDue = false) => ({
  isPastDue,
  schedule: { adjustForDST: false },
  scheduleStatus: { last: '', next: '', lastUpdated: '' },
});
