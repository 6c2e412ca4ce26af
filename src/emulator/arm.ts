// The emulated ARM front door: authentication and api-version checks, the path table that routes a request to
// the service that owns it (operations.ts, resources.ts, network/, compute/, tags.ts, eventgrid/), the
// subscription and resource-group checks, paging, and the resource events of writes. Behaviour follows the
// recorded real traffic in azure-reference/recordings and the specs; see docs/emulator.md.
import { SCALE_SET_TYPE, ScaleSets } from './compute/scale-sets.js';
import type { ArmContext } from './context.js';
import { ArmError, armErrors } from './errors.js';
import { buildEvent, type EventHub } from './events.js';
import { ExternalWriteLog } from './external-writes.js';
import { handlePeerings } from './network/peerings.js';
import { applyExternalWrite, type ExternalTableChange } from './network/route-tables.js';
import { Operations } from './operations.js';
import {
  type ArmReply,
  type ArmRequest,
  header,
  type LatencyModel,
  type LroSettings,
  lower,
  ok,
} from './request.js';
import { handleChild, handleTopLevel } from './resources.js';
import { LINKABLE_TYPES, type Store, TYPES } from './store.js';
import { handleTags } from './tags.js';
import {
  COMPUTE_API_VERSIONS,
  NETWORK_API_VERSIONS,
  RESOURCES_API_VERSIONS,
  requireRegisteredVersion,
} from './versions.js';
import type { Json } from './world.js';

// bench/verify-cost.ts reads the latency model's types from here.
export type { LatencyModel, LroSettings } from './request.js';

const SUB = '/subscriptions/([^/]+)';
const RG = '/resourcegroups/([^/]+)';
const re = (s: string) => new RegExp(`^${s}/?$`, 'iu');
/** The ARM URL shapes the emulator serves (case-insensitive), by what they address. */
const ARM_PATHS = {
  resourceGroup: re(`${SUB}${RG}`),
  operation: re(
    `${SUB}/providers/(microsoft\\.network|microsoft\\.compute)/locations/([^/]+)/(operations|operationresults)/([^/]+)`,
  ),
  subscriptionList: re(`${SUB}/providers/([^/]+)/([^/]+)`),
  groupList: re(`${SUB}${RG}/providers/([^/]+)/([^/]+)`),
  resource: re(`${SUB}${RG}/providers/([^/]+)/([^/]+)/([^/]+)`),
  childList: re(`${SUB}${RG}/providers/([^/]+)/([^/]+)/([^/]+)/([^/]+)`),
  child: re(`${SUB}${RG}/providers/([^/]+)/([^/]+)/([^/]+)/([^/]+)/([^/]+)`),
  tags: re(`(${SUB}${RG}/providers/[^/]+/[^/]+/[^/]+)/providers/microsoft\\.resources/tags/default`),
};

interface ServedType {
  type: string;
  versions: readonly string[];
}

/** Top-level types served, by lower-case `namespace/type`. */
const TOP_TYPES: Record<string, ServedType> = {
  'microsoft.network/routetables': { type: TYPES.routeTable, versions: NETWORK_API_VERSIONS },
  'microsoft.network/virtualnetworks': { type: TYPES.vnet, versions: NETWORK_API_VERSIONS },
  'microsoft.network/networkinterfaces': { type: TYPES.nic, versions: NETWORK_API_VERSIONS },
  'microsoft.compute/virtualmachines': { type: TYPES.vm, versions: COMPUTE_API_VERSIONS },
  // What a subnet or NIC may refer to: served as generic resources so that references resolve.
  ...Object.fromEntries(
    LINKABLE_TYPES.map((t) => [t.toLowerCase(), { type: t, versions: NETWORK_API_VERSIONS }]),
  ),
  'microsoft.compute/virtualmachinescalesets': { type: SCALE_SET_TYPE, versions: COMPUTE_API_VERSIONS },
};
/** Inline child types served, by lower-case `parent type/collection`. */
const CHILD_TYPES: Record<string, string> = {
  'microsoft.network/routetables/routes': TYPES.route,
  'microsoft.network/virtualnetworks/subnets': TYPES.subnet,
  'microsoft.network/virtualnetworks/virtualnetworkpeerings': TYPES.peering,
};

interface ArmOptions {
  store: Store;
  events: EventHub;
  lro: LroSettings;
  latency: LatencyModel;
  pageSize: number;
  maxRoutesPerTable: number;
  endpoint: () => string;
  /** Other services (e.g. Event Grid): each answers the requests it owns, undefined for the others. */
  services?: Array<{ handle(req: ArmRequest, apiVersion: string): ArmReply | undefined }>;
}

/** A handler in the routing order: its answer, or undefined to pass the request on. */
type Route = (req: ArmRequest, apiVersion: string) => ArmReply | undefined;

