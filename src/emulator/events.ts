// Event Grid events of the resource-group system topic, in the EventGridEvent shape of the samples in
// azure-reference/specs/specification/eventgrid/data-plane/Microsoft.Resources/stable/2018-01-01/examples.
import { randomUUID } from 'node:crypto';

interface ResourceEventData {
  authorization: { scope: string; action: string; evidence: Record<string, string> };
  claims: Record<string, string>;
  correlationId: string;
  httpRequest?: { clientRequestId: string; clientIpAddress: string; method: string; url: string };
  resourceProvider: string;
  resourceUri: string;
  operationName: string;
  status: string;
  subscriptionId: string;
  tenantId: string;
}

export interface EventGridEvent {
  subject: string;
  eventType:
    | 'Microsoft.Resources.ResourceWriteSuccess'
    | 'Microsoft.Resources.ResourceDeleteSuccess'
    | 'Microsoft.Resources.ResourceActionSuccess'
    | 'Microsoft.Resources.ResourceWriteFailure'
    | 'Microsoft.Resources.ResourceDeleteFailure';
  eventTime: string;
  id: string;
  data: ResourceEventData;
  dataVersion: string;
  metadataVersion: string;
  topic: string;
}

interface EventInput {
  kind: 'write' | 'delete' | 'action';
  /** The resource id (subject). */
  resourceId: string;
  /** e.g. Microsoft.Network/routeTables/routes/write */
  operationName: string;
  subscriptionId: string;
  tenantId: string;
  resourceGroup: string;
  correlationId?: string;
  httpRequest?: { method: string; url: string; clientRequestId?: string; clientIpAddress?: string };
  /** The operation ended Failed: ResourceWriteFailure / ResourceDeleteFailure, data.status 'Failed'. */
  failed?: boolean;
}

const eventTypes = {
  write: 'Microsoft.Resources.ResourceWriteSuccess',
  delete: 'Microsoft.Resources.ResourceDeleteSuccess',
  action: 'Microsoft.Resources.ResourceActionSuccess',
} as const;
const failureEventTypes = {
  write: 'Microsoft.Resources.ResourceWriteFailure',
  delete: 'Microsoft.Resources.ResourceDeleteFailure',
} as const;

export function buildEvent(input: EventInput): EventGridEvent {
  const provider = input.operationName.split('/')[0] ?? '';
  const objectId = '00000000-0000-0000-0000-0000000e0001';
  const now = Math.floor(Date.now() / 1000);
  const data: ResourceEventData = {
    authorization: {
      scope: input.resourceId,
      action: input.operationName,
      evidence: { role: 'Subscription Admin' },
    },
    claims: {
      aud: 'https://management.azure.com/',
      iss: `https://sts.windows.net/${input.tenantId}/`,
      iat: String(now),
      nbf: String(now),
      exp: String(now + 3600),
      appid: 'arm-emulator',
      appidacr: '2',
      'http://schemas.microsoft.com/identity/claims/objectidentifier': objectId,
      'http://schemas.microsoft.com/identity/claims/tenantid': input.tenantId,
      ver: '1.0',
    },
    correlationId: input.correlationId ?? randomUUID(),
    ...(input.httpRequest
      ? {
          httpRequest: {
            clientRequestId: input.httpRequest.clientRequestId ?? randomUUID(),
            clientIpAddress: input.httpRequest.clientIpAddress ?? '127.0.0.1',
            method: input.httpRequest.method,
            url: input.httpRequest.url,
          },
        }
      : {}),
    resourceProvider: provider,
    resourceUri: input.resourceId,
    operationName: input.operationName,
    status: input.failed ? 'Failed' : 'Succeeded',
    subscriptionId: input.subscriptionId,
    tenantId: input.tenantId,
  };
  return {
    subject: input.resourceId,
    eventType:
      input.failed && input.kind !== 'action' ? failureEventTypes[input.kind] : eventTypes[input.kind],
    eventTime: new Date().toISOString(),
    id: randomUUID(),
    data,
    dataVersion: '2',
    metadataVersion: '1',
    topic: `/subscriptions/${input.subscriptionId}/resourceGroups/${input.resourceGroup}`,
  };
}

export type EventListener = (event: EventGridEvent) => void;

/** The emitted events and their in-process listeners; Event Grid delivery subscribes here (eventgrid/). */
export class EventHub {
  readonly events: EventGridEvent[] = [];
  private listeners = new Set<EventListener>();

  subscribe(fn: EventListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  emit(event: EventGridEvent): void {
    this.events.push(event);
    for (const fn of this.listeners) {
      try {
        fn(event);
      } catch {
        // A listener that throws (a test's callback) must not keep the event from the others.
      }
    }
  }

  clear(): void {
    this.events.length = 0;
  }
}
