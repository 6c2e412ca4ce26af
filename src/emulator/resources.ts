// Top-level resources and inline children (routes, subnets) through ARM: GET, PUT (route tables and subnets
// in network/, every other type validated against its schema), PATCH of tags, and DELETE as a long-running
// operation. A route table still associated with a subnet cannot be deleted.

import { type ArmContext, operationLocation, startAsyncPut } from './context.js';
import { ArmError, armErrors } from './errors.js';
import { putRoute, putRouteTable } from './network/route-tables.js';
import { checkSubnetReferences, putSubnet } from './network/virtual-networks.js';
import { readOnlyProperties } from './read-only.js';
import {
  type ArmReply,
  type ArmRequest,
  arr,
  bodyObject,
  bumpEtag,
  checkPreconditions,
  checkTags,
  clone,
  countsVersions,
  lower,
  obj,
  ok,
  settle,
} from './request.js';
import { props, TYPES } from './store.js';
import { type Json, validateResource } from './world.js';

/** Where a top-level resource request points: its type, id, group and name. */
interface ResourceTarget {
  type: string;
  id: string;
  rg: string;
  name: string;
}

/** Where a child request points: its type, its parent, and its name (undefined: the list). */
interface ChildTarget {
  childType: string;
  parentId: string;
  rg: string;
  parentName: string;
  name: string | undefined;
}

const notFound = (type: string, name: string, rg: string): ArmError =>
  armErrors.resourceNotFound(`${type}/${name}`, rg);
/** The resource type without its namespace, as ARM's operation names spell it (PutRouteTableOperation). */
const shortType = (type: string): string => type.split('/')[1]!;

export function handleTopLevel(ctx: ArmContext, req: ArmRequest, target: ResourceTarget): ArmReply {
  const { type, id, rg, name } = target;
  const existing = ctx.store.get(id);
  switch (req.method) {
    case 'GET':
      if (!existing) throw notFound(type, name, rg);
      return ok(ctx.store.view(existing));
    case 'PUT':
      return type === TYPES.routeTable
        ? putRouteTable(ctx, req, id, rg, existing)
        : putResource(ctx, req, target, existing);
    case 'PATCH':
      if (!existing) throw notFound(type, name, rg);
      return patchTags(ctx, req, type, existing);
    case 'DELETE':
      return deleteResource(ctx, req, type, rg, existing);
    default:
      throw armErrors.notSupported(req.method, req.path);
  }
}

/** The body of a PUT as stored: ARM's read-only properties dropped, or kept from the existing resource. */
function putCandidate(req: ArmRequest, target: ResourceTarget, existing: Json | undefined): Json {
  const body = clone(bodyObject(req));
  const location = (body.location as string | undefined) ?? (existing?.location as string | undefined);
  if (!location) throw armErrors.locationRequired();
  const candidate: Json = { ...body, id: existing?.id ?? target.id, location };
  delete candidate.etag;
  delete candidate.name;
  delete candidate.type;
  const p = { ...obj(candidate.properties) };
  for (const k of ['provisioningState', 'vmId', ...readOnlyProperties(target.type)]) delete p[k];
  if (existing)
    for (const k of readOnlyProperties(target.type))
      if (props(existing)[k] !== undefined) p[k] = props(existing)[k];
  candidate.properties = p;
  return candidate;
}

function putResource(
  ctx: ArmContext,
  req: ArmRequest,
  target: ResourceTarget,
  existing: Json | undefined,
): ArmReply {
  const { type, id, rg } = target;
  bodyObject(req);
  ctx.operations.checkLock([id]);
  checkPreconditions(req, id, existing?.etag as string | undefined);
  const candidate = putCandidate(req, target, existing);
  if (type === TYPES.vnet) checkSubnetReferences(ctx.store, id, arr(props(candidate).subnets), candidate);
  try {
    validateResource(candidate, `${req.method} ${type}`);
  } catch (err) {
    throw armErrors.badRequestBody((err as Error).message);
  }
  const prev = existing ? clone(existing) : undefined;
  const filled = ctx.store.upsert(candidate);
  if (countsVersions(filled) && prev) filled.etag = bumpEtag(prev.etag);
  settle(filled, 'Updating');
  const filledId = String(filled.id);
  return startAsyncPut(ctx, req, {
    provider: type.split('/')[0]!,
    parent: filled,
    rg,
    name: `Put${shortType(type)}Operation`,
    lockKeys: [filledId],
    resourceId: filledId,
    action: `${type}/write`,
    prev,
    // A VM's children are not network sub-resources: only its own state settles.
    ...(type === TYPES.vm
      ? {
          settle: (current: Json) => {
            props(current).provisioningState = 'Succeeded';
          },
        }
      : {}),
    existed: existing !== undefined,
    body: ctx.store.view(filled),
  });
}

