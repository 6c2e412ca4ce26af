// Seeded chaos scenarios: random starting drift × random fault rules, one faulted reconcile, then up to three
// clean ones that must converge. Every run is checked with checkRun. A seed replays exactly (same drift, same
// rules, same probabilistic draws); only timing-dependent interleavings can differ.
import type { ArmClients } from '../../src/azure/clients.js';
import { forgetArmPacers } from '../../src/azure/pacer.js';
import type { FaultRuleInput, Json } from '../../src/emulator/index.js';
import { reconcile } from '../../src/reconcile.js';
import {
  CHAOS_TIMEOUT_MS,
  type ChaosEnv,
  convergenceProblems,
  isOwned,
  type RecordedFaults,
  type Rng,
  type RouteJson,
  recordedRun,
  requestBound,
  requestsPerRun,
  rng,
  settleOperations,
  snapshot,
} from './harness.js';
import { checkRun } from './invariants.js';
import { checkAgreement, checkOneStatus } from './truth.js';

export type FaultLabel =
  | '429-read'
  | '429-write'
  | '429-another-operation'
  | '500'
  | '503'
  | 'drop'
  | 'slow-lro'
  | 'lro-failed'
  | '412-external-writer';

export const FAULT_LABELS: readonly FaultLabel[] = [
  '429-read',
  '429-write',
  '429-another-operation',
  '500',
  '503',
  'drop',
  'slow-lro',
  'lro-failed',
  '412-external-writer',
];

export type DriftLabel =
  | 'route-deleted'
  | 'wrong-next-hop'
  | 'stale-route'
  | 'foreign-route-added'
  | 'table-tags-changed'
  | 'subnet-detached'
  | 'ip-forwarding-off'
  | 'new-worker'
  | 'pod-cidr-changed'
  | 'table-deleted';

interface PlannedFault {
  label: FaultLabel;
  rule: FaultRuleInput;
}

export interface Scenario {
  seed: number;
  drift: DriftLabel[];
  faults: PlannedFault[];
}

export interface ScenarioOutcome {
  seed: number;
  scenario: Scenario;
  violations: string[];
  /** Fault applications by label (how many requests each kind actually changed). */
  injected: Record<string, number>;
  runs: number;
  maxRequestsPerRun: number;
  faultedStatus: string;
  convergedAfter: number | undefined;
}

const props = (r: Json | undefined): Json => {
  if (r === undefined) return {};
  if (!r.properties || typeof r.properties !== 'object') r.properties = {};
  return r.properties as Json;
};
const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

const TABLE_PATH = '/routeTables/kubernetes-routes';
const READ_PATHS = ['/virtualMachines', '/networkInterfaces', TABLE_PATH, '/subnets/', '/operations/'];
const ANY_PATHS = [...READ_PATHS, '/virtualNetworks/'];

function foreignRoute(r: Rng, i: number): RouteJson {
  const kinds: RouteJson[] = [
    {
      // One 0.0.0.0/0 at most: two foreign routes with one prefix make the table unwritable (refused by design).
      name: `firewall-default-${i}`,
      properties: {
        addressPrefix: i === 0 ? '0.0.0.0/0' : `100.${64 + (i % 64)}.0.0/16`,
        nextHopType: 'VirtualAppliance',
        nextHopIpAddress: '10.240.0.4',
      },
    },
    {
      name: `onprem-${i}`,
      properties: { addressPrefix: `192.168.${i}.0/24`, nextHopType: 'VirtualNetworkGateway' },
    },
    {
      // Our name prefix but outside the cluster CIDR: foreign by the ownership rule.
      name: `kubernetes-route-lookalike-${i}`,
      properties: {
        addressPrefix: `172.16.${i}.0/24`,
        nextHopType: 'VirtualAppliance',
        nextHopIpAddress: '10.240.0.5',
      },
    },
    {
      // Inside the cluster CIDR but not our name: foreign.
      name: `mesh-gateway-${i}`,
      properties: {
        addressPrefix: `10.200.${200 + i}.0/24`,
        nextHopType: 'VirtualAppliance',
        nextHopIpAddress: '10.240.0.6',
      },
    },
    { name: `blackhole-${i}`, properties: { addressPrefix: `10.99.${i}.0/24`, nextHopType: 'None' } },
  ];
  const route = r.pick(kinds);
  return { ...route, properties: { ...route.properties, hasBgpOverride: false } };
}

