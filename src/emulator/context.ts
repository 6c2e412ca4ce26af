// What the resource handlers (resources.ts, network/, tags.ts) share beyond the request itself: the ARM front
// door's context, and how a PUT starts its long-running operation where its parent is.
import type { Operations, PutOperationStart } from './operations.js';
import type { ArmReply, ArmRequest } from './request.js';
import { lower } from './request.js';
import type { Store } from './store.js';
import type { Json } from './world.js';

/** What the resource handlers (resources.ts, network/, tags.ts) need from the ARM front door. */
export interface ArmContext {
  readonly store: Store;
  readonly operations: Operations;
  readonly maxRoutesPerTable: number;
  /** Emits the event of a request's write or delete (`failed`: its operation ended Failed). */
  emit(
    req: ArmRequest | undefined,
    kind: 'write' | 'delete',
    resourceId: string,
    operationName: string,
    failed?: boolean,
  ): void;
  /** A list answer, paged with `nextLink` as ARM pages. */
  page(req: ArmRequest, items: Json[]): ArmReply;
}

/** The location an operation runs in: the resource's own, else its group's (lower case, no spaces). */
export function operationLocation(store: Store, resource: Json | undefined, rg: string): string {
  const loc = resource?.location;
  if (typeof loc === 'string' && loc) return lower(loc.replace(/\s+/gu, ''));
  return lower(store.group(rg)?.location || 'eastus');
}

/** An asynchronous PUT: the operation on its parent, the written resource's event, and the answer's body. */
interface AsyncPut extends Omit<PutOperationStart, 'location' | 'emit'> {
  rg: string;
  /** The written resource and its write action, named in its event. */
  resourceId: string;
  action: string;
  existed: boolean;
  body: Json;
}

/**
 * Starts the operation of a PUT, located where the parent is, and answers as the resource providers do: 201 for
 * a new resource (200 for an update) with the Azure-AsyncOperation headers to poll.
 */
export function startAsyncPut(ctx: ArmContext, req: ArmRequest, put: AsyncPut): ArmReply {
  const { rg, resourceId, action, existed, body, ...start } = put;
  const op = ctx.operations.startPut(req, {
    ...start,
    location: operationLocation(ctx.store, put.parent, rg),
    emit: (failed) => ctx.emit(req, 'write', resourceId, action, failed),
  });
  return { status: existed ? 200 : 201, headers: ctx.operations.asyncHeaders(op, false), body };
}
