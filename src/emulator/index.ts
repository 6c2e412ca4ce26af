// Local Azure Resource Manager emulator: HTTPS on 127.0.0.1, self-signed certificate, the ARM surface the
// product uses, faults, latency, request log and Event Grid events. This file assembles the services and
// exposes them as the public `Emulator`; the request pipeline is server.ts. Public interface: docs/emulator.md.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { handleAdmin } from './admin-api.js';
import { AppResources } from './app-resources.js';
import { Arm } from './arm.js';
import { setPowerState } from './compute/power.js';
import type { ScaleSetInstance } from './compute/scale-sets.js';
import { type EventGridOptions, EventGridService } from './eventgrid/index.js';
import { type EventGridEvent, EventHub, type EventListener } from './events.js';
import type { ExternalWriteRecord } from './external-writes.js';
import { type FaultRule, type FaultRuleInput, Faults } from './faults.js';
import { FunctionApps } from './functionapps.js';
import { Identity } from './identity.js';
import { installEffectiveRoutes } from './network/effective-routes.js';
import type { LearnedRoute } from './network/propagation.js';
import type { ExternalTableChange } from './network/route-tables.js';
import { ResourceProviders } from './providers.js';
import { OWNER_TOKEN, Rbac, type RbacSettings } from './rbac.js';
import type { LatencyModel, LroSettings } from './request.js';
import { requestPipeline } from './server.js';
import { Store } from './store.js';
import { DEFAULT_THROTTLE, Throttle, type ThrottleSettings } from './throttle.js';
import { makeSelfSignedCertificate } from './tls.js';
import { type RequestLogEntry, type TrafficEntry, TrafficRecorder } from './traffic.js';
import { type Json, loadWorld, type WorldFile } from './world.js';
import { type UpsertOptions, type VmSpec, WorldEdits } from './world-edits.js';

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
export type { LearnedRoute } from './network/propagation.js';
export type { RbacSettings } from './rbac.js';
export type { BucketSpec, ThrottleSettings } from './throttle.js';
export type { RequestLogEntry, TrafficEntry } from './traffic.js';
export type { Json, WorldFile } from './world.js';
export { WorldError } from './world.js';
export type { UpsertOptions, VmSpec } from './world-edits.js';

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
  /**
   * Route propagation delay (ms): a NIC's effective routes show a network change only this long after it
   * (default: the world's `routePropagationMs`, else 0).
   */
  routePropagationMs?: number;
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
   * ARM's token buckets per subscription and principal (Azure's sizes by default), with the
   * `x-ms-ratelimit-remaining-subscription-*` headers; an empty bucket answers 429 SubscriptionRequestsThrottled.
   * `{ enforce: false }` keeps the headers and never refuses.
   */
  throttle?: Partial<ThrottleSettings>;
  /**
   * RBAC mode (default off): every request not bearing the Owner token (`emulatorOwnerCredential`) is authorized
   * against this role: 403 AuthorizationFailed / LinkedAuthorizationFailed as ARM answers them.
   */
  rbac?: RbacSettings | false;
  /** Resource provider registration: how long a register / unregister takes (ms; default: the world's, 0). */
  providers?: { registrationMs?: number };
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
  /** Admin: the route propagation delay from now on (ms; until reset); the network is taken as settled now. */
  setRoutePropagation(ms: number): void;
  /** Admin: change a route table as another writer would (new etag, routes added/removed), emitting an event. */
  externalWrite(routeTableId: string, change: ExternalTableChange): void;
  /** Functions apps (src/emulator/functionapps.ts): register a deployed function and its local delivery URL. */
  readonly functions: Pick<FunctionApps, 'register' | 'unregister' | 'endpointOf' | 'list'>;
  stop(): Promise<void>;
}

const DEFAULT_LRO: LroSettings = { inProgressPolls: 0, retryAfterSeconds: 1, autoCompleteMs: 5000 };
const DEFAULT_LATENCY: LatencyModel = { readMs: 0, writeMs: 0, lroMs: 0 };

