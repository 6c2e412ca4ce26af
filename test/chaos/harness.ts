// Chaos harness: one emulator, the real SDK clients, seeded drift and fault generators, and the invariants
// every run is checked against. Shared by the chaos tests and `npm run soak`.
//
// The invariants are computed from the emulator's own state and request log, never from the engine's result
// alone, and the desired routes are derived here independently of src/core (a bug there must not hide here).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { containsCidr, normalizeCidr } from 'cidr-tools';
import { type ArmClients, createArmClients } from '../../src/azure/clients.js';
import { roleActions } from '../../src/azure/operations.js';
import type { RetrySettings } from '../../src/azure/retry-policy.js';
import { MAX_SETTLE_READS } from '../../src/azure/settle.js';
import { type Config, loadConfig } from '../../src/config.js';
import type { ReconcileResult } from '../../src/core/types.js';
import {
  type Emulator,
  type EmulatorOptions,
  type Json,
  type RequestLogEntry,
  startEmulator,
  type TrafficEntry,
} from '../../src/emulator/index.js';
import { MAX_WRITE_ATTEMPTS, reconcile } from '../../src/reconcile.js';

const fromHere = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The repository (the soak runs from a bundle elsewhere: then the working directory). */
const repoRoot = existsSync(join(fromHere, 'examples')) ? fromHere : process.cwd();
export const WORLD_FILE = join(repoRoot, 'examples/kthw-azure.world.json');

const RG = 'kubernetes';
export const TABLE = 'kubernetes-routes';
const VNET = 'kubernetes-vnet';
const SUBNET = 'kubernetes-subnet';
export const CLUSTER_CIDR = '10.200.0.0/16';
const ROUTE_PREFIX = 'kubernetes-route-';

/** Short retry settings for tests: the same shape as production (4 attempts), millisecond waits. */
export const CHAOS_RETRY: RetrySettings = { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 50 };
/** Per-run budget in tests (the engine's default is 120 s). */
export const CHAOS_TIMEOUT_MS = 5_000;

export interface ChaosEnv {
  emulator: Emulator;
  config: Config;
  ids: { table: string; vnet: string; subnet: string; group: string };
  /** A fresh set of clients (a distinct "instance"), with short retry settings. */
  newClients(retry?: RetrySettings): ArmClients;
  stop(): Promise<void>;
}

function chaosSettings(emulator: Pick<Emulator, 'subscriptionId' | 'endpoint' | 'caFile'>) {
  return {
    AZURE_SUBSCRIPTION_ID: emulator.subscriptionId,
    CLUSTER_RESOURCE_GROUP: RG,
    ROUTE_TABLE_NAME: TABLE,
    VNET_NAME: VNET,
    SUBNET_NAME: SUBNET,
    CLUSTER_CIDR,
    REPAIR_IP_FORWARDING: 'true',
    ARM_ENDPOINT: emulator.endpoint,
    ARM_CA_FILE: emulator.caFile,
  };
}

export async function startChaos(options: Partial<EmulatorOptions> = {}): Promise<ChaosEnv> {
  const emulator = await startEmulator({
    world: WORLD_FILE,
    lro: { inProgressPolls: 0, retryAfterSeconds: 0 },
    captureTraffic: true,
    // The function's deployed role: a run needing an action it lacks gets ARM's 403 and breaks an invariant.
    rbac: { actions: roleActions(true) },
    ...options,
  });
  const config = loadConfig(chaosSettings(emulator));
  const group = `/subscriptions/${emulator.subscriptionId}/resourceGroups/${RG}`;
  const vnet = `${group}/providers/Microsoft.Network/virtualNetworks/${VNET}`;
  return {
    emulator,
    config,
    ids: {
      group,
      table: `${group}/providers/Microsoft.Network/routeTables/${TABLE}`,
      vnet,
      subnet: `${vnet}/subnets/${SUBNET}`,
    },
    newClients: (retry = CHAOS_RETRY) => createArmClients(config, { pollIntervalMs: 1, retry }),
    stop: () => emulator.stop(),
  };
}

// ---------------------------------------------------------------- seeded randomness

/** mulberry32: small, fast, seeded; the same seed gives the same scenario everywhere. */
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)]!,
  };
}

