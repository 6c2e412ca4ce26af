// Event Grid as a service in the emulator: the management API (api.ts) and the delivery of every event the
// emulator emits to the event subscriptions that match it (source = the event's topic, filter.ts), and to the
// implicit `eventsTo` subscription, all through one delivery model (delivery.ts). Public interface:
// docs/emulator.md, "Event Grid".

import type { EventGridEvent } from '../events.js';
import type { FunctionApps } from '../functionapps.js';
import type { ArmReply, ArmRequest } from '../request.js';
import type { Store } from '../store.js';
import { EventGridApi } from './api.js';
import {
  DEFAULT_DELIVERY,
  type DeadLetteredEvent,
  Delivery,
  type DeliveryRecord,
  type DeliverySettings,
  type DeliveryStats,
  type DeliveryTarget,
} from './delivery.js';
import { filterMatches } from './filter.js';
import type { SubscriptionSpec } from './subscription-body.js';

export type { DeadLetteredEvent, DeliveryRecord, DeliverySettings, DeliveryStats } from './delivery.js';

export interface EventGridOptions {
  /**
   * Where AzureFunction destinations are delivered: function resource id
   * (`/subscriptions/.../resourceGroups/.../providers/Microsoft.Web/sites/{app}/functions/{name}`, compared
   * case-insensitively) -> local URL (e.g. a test's Event Grid webhook). A destination with no URL fails
   * the event subscription's creation as Event Grid does when the function does not exist.
   */
  functionEndpoints?: Record<string, string>;
  /** Alternative to (or fallback of) `functionEndpoints`: the URL of a function, or undefined. */
  resolveFunction?: (resourceId: string) => string | undefined;
  /** Delivery timing: `timeoutMs` (default 30 000) and `timeScale` (default 1) for every delay. */
  delivery?: Partial<DeliverySettings>;
  /** Duration of Event Grid's long-running operations (ms, default 0). */
  operationMs?: number;
}

const lower = (s: string) => s.toLowerCase();
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function loopbackOnly(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return LOOPBACK.has(new URL(url).hostname) ? url : undefined;
  } catch {
    return undefined;
  }
}

export class EventGridService {
  readonly api: EventGridApi;
  readonly delivery: Delivery;

  constructor(
    store: Store,
    endpoint: () => string,
    /** Where AzureFunction destinations are delivered (functionapps.ts). */
    private readonly functions: Pick<FunctionApps, 'setEndpoint' | 'deliveryUrl' | 'webhookTarget'>,
    options: EventGridOptions = {},
    private readonly eventsTo?: string,
  ) {
    for (const [id, url] of Object.entries(options.functionEndpoints ?? {}))
      this.setFunctionEndpoint(id, url);
    this.delivery = new Delivery({ ...DEFAULT_DELIVERY, ...options.delivery });
    this.api = new EventGridApi({
      store,
      endpoint,
      functionExists: (id) => this.functionUrl(id) !== undefined,
      webhookRefusal: (url) => {
        const t = this.functions.webhookTarget(url);
        return t && 'status' in t ? t.status : undefined;
      },
      operationMs: options.operationMs ?? 0,
    });
  }

  /** Maps a function resource id to the local URL its events are POSTed to (undefined removes it). */
  setFunctionEndpoint(resourceId: string, url: string | undefined): void {
    this.functions.setEndpoint(resourceId, url);
  }

  functionUrl(resourceId: string): string | undefined {
    return this.functions.deliveryUrl(resourceId);
  }

  handle(req: ArmRequest, apiVersion: string): ArmReply | undefined {
    return this.api.handle(req, apiVersion);
  }

  /** Called with every event the emulator emits. */
  dispatch(event: EventGridEvent): void {
    const e = event as unknown as Parameters<Delivery['enqueue']>[1];
    if (this.eventsTo)
      this.delivery.enqueue(
        {
          subscription: 'eventsTo',
          endpointType: 'WebHook',
          url: () => this.eventsTo,
          schema: 'EventGridSchema',
          maxDeliveryAttempts: 30,
          eventTimeToLiveInMinutes: 1440,
          deadLetter: true,
        },
        e,
      );
    for (const { source, record } of this.api.active()) {
      if (lower(source) !== lower(event.topic)) continue;
      if (!filterMatches(record.spec.filter, e)) continue;
      this.delivery.enqueue(this.target(String(record.resource.id), record.spec), e);
    }
  }

  private target(id: string, spec: SubscriptionSpec): DeliveryTarget {
    const d = spec.destination;
    return {
      subscription: id,
      endpointType: d.endpointType,
      url: () => {
        if (d.endpointType === 'AzureFunction') return loopbackOnly(this.functionUrl(d.resourceId));
        // A site's host name reaches its Functions host (key checked there); any other URL only on 127.0.0.1.
        const site = this.functions.webhookTarget(d.endpointUrl);
        if (site) return 'status' in site ? site : loopbackOnly(site.url);
        return loopbackOnly(d.endpointUrl);
      },
      schema: spec.eventDeliverySchema,
      maxDeliveryAttempts: spec.retryPolicy.maxDeliveryAttempts,
      eventTimeToLiveInMinutes: spec.retryPolicy.eventTimeToLiveInMinutes,
      deadLetter: spec.deadLetter !== undefined,
    };
  }

  stats(): DeliveryStats {
    return this.delivery.stats();
  }

  deliveries(): DeliveryRecord[] {
    return structuredClone(this.delivery.records);
  }

  deadLetters(): DeadLetteredEvent[] {
    return structuredClone(this.delivery.deadLetters);
  }

  /** Admin HTTP endpoints under /_emulator/eventgrid/ (undefined: not one of them). */
  admin(method: string, path: string, raw: string): ArmReply | undefined {
    const route = `${method} ${lower(path).replace(/\/$/u, '')}`;
    switch (route) {
      case 'GET /_emulator/eventgrid/stats':
        return { status: 200, headers: {}, body: this.stats() };
      case 'GET /_emulator/eventgrid/deliveries':
        return { status: 200, headers: {}, body: this.deliveries() };
      case 'GET /_emulator/eventgrid/deadletters':
        return { status: 200, headers: {}, body: this.deadLetters() };
      case 'PUT /_emulator/eventgrid/functions': {
        const body = JSON.parse(raw || 'null') as { resourceId?: unknown; url?: unknown } | null;
        if (typeof body?.resourceId !== 'string' || typeof body.url !== 'string')
          throw new Error(
            'expected a JSON body { "resourceId": "<function resource id>", "url": "<local URL>" }',
          );
        this.setFunctionEndpoint(body.resourceId, body.url);
        return { status: 204, headers: {} };
      }
      default:
        return undefined;
    }
  }

  /** Forgets topics, subscriptions, deliveries and dead letters (function endpoints stay). */
  reset(): void {
    this.api.reset();
    this.delivery.reset();
  }
}