/** The services of one emulator, wired together; `endpoint` is known once the server listens. */
interface Services {
  world: WorldFile;
  store: Store;
  hub: EventHub;
  faults: Faults;
  /** The world's fault rules and the options' (checked when added). */
  seedFaults: unknown[];
  throttle: Throttle;
  recorder: TrafficRecorder;
  functions: FunctionApps;
  eventGrid: EventGridService;
  arm: Arm;
  effectiveRoutes: ReturnType<typeof installEffectiveRoutes>;
  identity: Identity;
  providers: ResourceProviders;
  edits: WorldEdits;
  rbac: Rbac | undefined;
  latency: LatencyModel;
  endpoint: string;
}

export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const services = assemble(options);
  const tls = makeSelfSignedCertificate();
  const server: Server = createServer({ key: tls.key, cert: tls.cert }, pipelineOf(services));
  services.endpoint = await listen(server, options.port ?? 0);
  const stop = async () => {
    services.arm.reset();
    services.eventGrid.reset(); // cancels retries and attempts on the wire
    await services.eventGrid.delivery.flushInFlight();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    tls.dispose();
  };
  return { ...emulatorApi(services), ca: tls.ca, caFile: tls.caFile, stop };
}

function assemble(options: EmulatorOptions): Services {
  const world = loadWorld(options.world);
  const store = new Store(world);
  const lro: LroSettings = { ...DEFAULT_LRO, ...options.lro };
  const latency: LatencyModel = { ...DEFAULT_LATENCY, ...options.latency };
  const hub = new EventHub();
  if (options.onEvent) hub.subscribe(options.onEvent);
  const services = { world, store, hub, latency, endpoint: '' } as Services;
  const endpoint = () => services.endpoint;
  services.seedFaults = [...(world.faults ?? []), ...(options.faults ?? [])];
  services.faults = new Faults();
  addSeedFaults(services);
  services.throttle = new Throttle({ ...DEFAULT_THROTTLE, ...options.throttle });
  services.recorder = new TrafficRecorder(options.captureTraffic === true);
  // Deployed functions (world `functions`, `functions.register`) are AzureFunction destinations too.
  services.functions = new FunctionApps(store, world.functions, (id) =>
    options.eventGrid?.resolveFunction?.(id),
  );
  // Event Grid's writes take the options' time, else the world's (`writeDelays.eventGridMs`).
  const eventGridMs = options.eventGrid?.operationMs ?? world.writeDelays?.eventGridMs;
  services.eventGrid = new EventGridService(
    store,
    endpoint,
    services.functions,
    { ...options.eventGrid, ...(eventGridMs === undefined ? {} : { operationMs: eventGridMs }) },
    options.eventsTo,
  );
  hub.subscribe((event) => services.eventGrid.dispatch(event));
  services.arm = new Arm({
    store,
    events: hub,
    lro,
    latency,
    pageSize: options.pageSize ?? 100,
    maxRoutesPerTable: options.maxRoutesPerTable ?? 1000,
    endpoint,
    services: [services.eventGrid, services.functions],
  });
  services.effectiveRoutes = installEffectiveRoutes({
    arm: services.arm,
    store,
    world,
    events: hub,
    endpoint,
    latency,
    lro,
    ...(options.routePropagationMs !== undefined ? { propagationMs: options.routePropagationMs } : {}),
  });
  const displayNames = new Map(
    (world.subscriptions ?? []).map((s) => [s.subscriptionId.toLowerCase(), s.displayName]),
  );
  services.identity = new Identity(
    {
      tenantId: store.tenantId,
      subscriptions: () =>
        store.subscriptionIds.map((subscriptionId) => {
          const displayName = displayNames.get(subscriptionId.toLowerCase());
          return displayName === undefined ? { subscriptionId } : { subscriptionId, displayName };
        }),
    },
    endpoint,
  );
  services.providers = new ResourceProviders({
    subscriptions: () => store.subscriptionIds,
    seed: world.resourceProviders ?? [],
    registrationMs: options.providers?.registrationMs ?? world.writeDelays?.providerRegistrationMs ?? 0,
  });
  const appResources = new AppResources(store, world.blobContainers ?? []);
  services.arm.extensions.push(
    (req) => services.providers.handle(req),
    (req) => appResources.handle(req),
  );
  services.edits = new WorldEdits(store, (kind, id, operationName) =>
    services.arm.emit(undefined, kind, id, operationName),
  );
  services.rbac = options.rbac ? new Rbac(options.rbac) : undefined;
  return services;
}

