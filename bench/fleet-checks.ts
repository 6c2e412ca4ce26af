// What the fleet bench reads off the emulator's request log, and the checks it asserts on its figures.
// Pure functions of the log and the figures (test/fleet/fleet-checks.test.ts).
import type { RequestLogEntry } from '../src/emulator/index.js';

/** Most requests in flight at one instant (arrival to answer; an answer at the instant another arrives counts first). */
export function peakConcurrent(log: readonly Pick<RequestLogEntry, 'startedMs' | 'ms'>[]): number {
  const edges = log.flatMap((r) => [
    { at: r.startedMs, delta: 1 },
    { at: r.startedMs + r.ms, delta: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let open = 0;
  let peak = 0;
  for (const e of edges) {
    open += e.delta;
    peak = Math.max(peak, open);
  }
  return peak;
}

interface TableWrite {
  table: string;
  /** When the PUT arrived (ms since the emulator started). */
  putAt: number;
  /** When the PUT was answered (ARM accepted the write; the operation runs on). */
  putAnsweredAt: number;
  /** The end of the last read of the table after its PUT (the SDK's final GET, the run's read-back). */
  doneAt: number;
}

export interface WriteOverlap {
  writes: TableWrite[];
  /** Time every table's write was under way at once (latest start to earliest end), 0 when none. */
  overlapMs: number;
  /** Time the PUT requests themselves were in flight together, 0 when none. */
  putOverlapMs: number;
}

const TABLE_PATH = /\/providers\/Microsoft\.Network\/routeTables\/([^/]+)$/iu;
const round = (x: number) => Math.round(x * 100) / 100;

/** Each route table's first successful PUT and its write's span, from the request log. */
export function tableWrites(log: readonly RequestLogEntry[]): WriteOverlap {
  const writes: TableWrite[] = [];
  const puts = log.filter((r) => r.method === 'PUT' && r.status < 300 && TABLE_PATH.test(r.path));
  for (const put of puts) {
    const table = TABLE_PATH.exec(put.path)![1]!;
    if (writes.some((w) => w.table === table)) continue;
    const readsAfter = log.filter(
      (r) => r.method === 'GET' && r.path === put.path && r.startedMs >= put.startedMs + put.ms,
    );
    const doneAt = Math.max(put.startedMs + put.ms, ...readsAfter.map((r) => r.startedMs + r.ms));
    writes.push({
      table,
      putAt: put.startedMs,
      putAnsweredAt: round(put.startedMs + put.ms),
      doneAt: round(doneAt),
    });
  }
  const span = (from: (w: TableWrite) => number, to: (w: TableWrite) => number) =>
    writes.length < 2 ? 0 : round(Math.max(0, Math.min(...writes.map(to)) - Math.max(...writes.map(from))));
  return {
    writes,
    overlapMs: span(
      (w) => w.putAt,
      (w) => w.doneAt,
    ),
    putOverlapMs: span(
      (w) => w.putAt,
      (w) => w.putAnsweredAt,
    ),
  };
}

/** The figures the checks read (see FleetFigure in fleet-bench.ts). */
export interface CheckedFigure {
  shape: string;
  clusters: number;
  tablesPerCluster: number;
  converged: number;
  wallMs: number;
  requestsOverMinimum: number;
  throttled429: number;
  tableWrites?: WriteOverlap;
}

export interface FleetCheck {
  check: string;
  measured: string;
  pass: boolean;
}

/** Every tick: all clusters converged, requests at the design minimum, no 429; the targets of issue 19. */
export function fleetChecks(figures: readonly CheckedFigure[]): FleetCheck[] {
  const checks: FleetCheck[] = [];
  for (const f of figures) {
    checks.push(
      {
        check: `${f.shape}: every cluster converged`,
        measured: `${f.converged}/${f.clusters}`,
        pass: f.converged === f.clusters,
      },
      {
        check: `${f.shape}: requests / design minimum = 1.00`,
        measured: f.requestsOverMinimum.toFixed(2),
        pass: f.requestsOverMinimum === 1,
      },
      {
        check: `${f.shape}: 0 requests throttled (429)`,
        measured: String(f.throttled429),
        pass: f.throttled429 === 0,
      },
    );
    if (f.clusters === 100)
      checks.push({
        check: `${f.shape}: one tick under 60 s`,
        measured: `${f.wallMs} ms`,
        pass: f.wallMs < 60_000,
      });
    if (f.tablesPerCluster > 1) {
      const w = f.tableWrites;
      const written = w?.writes.length ?? 0;
      checks.push({
        check: `${f.shape}: the ${f.tablesPerCluster} tables written in parallel (their writes overlap in the emulator's log)`,
        measured: `${written} table writes, overlapping ${w?.overlapMs ?? 0} ms (PUTs in flight together ${w?.putOverlapMs ?? 0} ms)`,
        pass: written === f.tablesPerCluster && (w?.overlapMs ?? 0) > 0,
      });
    }
  }
  return checks;
}