export class Arm implements ArmContext {
  readonly operations: Operations;
  /** Services in their own files (e.g. network/effective-routes.ts) answer first; undefined passes on. */
  readonly extensions: Array<(req: ArmRequest) => ArmReply | undefined> = [];
  /** Every external write actually performed (tests check foreign routes and tags against it). */
  readonly externalWrites = new ExternalWriteLog();
  /** Scale-set instances and their NICs (compute/scale-sets.ts). */
  readonly scaleSets: ScaleSets;
  /** After the operation polls and the subscription check, in order. */
  private readonly handlersInOrder: Route[];

  constructor(private readonly options: ArmOptions) {
    this.operations = new Operations(options);
    this.scaleSets = new ScaleSets({
      store: options.store,
      page: (req, items) => this.page(req, items),
      emit: (id, operationName) => this.emit(undefined, 'write', id, operationName),
    });
    this.handlersInOrder = [
      ...(options.services ?? []).map(
        (s): Route =>
          (req, v) =>
            s.handle(req, v),
      ),
      (req, v) => this.tagsRoute(req, v),
      (req, v) => this.resourceGroupRoute(req, v),
      (req, v) => this.listRoute(req, v),
      (req, v) => this.resourceRoute(req, v),
      (req, v) => this.scaleSets.handle(req, v),
      (req, v) => this.childRoute(req, v),
    ];
  }

  get store(): Store {
    return this.options.store;
  }

  get maxRoutesPerTable(): number {
    return this.options.maxRoutesPerTable;
  }

  reset(): void {
    this.operations.reset();
    this.scaleSets.reset();
    this.externalWrites.clear();
  }

  async handle(req: ArmRequest): Promise<ArmReply> {
    const auth = header(req.headers, 'authorization');
    if (!auth) throw armErrors.authenticationMissing();
    if (!/^Bearer \S+/u.test(auth)) throw armErrors.authenticationInvalid();
    const apiVersion = req.query.get('api-version');
    if (!apiVersion) throw armErrors.missingApiVersion();
    for (const extension of this.extensions) {
      const reply = extension(req);
      if (reply) return reply;
    }
    const poll = ARM_PATHS.operation.exec(req.path);
    if (poll) return this.operations.poll(req, poll[5]!, lower(poll[4]!) === 'operationresults');
    this.checkSubscription(req.path);
    for (const route of this.handlersInOrder) {
      const reply = route(req, apiVersion);
      if (reply) return reply;
    }
    throw armErrors.notSupported(req.method, req.path);
  }

  // ---------------------------------------------------------------- routes

  private tagsRoute(req: ArmRequest, apiVersion: string): ArmReply | undefined {
    const m = ARM_PATHS.tags.exec(req.path);
    if (!m) return undefined;
    this.checkVersion(apiVersion, RESOURCES_API_VERSIONS);
    return handleTags(this, req, m[1]!);
  }

  private resourceGroupRoute(req: ArmRequest, apiVersion: string): ArmReply | undefined {
    const m = ARM_PATHS.resourceGroup.exec(req.path);
    if (!m) return undefined;
    this.checkVersion(apiVersion, RESOURCES_API_VERSIONS);
    if (req.method !== 'GET') throw armErrors.notSupported(req.method, req.path);
    const g = this.store.group(m[2]!, this.subscriptionOf(m[1]!));
    if (!g) throw armErrors.resourceGroupNotFound(m[2]!);
    return ok({
      id: `/subscriptions/${g.subscriptionId}/resourceGroups/${g.name}`,
      name: g.name,
      type: 'Microsoft.Resources/resourceGroups',
      location: g.location || 'eastus',
      ...(g.tags ? { tags: g.tags } : {}),
      properties: { provisioningState: 'Succeeded' },
    });
  }

  /** The list of a type in the subscription or in one group. */
  private listRoute(req: ArmRequest, apiVersion: string): ArmReply | undefined {
    const inSubscription = ARM_PATHS.subscriptionList.exec(req.path);
    const inGroup = inSubscription ? undefined : ARM_PATHS.groupList.exec(req.path);
    if (!inSubscription && !inGroup) return undefined;
    const [sub, ns, type] = inSubscription
      ? [inSubscription[1]!, inSubscription[2]!, inSubscription[3]!]
      : [inGroup![1]!, inGroup![3]!, inGroup![4]!];
    const served = this.servedType(ns, type, req);
    this.checkVersion(apiVersion, served.versions, served.type);
    const subscriptionId = this.subscriptionOf(sub);
    const rg = inGroup ? this.requireGroup(inGroup[2]!, subscriptionId) : undefined;
    if (req.method !== 'GET') throw armErrors.notSupported(req.method, req.path);
    return this.page(req, this.store.list(served.type, rg, subscriptionId));
  }

