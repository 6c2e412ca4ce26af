// The HTTPS request pipeline every request goes through: body, caller and RBAC needs, then the admin API,
// the login endpoints and Functions reads, or ARM behind the subscription throttle, the fault rules and the
// latency model; then the answer with ARM's common headers, the request log and the traffic capture.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Arm } from './arm.js';
import { ArmError } from './errors.js';
import { applyFaults, type FaultEffect, waitFaultLatency } from './fault-injection.js';
import type { Faults } from './faults.js';
import { CALLER_OBJECT_ID, isOwner, type Rbac, type RequestNeeds, requestNeeds } from './rbac.js';
import type { ArmReply, ArmRequest, LatencyModel } from './request.js';
import type { Store } from './store.js';
import { operationClass, subscriptionOf, type Throttle } from './throttle.js';
import type { RequestLogEntry, TrafficRecorder } from './traffic.js';

/** A request as read off the wire, before any service sees it. */
interface Incoming {
  started: number;
  url: URL;
  method: string;
  /** Decoded path (the raw one when it does not decode). */
  path: string;
  rawBody: string;
  /** The body parsed once: the JSON, or the 400 ARM answers for it when a request gets that far. */
  parsed: { body: unknown } | { error: ArmError };
  headers: IncomingMessage['headers'];
  clientIp: string;
  caller: 'role' | 'owner';
  needs: RequestNeeds | undefined;
}

interface PipelineServices {
  store: Store;
  arm: Arm;
  faults: Faults;
  throttle: Throttle;
  latency: LatencyModel;
  rbac: Rbac | undefined;
  recorder: TrafficRecorder;
  /** The admin API (paths under /_emulator/). */
  admin: (incoming: Incoming) => ArmReply;
  /** Endpoints outside ARM's pipeline (login, Functions reads): answered without faults or throttling. */
  direct: Array<(incoming: Incoming) => ArmReply | undefined>;
}

/** What ARM's part of the pipeline produced for the log and the capture. */
interface ArmOutcome {
  reply: ArmReply;
  fault?: string;
  body?: unknown;
  dropped?: boolean;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const elapsed = (started: number) => Math.round((performance.now() - started) * 100) / 100;

export function requestPipeline(services: PipelineServices) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const incoming = await readIncoming(req);
    const requestId = randomUUID();
    const { method, path, url } = incoming;
    const apiVersion = url.searchParams.get('api-version') ?? undefined;
    if (path.toLowerCase().startsWith('/_emulator/')) {
      send(services, res, services.admin(incoming), requestId, incoming);
      return;
    }
    for (const endpoint of services.direct) {
      const served = endpoint(incoming);
      if (!served) continue;
      send(services, res, served, requestId, incoming);
      services.recorder.record({
        method,
        path,
        status: served.status,
        ms: elapsed(incoming.started),
        startedMs: services.recorder.sinceStart(incoming.started),
        apiVersion,
        lroPoll: false,
      });
      return;
    }
    const outcome = await answerArm(services, incoming);
    const logged = {
      method,
      path,
      apiVersion,
      ...loggedNeeds(incoming),
      ...(outcome.fault ? { fault: outcome.fault } : {}),
    };
    if (outcome.dropped) {
      services.recorder.record({
        ...logged,
        status: 0,
        ms: Math.round(performance.now() - incoming.started),
        startedMs: services.recorder.sinceStart(incoming.started),
        lroPoll: false,
      });
      req.socket.destroy();
      return;
    }
    const sentHeaders = send(services, res, outcome.reply, requestId, incoming);
    services.recorder.record({
      ...logged,
      status: outcome.reply.status,
      ms: elapsed(incoming.started),
      startedMs: services.recorder.sinceStart(incoming.started),
      lroPoll: outcome.reply.lroPoll === true,
    });
    services.recorder.capture(
      { headers: req.headers, method, rawUrl: `${url.pathname}${url.search}`, body: outcome.body },
      outcome.reply,
      sentHeaders,
    );
  };
}

async function readIncoming(req: IncomingMessage): Promise<Incoming> {
  const started = performance.now();
  const url = new URL(req.url ?? '/', 'https://127.0.0.1');
  const method = (req.method ?? 'GET').toUpperCase();
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    path = url.pathname;
  }
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const rawBody = Buffer.concat(chunks).toString('utf8');
  const parsed = parseBody(rawBody);
  return {
    started,
    url,
    method,
    path,
    rawBody,
    parsed,
    headers: req.headers,
    clientIp: req.socket.remoteAddress ?? '127.0.0.1',
    caller: isOwner(req.headers.authorization) ? 'owner' : 'role',
    needs: requestNeeds(method, path, 'body' in parsed ? parsed.body : undefined),
  };
}

