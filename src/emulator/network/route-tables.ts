// Route tables and their routes: the PUT of a whole table (validated as the network RP validates: the route
// limit, CIDRs, next hops, duplicate names and prefixes), the PUT of one route, and the external writes a
// fault or the admin API makes (another writer changing the table between our read and our write).
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { normalizeCidr } from 'cidr-tools';
import { type ArmContext, startAsyncPut } from '../context.js';
import { armErrors } from '../errors.js';
import type { ExternalWriteLog } from '../external-writes.js';
import {
  type ArmReply,
  type ArmRequest,
  arr,
  bodyObject,
  checkPreconditions,
  checkTags,
  clone,
  lower,
  obj,
  settle,
} from '../request.js';
import { fillRoute, props, TYPES } from '../store.js';
import { type Json, newEtag, parseTopLevelId } from '../world.js';

const NEXT_HOP_TYPES = ['VirtualNetworkGateway', 'VnetLocal', 'Internet', 'VirtualAppliance', 'None'];

/** A change another writer makes to a route table (fault `externalWrite`, admin `externalWrite`). */
export interface ExternalTableChange {
  addRoutes?: Json[];
  removeRoutes?: string[];
  tags?: Record<string, string>;
}

/**
 * Puts `filled` in place of `existing` (or appends it) in the parent's inline collection. The parent and every
 * child share the new etag: one etag per parent, as recorded from ARM.
 */
export function putChild(
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

export function putRouteTable(
  ctx: ArmContext,
  req: ArmRequest,
  id: string,
  rg: string,
  existing: Json | undefined,
): ArmReply {
  const body = bodyObject(req);
  ctx.operations.checkLock([id]);
  checkPreconditions(req, id, existing?.etag as string | undefined);
  const location = (body.location as string | undefined) ?? (existing?.location as string | undefined);
  if (!location) throw armErrors.locationRequired();
  checkTags(body.tags);
  const p = obj(body.properties);
  const routesIn = p.routes === undefined ? [] : p.routes;
  if (!Array.isArray(routesIn))
    throw armErrors.cannotParse('properties.routes', 'expected an array of routes');
  const validated = validateRoutes(id, routesIn as Json[], ctx.maxRoutesPerTable);
  const etag = newEtag();
  const prev = existing ? clone(existing) : undefined;
  const tableId = String(existing?.id ?? id);
  const table: Json = {
    name: existing?.name ?? parseTopLevelId(id)!.name,
    id: tableId,
    etag,
    type: TYPES.routeTable,
    location,
    ...(body.tags !== undefined ? { tags: body.tags } : {}),
    properties: {
      provisioningState: 'Updating',
      resourceGuid: (existing ? props(existing).resourceGuid : undefined) ?? randomUUID(),
      disableBgpRoutePropagation: p.disableBgpRoutePropagation === true,
      routes: validated.map((r) => fillRoute(r, tableId, etag, 'Updating')),
    },
  };
  ctx.store.set(table);
  return startAsyncPut(ctx, req, {
    parent: table,
    rg,
    name: 'PutRouteTableOperation',
    lockKeys: [tableId],
    resourceId: tableId,
    action: 'Microsoft.Network/routeTables/write',
    prev,
    existed: existing !== undefined,
    body: ctx.store.view(table),
  });
}

export function putRoute(ctx: ArmContext, req: ArmRequest, table: Json, name: string, rg: string): ArmReply {
  const body = bodyObject(req);
  const tableId = String(table.id);
  ctx.operations.checkLock([tableId]);
  const routesNow = arr(props(table).routes);
  const existing = routesNow.find((r) => lower(String(r.name)) === lower(name));
  checkPreconditions(req, `${tableId}/routes/${name}`, existing?.etag as string | undefined);
  const routeName = existing ? String(existing.name) : name;
  const routeId = `${tableId}/routes/${routeName}`;
  const { route, normalizedPrefix } = validateRoute(routeId, routeName, obj(body.properties), 'route');
  for (const other of routesNow) {
    if (other === existing) continue;
    const otherPrefix = strictCidr(String(obj(other.properties).addressPrefix));
    if (otherPrefix === normalizedPrefix) throw armErrors.routeConflict(routeName, String(other.name));
  }
  const count = routesNow.length + (existing ? 0 : 1);
  if (count > ctx.maxRoutesPerTable) throw armErrors.tooManyRoutes(tableId, count, ctx.maxRoutesPerTable);
  const prev = clone(table);
  const etag = newEtag();
  const filled = fillRoute(route, tableId, etag, 'Updating');
  putChild(table, 'routes', existing, filled, etag);
  return startAsyncPut(ctx, req, {
    parent: table,
    rg,
    name: 'PutRouteOperation',
    lockKeys: [tableId],
    resourceId: routeId,
    action: 'Microsoft.Network/routeTables/routes/write',
    prev,
    existed: existing !== undefined,
    body: clone(filled),
  });
}

function validateRoutes(tableId: string, routesIn: Json[], maxRoutes: number): Json[] {
  if (routesIn.length > maxRoutes) throw armErrors.tooManyRoutes(tableId, routesIn.length, maxRoutes);
  const nameOfPrefix = new Map<string, string>();
  const names = new Set<string>();
  return routesIn.map((r, i) => {
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
    const where = `properties.routes[${i}]`;
    const route = validateRoute(`${tableId}/routes/${name}`, name, obj(r.properties), where);
    const other = nameOfPrefix.get(route.normalizedPrefix);
    if (other) throw armErrors.routeConflict(name, other);
    nameOfPrefix.set(route.normalizedPrefix, name);
    return route.route;
  });
}

function validateRoute(
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

/**
 * Another writer changes the route table (new etag, maybe routes/tags), recorded in `log` and announced by its
 * write event. False when there is no such table.
 */
export function applyExternalWrite(
  ctx: ArmContext,
  log: ExternalWriteLog,
  tableId: string,
  change: ExternalTableChange,
  source: string,
): boolean {
  const table = ctx.store.get(tableId);
  if (!table || lower(String(table.type)) !== lower(TYPES.routeTable)) return false;
  const id = String(table.id);
  const etag = newEtag();
  const removeNames = new Set((change.removeRoutes ?? []).map(lower));
  const isRemoved = (r: Json) => removeNames.has(lower(String(r.name)));
  const before = arr(props(table).routes);
  let routesNow = before.filter((r) => !isRemoved(r));
  for (const add of change.addRoutes ?? []) {
    const filled = fillRoute(add, id, etag);
    routesNow = [...routesNow.filter((r) => lower(String(r.name)) !== lower(String(add.name))), filled];
  }
  props(table).routes = routesNow;
  if (change.tags) table.tags = { ...obj(table.tags), ...change.tags };
  settle(table, 'Succeeded', newEtag());
  log.add({
    tableId: id,
    source,
    added: (change.addRoutes ?? []).map((r) => ({ name: r.name, properties: r.properties })),
    removed: before.filter(isRemoved).map((r) => String(r.name)),
    tags: { ...(change.tags ?? {}) },
  });
  ctx.emit(undefined, 'write', id, 'Microsoft.Network/routeTables/write');
  return true;
}

/** The route table a request path targets (for externalWrite faults), if any. */
export function routeTableIdOf(path: string): string | undefined {
  const m =
    /^(\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/microsoft\.network\/routetables\/[^/]+)/iu.exec(
      path,
    );
  return m?.[1];
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
