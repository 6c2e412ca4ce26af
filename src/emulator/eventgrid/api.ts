// Microsoft.EventGrid management operations the emulator serves: system topics (list by subscription or
// resource group, get, put, delete) and their event subscriptions (list, get, put, delete), with Event Grid's
// long-running operations (PUT 201/200 + Azure-AsyncOperation on .../locations/{l}/operationsStatus/{id},
// DELETE 202 + Location on .../operationResults/{id}); provisioningState Creating/Updating/Deleting until the
// operation completes. Paths and shapes: EventGrid.json 2025-02-15 and its SystemTopics_Get /
// SystemTopicEventSubscriptions_Get examples.
import { randomUUID } from 'node:crypto';
import { ArmError, armErrors } from '../errors.js';
import type { ArmReply, ArmRequest } from '../request.js';
import type { Store } from '../store.js';
import { type SubscriptionSpec, validateEventSubscription } from './subscription-body.js';
import { EVENTGRID_API_VERSIONS, invalid, TOPIC_TYPES, validateSystemTopic } from './validate.js';

type Json = Record<string, unknown>;

interface SystemTopicRecord {
  resource: Json;
  source: string;
  subscriptions: Map<string, EventSubscriptionRecord>;
}

interface EventSubscriptionRecord {
  resource: Json;
  spec: SubscriptionSpec;
}

interface Operation {
  id: string;
  location: string;
  apiVersion: string;
  status: 'InProgress' | 'Succeeded' | 'Failed';
  error?: { code: string; message: string };
  readyAt: number;
  complete: () => { code: string; message: string } | undefined;
  timer?: NodeJS.Timeout;
}

interface EventGridApiOptions {
  store: Store;
  endpoint: () => string;
  /** Does an AzureFunction destination's function exist (can Event Grid validate the endpoint)? */
  functionExists: (resourceId: string) => boolean;
  /**
   * The HTTP status a WebHook URL's validation handshake fails with, or undefined when it passes or is not
   * modelled (only a Functions host's Event Grid extension URL is: the extension answers the handshake).
   */
  webhookRefusal: (endpointUrl: string) => number | undefined;
  /** How long Event Grid's operations take (ms, default 0: they complete on the next tick). */
  operationMs: number;
}

const lower = (s: string) => s.toLowerCase();
const NAME_RE = /^[A-Za-z0-9-]{3,64}$/u;
const TOPIC_NAME_RE = /^[A-Za-z0-9-]{3,128}$/u;
const BASE = '^/subscriptions/([^/]+)(?:/resourcegroups/([^/]+))?/providers/microsoft\\.eventgrid';
const paths = {
  operation: new RegExp(`${BASE}/locations/([^/]+)/(operationsstatus|operationresults)/([^/]+)/?$`, 'iu'),
  topics: new RegExp(`${BASE}/systemtopics/?$`, 'iu'),
  topic: new RegExp(`${BASE}/systemtopics/([^/]+)/?$`, 'iu'),
  subs: new RegExp(`${BASE}/systemtopics/([^/]+)/eventsubscriptions/?$`, 'iu'),
  sub: new RegExp(`${BASE}/systemtopics/([^/]+)/eventsubscriptions/([^/]+)/?$`, 'iu'),
};