function retryHeaders(r: Rng): Record<string, string> {
  const roll = r.next();
  if (roll < 0.7) return { 'retry-after-ms': String(r.int(0, 20)) };
  if (roll < 0.9) return { 'Retry-After': '0' };
  if (roll < 0.95) return { 'Retry-After': '1' }; // longer than maxDelayMs: ends the retries
  return {};
}

function times(r: Rng): Pick<FaultRuleInput, 'times' | 'probability' | 'seed'> {
  // Mostly within the retry budget (1-3), sometimes past it (4-6), sometimes probabilistic.
  const roll = r.next();
  if (roll < 0.6) return { times: r.int(1, 3) };
  if (roll < 0.8) return { times: r.int(4, 6) };
  return { probability: r.pick([0.2, 0.4]), seed: r.int(1, 1_000_000), times: r.int(2, 12) };
}

function planFault(r: Rng, label: FaultLabel, i: number): PlannedFault {
  switch (label) {
    case '429-read':
      return {
        label,
        rule: {
          method: 'GET',
          path: r.pick(READ_PATHS),
          status: 429,
          headers: retryHeaders(r),
          error: { code: 'TooManyRequests', message: 'The request is being throttled.' },
          ...times(r),
        },
      };
    case '429-write':
      return {
        label,
        rule: {
          method: 'PUT',
          path: r.pick([TABLE_PATH, '/subnets/', '/networkInterfaces/']),
          status: 429,
          headers: retryHeaders(r),
          error: { code: 'TooManyRequests', message: 'The request is being throttled.' },
          ...times(r),
        },
      };
    case '429-another-operation':
      return {
        label,
        rule: {
          method: 'PUT',
          path: r.pick([TABLE_PATH, '/subnets/']),
          status: 429,
          headers: { 'Retry-After': '0' },
          error: {
            code: 'RetryableErrorDueToAnotherOperation',
            message:
              'Operation PutRouteTableOperation is updating the resource. The call can be retried in 0 seconds.',
          },
          ...times(r),
        },
      };
    case '500':
    case '503':
      return {
        label,
        rule: {
          ...(r.chance(0.5) ? { method: r.pick(['GET', 'PUT']) } : {}),
          path: r.pick(ANY_PATHS),
          status: Number(label),
          ...(label === '503' && r.chance(0.5)
            ? { headers: { 'retry-after-ms': String(r.int(0, 10)) } }
            : {}),
          error: {
            code: label === '500' ? 'InternalServerError' : 'ServiceUnavailable',
            message: 'Try again.',
          },
          ...times(r),
        },
      };
    case 'drop':
      return {
        label,
        rule: {
          kind: 'drop',
          ...(r.chance(0.5) ? { method: r.pick(['GET', 'PUT']) } : {}),
          path: r.pick(ANY_PATHS),
          ...times(r),
        },
      };
    case 'slow-lro':
      return {
        label,
        rule: { kind: 'latency', path: '/operations/', latencyMs: r.int(5, 40), times: r.int(1, 4) },
      };
    case 'lro-failed':
      return {
        label,
        rule: {
          kind: 'lroFail',
          method: 'PUT',
          path: r.pick([TABLE_PATH, TABLE_PATH, '/subnets/', '/networkInterfaces/']),
          lroError: { code: 'InternalServerError', message: 'An error occurred while provisioning.' },
          times: r.int(1, 2),
        },
      };
    case '412-external-writer':
      return {
        label,
        rule: {
          kind: 'externalWrite',
          method: 'PUT',
          path: TABLE_PATH,
          externalWrite: {
            addRoutes: [foreignRoute(r, 40 + i)],
            ...(r.chance(0.5) ? { tags: { [`changed-by-${i}`]: 'netops' } } : {}),
          },
          times: r.int(1, 3),
        },
      };
  }
}

function generateScenario(seed: number): Scenario {
  const r = rng(seed);
  const drift: DriftLabel[] = [];
  const all: DriftLabel[] = [
    'route-deleted',
    'wrong-next-hop',
    'stale-route',
    'foreign-route-added',
    'table-tags-changed',
    'subnet-detached',
    'ip-forwarding-off',
    'new-worker',
    'pod-cidr-changed',
  ];
  for (const d of all) if (r.chance(0.35)) drift.push(d);
  if (r.chance(0.04)) drift.push('table-deleted');
  const faults: PlannedFault[] = [];
  const count = r.int(0, 4);
  for (let i = 0; i < count; i++) faults.push(planFault(r, r.pick(FAULT_LABELS), i));
  return { seed, drift, faults };
}