/** The RBAC part of a log entry: who called, and what the request needed. */
function loggedNeeds(incoming: Incoming): Pick<RequestLogEntry, 'caller' | 'action' | 'linkedActions'> {
  const { needs } = incoming;
  return {
    caller: incoming.caller,
    ...(needs?.action ? { action: needs.action } : {}),
    ...(needs?.linked.length ? { linkedActions: [...new Set(needs.linked.map((l) => l.action))] } : {}),
  };
}

/** Throttle, faults, latency, then ARM; any ArmError becomes ARM's error answer. */
async function answerArm(services: PipelineServices, incoming: Incoming): Promise<ArmOutcome> {
  let effect: FaultEffect | undefined;
  let body: unknown;
  const throttled = throttleError(services, incoming);
  if (throttled) return { reply: errorReply(throttled), fault: 'throttled' };
  try {
    const matched = services.faults.match(incoming.method, incoming.path);
    await waitFaultLatency(matched);
    await sleep(incoming.method === 'GET' ? services.latency.readMs : services.latency.writeMs);
    effect = applyFaults(matched, incoming.path, services.arm);
    if (effect.drop) return { reply: { status: 0, headers: {} }, fault: effect.kind, dropped: true };
    if (effect.reply) return { reply: effect.reply, fault: effect.kind };
    if ('error' in incoming.parsed) throw incoming.parsed.error;
    body = incoming.parsed.body;
    const armReq: ArmRequest = {
      method: incoming.method,
      path: incoming.path,
      query: incoming.url.searchParams,
      headers: incoming.headers,
      body,
      rawUrl: `${incoming.url.pathname}${incoming.url.search}`,
      clientIp: incoming.clientIp,
      ...(effect.failLro ? { failLro: effect.failLro } : {}),
    };
    if (services.rbac && incoming.caller === 'role' && armReq.headers.authorization)
      services.rbac.authorize(incoming.needs);
    return { reply: await services.arm.handle(armReq), fault: effect.kind, body };
  } catch (err) {
    return { reply: errorReply(err), fault: effect?.kind, body };
  }
}

/** The principal ARM's buckets are kept for: the Owner (tests' setup) or the role-holding caller. */
const principalOf = (incoming: Incoming): string =>
  incoming.caller === 'owner' ? 'owner' : CALLER_OBJECT_ID;

/**
 * 429 SubscriptionRequestsThrottled when the caller's bucket of the request's subscription for this kind of
 * request is empty; code and message as ARM sends them (request-limits-and-throttling; AKS troubleshooting
 * "error-code-toomanyrequestsreceived-subscriptionrequeststhrottled").
 */
function throttleError(services: PipelineServices, incoming: Incoming): ArmError | undefined {
  const principal = principalOf(incoming);
  const wait = services.throttle.charge(incoming.method, incoming.path, principal);
  if (wait === undefined) return undefined;
  const kind = operationClass(incoming.method).replace(/s$/u, '');
  const subscription = subscriptionOf(incoming.path);
  return new ArmError(
    429,
    {
      code: 'SubscriptionRequestsThrottled',
      message: `Number of '${kind}' requests for subscription '${subscription}' actor '${principal}' exceeded. Please try again after '${wait}' seconds after the first request. Please see https://aka.ms/armthrottling for troubleshooting.`,
    },
    { 'Retry-After': String(wait) },
  );
}

function parseBody(rawBody: string): { body: unknown } | { error: ArmError } {
  if (rawBody.length === 0) return { body: undefined };
  try {
    return { body: JSON.parse(rawBody) };
  } catch (err) {
    return {
      error: new ArmError(400, {
        code: 'InvalidRequestContent',
        message: `The request content was invalid and could not be deserialized: ${(err as Error).message}`,
      }),
    };
  }
}

function errorReply(err: unknown): ArmReply {
  if (err instanceof ArmError) return { status: err.status, headers: err.headers, body: { error: err.body } };
  return {
    status: 500,
    headers: {},
    body: { error: { code: 'InternalServerError', message: `Emulator error: ${(err as Error).message}` } },
  };
}

/** Writes the answer with the headers ARM puts on every response; returns the headers sent. */
function send(
  services: PipelineServices,
  res: ServerResponse,
  reply: ArmReply,
  requestId: string,
  incoming: Incoming,
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
    ...services.throttle.headers(incoming.method, incoming.path, principalOf(incoming)),
    ...reply.headers,
  };
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