/** "6/30/2025 6:51:50 PM", as Event Grid's messages print timestamps. */
function egTimestamp(d = new Date()): string {
  const h = d.getUTCHours();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${h % 12 || 12}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`;
}

const STATUS_WORDS: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound' };
/** A URL without its query (which holds the key): what Event Grid shows of a WebHook. */
const baseUrl = (url: string) => url.split('?')[0]!;

export class EventGridApi {
  readonly topics = new Map<string, SystemTopicRecord>();
  private ops = new Map<string, Operation>();
  /** The subscription of the request being handled (handle() answers synchronously, one request at a time). */
  private pathSubscription: string;

  constructor(private readonly options: EventGridApiOptions) {
    this.pathSubscription = options.store.subscriptionId;
  }

  reset(): void {
    for (const op of this.ops.values()) clearTimeout(op.timer);
    this.ops.clear();
    this.topics.clear();
  }

  /** The reply when the request is an Event Grid one, else undefined. */
  handle(req: ArmRequest, apiVersion: string): ArmReply | undefined {
    const p = req.path;
    if (!/\/providers\/microsoft\.eventgrid(\/|$)/iu.test(p)) return undefined;
    if (!EVENTGRID_API_VERSIONS.includes(apiVersion as (typeof EVENTGRID_API_VERSIONS)[number]))
      throw armErrors.noRegisteredProvider(
        'global',
        apiVersion,
        /\/eventsubscriptions(\/|$)/iu.test(p) ? 'systemTopics/eventSubscriptions' : 'systemTopics',
        EVENTGRID_API_VERSIONS,
        ['global'],
      );
    let m = paths.operation.exec(p);
    if (m && !m[2]) return this.poll(req, m[5]!, lower(m[4]!) === 'operationresults');
    this.pathSubscription =
      this.options.store.subscription(/^\/subscriptions\/([^/]+)/iu.exec(p)?.[1] ?? '') ??
      this.options.store.subscriptionId;
    m = paths.topics.exec(p);
    if (m) {
      this.only(req, 'GET');
      const rg = m[2] ? this.group(m[2]) : undefined;
      const scope = `/subscriptions/${lower(this.pathSubscription)}/resourcegroups/${rg ? `${lower(rg)}/` : ''}`;
      const value = [...this.topics.values()]
        .filter((t) => lower(String(t.resource.id)).startsWith(scope))
        .map((t) => this.view(t.resource));
      return { status: 200, headers: {}, body: { value } };
    }
    m = paths.topic.exec(p);
    if (m?.[2]) return this.topic(req, this.group(m[2]), m[3]!);
    m = paths.subs.exec(p);
    if (m?.[2]) {
      this.only(req, 'GET');
      const topic = this.requireTopic(this.group(m[2]), m[3]!);
      const value = [...topic.subscriptions.values()].map((s) => this.view(s.resource));
      return { status: 200, headers: {}, body: { value } };
    }
    m = paths.sub.exec(p);
    if (m?.[2]) return this.subscription(req, this.group(m[2]), m[3]!, m[4]!);
    throw armErrors.notSupported(req.method, p);
  }

  private only(req: ArmRequest, method: string): void {
    if (req.method !== method) throw armErrors.notSupported(req.method, req.path);
  }

  private group(name: string): string {
    const g = this.options.store.group(name, this.pathSubscription);
    if (!g) throw armErrors.resourceGroupNotFound(name);
    return g.name;
  }

  private view(r: Json): Json {
    this.settleDue();
    return structuredClone(r);
  }

  private topicId(rg: string, name: string): string {
    return `/subscriptions/${this.pathSubscription}/resourceGroups/${rg}/providers/Microsoft.EventGrid/systemTopics/${name}`;
  }

  private requireTopic(rg: string, name: string): SystemTopicRecord {
    const t = this.topics.get(lower(this.topicId(rg, name)));
    if (!t) throw armErrors.resourceNotFound(`Microsoft.EventGrid/systemTopics/${name}`, rg);
    return t;
  }

  // ------------------------------------------------------------------ system topics

  private topic(req: ArmRequest, rg: string, name: string): ArmReply {
    const id = this.topicId(rg, name);
    const existing = this.topics.get(lower(id));
    return this.serve(req, existing, {
      notFound: () => armErrors.resourceNotFound(`Microsoft.EventGrid/systemTopics/${name}`, rg),
      put: () => this.putTopic(req, name, id, existing),
      remove: () => this.topics.delete(lower(id)),
    });
  }

  /**
   * GET, PUT or DELETE of one system topic or event subscription: a missing one is 404 to a GET and 204 to a
   * DELETE; a delete is an operation (202), the resource Deleting until it ends.
   */
  private serve(
    req: ArmRequest,
    existing: { resource: Json } | undefined,
    how: { notFound: () => ArmError; put: () => ArmReply; remove: () => void },
  ): ArmReply {
    switch (req.method) {
      case 'GET':
        if (!existing) throw how.notFound();
        return { status: 200, headers: {}, body: this.view(existing.resource) };
      case 'PUT':
        return how.put();
      case 'DELETE': {
        if (!existing) return { status: 204, headers: {} };
        (existing.resource.properties as Json).provisioningState = 'Deleting';
        const op = this.start(req, 'global', () => {
          how.remove();
          return undefined;
        });
        return { status: 202, headers: this.headers(op, true) };
      }
      default:
        throw armErrors.notSupported(req.method, req.path);
    }
  }

  private putTopic(
    req: ArmRequest,
    name: string,
    id: string,
    existing: SystemTopicRecord | undefined,
  ): ArmReply {
    if (!TOPIC_NAME_RE.test(name))
      throw invalid(
        `System topic name '${name}' is invalid: it must be 3 to 128 characters long and contain only letters, digits and '-'.`,
      );
    const v = validateSystemTopic(req.body);
    if (existing && lower(existing.source) !== lower(v.source))
      throw invalid('System topic source cannot be modified.');
    const other = [...this.topics.values()].find(
      (t) => lower(t.source) === lower(v.source) && t !== existing,
    );
    if (other)
      throw invalid(
        `There is an existing tracked system topic for the given source ${v.source}. Only one system topic is allowed per source.`,
      );
    const src = /^\/subscriptions\/([^/]+)(?:\/resourceGroups\/([^/]+))?$/iu.exec(v.source)!;
    const sourceSubscription = this.options.store.subscription(src[1]!);
    if (sourceSubscription === undefined || (src[2] && !this.options.store.group(src[2], sourceSubscription)))
      throw invalid(`properties.source: the source resource ${v.source} was not found.`);
    this.checkTopicIdentities(v.identity);
    const prevIdentity = existing?.resource.identity as Json | undefined;
    const identity = v.identity && this.identity(v.identity, prevIdentity);
    const resource: Json = {
      properties: {
        provisioningState: existing ? 'Updating' : 'Creating',
        source: v.source,
        topicType: v.topicType,
        metricResourceId:
          (existing?.resource.properties as Json | undefined)?.metricResourceId ?? randomUUID(),
      },
      ...(identity ? { identity } : {}),
      location: v.location,
      tags: v.tags ?? null,
      id: existing ? existing.resource.id : id,
      name: existing ? existing.resource.name : name,
      type: 'Microsoft.EventGrid/systemTopics',
    };
    const record: SystemTopicRecord = existing ?? { resource, source: v.source, subscriptions: new Map() };
    record.resource = resource;
    this.topics.set(lower(id), record);
    const op = this.start(req, 'global', () => {
      (resource.properties as Json).provisioningState = 'Succeeded';
      return undefined;
    });
    return {
      status: existing ? 200 : 201,
      headers: this.headers(op, false),
      body: structuredClone(resource),
    };
  }

  /** Each user-assigned identity of a topic must exist (the managed identity service's answer otherwise). */
  private checkTopicIdentities(identity: Json | undefined): void {
    for (const id of Object.keys((identity?.userAssignedIdentities ?? {}) as Json))
      if (!this.options.store.get(id))
        throw new ArmError(400, {
          code: 'FailedIdentityOperation',
          message: `Identity operation for resource failed: the user-assigned identity '${id}' does not exist.`,
        });
  }

  private identity(given: Json, prev: Json | undefined): Json {
    const type = String(given.type);
    if (!type.includes('SystemAssigned')) return { ...given, principalId: undefined, tenantId: undefined };
    return {
      ...given,
      principalId: (prev?.principalId as string | undefined) ?? randomUUID(),
      tenantId: this.options.store.tenantId,
    };
  }

  // ------------------------------------------------------------------ event subscriptions

  private subscription(req: ArmRequest, rg: string, topicName: string, name: string): ArmReply {
    const topic = this.requireTopic(rg, topicName);
    const existing = topic.subscriptions.get(lower(name));
    return this.serve(req, existing, {
      notFound: () =>
        armErrors.resourceNotFound(
          `Microsoft.EventGrid/systemTopics/${topicName}/eventSubscriptions/${name}`,
          rg,
        ),
      put: () => this.putSubscription(req, topic, name, existing),
      remove: () => topic.subscriptions.delete(lower(name)),
    });
  }

  private putSubscription(
    req: ArmRequest,
    topic: SystemTopicRecord,
    name: string,
    existing: EventSubscriptionRecord | undefined,
  ): ArmReply {
    if (!NAME_RE.test(name))
      throw invalid(
        `Event subscription name '${name}' is invalid: it must be 3 to 64 characters long and contain only letters, digits and '-'.`,
      );
    const topicProps = topic.resource.properties as Json;
    const eventTypes = TOPIC_TYPES[lower(String(topicProps.topicType))] ?? [];
    const spec = validateEventSubscription(req.body, eventTypes);
    const topicId = String(topic.resource.id);
    this.checkIdentities(spec, topic);
    this.checkDestinationSubscription(spec, topicId);
    const resource: Json = {
      properties: {
        topic: topicId,
        provisioningState: existing ? 'Updating' : 'Creating',
        ...spec.properties,
      },
      id: `${topicId}/eventSubscriptions/${existing ? String(existing.resource.name) : name}`,
      name: existing ? existing.resource.name : name,
      type: 'Microsoft.EventGrid/systemTopics/eventSubscriptions',
    };
    const record: EventSubscriptionRecord = { resource, spec };
    topic.subscriptions.set(lower(name), record);
    const op = this.start(req, 'global', () => {
      const props = resource.properties as Json;
      const d = spec.destination;
      if (d.endpointType === 'AzureFunction' && !this.options.functionExists(d.resourceId)) {
        props.provisioningState = 'Failed';
        return {
          code: 'Endpoint validation',
          message: `Destination endpoint not found. Resource details: resourceId: ${d.resourceId}. Resource should pre-exist before attempting this operation. Activity id:${randomUUID()}, timestamp: ${egTimestamp()} (UTC).`,
        };
      }
      const refused = d.endpointType === 'WebHook' ? this.options.webhookRefusal(d.endpointUrl) : undefined;
      if (d.endpointType === 'WebHook' && refused !== undefined) {
        props.provisioningState = 'Failed';
        // Event Grid's wording (its typo included), as deployers quote it; the status in words.
        return {
          code: 'Url validation',
          message: `Webhook validation handshake failed for ${baseUrl(d.endpointUrl)}. Http POST request failed with response code ${STATUS_WORDS[refused] ?? refused}. For troublehooting, visit https://aka.ms/esvalidation. Activity id:${randomUUID()}, timestamp: ${egTimestamp()} (UTC).`,
        };
      }
      props.provisioningState = 'Succeeded';
      return undefined;
    });
    // Event Grid answers 201 for both create and update of an event subscription (the spec lists only 201).
    return { status: 201, headers: this.headers(op, false), body: structuredClone(resource) };
  }

  /**
   * Delivery or dead-lettering "with resource identity" acts as an identity of the topic (Event Grid docs,
   * managed-service-identity / enable-identity-system-topics): a system-assigned one must be enabled on it, a
   * user-assigned one must be among its userAssignedIdentities, and must exist. (Event Grid answers these with a
   * 400 InvalidRequest; the wording here is the emulator's.)
   */
  private checkIdentities(spec: SubscriptionSpec, topic: SystemTopicRecord): void {
    const identity = (topic.resource.identity ?? {}) as Json;
    const users = Object.keys((identity.userAssignedIdentities ?? {}) as Json).map(lower);
    for (const used of spec.identities) {
      if (used.type === 'SystemAssigned') {
        if (!String(identity.type ?? '').includes('SystemAssigned'))
          throw invalid(
            `${used.field}.identity: the topic ${String(topic.resource.name)} has no system-assigned identity; enable it on the topic first.`,
          );
        continue;
      }
      const id = used.userAssignedIdentity!;
      if (!users.includes(lower(id)))
        throw invalid(
          `${used.field}.identity.userAssignedIdentity: the user-assigned identity ${id} is not an identity of the topic ${String(topic.resource.name)}; add it to the topic's identity first.`,
        );
      if (!this.options.store.get(id))
        throw invalid(
          `${used.field}.identity.userAssignedIdentity: the user-assigned identity ${id} was not found.`,
        );
    }
  }

  /**
   * An AzureFunction destination in another subscription than the topic's: no Azure source establishes that
   * Event Grid delivers there (docs/deploy.md, "Several subscriptions"), so the emulator refuses it rather than
   * let a test pass that Azure may fail. A WebHook destination (the function's Event Grid extension URL) is the
   * documented cross-subscription route.
   */
  private checkDestinationSubscription(spec: SubscriptionSpec, topicId: string): void {
    const d = spec.destination;
    if (d.endpointType !== 'AzureFunction') return;
    const sub = (id: string) => lower(/^\/subscriptions\/([^/]+)/iu.exec(id)?.[1] ?? '');
    if (sub(d.resourceId) !== sub(topicId))
      throw invalid(
        `properties.destination.properties.resourceId: the function ${d.resourceId} is in another subscription than the topic; the emulator serves AzureFunction destinations in the topic's subscription only (use a WebHook destination with the function's Event Grid extension URL).`,
      );
  }

  /** Event subscriptions ready to receive events, with their topic's source. */
  active(): Array<{ source: string; record: EventSubscriptionRecord }> {
    this.settleDue();
    const out: Array<{ source: string; record: EventSubscriptionRecord }> = [];
    for (const t of this.topics.values())
      for (const s of t.subscriptions.values())
        if ((s.resource.properties as Json).provisioningState === 'Succeeded')
          out.push({ source: t.source, record: s });
    return out;
  }

  // ------------------------------------------------------------------ long-running operations

  private start(req: ArmRequest, location: string, complete: Operation['complete']): Operation {
    const op: Operation = {
      id: randomUUID().toUpperCase(),
      location,
      apiVersion: req.query.get('api-version')!,
      status: 'InProgress',
      readyAt: Date.now() + this.options.operationMs,
      complete,
    };
    this.ops.set(lower(op.id), op);
    op.timer = setTimeout(() => this.finish(op), this.options.operationMs);
    op.timer.unref();
    return op;
  }

  private finish(op: Operation): void {
    if (op.status !== 'InProgress') return;
    clearTimeout(op.timer);
    const error = op.complete();
    op.status = error ? 'Failed' : 'Succeeded';
    if (error) op.error = error;
  }

  private settleDue(): void {
    const now = Date.now();
    for (const op of this.ops.values()) if (op.status === 'InProgress' && now >= op.readyAt) this.finish(op);
  }

  private url(op: Operation, kind: 'operationsStatus' | 'operationResults'): string {
    return `${this.options.endpoint()}/subscriptions/${this.options.store.subscriptionId}/providers/Microsoft.EventGrid/locations/${op.location}/${kind}/${op.id}?api-version=${op.apiVersion}`;
  }

  private headers(op: Operation, withLocation: boolean): Record<string, string> {
    return {
      'Azure-AsyncOperation': this.url(op, 'operationsStatus'),
      ...(withLocation ? { Location: this.url(op, 'operationResults') } : {}),
    };
  }

  private poll(req: ArmRequest, id: string, isResult: boolean): ArmReply {
    this.only(req, 'GET');
    const op = this.ops.get(lower(id));
    if (!op)
      throw new ArmError(404, {
        code: 'OperationNotFound',
        message: `The operation '${id}' could not be found.`,
      });
    this.settleDue();
    if (isResult) {
      if (op.status === 'InProgress') return { status: 202, headers: this.headers(op, true), lroPoll: true };
      if (op.status === 'Failed')
        return { status: 400, headers: {}, body: { error: op.error }, lroPoll: true };
      return { status: 204, headers: {}, lroPoll: true };
    }
    const body: Json = { id: this.url(op, 'operationsStatus'), name: lower(op.id), status: op.status };
    if (op.error) body.error = op.error;
    return { status: 200, headers: {}, body, lroPoll: true };
  }
}