/** Applies the drift through the emulator's admin API (no events, no request log entries). */
export function applyDrift(env: ChaosEnv, scenario: Scenario): void {
  const r = rng(scenario.seed ^ 0x5eed);
  const { emulator, ids } = env;
  const has = (d: DriftLabel) => scenario.drift.includes(d);

  if (has('new-worker')) {
    const n = r.int(1, 3);
    for (let k = 0; k < n; k++) {
      const i = 2 + k;
      emulator.upsertVm(
        {
          resourceGroup: 'kubernetes',
          name: `worker-${i}`,
          privateIp: `10.240.0.${20 + i}`,
          tags: { role: 'worker', 'pod-cidr': `10.200.${i}.0/24` },
          enableIPForwarding: r.chance(0.8),
        },
        { emitEvent: false },
      );
    }
  }
  if (has('pod-cidr-changed')) {
    const vmId = `${ids.group}/providers/Microsoft.Compute/virtualMachines/worker-1`;
    const vm = emulator.getResource(vmId)!;
    vm.tags = { ...(vm.tags as Json), 'pod-cidr': `10.200.${50 + r.int(0, 9)}.0/24` };
    emulator.upsertResource(vm, { emitEvent: false });
  }
  if (has('ip-forwarding-off')) {
    const nicId = `${ids.group}/providers/Microsoft.Network/networkInterfaces/${r.pick(['worker-0-nic', 'worker-1-nic'])}`;
    const nic = emulator.getResource(nicId)!;
    props(nic).enableIPForwarding = false;
    // What a real worker NIC carries besides IP forwarding: the NIC write must send all of it back.
    nic.tags = { ...(nic.tags as Json | undefined), role: 'worker', 'cost-center': String(r.int(1, 99)) };
    props(nic).networkSecurityGroup = {
      id: `${ids.group}/providers/Microsoft.Network/networkSecurityGroups/kubernetes-nsg`,
    };
    props(nic).dnsSettings = { dnsServers: ['10.240.0.53'] };
    emulator.upsertResource(nic, { emitEvent: false });
  }
  if (has('subnet-detached')) {
    const vnet = emulator.getResource(ids.vnet)!;
    for (const s of arr(props(vnet).subnets)) delete props(s).routeTable;
    emulator.upsertResource(vnet, { emitEvent: false });
  }

  const table = emulator.getResource(ids.table);
  if (table !== undefined) {
    let routes = arr(props(table).routes);
    if (has('route-deleted')) {
      const victim = r.pick(
        routes.filter((x) =>
          isOwned({ name: String(x.name), addressPrefix: String(props(x).addressPrefix) }),
        ),
      );
      routes = routes.filter((x) => x !== victim);
    }
    if (has('wrong-next-hop')) {
      const owned = routes.filter((x) =>
        isOwned({ name: String(x.name), addressPrefix: String(props(x).addressPrefix) }),
      );
      if (owned.length > 0) {
        const victim = r.pick(owned);
        if (r.chance(0.7)) props(victim).nextHopIpAddress = '10.240.0.99';
        else {
          props(victim).nextHopType = 'VnetLocal';
          delete props(victim).nextHopIpAddress;
        }
      }
    }
    if (has('foreign-route-added')) {
      const n = r.int(1, 3);
      for (let k = 0; k < n; k++) {
        const f = foreignRoute(r, k);
        if (
          !routes.some((x) => String(x.name) === f.name || props(x).addressPrefix === props(f).addressPrefix)
        )
          routes.push(f);
      }
    }
    if (has('stale-route')) {
      // Within the mass-deletion guard: at most half of the owned prefixes may go in one run.
      const owned = routes.filter((x) =>
        isOwned({ name: String(x.name), addressPrefix: String(props(x).addressPrefix) }),
      ).length;
      const stale = Math.max(1, Math.min(r.int(1, 2), owned - (has('pod-cidr-changed') ? 1 : 0)));
      for (let k = 0; k < stale; k++) {
        routes.push({
          name: `kubernetes-route-10-200-${100 + k}-0-24`,
          properties: {
            addressPrefix: `10.200.${100 + k}.0/24`,
            nextHopType: 'VirtualAppliance',
            nextHopIpAddress: `10.240.0.${100 + k}`,
          },
        });
      }
    }
    props(table).routes = routes;
    if (has('table-tags-changed'))
      table.tags = { ...(table.tags as Json), owner: 'netops', 'cost-center': String(r.int(1, 99)) };
    emulator.upsertResource(table, { emitEvent: false });
  }
  if (has('table-deleted')) emulator.deleteResource(ids.table, { emitEvent: false });
}

