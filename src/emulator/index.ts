// Local Azure Resource Manager emulator: HTTPS on 127.0.0.1, self-signed certificate, the ARM surface the
// product uses, faults, latency, request log and Event Grid events. Public interface: docs/emulator.md.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Arm, type ArmReply, type ArmRequest, type LatencyModel, type LroSettings } from './arm.js';
import { powerAdmin, setPowerState } from './compute/power.js';
import type { ScaleSetInstance } from './compute/scale-sets.js';
import { ArmError } from './errors.js';
import { type EventGridOptions, EventGridService } from './eventgrid/index.js';
import { type EventGridEvent, EventHub, type EventListener } from './events.js';
import type { ExternalWriteRecord } from './external-writes.js';
import { type FaultRule, type FaultRuleInput, Faults } from './faults.js';
import { FunctionApps } from './functionapps.js';
import { Identity } from './identity.js';
import { installEffectiveRoutes, type LearnedRoute } from './network/effective-routes.js';
import { CALLER_OBJECT_ID, isOwner, OWNER_TOKEN, Rbac, type RbacSettings, requestNeeds } from './rbac.js';
import { Store, TYPES } from './store.js';
import { DEFAULT_THROTTLE, Throttle, type ThrottleSettings } from './throttle.js';
import { makeSelfSignedCertificate } from './tls.js';
import { type Json, loadWorld, parseTopLevelId, validateResource, type WorldFile } from './world.js';

export type { ScaleSetInstance } from './compute/scale-sets.js';
export type {
  DeadLetteredEvent,
  DeliveryRecord,
  DeliverySettings,
  DeliveryStats,
  EventGridOptions,
  EventGridService,
} from './eventgrid/index.js';
export type { EventGridEvent, EventListener } from './events.js';
export type { ExternalWriteRecord } from './external-writes.js';
export type { FaultRule, FaultRuleInput } from './faults.js';
export type { FunctionRegistration } from './functionapps.js';
export type { LearnedRoute } from './network/effective-routes.js';
export type { RbacSettings } from './rbac.js';
export type { BucketSpec, ThrottleSettings } from './throttle.js';
export type { Json, WorldFile } from './world.js';
export { WorldError } from './world.js';

export interface EmulatorOptions {
  /** A parsed world object or the path of a world file. */
  world: WorldFile | string;
  /** TCP port on 127.0.0.1 (default 0: any free port). */
  port?: number;
  /** Fault rules active from the start (added after those of the world file). */
  faults?: FaultRuleInput[];
  latency?: Partial<LatencyModel>;
  lro?: Partial<LroSettings>;
  /** Items per page of list operations (default 100); lower it to exercise nextLink paging. */
  pageSize?: number;
  /** Routes per route table before a PUT is refused (default 1,000, Azure's limit since 2026; 400 before). */
  maxRoutesPerTable?: number;
  /** Called with every emitted Event Grid event. */
  onEvent?: EventListener;
  /**
   * Webhook URL: an implicit event subscription with no filter; every event is delivered there as Event Grid
   * delivers (timeout, retries, dead letter: see `eventGrid.delivery`).
   */
  eventsTo?: string;
  /** Event Grid: function endpoints of AzureFunction destinations, delivery timing (docs/emulator.md). */
  eventGrid?: EventGridOptions;
  /** Keep full request/response pairs (see `traffic()`), e.g. for oav validation. Default false. */
  captureTraffic?: boolean;
  /**
   * ARM subscription token buckets. Default: headers only (`x-ms-ratelimit-remaining-subscription-*`).
   * `{ enforce: true }` answers 429 SubscriptionRequestsThrottled when a bucket is empty.
   */
  throttle?: Partial<ThrottleSettings>;
  /**
   * RBAC mode (default off): every request not bearing the Owner token (`emulatorOwnerCredential`) is authorized
   * against this role: 403 AuthorizationFailed / LinkedAuthorizationFailed as ARM answers them.
   */
  rbac?: RbacSettings | false;
}

