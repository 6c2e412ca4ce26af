// The emulated ARM surface: routing, api-versions, ETags, long-running operations, validation and errors,
// for the resource types the product touches. Behaviour follows the recorded real traffic in
// azure-reference/recordings and the specs; see docs/emulator.md.
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { normalizeCidr } from 'cidr-tools';
import { SCALE_SET_TYPE, ScaleSets } from './compute/scale-sets.js';
import { ArmError, type ArmErrorBody, armErrors } from './errors.js';
import type { EventHub } from './events.js';
import { buildEvent } from './events.js';
import { ExternalWriteLog } from './external-writes.js';
import { readOnlyProperties } from './read-only.js';
import { fillRoute, fillSubnet, LINKABLE_TYPES, props, type Store, TYPES } from './store.js';
import { COMPUTE_API_VERSIONS, NETWORK_API_VERSIONS, RESOURCES_API_VERSIONS } from './versions.js';
import { type Json, newEtag, parseTopLevelId, resourceSchemas, validateResource } from './world.js';

export interface LroSettings {
  /** How many times a poll of the operation answers InProgress before it completes (default 0). */
  inProgressPolls: number;
  /** Retry-After (seconds) on 429 RetryableErrorDueToAnotherOperation (default 1). */
  retryAfterSeconds: number;
  /** An operation nobody polls completes by itself after this many ms (default 5000). */
  autoCompleteMs: number;
}

export interface LatencyModel {
  readMs: number;
  writeMs: number;
  /** Minimum duration of a long-running operation (ms), on top of the InProgress polls. */
  lroMs: number;
}

export interface ArmRequest {
  method: string;
  path: string; // decoded pathname
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  rawUrl: string;
  clientIp: string;
  /** An injected 'lroFail' fault: the operation this request starts ends Failed with this error. Carried by
   * the request, not shared state, so a concurrent request never picks up another's fault. */
  failLro?: ArmErrorBody;
}

export interface ArmReply {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
  /** True when this answered a poll of a long-running operation. */
  lroPoll?: boolean;
}

interface Operation {
  id: string;
  provider: string;
  location: string;
  apiVersion: string;
  resourceId: string;
  name: string;
  lockKeys: string[];
  pollsLeft: number;
  readyAt: number;
  isDelete: boolean;
  status: 'InProgress' | 'Succeeded' | 'Failed';
  startTime: string;
  fail?: ArmErrorBody;
  complete: () => void;
  onFail: () => void;
  timer?: NodeJS.Timeout;
}

/**
 * Puts `filled` in place of `existing` (or appends it) in the parent's inline collection. The parent and every
 * child share the new etag: one etag per parent, as recorded from ARM.
 */
function putChild(
  parent: Json,
  collection: 'routes' | 'subnets',
  existing: Json | undefined,
  filled: Json,
  etag: string,
): void {
  const children = arr(props(parent)[collection]);
  const next = existing ? children.map((c) => (c === existing ? filled : c)) : [...children, filled];
  for (const c of next) c.etag = etag;
  props(parent)[collection] = next;
  parent.etag = etag;
}

export const NEXT_HOP_TYPES = ['VirtualNetworkGateway', 'VnetLocal', 'Internet', 'VirtualAppliance', 'None'];