function patchTags(ctx: ArmContext, req: ArmRequest, type: string, existing: Json): ArmReply {
  const body = bodyObject(req);
  const id = String(existing.id);
  ctx.operations.checkLock([id]);
  checkPreconditions(req, id, existing.etag as string | undefined);
  checkTags(body.tags);
  if (body.tags !== undefined) existing.tags = body.tags;
  if (countsVersions(existing)) existing.etag = bumpEtag(existing.etag);
  else settle(existing, 'Succeeded', bumpEtag(existing.etag));
  ctx.emit(req, 'write', id, `${type}/write`);
  return ok(ctx.store.view(existing));
}

function deleteResource(
  ctx: ArmContext,
  req: ArmRequest,
  type: string,
  rg: string,
  existing: Json | undefined,
): ArmReply {
  if (!existing) return { status: 204, headers: {} };
  const realId = String(existing.id);
  ctx.operations.checkLock([realId]);
  checkPreconditions(req, realId, existing.etag as string | undefined);
  if (type === TYPES.routeTable) {
    const subnets = ctx.store.subnetsReferencing(realId);
    if (subnets.length > 0)
      throw new ArmError(400, {
        code: 'InUseRouteTableCannotBeDeleted',
        message: `Route table ${realId} is in use and cannot be deleted. In use by subnets: ${subnets.map((s) => s.id).join(', ')}.`,
        details: [],
      });
  }
  const prev = clone(existing);
  props(existing).provisioningState = 'Deleting';
  const op = ctx.operations.start(req, {
    provider: type.split('/')[0]!,
    location: operationLocation(ctx.store, existing, rg),
    resourceId: realId,
    name: `Delete${shortType(type)}Operation`,
    lockKeys: [realId],
    complete: () => {
      ctx.store.delete(realId);
      ctx.emit(req, 'delete', realId, `${type}/delete`);
    },
    onFail: () => {
      ctx.operations.rollBack(realId, prev);
      ctx.emit(req, 'delete', realId, `${type}/delete`, true);
    },
  });
  return { status: 202, headers: ctx.operations.asyncHeaders(op, true) };
}

export function handleChild(ctx: ArmContext, req: ArmRequest, target: ChildTarget): ArmReply {
  const { childType, parentId, rg, parentName, name } = target;
  const parentType = childType === TYPES.route ? TYPES.routeTable : TYPES.vnet;
  const coll = childType === TYPES.route ? 'routes' : 'subnets';
  const parent = ctx.store.get(parentId);
  if (name === undefined) {
    if (req.method !== 'GET') throw armErrors.notSupported(req.method, req.path);
    if (!parent) throw notFound(parentType, parentName, rg);
    return ctx.page(req, arr(props(parent)[coll]));
  }
  const child = parent
    ? arr(props(parent)[coll]).find((c) => lower(String(c.name)) === lower(name))
    : undefined;
  switch (req.method) {
    case 'GET':
      if (!parent) throw notFound(parentType, parentName, rg);
      if (!child) throw armErrors.nrpNotFound(`${String(parent.id)}/${coll}/${name}`);
      return ok(clone(child));
    case 'PUT':
      if (!parent) throw notFound(parentType, parentName, rg);
      return childType === TYPES.route
        ? putRoute(ctx, req, parent, name, rg)
        : putSubnet(ctx, req, parent, name, rg);
    case 'DELETE':
      if (!parent || !child) return { status: 204, headers: {} };
      return deleteChild(ctx, req, { parent, child, childType, coll, rg });
    default:
      throw armErrors.notSupported(req.method, req.path);
  }
}

function deleteChild(
  ctx: ArmContext,
  req: ArmRequest,
  target: { parent: Json; child: Json; childType: string; coll: string; rg: string },
): ArmReply {
  const { parent, child, childType, coll } = target;
  const parentId = String(parent.id);
  const childId = String(child.id);
  const ref = obj(obj(child.properties).routeTable).id;
  const lockKeys = [parentId, ...(typeof ref === 'string' ? [ref] : [])];
  ctx.operations.checkLock(lockKeys);
  checkPreconditions(req, childId, child.etag as string | undefined);
  const prev = clone(parent);
  props(child).provisioningState = 'Deleting';
  const op = ctx.operations.start(req, {
    provider: 'Microsoft.Network',
    location: operationLocation(ctx.store, parent, target.rg),
    resourceId: parentId,
    name: childType === TYPES.route ? 'DeleteRouteOperation' : 'DeleteSubnetOperation',
    lockKeys,
    complete: () => {
      const current = ctx.store.get(parentId);
      if (!current) return;
      props(current)[coll] = arr(props(current)[coll]).filter((c) => lower(String(c.id)) !== lower(childId));
      settle(current, 'Succeeded', bumpEtag(current.etag));
      ctx.emit(req, 'delete', childId, `${childType}/delete`);
    },
    onFail: () => {
      ctx.operations.rollBack(parentId, prev);
      ctx.emit(req, 'delete', childId, `${childType}/delete`, true);
    },
  });
  return { status: 202, headers: ctx.operations.asyncHeaders(op, true) };
}
