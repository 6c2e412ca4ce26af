// Long-running operations as ARM runs them: the Azure-AsyncOperation / Location URLs a write answers with,
// the status polls (InProgress for `inProgressPolls` polls and at least `lroMs`), completion or failure (an
// injected `lroFail`: the resource is rolled back to what it was and marked Failed), and the locks an
// operation holds (a second write on a locked resource gets 429 RetryableErrorDueToAnotherOperation).
import { randomUUID } from 'node:crypto';
import { ArmError, type ArmErrorBody, armErrors } from './errors.js';
import {
  type ArmReply,
  type ArmRequest,
  clone,
  type LatencyModel,
  type LroSettings,
  lower,
  settle,
} from './request.js';
import type { Store } from './store.js';
import { type Json, newEtag } from './world.js';

export interface Operation {
  id: string;
  provider: string;
  location: string;
  apiVersion: string;
  resourceId: string;
  name: string;
  lockKeys: string[];
  pollsLeft: number;
  readyAt: number;
  status: 'InProgress' | 'Succeeded' | 'Failed';
  startTime: string;
  fail?: ArmErrorBody;
  complete: () => void;
  onFail: () => void;
  timer?: NodeJS.Timeout;
}

/** What a handler says about the operation it starts. */
interface OperationStart {
  provider: string;
  location: string;
  /** The resource the operation runs on (a route's table, a subnet's vnet). */
  resourceId: string;
  /** ARM's operation name, e.g. PutRouteTableOperation (named by a 429 on a locked resource). */
  name: string;
  lockKeys: string[];
  complete: () => void;
  onFail: () => void;
}

/** A PUT's operation: the written resource (or its parent) settles when it completes. */
export interface PutOperationStart {
  provider?: string;
  /** The written resource, or the table/vnet of a route/subnet. */
  parent: Json;
  location: string;
  name: string;
  lockKeys: string[];
  /** Emits the write's event (`failed`: the operation ended Failed). */
  emit: (failed: boolean) => void;
  /** The parent before the write, restored if the operation fails. */
  prev: Json | undefined;
  /** How the parent settles on success (default: Succeeded with a new etag, children included). */
  settle?: (current: Json) => void;
}

interface OperationsOptions {
  store: Store;
  lro: LroSettings;
  latency: LatencyModel;
  endpoint: () => string;
}

export class Operations {
  private byId = new Map<string, Operation>();
  private locks = new Map<string, Operation>();

  constructor(private readonly options: OperationsOptions) {}

  reset(): void {
    for (const op of this.byId.values()) clearTimeout(op.timer);
    this.byId.clear();
    this.locks.clear();
  }

  /** Long-running operations still running (not yet Succeeded or Failed). */
  inProgress(): number {
    return [...this.byId.values()].filter((op) => op.status === 'InProgress').length;
  }

  /** 429 RetryableErrorDueToAnotherOperation when an operation in progress holds any of these keys. */
  checkLock(keys: string[]): void {
    for (const k of keys) {
      const op = this.locks.get(lower(k));
      if (op && op.status === 'InProgress')
        throw armErrors.anotherOperationInProgress(
          op.name,
          op.resourceId,
          this.options.lro.retryAfterSeconds,
        );
    }
  }

  start(req: ArmRequest, start: OperationStart): Operation {
    const { lro, latency } = this.options;
    const op: Operation = {
      id: randomUUID(),
      apiVersion: req.query.get('api-version')!,
      pollsLeft: lro.inProgressPolls,
      readyAt: Date.now() + latency.lroMs,
      status: 'InProgress',
      startTime: new Date().toISOString(),
      ...start,
    };
    if (req.failLro) op.fail = req.failLro;
    this.byId.set(op.id, op);
    for (const k of op.lockKeys) this.locks.set(lower(k), op);
    op.timer = setTimeout(() => this.finish(op), Math.max(lro.autoCompleteMs, latency.lroMs));
    op.timer.unref();
    return op;
  }

  /**
   * The operation of a PUT on `parent` (the resource itself, or the table/vnet of a route/subnet): on success
   * the parent settles and the write's event is emitted; on failure the parent is rolled back to `prev` and
   * marked Failed, and the failure event is emitted.
   */
  startPut(req: ArmRequest, put: PutOperationStart): Operation {
    const parentId = String(put.parent.id);
    return this.start(req, {
      provider: put.provider ?? 'Microsoft.Network',
      location: put.location,
      resourceId: parentId,
      name: put.name,
      lockKeys: put.lockKeys,
      complete: () => {
        const current = this.options.store.get(parentId);
        if (!current) return;
        if (put.settle) put.settle(current);
        else settle(current, 'Succeeded', newEtag());
        put.emit(false);
      },
      onFail: () => {
        this.rollBack(parentId, put.prev);
        put.emit(true);
      },
    });
  }

  /** A failed operation leaves the resource as it was before the write, in provisioningState Failed. */
  rollBack(id: string, prev: Json | undefined): void {
    const restored = prev ? clone(prev) : this.options.store.get(id);
    if (!restored) return;
    settle(restored, 'Failed', newEtag());
    this.options.store.set(restored);
  }

  /** The headers of a write's answer: where to poll (Location too for deletes). */
  asyncHeaders(op: Operation, withLocation: boolean): Record<string, string> {
    const base = `${this.options.endpoint()}/subscriptions/${this.options.store.subscriptionId}/providers/${op.provider}/locations/${op.location}`;
    return {
      'Azure-AsyncOperation': `${base}/operations/${op.id}?api-version=${op.apiVersion}`,
      'azure-asyncnotification': 'Enabled',
      ...(withLocation ? { Location: `${base}/operationResults/${op.id}?api-version=${op.apiVersion}` } : {}),
    };
  }

  /** GET of `.../operations/{id}` (the status) or `.../operationResults/{id}` (the result). */
  poll(req: ArmRequest, id: string, isResult: boolean): ArmReply {
    if (req.method !== 'GET') throw armErrors.notSupported(req.method, req.path);
    const op = this.byId.get(lower(id));
    if (!op)
      throw new ArmError(404, {
        code: 'OperationNotFound',
        message: `The operation '${id}' could not be found.`,
      });
    this.advance(op, isResult);
    return isResult ? this.result(op) : this.status(op);
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

  /** A status poll uses up one InProgress answer; once none is left and `lroMs` has passed, it completes. */
  private advance(op: Operation, isResult: boolean): void {
    if (op.status !== 'InProgress') return;
    if (op.pollsLeft > 0) {
      if (!isResult) op.pollsLeft--;
    } else if (Date.now() >= op.readyAt) this.finish(op);
  }

  private result(op: Operation): ArmReply {
    if (op.status === 'InProgress')
      return { status: 202, headers: { ...this.asyncHeaders(op, true) }, lroPoll: true };
    if (op.status === 'Failed') return { status: 500, headers: {}, body: { error: op.fail }, lroPoll: true };
    return { status: 204, headers: { ...this.asyncHeaders(op, true) }, lroPoll: true };
  }

  private status(op: Operation): ArmReply {
    const body: Json = { status: op.status };
    if (op.provider === 'Microsoft.Compute') {
      body.name = op.id;
      body.startTime = op.startTime;
      if (op.status !== 'InProgress') body.endTime = new Date().toISOString();
    }
    if (op.status === 'Failed') body.error = op.fail;
    return { status: 200, headers: {}, body, lroPoll: true };
  }
}