const clone = <T>(v: T): T => structuredClone(v);
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
const header = (h: ArmRequest['headers'], name: string): string | undefined => {
  const v = h[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};
const lower = (s: string) => s.toLowerCase();

const SUB = '/subscriptions/([^/]+)';
const RG = '/resourcegroups/([^/]+)';
const re = (s: string) => new RegExp(`^${s}/?$`, 'iu');
const routes = {
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

const TOP_TYPES: Record<string, { type: string; versions: readonly string[] }> = {
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
/** A subnet's single references and the type each must point at (ARM refuses a dangling one). */
const SUBNET_REFERENCES: Array<[string, string]> = [
  ['routeTable', TYPES.routeTable],
  ['networkSecurityGroup', TYPES.nsg],
  ['natGateway', TYPES.natGateway],
];
const CHILD_TYPES: Record<string, string> = {
  'microsoft.network/routetables/routes': TYPES.route,
  'microsoft.network/virtualnetworks/subnets': TYPES.subnet,
};

export interface ArmOptions {
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

export class Arm {
  private ops = new Map<string, Operation>();
  private locks = new Map<string, Operation>();
  /** Services in their own files (e.g. network/effective-routes.ts) answer first; undefined passes on. */
  readonly extensions: Array<(req: ArmRequest) => ArmReply | undefined> = [];
  /** Every external write actually performed (tests check foreign routes and tags against it). */
  readonly externalWrites = new ExternalWriteLog();

  /** Scale-set instances and their NICs (compute/scale-sets.ts). */
  readonly scaleSets: ScaleSets;

  constructor(private readonly o: ArmOptions) {
    this.scaleSets = new ScaleSets({
      store: o.store,
      page: (req, items) => this.page(req, items),
      emit: (id, operationName) => this.emitAdmin('write', id, operationName),
    });
  }

  get store(): Store {
    return this.o.store;
  }

  reset(): void {
    for (const op of this.ops.values()) clearTimeout(op.timer);
    this.ops.clear();
    this.locks.clear();
    this.scaleSets.reset();
    this.externalWrites.clear();
  }

  /** Long-running operations still running (not yet Succeeded or Failed). */
  inProgress(): number {
    return [...this.ops.values()].filter((op) => op.status === 'InProgress').length;
  }

  /** Completes every pending operation now (e.g. before stop). */
  settleAll(): void {
    for (const op of [...this.ops.values()]) if (op.status === 'InProgress') this.finish(op);
  }

  async handle(req: ArmRequest): Promise<ArmReply> {
    const auth = header(req.headers, 'authorization');
    if (!auth) throw armErrors.authenticationMissing();
    if (!/^Bearer \S+/u.test(auth)) throw armErrors.authenticationInvalid();
    const apiVersion = req.query.get('api-version');
    if (!apiVersion) throw armErrors.missingApiVersion();
    const p = req.path;
    for (const extension of this.extensions) {
      const reply = extension(req);
      if (reply) return reply;
    }
    let m = routes.operation.exec(p);
    if (m) return this.poll(req, m[5]!, lower(m[4]!) === 'operationresults');
    this.checkSubscription(p);
    for (const service of this.o.services ?? []) {
      const reply = service.handle(req, apiVersion);
      if (reply) return reply;
    }

    m = routes.tags.exec(p);
    if (m) return this.tagsApi(req, m[1]!, apiVersion);

    m = routes.resourceGroup.exec(p);
    if (m) {
      this.checkVersion(apiVersion, RESOURCES_API_VERSIONS);
      if (req.method !== 'GET') throw armErrors.notSupported(req.method, p);
      const g = this.store.group(m[2]!);
      if (!g) throw armErrors.resourceGroupNotFound(m[2]!);
      return this.ok({
        id: `/subscriptions/${this.store.subscriptionId}/resourceGroups/${g.name}`,
        name: g.name,
        type: 'Microsoft.Resources/resourceGroups',
        location: g.location || 'eastus',
        ...(g.tags ? { tags: g.tags } : {}),
        properties: { provisioningState: 'Succeeded' },
      });
    }

    m = routes.subscriptionList.exec(p);
    if (m) {
      const t = this.topType(m[2]!, m[3]!, p, req.method);
      this.checkVersion(apiVersion, t.versions, t.type);
      if (req.method !== 'GET') throw armErrors.notSupported(req.method, p);
      return this.page(req, this.store.list(t.type));
    }

    m = routes.groupList.exec(p);
    if (m) {
      const t = this.topType(m[3]!, m[4]!, p, req.method);
      this.checkVersion(apiVersion, t.versions, t.type);
      this.requireGroup(m[2]!);
      if (req.method !== 'GET') throw armErrors.notSupported(req.method, p);
      return this.page(req, this.store.list(t.type, m[2]!));
    }

    m = routes.resource.exec(p);
    if (m) {
      const t = this.topType(m[3]!, m[4]!, p, req.method);
      this.checkVersion(apiVersion, t.versions, t.type);
      const rg = this.requireGroup(m[2]!);
      const id = `/subscriptions/${this.store.subscriptionId}/resourceGroups/${rg}/providers/${t.type}/${m[5]!}`;
      return this.topLevel(req, t.type, id, rg, m[5]!, apiVersion);
    }

    const underScaleSet = this.scaleSets.handle(req, apiVersion);
    if (underScaleSet) return underScaleSet;

    m = routes.childList.exec(p) ?? routes.child.exec(p);
    if (m) {
      const t = this.topType(m[3]!, m[4]!, p, req.method);
      const childType = CHILD_TYPES[`${lower(t.type)}/${lower(m[6]!)}`];
      if (!childType) throw armErrors.notSupported(req.method, p);
      this.checkVersion(apiVersion, t.versions, childType);
      const rg = this.requireGroup(m[2]!);
      const parentId = `/subscriptions/${this.store.subscriptionId}/resourceGroups/${rg}/providers/${t.type}/${m[5]!}`;
      const childName = m[7];
      return this.child(req, childType, parentId, rg, m[5]!, childName, apiVersion);
    }
    throw armErrors.notSupported(req.method, p);
  }

  // ---------------------------------------------------------------- helpers

  private checkSubscription(path: string): void {
    const m = /^\/subscriptions\/([^/]+)/iu.exec(path);
    if (!m) return;
    if (lower(m[1]!) !== lower(this.store.subscriptionId))
      throw new ArmError(404, {
        code: 'SubscriptionNotFound',
        message: `The subscription '${m[1]}' could not be found.`,
      });
  }

  private checkVersion(version: string, supported: readonly string[], type?: string): void {
    if (supported.includes(version)) return;
    if (!type) throw armErrors.invalidApiVersion(version, supported);
    const locations = [
      ...new Set(
        this.store
          .groupList()
          .map((g) => g.location)
          .filter(Boolean),
      ),
    ];
    throw armErrors.noRegisteredProvider(
      locations[0] ?? 'eastus',
      version,
      type.split('/').slice(1).join('/'),
      supported,
      locations.length ? locations : ['eastus'],
    );
  }

  private topType(
    ns: string,
    type: string,
    path: string,
    method: string,
  ): { type: string; versions: readonly string[] } {
    const t = TOP_TYPES[`${lower(ns)}/${lower(type)}`];
    if (!t) throw armErrors.notSupported(method, path);
    return t;
  }

  private requireGroup(name: string): string {
    const g = this.store.group(name);
    if (!g) throw armErrors.resourceGroupNotFound(name);
    return g.name;
  }

  private ok(body: Json, status = 200): ArmReply {
    const headers: Record<string, string> = {};
    if (typeof body.etag === 'string') headers.ETag = body.etag;
    return { status, headers, body };
  }

  page(req: ArmRequest, items: Json[]): ArmReply {
    const skip = Number(req.query.get('$skiptoken') ?? '0') || 0;
    const size = this.o.pageSize;
    const slice = items.slice(skip, skip + size).map((r) => this.store.view(r));
    const body: Json = { value: slice };
    if (skip + size < items.length) {
      const url = new URL(`${this.o.endpoint()}${req.path}`);
      url.searchParams.set('api-version', req.query.get('api-version')!);
      url.searchParams.set('$skiptoken', String(skip + size));
      body.nextLink = url.toString();
    }
    return { status: 200, headers: {}, body };
  }

  private notFound(type: string, name: string, rg: string): ArmError {
    return armErrors.resourceNotFound(`${type}/${name}`, rg);
  }

  private checkPreconditions(req: ArmRequest, id: string, current: string | undefined): void {
    const ifMatch = header(req.headers, 'if-match');
    const ifNoneMatch = header(req.headers, 'if-none-match');
    if (ifMatch !== undefined) {
      if (current === undefined) throw armErrors.preconditionFailed(id);
      if (ifMatch.trim() !== '*' && !ifMatch.split(',').some((e) => e.trim() === current))
        throw armErrors.preconditionFailed(id);
    }
    if (ifNoneMatch !== undefined && current !== undefined) {
      if (ifNoneMatch.trim() === '*' || ifNoneMatch.split(',').some((e) => e.trim() === current))
        throw armErrors.preconditionFailed(id);
    }
  }

  private checkLock(keys: string[], operation: string): void {
    for (const k of keys) {
      const op = this.locks.get(lower(k));
      if (op && op.status === 'InProgress')
        throw armErrors.anotherOperationInProgress(op.name, op.resourceId, this.o.lro.retryAfterSeconds);
    }
    void operation;
  }

  private bodyObject(req: ArmRequest): Json {
    if (
      req.body === undefined ||
      req.body === null ||
      typeof req.body !== 'object' ||
      Array.isArray(req.body)
    )
      throw armErrors.badRequestBody(
        `The request content was invalid and could not be deserialized: expected a JSON object body for ${req.method} ${req.path}.`,
      );
    return req.body as Json;
  }

  private locationOf(resource: Json | undefined, rg: string): string {
    const loc = resource?.location;
    if (typeof loc === 'string' && loc) return lower(loc.replace(/\s+/gu, ''));
    return lower(this.store.group(rg)?.location || 'eastus');
  }

  // ---------------------------------------------------------------- long-running operations

  private startOperation(
    req: ArmRequest,
    a: {
      provider: string;
      location: string;
      resourceId: string;
      name: string;
      lockKeys: string[];
      isDelete: boolean;
      complete: () => void;
      onFail: () => void;
    },
  ): Operation {
    const op: Operation = {
      id: randomUUID(),
      apiVersion: req.query.get('api-version')!,
      pollsLeft: this.o.lro.inProgressPolls,
      readyAt: Date.now() + this.o.latency.lroMs,
      status: 'InProgress',
      startTime: new Date().toISOString(),
      ...a,
    };
    if (req.failLro) op.fail = req.failLro;
    this.ops.set(op.id, op);
    for (const k of op.lockKeys) this.locks.set(lower(k), op);
    op.timer = setTimeout(() => this.finish(op), Math.max(this.o.lro.autoCompleteMs, this.o.latency.lroMs));
    op.timer.unref();
    return op;
  }

  private finish(op: Operation): void {
    if (op.status !== 'InProgress') return;
    clearTimeout(op.timer);
    for (const k of op.lockKeys) if (this.locks.get(lower(k)) === op) this.locks.delete(lower(k));
    if (op.fail) {
      op.status = 'Failed';
      op.onFail();
    } else {
      op.status = 'Succeeded';
      op.complete();
    }
  }

  private operationUrls(op: Operation): { async: string; location: string } {
    const base = `${this.o.endpoint()}/subscriptions/${this.store.subscriptionId}/providers/${op.provider}/locations/${op.location}`;
    return {
      async: `${base}/operations/${op.id}?api-version=${op.apiVersion}`,
      location: `${base}/operationResults/${op.id}?api-version=${op.apiVersion}`,
    };
  }

  private asyncHeaders(op: Operation, withLocation: boolean): Record<string, string> {
    const urls = this.operationUrls(op);
    return {
      'Azure-AsyncOperation': urls.async,
      'azure-asyncnotification': 'Enabled',
      ...(withLocation ? { Location: urls.location } : {}),
    };
  }

  private poll(req: ArmRequest, id: string, isResult: boolean): ArmReply {
    if (req.method !== 'GET') throw armErrors.notSupported(req.method, req.path);
    const op = this.ops.get(lower(id)) ?? [...this.ops.values()].find((o) => lower(o.id) === lower(id));
    if (!op)
      throw new ArmError(404, {
        code: 'OperationNotFound',
        message: `The operation '${id}' could not be found.`,
      });
    if (op.status === 'InProgress') {
      if (op.pollsLeft > 0) {
        if (!isResult) op.pollsLeft--;
      } else if (Date.now() >= op.readyAt) this.finish(op);
    }
    if (isResult) {
      if (op.status === 'InProgress')
        return { status: 202, headers: { ...this.asyncHeaders(op, true) }, lroPoll: true };
      if (op.status === 'Failed')
        return { status: 500, headers: {}, body: { error: op.fail }, lroPoll: true };
      return { status: 204, headers: { ...this.asyncHeaders(op, true) }, lroPoll: true };
    }
    const body: Json = { status: op.status };
    if (op.provider === 'Microsoft.Compute') {
      body.name = op.id;
      body.startTime = op.startTime;
      if (op.status !== 'InProgress') body.endTime = new Date().toISOString();
    }
    if (op.status === 'Failed') body.error = op.fail;
    return { status: 200, headers: {}, body, lroPoll: true };
  }

  private emit(
    req: ArmRequest | undefined,
    kind: 'write' | 'delete',
    resourceId: string,
    operationName: string,
    failed = false,
  ): void {
    const parsed = /\/resourceGroups\/([^/]+)/iu.exec(resourceId);
    this.o.events.emit(
      buildEvent({
        kind,
        resourceId,
        operationName,
        subscriptionId: this.store.subscriptionId,
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

  /** Emits a write/delete event for an admin change (no HTTP request behind it). */
  emitAdmin(kind: 'write' | 'delete', resourceId: string, operationName: string): void {
    this.emit(undefined, kind, resourceId, operationName);
  }

  // ---------------------------------------------------------------- top-level resources

  private topLevel(
    req: ArmRequest,
    type: string,
    id: string,
    rg: string,
    name: string,
    apiVersion: string,
  ): ArmReply {
    const existing = this.store.get(id);
    switch (req.method) {
      case 'GET':
        if (!existing) throw this.notFound(type, name, rg);
        return this.ok(this.store.view(existing));
      case 'PUT':
        return type === TYPES.routeTable
          ? this.putRouteTable(req, id, rg, existing)
          : this.putGeneric(req, type, id, rg, existing);
      case 'PATCH':
        if (!existing) throw this.notFound(type, name, rg);
        return this.patchTags(req, type, existing);
      case 'DELETE':
        return this.deleteTop(req, type, rg, existing);
      default:
        void apiVersion;
        throw armErrors.notSupported(req.method, req.path);
    }
  }

  private putRouteTable(req: ArmRequest, id: string, rg: string, existing: Json | undefined): ArmReply {
    const body = this.bodyObject(req);
    this.checkLock([id], 'PutRouteTableOperation');
    this.checkPreconditions(req, id, existing?.etag as string | undefined);
    const location = (body.location as string | undefined) ?? (existing?.location as string | undefined);
    if (!location) throw armErrors.locationRequired();
    if (
      body.tags !== undefined &&
      (typeof body.tags !== 'object' || body.tags === null || Array.isArray(body.tags))
    )
      throw armErrors.cannotParse('tags', 'expected an object of string values');
    const p = obj(body.properties);
    const routesIn = p.routes === undefined ? [] : p.routes;
    if (!Array.isArray(routesIn))
      throw armErrors.cannotParse('properties.routes', 'expected an array of routes');
    const validated = this.validateRoutes(id, routesIn as Json[]);
    const etag = newEtag();
    const prev = existing ? clone(existing) : undefined;
    const table: Json = {
      name: existing?.name ?? parseTopLevelId(id)!.name,
      id: existing?.id ?? id,
      etag,
      type: TYPES.routeTable,
      location,
      ...(body.tags !== undefined ? { tags: body.tags } : {}),
      properties: {
        provisioningState: 'Updating',
        resourceGuid: (existing ? props(existing).resourceGuid : undefined) ?? randomUUID(),
        disableBgpRoutePropagation: p.disableBgpRoutePropagation === true,
        routes: validated.map((r) => fillRoute(r, String(existing?.id ?? id), etag, 'Updating')),
      },
    };
    this.store.set(table);
    const tableId = String(table.id);
    const op = this.startPutOperation(req, {
      parent: table,
      rg,
      name: 'PutRouteTableOperation',
      lockKeys: [tableId],
      eventId: tableId,
      operationName: 'Microsoft.Network/routeTables/write',
      prev,
    });
    return {
      status: existing ? 200 : 201,
      headers: this.asyncHeaders(op, false),
      body: this.store.view(table),
    };
  }

  /** Sets the provisioningState of a route table (and its routes) or vnet (and subnets), with a new etag. */
  private settle(resource: Json, state: string): void {
    const etag = newEtag();
    resource.etag = etag;
    const p = props(resource);
    p.provisioningState = state;
    for (const coll of ['routes', 'subnets', 'ipConfigurations']) {
      for (const c of arr(p[coll])) {
        c.etag = etag;
        props(c).provisioningState = state;
      }
    }
  }

  /**
   * The long-running operation of a PUT on `parent` (the resource itself, or the table/vnet of a route/subnet):
   * on success the parent settles and the write's event is emitted; on failure the parent is rolled back to
   * `prev` and marked Failed.
   */
  private startPutOperation(
    req: ArmRequest,
    a: {
      provider?: string;
      parent: Json;
      rg: string;
      name: string;
      lockKeys: string[];
      eventId: string;
      operationName: string;
      prev: Json | undefined;
      settle?: (cur: Json) => void;
    },
  ): Operation {
    const parentId = String(a.parent.id);
    return this.startOperation(req, {
      provider: a.provider ?? 'Microsoft.Network',
      location: this.locationOf(a.parent, a.rg),
      resourceId: parentId,
      name: a.name,
      lockKeys: a.lockKeys,
      isDelete: false,
      complete: () => {
        const cur = this.store.get(parentId);
        if (!cur) return;
        if (a.settle) a.settle(cur);
        else this.settle(cur, 'Succeeded');
        this.emit(req, 'write', a.eventId, a.operationName);
      },
      onFail: () => {
        this.failResource(parentId, a.prev);
        this.emit(req, 'write', a.eventId, a.operationName, true);
      },
    });
  }

  private failResource(id: string, prev: Json | undefined): void {
    const restored = prev ? clone(prev) : this.store.get(id);
    if (!restored) return;
    this.settle(restored, 'Failed');
    this.store.set(restored);
  }

  private validateRoutes(tableId: string, routesIn: Json[]): Json[] {
    if (routesIn.length > this.o.maxRoutesPerTable)
      throw armErrors.tooManyRoutes(tableId, routesIn.length, this.o.maxRoutesPerTable);
    const seen = new Map<string, string>();
    const names = new Set<string>();
    const out: Json[] = [];
    routesIn.forEach((r, i) => {
      if (!r || typeof r !== 'object')
        throw armErrors.cannotParse(`properties.routes[${i}]`, 'expected a route object');
      const name = r.name;
      if (typeof name !== 'string' || !name)
        throw armErrors.cannotParse(
          `properties.routes[${i}].name`,
          'expected the route name (a non-empty string)',
        );
      if (names.has(lower(name)))
        throw armErrors.badRequestBody(`Route table ${tableId} has more than one route named ${name}.`);
      names.add(lower(name));
      const route = this.validateRoute(
        `${tableId}/routes/${name}`,
        name,
        obj(r.properties),
        `properties.routes[${i}]`,
      );
      const key = route.normalizedPrefix;
      const other = seen.get(key);
      if (other) throw armErrors.routeConflict(name, other);
      seen.set(key, name);
      out.push(route.route);
    });
    return out;
  }

  private validateRoute(
    routeId: string,
    name: string,
    p: Json,
    where: string,
  ): { route: Json; normalizedPrefix: string } {
    const prefix = p.addressPrefix;
    if (typeof prefix !== 'string' || !prefix)
      throw armErrors.cannotParse(
        `${where}.properties.addressPrefix`,
        'expected a CIDR string such as 10.200.0.0/24',
      );
    const normalized = strictCidr(prefix);
    if (!normalized) throw armErrors.invalidAddressPrefix(prefix, routeId);
    const hop = p.nextHopType;
    if (typeof hop !== 'string' || !NEXT_HOP_TYPES.includes(hop))
      throw armErrors.cannotParse(
        `${where}.properties.nextHopType`,
        `expected one of ${NEXT_HOP_TYPES.join(', ')}, got ${JSON.stringify(hop)}`,
      );
    const ip = p.nextHopIpAddress;
    const hasIp = ip !== undefined && ip !== null && ip !== '';
    if (hop === 'VirtualAppliance') {
      if (!hasIp) throw armErrors.missingNextHopIp(name);
      if (typeof ip !== 'string' || isIP(ip) === 0) throw armErrors.invalidNextHopIp(name, String(ip));
    } else if (hasIp) throw armErrors.nextHopIpNotAllowed(name, hop);
    const route: Json = {
      name,
      properties: { addressPrefix: prefix, nextHopType: hop, ...(hasIp ? { nextHopIpAddress: ip } : {}) },
    };
    return { route, normalizedPrefix: normalized };
  }

  private putGeneric(
    req: ArmRequest,
    type: string,
    id: string,
    rg: string,
    existing: Json | undefined,
  ): ArmReply {
    const body = clone(this.bodyObject(req));
    this.checkLock([id], `Put${type.split('/')[1]}Operation`);
    this.checkPreconditions(req, id, existing?.etag as string | undefined);
    const location = (body.location as string | undefined) ?? (existing?.location as string | undefined);
    if (!location) throw armErrors.locationRequired();
    const candidate: Json = { ...body, id: existing?.id ?? id, location };
    delete candidate.etag;
    delete candidate.name;
    delete candidate.type;
    const p = { ...obj(candidate.properties) };
    for (const k of ['provisioningState', 'vmId', ...readOnlyProperties(type)]) delete p[k];
    if (existing)
      for (const k of readOnlyProperties(type))
        if (props(existing)[k] !== undefined) p[k] = props(existing)[k];
    candidate.properties = p;
    if (type === TYPES.vnet) this.checkSubnetReferences(id, arr(p.subnets));
    try {
      validateResource(candidate, `${req.method} ${type}`);
    } catch (err) {
      throw armErrors.badRequestBody((err as Error).message);
    }
    const provider = type.split('/')[0]!;
    const prev = existing ? clone(existing) : undefined;
    const filled = this.store.upsert(candidate);
    if (type === TYPES.vm) {
      const n = Number(String(prev?.etag ?? '"0"').replace(/\D/gu, '')) || 0;
      filled.etag = `"${n + 1}"`;
    }
    this.settleState(filled, 'Updating');
    const op = this.startPutOperation(req, {
      provider,
      parent: filled,
      rg,
      name: `Put${type.split('/')[1]}Operation`,
      lockKeys: [String(filled.id)],
      eventId: String(filled.id),
      operationName: `${type}/write`,
      prev,
      // A VM's children are not network sub-resources: only its own state settles.
      ...(type === TYPES.vm
        ? {
            settle: (cur: Json) => {
              props(cur).provisioningState = 'Succeeded';
            },
          }
        : {}),
    });
    return {
      status: existing ? 200 : 201,
      headers: this.asyncHeaders(op, false),
      body: this.store.view(filled),
    };
  }

  private settleState(r: Json, state: string): void {
    props(r).provisioningState = state;
    for (const coll of ['routes', 'subnets', 'ipConfigurations'])
      for (const c of arr(props(r)[coll])) props(c).provisioningState = state;
  }

  private patchTags(req: ArmRequest, type: string, existing: Json): ArmReply {
    const body = this.bodyObject(req);
    const id = String(existing.id);
    this.checkLock([id], `Patch${type.split('/')[1]}Operation`);
    this.checkPreconditions(req, id, existing.etag as string | undefined);
    const tags = body.tags;
    if (tags !== undefined && (typeof tags !== 'object' || tags === null || Array.isArray(tags)))
      throw armErrors.cannotParse('tags', 'expected an object of string values');
    if (tags !== undefined) existing.tags = tags;
    if (type === TYPES.vm) {
      const n = Number(String(existing.etag ?? '"0"').replace(/\D/gu, '')) || 0;
      existing.etag = `"${n + 1}"`;
    } else this.settle(existing, 'Succeeded');
    this.emit(req, 'write', id, `${type}/write`);
    return this.ok(this.store.view(existing));
  }

  private deleteTop(req: ArmRequest, type: string, rg: string, existing: Json | undefined): ArmReply {
    if (!existing) return { status: 204, headers: {} };
    const realId = String(existing.id);
    this.checkLock([realId], `Delete${type.split('/')[1]}Operation`);
    this.checkPreconditions(req, realId, existing.etag as string | undefined);
    if (type === TYPES.routeTable) {
      const subnets = this.store.subnetsReferencing(realId);
      if (subnets.length > 0)
        throw new ArmError(400, {
          code: 'InUseRouteTableCannotBeDeleted',
          message: `Route table ${realId} is in use and cannot be deleted. In use by subnets: ${subnets.map((s) => s.id).join(', ')}.`,
          details: [],
        });
    }
    const prev = clone(existing);
    props(existing).provisioningState = 'Deleting';
    const op = this.startOperation(req, {
      provider: type.split('/')[0]!,
      location: this.locationOf(existing, rg),
      resourceId: realId,
      name: `Delete${type.split('/')[1]}Operation`,
      lockKeys: [realId],
      isDelete: true,
      complete: () => {
        this.store.delete(realId);
        this.emit(req, 'delete', realId, `${type}/delete`);
      },
      onFail: () => {
        this.failResource(realId, prev);
        this.emit(req, 'delete', realId, `${type}/delete`, true);
      },
    });
    return { status: 202, headers: this.asyncHeaders(op, true) };
  }

  private checkSubnetReferences(subnetOrVnetId: string, subnets: Json[]): void {
    for (const s of subnets) {
      for (const [field, type] of SUBNET_REFERENCES) {
        const ref = obj(obj(s.properties)[field]).id;
        if (ref === undefined) continue;
        const target = typeof ref === 'string' ? this.store.get(ref) : undefined;
        if (!target || lower(String(target.type)) !== lower(type))
          throw armErrors.invalidResourceReference(String(ref), subnetOrVnetId);
      }
    }
  }

  // ---------------------------------------------------------------- child resources (routes, subnets)

  private child(
    req: ArmRequest,
    childType: string,
    parentId: string,
    rg: string,
    parentName: string,
    name: string | undefined,
    apiVersion: string,
  ): ArmReply {
    void apiVersion;
    const parentType = childType === TYPES.route ? TYPES.routeTable : TYPES.vnet;
    const coll = childType === TYPES.route ? 'routes' : 'subnets';
    const parent = this.store.get(parentId);
    if (name === undefined) {
      if (req.method !== 'GET') throw armErrors.notSupported(req.method, req.path);
      if (!parent) throw this.notFound(parentType, parentName, rg);
      return this.page(req, arr(props(parent)[coll]));
    }
    const find = () =>
      parent ? arr(props(parent)[coll]).find((c) => lower(String(c.name)) === lower(name)) : undefined;
    switch (req.method) {
      case 'GET': {
        if (!parent) throw this.notFound(parentType, parentName, rg);
        const c = find();
        if (!c) throw armErrors.nrpNotFound(`${String(parent.id)}/${coll}/${name}`);
        return this.ok(clone(c));
      }
      case 'PUT':
        if (!parent) throw this.notFound(parentType, parentName, rg);
        return childType === TYPES.route
          ? this.putRoute(req, parent, name, rg)
          : this.putSubnet(req, parent, name, rg);
      case 'DELETE': {
        if (!parent) return { status: 204, headers: {} };
        const c = find();
        if (!c) return { status: 204, headers: {} };
        return this.deleteChild(req, parent, c, childType, coll, rg);
      }
      default:
        throw armErrors.notSupported(req.method, req.path);
    }
  }

  private putRoute(req: ArmRequest, table: Json, name: string, rg: string): ArmReply {
    const body = this.bodyObject(req);
    const tableId = String(table.id);
    this.checkLock([tableId], 'PutRouteOperation');
    const routesNow = arr(props(table).routes);
    const existing = routesNow.find((r) => lower(String(r.name)) === lower(name));
    this.checkPreconditions(req, `${tableId}/routes/${name}`, existing?.etag as string | undefined);
    const routeName = existing ? String(existing.name) : name;
    const routeId = `${tableId}/routes/${routeName}`;
    const { route, normalizedPrefix } = this.validateRoute(routeId, routeName, obj(body.properties), 'route');
    for (const other of routesNow) {
      if (other === existing) continue;
      const otherPrefix = strictCidr(String(obj(other.properties).addressPrefix));
      if (otherPrefix === normalizedPrefix) throw armErrors.routeConflict(routeName, String(other.name));
    }
    const count = routesNow.length + (existing ? 0 : 1);
    if (count > this.o.maxRoutesPerTable)
      throw armErrors.tooManyRoutes(tableId, count, this.o.maxRoutesPerTable);
    const prev = clone(table);
    const etag = newEtag();
    const filled = fillRoute(route, tableId, etag, 'Updating');
    putChild(table, 'routes', existing, filled, etag);
    const op = this.startPutOperation(req, {
      parent: table,
      rg,
      name: 'PutRouteOperation',
      lockKeys: [tableId],
      eventId: routeId,
      operationName: 'Microsoft.Network/routeTables/routes/write',
      prev,
    });
    return { status: existing ? 200 : 201, headers: this.asyncHeaders(op, false), body: clone(filled) };
  }

  private putSubnet(req: ArmRequest, vnet: Json, name: string, rg: string): ArmReply {
    const body = this.bodyObject(req);
    const vnetId = String(vnet.id);
    const subnets = arr(props(vnet).subnets);
    const existing = subnets.find((s) => lower(String(s.name)) === lower(name));
    const subnetName = existing ? String(existing.name) : name;
    const subnetId = `${vnetId}/subnets/${subnetName}`;
    const p = obj(body.properties);
    const newRef = obj(p.routeTable).id;
    const oldRef = existing ? obj(obj(existing.properties).routeTable).id : undefined;
    const lockKeys = [vnetId, ...[newRef, oldRef].filter((r): r is string => typeof r === 'string')];
    this.checkLock(lockKeys, 'PutSubnetOperation');
    this.checkPreconditions(req, subnetId, existing?.etag as string | undefined);
    if (p.addressPrefix === undefined && p.addressPrefixes === undefined)
      throw armErrors.badRequestBody(
        `Subnet ${subnetId} must have properties.addressPrefix or properties.addressPrefixes.`,
      );
    for (const prefix of [p.addressPrefix, ...arr(p.addressPrefixes)].filter((x) => x !== undefined)) {
      if (typeof prefix !== 'string' || !strictCidr(prefix))
        throw armErrors.invalidAddressPrefix(String(prefix), subnetId);
    }
    this.checkSubnetReferences(subnetId, [{ properties: p }]);
    if (typeof newRef === 'string') p.routeTable = { id: String(this.store.get(newRef)!.id) };
    const prev = clone(vnet);
    const etag = newEtag();
    const filled = fillSubnet({ name: subnetName, properties: p }, vnetId, etag, 'Updating');
    putChild(vnet, 'subnets', existing, filled, etag);
    const op = this.startPutOperation(req, {
      parent: vnet,
      rg,
      name: 'PutSubnetOperation',
      lockKeys,
      eventId: subnetId,
      operationName: 'Microsoft.Network/virtualNetworks/subnets/write',
      prev,
    });
    return { status: existing ? 200 : 201, headers: this.asyncHeaders(op, false), body: clone(filled) };
  }

  private deleteChild(
    req: ArmRequest,
    parent: Json,
    child: Json,
    childType: string,
    coll: string,
    rg: string,
  ): ArmReply {
    const parentId = String(parent.id);
    const childId = String(child.id);
    const ref = obj(obj(child.properties).routeTable).id;
    const lockKeys = [parentId, ...(typeof ref === 'string' ? [ref] : [])];
    this.checkLock(lockKeys, childType === TYPES.route ? 'DeleteRouteOperation' : 'DeleteSubnetOperation');
    this.checkPreconditions(req, childId, child.etag as string | undefined);
    const prev = clone(parent);
    props(child).provisioningState = 'Deleting';
    const op = this.startOperation(req, {
      provider: 'Microsoft.Network',
      location: this.locationOf(parent, rg),
      resourceId: parentId,
      name: childType === TYPES.route ? 'DeleteRouteOperation' : 'DeleteSubnetOperation',
      lockKeys,
      isDelete: true,
      complete: () => {
        const cur = this.store.get(parentId);
        if (!cur) return;
        props(cur)[coll] = arr(props(cur)[coll]).filter((c) => lower(String(c.id)) !== lower(childId));
        this.settle(cur, 'Succeeded');
        this.emit(req, 'delete', childId, `${childType}/delete`);
      },
      onFail: () => {
        this.failResource(parentId, prev);
        this.emit(req, 'delete', childId, `${childType}/delete`, true);
      },
    });
    return { status: 202, headers: this.asyncHeaders(op, true) };
  }

  // ---------------------------------------------------------------- tags API (Microsoft.Resources/tags)

  private tagsApi(req: ArmRequest, resourceId: string, apiVersion: string): ArmReply {
    this.checkVersion(apiVersion, RESOURCES_API_VERSIONS);
    const parsed = parseTopLevelId(resourceId);
    if (!parsed) throw armErrors.notSupported(req.method, req.path);
    this.requireGroup(parsed.resourceGroup);
    const r = this.store.get(resourceId);
    if (!r) throw this.notFound(parsed.type, parsed.name, parsed.resourceGroup);
    const tagsId = `${String(r.id)}/providers/Microsoft.Resources/tags/default`;
    const view = (): Json => ({
      id: tagsId,
      name: 'default',
      type: 'Microsoft.Resources/tags',
      properties: { tags: obj(r.tags) },
    });
    if (req.method === 'GET') return this.ok(view());
    if (req.method !== 'PUT' && req.method !== 'PATCH') throw armErrors.notSupported(req.method, req.path);
    const body = this.bodyObject(req);
    const tags = obj(obj(body.properties).tags);
    if (req.method === 'PUT') r.tags = { ...tags };
    else {
      const operation = String(body.operation ?? 'Merge');
      if (operation === 'Replace') r.tags = { ...tags };
      else if (operation === 'Merge') r.tags = { ...obj(r.tags), ...tags };
      else if (operation === 'Delete') {
        const cur = { ...obj(r.tags) };
        for (const k of Object.keys(tags)) if (cur[k] === tags[k]) delete cur[k];
        r.tags = cur;
      } else throw armErrors.cannotParse('operation', "expected 'Merge', 'Replace' or 'Delete'");
    }
    if (String(r.type) === TYPES.vm) {
      const n = Number(String(r.etag ?? '"0"').replace(/\D/gu, '')) || 0;
      r.etag = `"${n + 1}"`;
    } else r.etag = newEtag();
    this.emit(req, 'write', tagsId, 'Microsoft.Resources/tags/write');
    return this.ok(view());
  }

  // ---------------------------------------------------------------- fault support

  /** An external writer changes the route table (new etag, maybe routes/tags), emitting its write event. */
  externalWrite(
    tableId: string,
    change: { addRoutes?: Json[]; removeRoutes?: string[]; tags?: Record<string, string> },
    source = 'admin',
  ): boolean {
    const table = this.store.get(tableId);
    if (!table || lower(String(table.type)) !== lower(TYPES.routeTable)) return false;
    const id = String(table.id);
    const etag = newEtag();
    let routesNow = arr(props(table).routes);
    const removed: string[] = [];
    if (change.removeRoutes?.length) {
      const rm = new Set(change.removeRoutes.map(lower));
      removed.push(...routesNow.filter((r) => rm.has(lower(String(r.name)))).map((r) => String(r.name)));
      routesNow = routesNow.filter((r) => !rm.has(lower(String(r.name))));
    }
    for (const add of change.addRoutes ?? []) {
      const filled = fillRoute(add, id, etag);
      routesNow = [...routesNow.filter((r) => lower(String(r.name)) !== lower(String(add.name))), filled];
    }
    props(table).routes = routesNow;
    if (change.tags) table.tags = { ...obj(table.tags), ...change.tags };
    this.settle(table, 'Succeeded');
    this.externalWrites.add({
      tableId: id,
      source,
      added: (change.addRoutes ?? []).map((r) => ({ name: r.name, properties: r.properties })),
      removed,
      tags: { ...(change.tags ?? {}) },
    });
    this.emitAdmin('write', id, 'Microsoft.Network/routeTables/write');
    return true;
  }

  /** The route table a request path targets (for externalWrite faults), if any. */
  static routeTableIdOf(path: string): string | undefined {
    const m =
      /^(\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/microsoft\.network\/routetables\/[^/]+)/iu.exec(
        path,
      );
    return m?.[1];
  }

  /** Used by admin helpers: the JSON Schema-free check that a resource type is one the emulator serves. */
  static isServedType(type: string): boolean {
    return (
      Object.values(TOP_TYPES).some((t) => lower(t.type) === lower(type)) || lower(type) in resourceSchemas
    );
  }
}

/** Strict CIDR check (node:net for the address, cidr-tools for normalising); undefined when invalid. */
export function strictCidr(input: string): string | undefined {
  const m = /^([^/\s]+)\/(\d{1,3})$/u.exec(input);
  if (!m) return undefined;
  const family = isIP(m[1]!);
  if (family === 0) return undefined;
  const len = Number(m[2]);
  if (len > (family === 4 ? 32 : 128)) return undefined;
  try {
    return normalizeCidr(input);
  } catch {
    return undefined;
  }
}
