// What every ARM handler of the emulator shares: the request and reply shapes, the settings of the latency
// model and of long-running operations, and the checks and state changes ARM applies the same way to every
// resource (JSON body, If-Match/If-None-Match, provisioning state, ETags).
import { type ArmErrorBody, armErrors } from './errors.js';
import { arr, clone, obj, props, TYPES } from './store.js';
import { type Json, newEtag } from './world.js';

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

export { arr, clone, obj };
export const lower = (s: string): string => s.toLowerCase();
export const header = (h: ArmRequest['headers'], name: string): string | undefined => {
  const v = h[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

/** 200 (or `status`) with the resource, its ETag in the header as ARM sends it. */
export function ok(body: Json, status = 200): ArmReply {
  const headers: Record<string, string> = {};
  if (typeof body.etag === 'string') headers.ETag = body.etag;
  return { status, headers, body };
}

/** The request's JSON object body, or ARM's 400 for anything else. */
export function bodyObject(req: ArmRequest): Json {
  if (req.body === null || typeof req.body !== 'object' || Array.isArray(req.body))
    throw armErrors.badRequestBody(
      `The request content was invalid and could not be deserialized: expected a JSON object body for ${req.method} ${req.path}.`,
    );
  return req.body as Json;
}

/** If-Match / If-None-Match against the resource's current ETag (undefined: it does not exist). */
export function checkPreconditions(req: ArmRequest, id: string, current: string | undefined): void {
  const ifMatch = header(req.headers, 'if-match');
  const ifNoneMatch = header(req.headers, 'if-none-match');
  const listed = (h: string) => h.trim() === '*' || h.split(',').some((e) => e.trim() === current);
  if (ifMatch !== undefined && (current === undefined || !listed(ifMatch)))
    throw armErrors.preconditionFailed(id);
  if (ifNoneMatch !== undefined && current !== undefined && listed(ifNoneMatch))
    throw armErrors.preconditionFailed(id);
}

/** `tags` as ARM accepts them in a body: absent, or an object. */
export function checkTags(tags: unknown): void {
  if (tags !== undefined && (typeof tags !== 'object' || tags === null || Array.isArray(tags)))
    throw armErrors.cannotParse('tags', 'expected an object of string values');
}

/**
 * The ETag after a change: Compute counts versions (`"1"`, `"2"`, ...: a VM's etag), Network and the others
 * take a fresh weak ETag.
 */
export function bumpEtag(previous: unknown): string {
  const version = typeof previous === 'string' ? /^"(\d+)"$/u.exec(previous) : null;
  return version ? `"${Number(version[1]) + 1}"` : newEtag();
}

/** A resource that ARM versions with a counter ETag rather than a weak one. */
export const countsVersions = (resource: Json): boolean => String(resource.type) === TYPES.vm;

/**
 * Sets the provisioningState of a resource and of its inline children (routes, subnets, ip configurations);
 * with `etag`, the resource and every child take it (one etag per parent, as recorded from ARM).
 */
export function settle(resource: Json, state: string, etag?: string): void {
  const p = props(resource);
  p.provisioningState = state;
  if (etag !== undefined) resource.etag = etag;
  for (const coll of ['routes', 'subnets', 'ipConfigurations'])
    for (const child of arr(p[coll])) {
      props(child).provisioningState = state;
      if (etag !== undefined) child.etag = etag;
    }
}