function recordFaults(env: ChaosEnv, labels: Map<string, PlannedFault>): RecordedFaults {
  const out: RecordedFaults = {};
  for (const rule of env.emulator.faults.list()) {
    const planned = labels.get(rule.id);
    if (planned === undefined || rule.applied === 0) continue;
    out[planned.label] = (out[planned.label] ?? 0) + rule.applied;
  }
  return out;
}

/** Runs one seeded scenario on a reset emulator and returns every invariant violation. */
export async function runScenario(
  env: ChaosEnv,
  seed: number,
  clients: ArmClients = env.newClients(),
): Promise<ScenarioOutcome> {
  env.emulator.reset();
  forgetArmPacers(env.emulator.endpoint); // a reset world's buckets are full again
  const scenario = generateScenario(seed);
  applyDrift(env, scenario);
  const start = snapshot(env);
  const nicRepairs = Object.entries(start.ipForwarding).filter(([, on]) => !on).length;
  const bound = requestBound({ attempts: 4, pollsPerLro: 1, nicRepairs, pages: 1 });
  const labels = new Map<string, PlannedFault>();
  for (const f of scenario.faults) labels.set(env.emulator.faults.add(f.rule).id, f);

  const violations: string[] = [];
  let maxRequests = 0;
  const faulted = await recordedRun(env, {
    label: `seed ${seed} faulted run`,
    bound,
    clients,
    settle: false,
  });
  const injected = recordFaults(env, labels);
  env.emulator.faults.clear();
  violations.push(...checkRun(env, faulted));
  maxRequests = Math.max(maxRequests, requestsPerRun(faulted));

  let convergedAfter: number | undefined;
  for (let i = 1; i <= 3 && convergedAfter === undefined; i++) {
    // What `pod-routes plan` says of the same state, to hold apply to it (issue 17: truth.ts).
    const planned = await reconcile({
      config: env.config,
      trigger: 'cli',
      dryRun: true,
      clients,
      timeoutMs: CHAOS_TIMEOUT_MS,
    });
    const run = await recordedRun(env, { label: `seed ${seed} clean run ${i}`, bound, clients });
    violations.push(...checkRun(env, run), ...checkAgreement(env, planned, run));
    violations.push(...checkOneStatus(`seed ${seed} plan ${i}`, planned, 'plan'));
    maxRequests = Math.max(maxRequests, requestsPerRun(run));
    if (
      convergenceProblems(env, run.after).length === 0 &&
      (run.result.status === 'Healthy' || run.result.status === 'Repaired')
    )
      convergedAfter = i;
  }
  await settleOperations(env);
  if (convergedAfter === undefined) {
    violations.push(
      `[seed ${seed}] not converged within 3 runs after the faults stopped: ${convergenceProblems(env, snapshot(env)).join('; ')}`,
    );
  }
  return {
    seed,
    scenario,
    violations,
    injected,
    runs: 1 + (convergedAfter ?? 3),
    maxRequestsPerRun: maxRequests,
    faultedStatus: faulted.result.status,
    convergedAfter,
  };
}

export interface Tally {
  scenarios: number;
  runs: number;
  violations: string[];
  injected: Record<string, number>;
  faultedStatus: Record<string, number>;
  maxRequestsPerRun: number;
  worstSeed: number | undefined;
  failingSeeds: number[];
}

export function newTally(): Tally {
  return {
    scenarios: 0,
    runs: 0,
    violations: [],
    injected: {},
    faultedStatus: {},
    maxRequestsPerRun: 0,
    worstSeed: undefined,
    failingSeeds: [],
  };
}

export function addOutcome(t: Tally, o: ScenarioOutcome): void {
  t.scenarios++;
  t.runs += o.runs;
  t.violations.push(...o.violations);
  if (o.violations.length > 0) t.failingSeeds.push(o.seed);
  for (const [k, n] of Object.entries(o.injected)) t.injected[k] = (t.injected[k] ?? 0) + n;
  t.faultedStatus[o.faultedStatus] = (t.faultedStatus[o.faultedStatus] ?? 0) + 1;
  if (o.maxRequestsPerRun > t.maxRequestsPerRun) {
    t.maxRequestsPerRun = o.maxRequestsPerRun;
    t.worstSeed = o.seed;
  }
}