export interface Rng {
  next(): number;
  /** Inclusive range. */
  int(lo: number, hi: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
}

// ---------------------------------------------------------------- state snapshots

export interface RouteLite {
  name: string;
  addressPrefix: string | undefined;
  nextHopType: string | undefined;
  nextHopIpAddress: string | undefined;
  provisioningState: string | undefined;
  /** The stored route without what ARM changes on every write (etag, provisioningState). */
  stable: string;
}

export interface Snapshot {
  table: {
    location: unknown;
    tags: Record<string, unknown>;
    disableBgpRoutePropagation: unknown;
    routes: RouteLite[];
  } | null;
  /** Route table id the subnet references, if any. */
  subnetRouteTable: string | undefined;
  /** The subnet without routeTable, etag and provisioningState. */
  subnetRest: string;
  /** enableIPForwarding per NIC name (lower-case). */
  ipForwarding: Record<string, boolean>;
  /** Each NIC (by lower-case name) without enableIPForwarding, etag and provisioningState. */
  nicRest: Record<string, string>;
  /** Desired routes, derived here from VM tags and NICs (independently of src/core). */
  desired: Map<string, { addressPrefix: string; nextHopIpAddress: string; nic: string }>;
}

const props = (r: Json | undefined): Json => (r?.properties as Json | undefined) ?? {};
const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

export function stableJson(value: unknown, drop: readonly string[] = ['etag', 'provisioningState']): string {
  return JSON.stringify(value, (key, v) => {
    if (drop.includes(key)) return undefined;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Json).sort(([a], [b]) => (a < b ? -1 : 1)));
    }
    return v;
  });
}

export function routeLite(route: Json): RouteLite {
  const p = props(route);
  return {
    name: String(route.name),
    addressPrefix: p.addressPrefix as string | undefined,
    nextHopType: p.nextHopType as string | undefined,
    nextHopIpAddress: p.nextHopIpAddress as string | undefined,
    provisioningState: p.provisioningState as string | undefined,
    stable: stableJson({ name: route.name, properties: p }),
  };
}

export function normalized(prefix: string | undefined): string | undefined {
  if (prefix === undefined) return undefined;
  try {
    return normalizeCidr(prefix);
  } catch {
    return undefined;
  }
}

/** Ours = our name prefix AND inside the cluster CIDR (the product's documented ownership rule). */
export function isOwned(route: { name: string; addressPrefix?: string | undefined }): boolean {
  const n = normalized(route.addressPrefix);
  if (n === undefined || n.includes(':')) return false;
  return (
    route.name.toLowerCase().startsWith(ROUTE_PREFIX) && containsCidr(CLUSTER_CIDR, n) && n !== CLUSTER_CIDR
  );
}

function routeName(cidr: string): string {
  return `${ROUTE_PREFIX}${cidr.replace(/[.:/]/gu, '-')}`;
}

export function snapshot(env: ChaosEnv): Snapshot {
  const { emulator, ids } = env;
  const table = emulator.getResource(ids.table);
  const subnet = emulator.getResource(ids.subnet);
  const subnetProps = { ...props(subnet) };
  const subnetRouteTable = (subnetProps.routeTable as Json | undefined)?.id as string | undefined;
  delete subnetProps.routeTable;
  const nics = emulator.listResources('Microsoft.Network/networkInterfaces');
  const ipForwarding: Record<string, boolean> = {};
  const nicRest: Record<string, string> = {};
  for (const nic of nics) {
    ipForwarding[String(nic.name).toLowerCase()] = props(nic).enableIPForwarding === true;
    const { enableIPForwarding: _forwarding, ...rest } = props(nic);
    nicRest[String(nic.name).toLowerCase()] = stableJson({ ...nic, properties: rest });
  }
  const desired = new Map<string, { addressPrefix: string; nextHopIpAddress: string; nic: string }>();
  for (const vm of emulator.listResources('Microsoft.Compute/virtualMachines')) {
    const tag = (vm.tags as Record<string, string> | undefined)?.['pod-cidr'];
    if (tag === undefined) continue;
    const nicId = String(arr((props(vm).networkProfile as Json | undefined)?.networkInterfaces)[0]?.id ?? '');
    const nic = nics.find((n) => String(n.id).toLowerCase() === nicId.toLowerCase());
    const ip = props(arr(props(nic).ipConfigurations)[0]).privateIPAddress as string | undefined;
    if (ip === undefined || nic === undefined) continue;
    desired.set(routeName(tag), { addressPrefix: tag, nextHopIpAddress: ip, nic: String(nic.name) });
  }
  return {
    table:
      table === undefined
        ? null
        : {
            location: table.location,
            tags: (table.tags as Record<string, unknown> | undefined) ?? {},
            disableBgpRoutePropagation: props(table).disableBgpRoutePropagation,
            routes: arr(props(table).routes).map(routeLite),
          },
    subnetRouteTable,
    subnetRest: stableJson({ name: subnet?.name, properties: subnetProps }),
    ipForwarding,
    nicRest,
    desired,
  };
}