export interface RequestLogEntry {
  method: string;
  /** URL path without the query string. */
  path: string;
  status: number;
  /** Time to answer, in milliseconds. */
  ms: number;
  apiVersion?: string;
  /** The request polled a long-running operation (operations / operationResults URL). */
  lroPoll: boolean;
  /** A fault rule changed this request ('status', 'drop', ...). */
  fault?: string;
  /** The RBAC action the request needed (logged whether or not RBAC is on; absent for polls and non-ARM paths). */
  action?: string;
  /** The join actions ARM's linked authorization checks for the resources the request body refers to. */
  linkedActions?: string[];
  /** Who sent it: the role-holding caller, or the Owner (`emulatorOwnerCredential`). */
  caller?: 'role' | 'owner';
}

/** One captured exchange, in oav's live-traffic shape. */
export interface TrafficEntry {
  liveRequest: { headers: Record<string, string>; method: string; url: string; body: unknown };
  liveResponse: { statusCode: string; headers: Record<string, string>; body: unknown };
}

export interface UpsertOptions {
  /** Emit a ResourceWriteSuccess event for the change (default true). */
  emitEvent?: boolean;
}

export interface Emulator {
  /** "https://127.0.0.1:PORT" */
  readonly endpoint: string;
  /** PEM of the self-signed certificate to trust (`tlsOptions: { ca }`). */
  readonly ca: string;
  readonly caFile: string;
  readonly subscriptionId: string;
  readonly tenantId: string;
  requests(): RequestLogEntry[];
  clearRequests(): void;
  /** Captured exchanges (only with `captureTraffic: true`). */
  traffic(): TrafficEntry[];
  readonly faults: {
    add(rule: FaultRuleInput): FaultRule;
    remove(id: string): void;
    clear(): void;
    list(): FaultRule[];
  };
  /** Every event emitted since start (or the last reset). */
  readonly events: EventGridEvent[];
  subscribe(fn: EventListener): () => void;
  /** Waits for the Event Grid delivery attempts on the wire now (not for scheduled retries). */
  flushEvents(): Promise<void>;
  /** Event Grid: system topics, event subscriptions, deliveries (stats, records, dead letters). */
  readonly eventGrid: EventGridService;
  /** Back to the seeded world: resources, faults, operations, request log and events. */
  reset(): void;
  /** Long-running operations still running (a client may have stopped polling them). */
  operationsInProgress(): number;
  /** Every external write actually performed since start or reset (fault or admin), oldest first. */
  externalWrites(): ExternalWriteRecord[];
  /** Stored ARM JSON in GET shape (a copy), by id (case-insensitive); routes and subnets ids work too. */
  getResource(id: string): Json | undefined;
  /** All top-level resources of a type (e.g. Microsoft.Network/routeTables), GET shape. */
  listResources(type: string): Json[];
  /** Admin: add or replace a top-level resource (GET shape); emits `<type>/write` unless told not to. */
  upsertResource(resource: Json, options?: UpsertOptions): Json;
  /** Admin: remove a top-level resource; emits `<type>/delete` unless told not to. Returns whether it existed. */
  deleteResource(id: string, options?: UpsertOptions): boolean;
  /** Admin: add or update a VM and its primary NIC in one go (e.g. "a new worker with a pod-cidr tag"). */
  upsertVm(vm: VmSpec, options?: UpsertOptions): { vm: Json; nic: Json };
  /**
   * Admin: change a resource's tags (Merge by default). The event is what the tags API emits
   * (`Microsoft.Resources/tags/write` on `<id>/providers/Microsoft.Resources/tags/default`) unless
   * `emitAs: 'write'` asks for the resource's own `<type>/write`.
   */
  setTags(
    resourceId: string,
    tags: Record<string, string>,
    options?: { operation?: 'Merge' | 'Replace'; emitAs?: 'tags' | 'write'; emitEvent?: boolean },
  ): Json;
  /** Admin: the instances (Uniform) or VMs (Flexible) of a scale set, with their primary NIC's IP. */
  scaleSetInstances(scaleSetId: string): ScaleSetInstance[];
  /**
   * Admin: scale a scale set out by `count` (its `sku.capacity` grows; one
   * `Microsoft.Compute/virtualMachineScaleSets/write` event on the scale set). Returns the new instances.
   */
  scaleOut(scaleSetId: string, count: number, options?: UpsertOptions): ScaleSetInstance[];
  /** Admin: a VM's power state (instance view), e.g. 'deallocated': no effective routes for its NIC then. */
  setPowerState(vmId: string, state: string): Json;
  /** Admin: replaces the routes gateways learned over BGP (the world file's `learnedRoutes`, until reset). */
  setLearnedRoutes(routes: LearnedRoute[]): void;
  /** Admin: change a route table as another writer would (new etag, routes added/removed), emitting an event. */
  externalWrite(
    routeTableId: string,
    change: { addRoutes?: Json[]; removeRoutes?: string[]; tags?: Record<string, string> },
  ): void;
  /** Functions apps (src/emulator/functionapps.ts): register a deployed function and its local delivery URL. */
  readonly functions: Pick<FunctionApps, 'register' | 'unregister' | 'endpointOf' | 'list'>;
  stop(): Promise<void>;
}