  private resourceRoute(req: ArmRequest, apiVersion: string): ArmReply | undefined {
    const m = ARM_PATHS.resource.exec(req.path);
    if (!m) return undefined;
    const served = this.servedType(m[3]!, m[4]!, req);
    this.checkVersion(apiVersion, served.versions, served.type);
    const subscriptionId = this.subscriptionOf(m[1]!);
    const rg = this.requireGroup(m[2]!, subscriptionId);
    const id = `/subscriptions/${subscriptionId}/resourceGroups/${rg}/providers/${served.type}/${m[5]!}`;
    return handleTopLevel(this, req, { type: served.type, id, rg, name: m[5]! });
  }

  private childRoute(req: ArmRequest, apiVersion: string): ArmReply | undefined {
    const m = ARM_PATHS.childList.exec(req.path) ?? ARM_PATHS.child.exec(req.path);
    if (!m) return undefined;
    const parent = this.servedType(m[3]!, m[4]!, req);
    const childType = CHILD_TYPES[`${lower(parent.type)}/${lower(m[6]!)}`];
    if (!childType) throw armErrors.notSupported(req.method, req.path);
    this.checkVersion(apiVersion, parent.versions, childType);
    const subscriptionId = this.subscriptionOf(m[1]!);
    const rg = this.requireGroup(m[2]!, subscriptionId);
    const parentId = `/subscriptions/${subscriptionId}/resourceGroups/${rg}/providers/${parent.type}/${m[5]!}`;
    const target = { childType, parentId, rg, parentName: m[5]!, name: m[7] };
    if (childType === TYPES.peering) return handlePeerings(this, req, target);
    return handleChild(this, req, target);
  }

  // ---------------------------------------------------------------- checks

  private checkSubscription(path: string): void {
    const m = /^\/subscriptions\/([^/]+)/iu.exec(path);
    if (!m) return;
    if (this.store.subscription(m[1]!) === undefined)
      throw new ArmError(404, {
        code: 'SubscriptionNotFound',
        message: `The subscription '${m[1]}' could not be found.`,
      });
  }

  private checkVersion(version: string, supported: readonly string[], type?: string): void {
    if (supported.includes(version)) return;
    if (!type) throw armErrors.invalidApiVersion(version, supported);
    requireRegisteredVersion(this.store, version, supported, type.split('/').slice(1).join('/'));
  }

  private servedType(ns: string, type: string, req: ArmRequest): ServedType {
    const served = TOP_TYPES[`${lower(ns)}/${lower(type)}`];
    if (!served) throw armErrors.notSupported(req.method, req.path);
    return served;
  }

  /** The world's spelling of the path's subscription (checkSubscription has made sure it is one). */
  private subscriptionOf(pathSubscription: string): string {
    return this.store.subscription(pathSubscription) ?? this.store.subscriptionId;
  }

  private requireGroup(name: string, subscriptionId: string): string {
    const g = this.store.group(name, subscriptionId);
    if (!g) throw armErrors.resourceGroupNotFound(name);
    return g.name;
  }

  // ---------------------------------------------------------------- shared with the handlers

  page(req: ArmRequest, items: Json[]): ArmReply {
    const skip = Number(req.query.get('$skiptoken') ?? '0') || 0;
    const size = this.options.pageSize;
    const slice = items.slice(skip, skip + size).map((r) => this.store.view(r));
    const body: Json = { value: slice };
    if (skip + size < items.length) {
      const url = new URL(`${this.options.endpoint()}${req.path}`);
      url.searchParams.set('api-version', req.query.get('api-version')!);
      url.searchParams.set('$skiptoken', String(skip + size));
      body.nextLink = url.toString();
    }
    return { status: 200, headers: {}, body };
  }

  /** Emits the event of a write or delete; without a request, an admin change (no HTTP request behind it). */
  emit(
    req: ArmRequest | undefined,
    kind: 'write' | 'delete',
    resourceId: string,
    operationName: string,
    failed = false,
  ): void {
    const parsed = /\/resourceGroups\/([^/]+)/iu.exec(resourceId);
    // Each resource's event comes from its own subscription (and group): the topic Event Grid matches on.
    const subscription = /^\/subscriptions\/([^/]+)/iu.exec(resourceId)?.[1];
    this.options.events.emit(
      buildEvent({
        kind,
        resourceId,
        operationName,
        subscriptionId: this.store.subscription(subscription ?? '') ?? this.store.subscriptionId,
        tenantId: this.store.tenantId,
        resourceGroup: parsed?.[1] ?? '',
        correlationId: req ? header(req.headers, 'x-ms-correlation-request-id') : undefined,
        failed,
        httpRequest: req
          ? {
              method: req.method,
              url: `https://management.azure.com${req.rawUrl}`,
              clientRequestId: header(req.headers, 'x-ms-client-request-id'),
              clientIpAddress: req.clientIp,
            }
          : undefined,
      }),
    );
  }

  /** Another writer changes the route table (fault or admin); false when there is no such table. */
  externalWrite(tableId: string, change: ExternalTableChange, source = 'admin'): boolean {
    return applyExternalWrite(this, this.externalWrites, tableId, change, source);
  }
}