/** Owned routes that are correct and provisioned ('Succeeded'): what "no worse than found" protects. */
export function healthyRoutes(snap: Snapshot): Set<string> {
  const correct = correctRoutes(snap);
  const ok = (snap.table?.routes ?? []).filter(
    (r) => correct.has(r.name) && r.provisioningState === 'Succeeded',
  );
  return new Set(ok.map((r) => r.name));
}

/**
 * Waits until the emulator has no long-running operation in flight (a run that stopped polling leaves one
 * behind; the emulator completes it by itself after `autoCompleteMs`), so a snapshot shows what stays.
 */
export async function settleOperations(env: ChaosEnv, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (env.emulator.operationsInProgress() > 0) {
    if (Date.now() > until) throw new Error(`operations still in progress after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** The owned routes that match what their worker needs (name, prefix, VirtualAppliance, next hop). */
export function correctRoutes(snap: Snapshot): Set<string> {
  const out = new Set<string>();
  for (const r of snap.table?.routes ?? []) {
    const want = snap.desired.get(r.name);
    if (
      want !== undefined &&
      r.addressPrefix === want.addressPrefix &&
      r.nextHopType === 'VirtualAppliance' &&
      r.nextHopIpAddress === want.nextHopIpAddress
    )
      out.add(r.name);
  }
  return out;
}

/** Problems that keep the emulator state from being exactly what the cluster needs. */
export function convergenceProblems(env: ChaosEnv, snap: Snapshot): string[] {
  const problems: string[] = [];
  if (snap.table === null) return ['the route table does not exist'];
  const correct = correctRoutes(snap);
  for (const [name, want] of snap.desired) {
    if (!correct.has(name))
      problems.push(`route ${name} (${want.addressPrefix} -> ${want.nextHopIpAddress}) missing or wrong`);
    if (snap.ipForwarding[want.nic.toLowerCase()] !== true)
      problems.push(`NIC ${want.nic} has IP forwarding off`);
  }
  for (const r of snap.table.routes) {
    if (isOwned(r) && !snap.desired.has(r.name)) problems.push(`stale owned route ${r.name} still present`);
    // Snapshots are taken once in-flight operations have settled (settleOperations): an owned route that is
    // not 'Succeeded' then is one a failed operation left behind ('Failed'), not one on its way in.
    if (isOwned(r) && r.provisioningState !== 'Succeeded')
      problems.push(`route ${r.name} is ${r.provisioningState ?? 'without a provisioning state'}`);
  }
  if (snap.subnetRouteTable?.toLowerCase() !== env.ids.table.toLowerCase())
    problems.push('the subnet is not associated with the table');
  return problems;
}

// ---------------------------------------------------------------- the request bound

export interface BoundInputs {
  /** Attempts per request (retry policy maxAttempts). */
  attempts: number;
  /** LRO polls per write until it ends (emulator inProgressPolls + 1). */
  pollsPerLro: number;
  /** Worker NICs whose IP forwarding may be repaired in the run. */
  nicRepairs: number;
  /** List pages per inventory list (VMs, NICs). */
  pages: number;
}

/**
 * Worst-case ARM requests of one reconcile (docs/robustness.md, "Request bound"):
 *   logical = (1 + S)·(2·pages + 3) (VM list, NIC list, scale-set list (the chaos world has no Uniform scale
 *                                    set), table GET, subnet GET; re-read up to S times while something is
 *                                    mid-write, S = MAX_SETTLE_READS)
 *           + 1 (vnet GET, only when the table is missing)
 *           + W·(1 + P + 1) (table PUT, its polls, the SDK's final GET; W = MAX_WRITE_ATTEMPTS)
 *           + (W − 1) (table re-read after each 412 or failed operation)
 *           + (1 + 1 + P + 1) (subnet GET, PUT, polls, final GET)
 *           + N·(1 + 1 + P + 1) (per NIC: GET, PUT, polls, final GET)
 *           + 1 (the best-effort table re-read of a failed run)
 *   requests ≤ attempts · logical
 */
export function requestBound(b: BoundInputs): number {
  const W = MAX_WRITE_ATTEMPTS;
  const S = MAX_SETTLE_READS;
  const P = b.pollsPerLro;
  const reads = (1 + S) * (2 * b.pages + 3);
  const logical = reads + 1 + W * (2 + P) + (W - 1) + (3 + P) + b.nicRepairs * (3 + P) + 1;
  return b.attempts * logical;
}

// ---------------------------------------------------------------- invariants

/** A route in ARM JSON shape, as the emulator's externalWrite takes it. */
export type RouteJson = {
  name: string;
  properties: {
    addressPrefix: string;
    nextHopType: string;
    nextHopIpAddress?: string;
    hasBgpOverride?: boolean;
  };
};

export interface KnownForeign {
  /** Routes an external writer put in place during the run (the foreign ones must survive too). */
  added: RouteJson[];
  /** Routes an external writer removed during the run (and did not put back). */
  removed: string[];
  /** Tags an external writer merged into the table during the run. */
  tags: Record<string, string>;
}

export const NO_EXTERNAL: KnownForeign = { added: [], removed: [], tags: {} };

/** The last external-write sequence number the emulator recorded (externalSince counts from it). */
function externalMark(env: ChaosEnv): number {
  return env.emulator.externalWrites().at(-1)?.seq ?? 0;
}

/**
 * The net effect on our table of the external writes the emulator actually performed after `mark`: its own
 * record, so a rule that fired but whose request was dropped (no write happened) is not counted.
 */
function externalSince(env: ChaosEnv, mark: number): KnownForeign {
  const net = new Map<string, RouteJson | null>();
  const tags: Record<string, string> = {};
  for (const w of env.emulator.externalWrites()) {
    if (w.seq <= mark || w.tableId.toLowerCase() !== env.ids.table.toLowerCase()) continue;
    for (const name of w.removed) net.set(name.toLowerCase(), null);
    for (const r of w.added) net.set(String(r.name).toLowerCase(), r as RouteJson);
    Object.assign(tags, w.tags);
  }
  return {
    added: [...net.values()].filter((r): r is RouteJson => r !== null),
    removed: [...net].filter(([, r]) => r === null).map(([name]) => name),
    tags,
  };
}

export interface RunRecord {
  label: string;
  result: ReconcileResult;
  before: Snapshot;
  after: Snapshot;
  requests: RequestLogEntry[];
  traffic: TrafficEntry[];
  external: KnownForeign;
  bound: number;
  /** Runs of the same table made concurrently (request log shared): skip per-run request counting. */
  concurrent?: boolean;
}

// ---------------------------------------------------------------- running one reconcile and recording it

export interface RunOptions {
  label: string;
  clients?: ArmClients;
  /** What external writers changed during the run; by default the emulator's own record (externalSince). */
  external?: KnownForeign;
  bound: number;
  timeoutMs?: number;
  /**
   * Wait for the operations left in flight to settle before the after snapshot (default true). A faulted run
   * passes false: the next run must meet what it left in flight, as a real next trigger would.
   */
  settle?: boolean;
}

export async function recordedRun(env: ChaosEnv, o: RunOptions): Promise<RunRecord> {
  const before = snapshot(env);
  const mark = externalMark(env);
  const fromRequest = env.emulator.requests().length;
  const fromTraffic = env.emulator.traffic().length;
  const result = await reconcile({
    config: env.config,
    trigger: 'timer',
    clients: o.clients ?? env.newClients(),
    timeoutMs: o.timeoutMs ?? CHAOS_TIMEOUT_MS,
  });
  if (o.settle !== false) await settleOperations(env);
  const after = snapshot(env);
  return {
    label: o.label,
    result,
    before,
    after,
    requests: env.emulator.requests().slice(fromRequest),
    traffic: env.emulator.traffic().slice(fromTraffic),
    external: o.external ?? externalSince(env, mark),
    bound: o.bound,
  };
}

export function requestsPerRun(run: RunRecord): number {
  return run.concurrent
    ? run.result.arm.reads + run.result.arm.writes + run.result.arm.polls
    : Math.max(run.requests.length, run.result.arm.reads + run.result.arm.writes + run.result.arm.polls);
}

/** Fault applications by label. */
export type RecordedFaults = Record<string, number>;