export interface VmSpec {
  resourceGroup: string;
  name: string;
  privateIp: string;
  location?: string;
  tags?: Record<string, string>;
  /** Subnet id for the NIC's ip configuration (default: the first subnet of the first vnet in the group). */
  subnetId?: string;
  enableIPForwarding?: boolean;
  nicName?: string;
}

const DEFAULT_LRO: LroSettings = { inProgressPolls: 0, retryAfterSeconds: 1, autoCompleteMs: 5000 };
const DEFAULT_LATENCY: LatencyModel = { readMs: 0, writeMs: 0, lroMs: 0 };

/** The object id the emulator attributes requests to (it accepts any token). */
const emulatorPrincipal = CALLER_OBJECT_ID;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const world = loadWorld(options.world);
  const store = new Store(world);
  const lro: LroSettings = { ...DEFAULT_LRO, ...options.lro };
  const latency: LatencyModel = { ...DEFAULT_LATENCY, ...options.latency };
  const hub = new EventHub();
  if (options.onEvent) hub.subscribe(options.onEvent);
  // Deployed functions (world `functions`, admin `functions.register`) are AzureFunction destinations too.
  const functions = new FunctionApps(store, world.functions, (id) => eventGrid.functionUrl(id) !== undefined);
  const resolveFunction = (id: string) =>
    options.eventGrid?.resolveFunction?.(id) ?? functions.endpointOf(id);
  const eventGridOptions = { ...options.eventGrid, resolveFunction };
  const eventGrid = new EventGridService(store, () => endpoint, eventGridOptions, options.eventsTo);
  hub.subscribe((event) => eventGrid.dispatch(event));
  const faults = new Faults();
  const seedFaults = [...(world.faults ?? []), ...(options.faults ?? [])];
  const addSeedFaults = () => {
    seedFaults.forEach((f, i) => {
      try {
        faults.add(f);
      } catch (err) {
        throw new Error(`faults[${i}]: ${(err as Error).message}`);
      }
    });
  };
  addSeedFaults();
  const throttleSettings: ThrottleSettings = { ...DEFAULT_THROTTLE, ...options.throttle };
  let throttle = new Throttle(throttleSettings);
  const rbac = options.rbac ? new Rbac(options.rbac) : undefined;
  let log: RequestLogEntry[] = [];
  let captured: TrafficEntry[] = [];
  const tls = makeSelfSignedCertificate();
  let endpoint = '';
  const arm = new Arm({
    store,
    events: hub,
    lro,
    latency,
    pageSize: options.pageSize ?? 100,
    maxRoutesPerTable: options.maxRoutesPerTable ?? 1000,
    endpoint: () => endpoint,
    services: [eventGrid],
  });
  const effectiveRoutes = installEffectiveRoutes({
    arm,
    store,
    world,
    endpoint: () => endpoint,
    latency,
    lro,
  });

  const identity = new Identity(store, () => endpoint);

  const server: Server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    void handle(req, res);
  });

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  function send(
    res: ServerResponse,
    reply: ArmReply,
    requestId: string,
    method: string,
  ): Record<string, string> {
    const headers: Record<string, string> = {
      'cache-control': 'no-cache',
      pragma: 'no-cache',
      expires: '-1',
      'x-ms-request-id': requestId,
      'x-ms-correlation-request-id': requestId,
      'x-ms-arm-service-request-id': requestId,
      'x-content-type-options': 'nosniff',
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
    };
    Object.assign(headers, throttle.headers(method));
    Object.assign(headers, reply.headers);
    let text = '';
    if (reply.body !== undefined) {
      text = JSON.stringify(reply.body);
      headers['content-type'] = 'application/json; charset=utf-8';
    }
    headers['content-length'] = String(Buffer.byteLength(text));
    res.writeHead(reply.status, headers);
    res.end(text);
    return headers;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const requestId = randomUUID();
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      path = url.pathname;
    }
    const rawBody = await readBody(req);
    const caller = isOwner(req.headers.authorization) ? ('owner' as const) : ('role' as const);
    const needs = requestNeeds(method, path, safeJson(rawBody));
    const logged = {
      caller,
      ...(needs?.action ? { action: needs.action } : {}),
      ...(needs?.linked.length ? { linkedActions: [...new Set(needs.linked.map((l) => l.action))] } : {}),
    };

    if (path.toLowerCase().startsWith('/_emulator/')) {
      send(res, admin(req, method, path, rawBody), requestId, method);
      return;
    }
    const served =
      identity.handle({ method, path, query: url.searchParams, headers: req.headers, rawBody }) ??
      functions.handle(method, path, url.searchParams);
    if (served) {
      send(res, served, requestId, method);
      const apiVersion = url.searchParams.get('api-version') ?? undefined;
      const ms = Math.round((performance.now() - started) * 100) / 100;
      log.push({ method, path, status: served.status, ms, apiVersion, lroPoll: false });
      return;
    }

    let reply: ArmReply;
    let faultKind: string | undefined;
    let body: unknown;
    const armReq: ArmRequest = {
      method,
      path,
      query: url.searchParams,
      headers: req.headers,
      body: undefined,
      rawUrl: `${url.pathname}${url.search}`,
      clientIp: req.socket.remoteAddress ?? '127.0.0.1',
    };
    try {
      const wait = throttle.charge(method);
      if (wait !== undefined) {
        faultKind = 'throttled';
        const kind = method === 'GET' ? 'read' : method === 'DELETE' ? 'delete' : 'write';
        throw new ArmError(
          429,
          {
            code: 'SubscriptionRequestsThrottled',
            message: `Number of '${kind}' requests for subscription '${store.subscriptionId}' actor '${emulatorPrincipal}' exceeded. Please try again after '${wait}' seconds after the first request. Please see https://aka.ms/armthrottling for troubleshooting.`,
          },
          { 'Retry-After': String(wait) },
        );
      }
      const matched = faults.match(method, path);
      for (const f of matched) if (f.latencyMs) await sleep(f.latencyMs);
      await sleep(method === 'GET' ? latency.readMs : latency.writeMs);
      if (matched.some((f) => f.kind === 'drop')) {
        faultKind = 'drop';
        log.push({
          method,
          path,
          status: 0,
          ms: Math.round(performance.now() - started),
          apiVersion: url.searchParams.get('api-version') ?? undefined,
          lroPoll: false,
          fault: 'drop',
          ...logged,
        });
        req.socket.destroy();
        return;
      }
      const statusFault = matched.find((f) => f.kind === 'status');
      for (const f of matched.filter((x) => x.kind === 'externalWrite')) {
        const tableId = f.externalWrite?.routeTableId ?? Arm.routeTableIdOf(path);
        if (tableId)
          arm.externalWrite(tableId, (f.externalWrite ?? {}) as Parameters<Arm['externalWrite']>[1], f.id);
        faultKind = 'externalWrite';
      }
      const lroFail = matched.find((f) => f.kind === 'lroFail');
      if (statusFault) {
        faultKind = 'status';
        reply = {
          status: statusFault.status!,
          headers: { ...statusFault.headers },
          body: statusFault.error ? { error: statusFault.error } : undefined,
        };
      } else {
        if (rawBody.length > 0) {
          try {
            body = JSON.parse(rawBody);
          } catch (err) {
            throw new ArmError(400, {
              code: 'InvalidRequestContent',
              message: `The request content was invalid and could not be deserialized: ${(err as Error).message}`,
            });
          }
        }
        armReq.body = body;
        if (lroFail) {
          faultKind = 'lroFail';
          armReq.failLro = {
            code: lroFail.lroError?.code ?? 'InternalServerError',
            message: lroFail.lroError?.message ?? 'An error occurred.',
            ...(lroFail.lroError ?? {}),
          };
        }
        if (rbac && caller === 'role' && armReq.headers.authorization) rbac.authorize(needs);
        reply = await arm.handle(armReq);
      }
    } catch (err) {
      if (err instanceof ArmError)
        reply = { status: err.status, headers: err.headers, body: { error: err.body } };
      else {
        reply = {
          status: 500,
          headers: {},
          body: {
            error: { code: 'InternalServerError', message: `Emulator error: ${(err as Error).message}` },
          },
        };
      }
    }
    const sentHeaders = send(res, reply, requestId, method);
    log.push({
      method,
      path,
      status: reply.status,
      ms: Math.round((performance.now() - started) * 100) / 100,
      apiVersion: url.searchParams.get('api-version') ?? undefined,
      lroPoll: reply.lroPoll === true,
      ...(faultKind ? { fault: faultKind } : {}),
      ...logged,
    });
    if (options.captureTraffic) {
      const reqHeaders: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') reqHeaders[k] = v;
      const resHeaders: Record<string, string> = {};
      for (const [k, v] of Object.entries(sentHeaders)) resHeaders[k.toLowerCase()] = v;
      captured.push({
        liveRequest: {
          headers: reqHeaders,
          method,
          url: `https://management.azure.com${url.pathname}${url.search}`,
          body: body ?? null,
        },
        liveResponse: { statusCode: String(reply.status), headers: resHeaders, body: reply.body ?? null },
      });
    }
  }

  function admin(req: IncomingMessage, method: string, path: string, raw: string): ArmReply {
    const auth = req.headers.authorization;
    if (!auth || !/^Bearer \S+/u.test(auth))
      return {
        status: 401,
        headers: {},
        body: {
          error: {
            code: 'AuthenticationFailed',
            message: "Authentication failed. The 'Authorization' header is missing.",
          },
        },
      };
    const route = `${method} ${path.toLowerCase().replace(/\/$/u, '')}`;
    try {
      const eventGridReply = eventGrid.admin(method, path, raw) ?? functions.admin(method, path, raw);
      if (eventGridReply) return eventGridReply;
      switch (route) {
        case 'POST /_emulator/faults': {
          const rule = emulator.faults.add(JSON.parse(raw || 'null') as FaultRuleInput);
          return { status: 201, headers: {}, body: rule };
        }
        case 'DELETE /_emulator/faults':
          emulator.faults.clear();
          return { status: 204, headers: {} };
        case 'GET /_emulator/faults':
          return { status: 200, headers: {}, body: emulator.faults.list() };
        case 'GET /_emulator/requests':
          return {
            status: 200,
            headers: {},
            body: log.map(({ method: m, path: p, status, ms }) => ({ method: m, path: p, status, ms })),
          };
        case 'DELETE /_emulator/requests':
          log = [];
          return { status: 204, headers: {} };
        case 'GET /_emulator/events':
          return { status: 200, headers: {}, body: hub.events };
        case 'POST /_emulator/power':
          return powerAdmin(store, raw);
        case 'POST /_emulator/reset':
          emulator.reset();
          return { status: 204, headers: {} };
        default:
          return {
            status: 404,
            headers: {},
            body: {
              error: {
                code: 'NotFound',
                message: `No admin endpoint ${method} ${path}. See docs/emulator.md.`,
              },
            },
          };
      }
    } catch (err) {
      return {
        status: 400,
        headers: {},
        body: { error: { code: 'InvalidFaultRule', message: (err as Error).message } },
      };
    }
  }

  function findAny(id: string): Json | undefined {
    const top = store.get(id);
    if (top) return store.view(top);
    const m = /^(.*)\/(routes|subnets)\/([^/]+)$/iu.exec(id);
    if (!m) return undefined;
    const parent = store.get(m[1]!);
    const list = (parent?.properties as Json | undefined)?.[m[2]!.toLowerCase()];
    const child = Array.isArray(list)
      ? (list as Json[]).find((c) => String(c.name).toLowerCase() === m[3]!.toLowerCase())
      : undefined;
    return child ? structuredClone(child) : undefined;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const emulator: Emulator = {
    endpoint,
    ca: tls.ca,
    caFile: tls.caFile,
    subscriptionId: store.subscriptionId,
    tenantId: store.tenantId,
    requests: () => log.map((e) => ({ ...e })),
    clearRequests: () => {
      log = [];
    },
    traffic: () => structuredClone(captured),
    faults: {
      add: (rule) => faults.add(rule),
      remove: (id) => faults.remove(id),
      clear: () => faults.clear(),
      list: () => faults.list(),
    },
    events: hub.events,
    subscribe: (fn) => hub.subscribe(fn),
    flushEvents: () => eventGrid.delivery.flushInFlight(),
    eventGrid,
    reset: () => {
      arm.reset();
      effectiveRoutes.reset();
      throttle = new Throttle(throttleSettings);
      store.reset();
      faults.clear();
      addSeedFaults();
      functions.reset();
      log = [];
      captured = [];
      hub.clear();
      eventGrid.reset();
    },
    operationsInProgress: () => arm.inProgress(),
    externalWrites: () => arm.externalWrites.list(),
    getResource: (id) => findAny(id),
    listResources: (type) => store.list(type).map((r) => store.view(r)),
    upsertResource: (resource, opts) => {
      const parsed = validateResource(resource, 'upsertResource', store.subscriptionId);
      const stored = store.upsert(resource);
      if (opts?.emitEvent !== false) arm.emitAdmin('write', String(stored.id), `${parsed.type}/write`);
      return store.view(stored);
    },
    deleteResource: (id, opts) => {
      const existing = store.get(id);
      if (!existing) return false;
      store.delete(id);
      if (opts?.emitEvent !== false)
        arm.emitAdmin('delete', String(existing.id), `${String(existing.type)}/delete`);
      return true;
    },
    upsertVm: (spec, opts) => upsertVm(spec, opts),
    setTags: (resourceId, tags, opts) => {
      const r = store.get(resourceId);
      if (!r) throw new Error(`setTags: no resource ${resourceId}`);
      r.tags =
        opts?.operation === 'Replace' ? { ...tags } : { ...((r.tags as Json | undefined) ?? {}), ...tags };
      const etag = String(r.etag ?? '');
      if (etag.startsWith('W/')) r.etag = `W/"${randomUUID()}"`;
      else r.etag = `"${(Number(etag.replace(/\D/gu, '')) || 0) + 1}"`;
      if (opts?.emitEvent !== false) {
        if (opts?.emitAs === 'write') arm.emitAdmin('write', String(r.id), `${String(r.type)}/write`);
        else
          arm.emitAdmin(
            'write',
            `${String(r.id)}/providers/Microsoft.Resources/tags/default`,
            'Microsoft.Resources/tags/write',
          );
      }
      return store.view(r);
    },
    scaleSetInstances: (id) => arm.scaleSets.instances(id),
    scaleOut: (id, count, opts) => arm.scaleSets.scaleOut(id, count, opts),
    setPowerState: (vmId, state) => setPowerState(store, vmId, state),
    setLearnedRoutes: (routes) => effectiveRoutes.setLearnedRoutes(routes),
    externalWrite: (tableId, change) => {
      if (!arm.externalWrite(tableId, change)) throw new Error(`externalWrite: no route table ${tableId}`);
    },
    functions,
    stop: async () => {
      arm.reset();
      eventGrid.reset(); // cancels retries and attempts on the wire
      await eventGrid.delivery.flushInFlight();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      tls.dispose();
    },
  };

  function upsertVm(spec: VmSpec, opts?: UpsertOptions): { vm: Json; nic: Json } {
    const group = store.group(spec.resourceGroup);
    const rg = group?.name ?? spec.resourceGroup;
    const location = spec.location ?? (group?.location || 'eastus');
    const base = `/subscriptions/${store.subscriptionId}/resourceGroups/${rg}/providers`;
    const nicName = spec.nicName ?? `${spec.name}-nic`;
    const nicId = `${base}/${TYPES.nic}/${nicName}`;
    const vmId = `${base}/${TYPES.vm}/${spec.name}`;
    let subnetId = spec.subnetId;
    if (!subnetId) {
      const vnet = store.list(TYPES.vnet, rg)[0];
      const subnets = (vnet?.properties as Json | undefined)?.subnets;
      subnetId = Array.isArray(subnets) ? String((subnets[0] as Json | undefined)?.id ?? '') : undefined;
    }
    const nic: Json = {
      id: nicId,
      location,
      properties: {
        enableIPForwarding: spec.enableIPForwarding ?? true,
        virtualMachine: { id: vmId },
        ipConfigurations: [
          {
            name: 'ipconfig1',
            properties: {
              privateIPAddress: spec.privateIp,
              privateIPAllocationMethod: 'Static',
              primary: true,
              ...(subnetId ? { subnet: { id: subnetId } } : {}),
            },
          },
        ],
      },
    };
    const existingVm = store.get(vmId);
    const vm: Json = {
      ...(existingVm ? structuredClone(existingVm) : {}),
      id: vmId,
      location,
      ...(spec.tags ? { tags: spec.tags } : {}),
      properties: {
        ...((existingVm?.properties as Json | undefined) ?? {
          hardwareProfile: { vmSize: 'Standard_B2s' },
          osProfile: { computerName: spec.name, adminUsername: 'kuberoot' },
        }),
        networkProfile: { networkInterfaces: [{ id: nicId, properties: { primary: true } }] },
      },
    };
    validateResource(nic, 'upsertVm (NIC)', store.subscriptionId);
    validateResource(vm, 'upsertVm (VM)', store.subscriptionId);
    const storedNic = store.upsert(nic);
    const storedVm = store.upsert(vm);
    if (existingVm) {
      const n = Number(String(existingVm.etag ?? '"0"').replace(/\D/gu, '')) || 0;
      storedVm.etag = `"${n + 1}"`;
    }
    if (opts?.emitEvent !== false) {
      arm.emitAdmin('write', String(storedNic.id), `${TYPES.nic}/write`);
      arm.emitAdmin('write', String(storedVm.id), `${TYPES.vm}/write`);
    }
    return { vm: store.view(storedVm), nic: store.view(storedNic) };
  }

  void parseTopLevelId;
  return emulator;
}

function safeJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/** A TokenCredential that hands out a dummy bearer token: the emulator accepts any token. */
export const emulatorCredential = {
  getToken: async (): Promise<{ token: string; expiresOnTimestamp: number }> => ({
    token: 'arm-emulator-token',
    expiresOnTimestamp: Date.now() + 3_600_000,
  }),
};

/** The token of a subscription Owner: never checked in RBAC mode (an operator's or a test's own changes). */
export const emulatorOwnerCredential = {
  getToken: async (): Promise<{ token: string; expiresOnTimestamp: number }> => ({
    token: OWNER_TOKEN,
    expiresOnTimestamp: Date.now() + 3_600_000,
  }),
};

/**
 * Options for `new NetworkManagementClient(emulatorCredential, emulator.subscriptionId, armClientOptions(emulator))`
 * (same for ComputeManagementClient): endpoint, trust of the self-signed CA, ARM scope.
 */
export function armClientOptions(emulator: Pick<Emulator, 'endpoint' | 'ca'>): {
  endpoint: string;
  tlsOptions: { ca: string };
  credentials: { scopes: string[] };
} {
  return {
    endpoint: emulator.endpoint,
    tlsOptions: { ca: emulator.ca },
    credentials: { scopes: ['https://management.azure.com/.default'] },
  };
}