function addSeedFaults(services: Services): void {
  services.seedFaults.forEach((f, i) => {
    try {
      services.faults.add(f);
    } catch (err) {
      throw new Error(`faults[${i}]: ${(err as Error).message}`);
    }
  });
}

/** Back to the seeded world: resources, faults, operations, request log and events. */
function reset(services: Services): void {
  services.arm.reset();
  services.throttle.reset();
  services.store.reset();
  services.effectiveRoutes.reset(); // after the store: the reset network is the settled one
  services.faults.clear();
  addSeedFaults(services);
  services.functions.reset();
  services.recorder.reset();
  services.hub.clear();
  services.eventGrid.reset();
  services.providers.reset();
}

function pipelineOf(services: Services): ReturnType<typeof requestPipeline> {
  const admin = {
    ...services,
    serviceAdmins: [services.eventGrid, services.functions],
    reset: () => reset(services),
  };
  return requestPipeline({
    ...services,
    admin: (incoming) => handleAdmin(admin, incoming),
    direct: [(incoming) => services.identity.handle({ ...incoming, query: incoming.url.searchParams })],
  });
}

async function listen(server: Server, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function emulatorApi(services: Services): Omit<Emulator, 'ca' | 'caFile' | 'stop'> {
  const { store, arm, edits } = services;
  return {
    endpoint: services.endpoint,
    subscriptionId: store.subscriptionId,
    tenantId: store.tenantId,
    requests: () => services.recorder.requests(),
    clearRequests: () => services.recorder.clearRequests(),
    traffic: () => services.recorder.traffic(),
    faults: {
      add: (rule) => services.faults.add(rule),
      remove: (id) => services.faults.remove(id),
      clear: () => services.faults.clear(),
      list: () => services.faults.list(),
    },
    events: services.hub.events,
    subscribe: (fn) => services.hub.subscribe(fn),
    flushEvents: () => services.eventGrid.delivery.flushInFlight(),
    eventGrid: services.eventGrid,
    reset: () => reset(services),
    operationsInProgress: () => arm.operations.inProgress(),
    externalWrites: () => arm.externalWrites.list(),
    getResource: (id) => edits.getResource(id),
    listResources: (type) => store.list(type).map((r) => store.view(r)),
    upsertResource: (resource, opts) => edits.upsertResource(resource, opts),
    deleteResource: (id, opts) => edits.deleteResource(id, opts),
    upsertVm: (spec, opts) => edits.upsertVm(spec, opts),
    setTags: (resourceId, tags, opts) => edits.setTags(resourceId, tags, opts),
    scaleSetInstances: (id) => arm.scaleSets.instances(id),
    scaleOut: (id, count, opts) => arm.scaleSets.scaleOut(id, count, opts),
    setPowerState: (vmId, state) => setPowerState(store, vmId, state),
    setLearnedRoutes: (routes) => services.effectiveRoutes.setLearnedRoutes(routes),
    setRoutePropagation: (ms) => services.effectiveRoutes.setPropagationMs(ms),
    externalWrite: (tableId, change) => {
      if (!arm.externalWrite(tableId, change)) throw new Error(`externalWrite: no route table ${tableId}`);
    },
    functions: services.functions,
  };
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
