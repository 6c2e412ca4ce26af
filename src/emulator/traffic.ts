// What the emulator keeps of the requests it answered: the request log (every request, with its status, time,
// fault and RBAC action) and, with `captureTraffic`, the full exchanges in oav's live-traffic shape.
import type { ArmReply } from './request.js';

export interface RequestLogEntry {
  method: string;
  /** URL path without the query string. */
  path: string;
  status: number;
  /** Time to answer, in milliseconds. */
  ms: number;
  /**
   * When the request arrived, in milliseconds since the emulator started: with `ms`, the interval the request
   * was in flight (overlapping intervals are requests ARM served at the same time).
   */
  startedMs: number;
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

/** A request as it arrived, for the capture. */
interface CapturedRequest {
  headers: Record<string, string | string[] | undefined>;
  method: string;
  /** Path and query string as sent. */
  rawUrl: string;
  body: unknown;
}

export class TrafficRecorder {
  private log: RequestLogEntry[] = [];
  private captured: TrafficEntry[] = [];
  private readonly origin = performance.now();

  constructor(private readonly captureExchanges: boolean) {}

  /** A `performance.now()` instant as the log's `startedMs`. */
  sinceStart(instant: number): number {
    return Math.round((instant - this.origin) * 100) / 100;
  }

  record(entry: RequestLogEntry): void {
    this.log.push(entry);
  }

  requests(): RequestLogEntry[] {
    return this.log.map((e) => ({ ...e }));
  }

  clearRequests(): void {
    this.log = [];
  }

  /** Keeps the exchange when capture is on (string headers only, names in lower case, as oav reads them). */
  capture(req: CapturedRequest, reply: ArmReply, sentHeaders: Record<string, string>): void {
    if (!this.captureExchanges) return;
    const reqHeaders: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') reqHeaders[k] = v;
    const resHeaders: Record<string, string> = {};
    for (const [k, v] of Object.entries(sentHeaders)) resHeaders[k.toLowerCase()] = v;
    this.captured.push({
      liveRequest: {
        headers: reqHeaders,
        method: req.method,
        url: `https://management.azure.com${req.rawUrl}`,
        body: req.body ?? null,
      },
      liveResponse: { statusCode: String(reply.status), headers: resHeaders, body: reply.body ?? null },
    });
  }

  traffic(): TrafficEntry[] {
    return structuredClone(this.captured);
  }

  reset(): void {
    this.log = [];
    this.captured = [];
  }
}
