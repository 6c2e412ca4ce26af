// POST .../networkInterfaces/{nic}/effectiveRouteTable (NetworkInterfaces_GetEffectiveRouteTable): the routes
// in effect for a NIC, computed the way "Virtual network traffic routing" documents them, in the spec's
// EffectiveRouteListResult shape, as a long-running operation (202 + Location, final state via Location).
//
// - System routes (source Default): each vnet address prefix -> VnetLocal; 0.0.0.0/0 -> Internet (and ::/0 when
//   the vnet has IPv6 space: an assumption, not found documented); the None routes real NICs list (NONE_ROUTES),
//   unless a vnet range is or includes that prefix (then its VnetLocal route replaces it); a vnet range inside one
//   (the official example's 172.20.2.0/24) leaves the None route in place.
// - User routes of the table associated with the NIC's subnet (source User), with their hasBgpOverride.
// - Routes a gateway in the vnet learned over BGP (world file `learnedRoutes`; source VirtualNetworkGateway),
//   none when the table has disableBgpRoutePropagation. A BGP route inside the vnet space is never in effect
//   (VNet routes are preferred even over more specific BGP routes).
// - Same prefix: user route over BGP route over system route; the loser is listed with state Invalid.
// - A change of the network reaches the answer only after the propagation delay (propagation.ts).
// Answered only for a NIC attached to a running VM (ARM has no effective routes otherwise).
import { randomUUID } from 'node:crypto';
import { containsCidr, normalizeCidr } from 'cidr-tools';
import type { Arm } from '../arm.js';
import { handlePowerRequest, powerStateOf } from '../compute/power.js';
import { ArmError, armErrors } from '../errors.js';
import type { EventHub } from '../events.js';
import type { LatencyModel, LroSettings } from '../request.js';
import { arr, obj, type Store, TYPES } from '../store.js';
import { NETWORK_API_VERSIONS } from '../versions.js';
import type { Json, WorldFile } from '../world.js';
import { peeringRoutes } from './peerings.js';
import { type LearnedRoute, type NetworkView, Propagation } from './propagation.js';

interface EffectiveRoutesOptions {
  store: Store;
  /** The network as the NICs see it now (after the propagation delay). */
  network: () => NetworkView;
  endpoint: () => string;
  /** Minimum duration of the operation (ms) and InProgress answers before it completes. */
  lroMs: () => number;
  inProgressPolls: () => number;
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
  lroPoll?: boolean;
}

interface Operation {
  id: string;
  location: string;
  apiVersion: string;
  readyAt: number;
  pollsLeft: number;
  result: Json;
  /** An injected 'lroFail' fault: the operation ends Failed with this error, as the other operations do. */
  fail?: Json;
}

/**
 * System routes to None (source Default). The docs ("Virtual network traffic routing", learn.microsoft.com
 * virtual-network/virtual-networks-udr-overview, "Default") list 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 and
 * 100.64.0.0/10; real NICs list more: 127.0.0.0/8 and 198.18.0.0/15 (Get-AzEffectiveRouteTable's JSON in
 * Azure/azure-powershell#23091 and #22231) and Microsoft ranges. The full list is the Effective Routes of a VM in
 * a subnet without a route table in Aidan Finn's "Why So Many Default Routes in Azure?" (aidanfinn.com; mirrored at
 * qureshi.me/unraveling-the-mystery-of-azures-numerous-default-routes). Azure changes the Microsoft ranges over
 * time (#22231 shows 25.48.0.0/12), so a test must never depend on them. Add new system routes here.
 */
const NONE_ROUTES: readonly string[] = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '104.146.0.0/17',
  '104.147.0.0/16',
  '127.0.0.0/8',
  '157.59.0.0/16',
  '198.18.0.0/15',
  '20.35.252.0/22',
  '23.103.0.0/18',
  '25.148.0.0/15',
  '25.150.0.0/16',
  '25.152.0.0/14',
  '25.156.0.0/16',
  '25.159.0.0/16',
  '25.176.0.0/13',
  '25.184.0.0/14',
  '25.4.0.0/14',
  '40.108.0.0/17',
  '40.109.0.0/16',
];
const SOURCE_RANK: Record<string, number> = { User: 0, VirtualNetworkGateway: 1, Default: 2 };

const norm = (cidr: string): string | undefined => {
  try {
    return normalizeCidr(cidr, { compress: true });
  } catch {
    return undefined;
  }
};
const isV6 = (cidr: string) => cidr.includes(':');

const POST =
  /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.network\/networkinterfaces\/([^/]+)\/effectiveroutetable\/?$/iu;
const POLL =
  /^\/subscriptions\/[^/]+\/providers\/microsoft\.network\/locations\/[^/]+\/(operations|operationresults)\/([^/]+)\/?$/iu;

interface Entry {
  name?: string;
  source: 'Default' | 'User' | 'VirtualNetworkGateway';
  prefix: string;
  nextHopType: string;
  nextHopIp?: string;
  inactive?: boolean;
  hasBgpOverride?: boolean;
}

/** The vnet and subnet of the NIC's primary ip configuration, or ARM's 400 when the subnet is not there. */
function nicSubnet(network: NetworkView, nic: Json): { vnet: Json; subnet: Json } {
  const configs = arr(obj(nic.properties).ipConfigurations);
  const primary = configs.find((c) => obj(c.properties).primary === true) ?? configs[0];
  const subnetId = String(obj(obj(primary?.properties).subnet).id ?? '');
  const m = /^(.*\/virtualnetworks\/[^/]+)\/subnets\/([^/]+)$/iu.exec(subnetId);
  const vnet = m ? network.get(m[1]!) : undefined;
  const subnet = arr(obj(vnet?.properties).subnets).find(
    (s) => String(s.name).toLowerCase() === m?.[2]?.toLowerCase(),
  );
  if (!vnet || !subnet)
    throw new ArmError(400, {
      code: 'InvalidResourceReference',
      message: `Network interface ${String(nic.id)} references subnet '${subnetId}', which was not found.`,
    });
  return { vnet, subnet };
}

/** The system routes: the vnet's ranges, the Internet default, and None for reserved ranges outside the vnet. */
function defaultRoutes(space: string[]): Entry[] {
  const entries: Entry[] = space.map((prefix) => ({ source: 'Default', prefix, nextHopType: 'VnetLocal' }));
  entries.push({ source: 'Default', prefix: '0.0.0.0/0', nextHopType: 'Internet' });
  if (space.some(isV6)) entries.push({ source: 'Default', prefix: '::/0', nextHopType: 'Internet' });
  // A vnet range that is, or includes, a reserved prefix replaces its None route (its VnetLocal route covers it).
  for (const r of NONE_ROUTES)
    if (!space.some((s) => !isV6(s) && containsCidr(s, r)))
      entries.push({ source: 'Default', prefix: r, nextHopType: 'None' });
  return entries;
}

/** Routes learned over BGP by the vnet's gateways (inactive when inside the vnet's own ranges). */
function gatewayRoutes(network: NetworkView, vnet: Json, space: string[]): Entry[] {
  const vnetId = String(vnet.id).toLowerCase();
  const inVnet = (c: Json) =>
    String(obj(obj(c.properties).subnet).id ?? '')
      .toLowerCase()
      .startsWith(`${vnetId}/subnets/`);
  const gateways = new Set(
    network
      .list('Microsoft.Network/virtualNetworkGateways')
      .filter((g) => arr(obj(g.properties).ipConfigurations).some(inVnet))
      .map((g) => String(g.id).toLowerCase()),
  );
  const entries: Entry[] = [];
  for (const l of network.learned) {
    const prefix = norm(l.network);
    if (!prefix || !gateways.has(l.gateway.toLowerCase())) continue;
    entries.push({
      source: 'VirtualNetworkGateway',
      prefix,
      nextHopType: 'VirtualNetworkGateway',
      nextHopIp: l.nextHop,
      inactive: space.some((s) => isV6(s) === isV6(prefix) && containsCidr(s, prefix)),
    });
  }
  return entries;
}

/** The routes of the subnet's route table. */
function userRoutes(table: Json | undefined): Entry[] {
  const entries: Entry[] = [];
  for (const r of arr(obj(table?.properties).routes)) {
    const p = obj(r.properties);
    const prefix = norm(String(p.addressPrefix));
    if (!prefix) continue;
    entries.push({
      name: String(r.name),
      source: 'User',
      prefix,
      nextHopType: String(p.nextHopType),
      ...(typeof p.nextHopIpAddress === 'string' ? { nextHopIp: p.nextHopIpAddress } : {}),
      hasBgpOverride: p.hasBgpOverride === true,
    });
  }
  return entries;
}

/** The NIC's effective routes (EffectiveRoute objects), or an ArmError naming what is missing. */
/** `store`: peerings are read live (their state is not part of the propagation snapshot). */
function computeEffectiveRoutes(network: NetworkView, store: Store, nic: Json): Json[] {
  const { vnet, subnet } = nicSubnet(network, nic);
  const space = arr(obj(obj(vnet.properties).addressSpace).addressPrefixes)
    .map((p) => norm(String(p)))
    .filter((p): p is string => p !== undefined);
  const tableId = obj(obj(subnet.properties).routeTable).id;
  const table = typeof tableId === 'string' ? network.get(tableId) : undefined;
  const disableBgp = obj(table?.properties).disableBgpRoutePropagation === true;
  const entries: Entry[] = [
    ...defaultRoutes(space),
    ...peeringRoutes(store, vnet),
    ...(disableBgp ? [] : gatewayRoutes(network, vnet, space)),
    ...userRoutes(table),
  ];
  // Same prefix: only the best source is Active.
  const best = new Map<string, number>();
  for (const e of entries)
    if (!e.inactive) best.set(e.prefix, Math.min(best.get(e.prefix) ?? 9, SOURCE_RANK[e.source]!));
  return entries.map((e) => ({
    ...(e.name !== undefined ? { name: e.name } : {}),
    disableBgpRoutePropagation: disableBgp,
    source: e.source,
    state: !e.inactive && best.get(e.prefix) === SOURCE_RANK[e.source] ? 'Active' : 'Invalid',
    addressPrefix: [e.prefix],
    nextHopIpAddress: e.nextHopIp !== undefined ? [e.nextHopIp] : [],
    nextHopType: e.nextHopType,
    // Real ARM sends it on every effective route (Azure/azure-powershell#23091); a user route carries its own.
    hasBgpOverride: e.hasBgpOverride === true,
  }));
}

/** Answers the effective-route POST and the polls of its operations; undefined for any other request. */
class EffectiveRoutes {
  private ops = new Map<string, Operation>();

  constructor(private readonly options: EffectiveRoutesOptions) {}

  reset(): void {
    this.ops.clear();
  }

  handle(req: { method: string; path: string; query: URLSearchParams; failLro?: object }): Reply | undefined {
    const poll = POLL.exec(req.path);
    if (poll) {
      const op = this.ops.get(poll[2]!.toLowerCase());
      return op && req.method === 'GET'
        ? this.poll(op, poll[1]!.toLowerCase() === 'operationresults')
        : undefined;
    }
    const m = POST.exec(req.path);
    if (!m) return undefined;
    if (req.method !== 'POST') throw armErrors.notSupported(req.method, req.path);
    const apiVersion = req.query.get('api-version') ?? '';
    if (!(NETWORK_API_VERSIONS as readonly string[]).includes(apiVersion))
      throw armErrors.invalidApiVersion(apiVersion, NETWORK_API_VERSIONS);
    const { store } = this.options;
    const subscriptionId = store.subscription(m[1]!);
    if (subscriptionId === undefined)
      throw new ArmError(404, {
        code: 'SubscriptionNotFound',
        message: `The subscription '${m[1]}' could not be found.`,
      });
    const group = store.group(m[2]!, subscriptionId);
    if (!group) throw armErrors.resourceGroupNotFound(m[2]!);
    const nic = store.get(
      `/subscriptions/${subscriptionId}/resourceGroups/${group.name}/providers/${TYPES.nic}/${m[3]!}`,
    );
    if (!nic) throw armErrors.resourceNotFound(`${TYPES.nic}/${m[3]!}`, group.name);
    this.requireRunningVm(nic);
    const result = { value: computeEffectiveRoutes(this.options.network(), store, nic) };
    const op: Operation = {
      id: randomUUID(),
      location: String(nic.location ?? group.location ?? 'eastus')
        .replace(/\s+/gu, '')
        .toLowerCase(),
      apiVersion,
      readyAt: Date.now() + this.options.lroMs(),
      pollsLeft: this.options.inProgressPolls(),
      result,
      ...(req.failLro ? { fail: { ...req.failLro } } : {}),
    };
    this.ops.set(op.id, op);
    return { status: 202, headers: this.headers(op) };
  }

  private requireRunningVm(nic: Json): void {
    const vmId = obj(obj(nic.properties).virtualMachine).id;
    const vm = typeof vmId === 'string' ? this.options.store.get(vmId) : undefined;
    if (!vm)
      throw new ArmError(400, {
        code: 'NetworkInterfaceNotAttachedToVirtualMachine',
        message: `Effective routes are only available for a network interface attached to a running virtual machine; network interface ${String(nic.id)} is not attached to one.`,
      });
    const state = powerStateOf(vm);
    if (state !== 'running')
      throw new ArmError(400, {
        code: 'VirtualMachineNotRunning',
        message: `Effective routes are only available for a network interface attached to a running virtual machine; virtual machine ${String(vm.id)} of network interface ${String(nic.id)} is ${state}.`,
      });
  }

  private headers(op: Operation): Record<string, string> {
    const base = `${this.options.endpoint()}/subscriptions/${this.options.store.subscriptionId}/providers/Microsoft.Network/locations/${op.location}`;
    return {
      'Azure-AsyncOperation': `${base}/operations/${op.id}?api-version=${op.apiVersion}`,
      Location: `${base}/operationResults/${op.id}?api-version=${op.apiVersion}`,
    };
  }

  private poll(op: Operation, isResult: boolean): Reply {
    if (!isResult && op.pollsLeft > 0) op.pollsLeft--;
    const done = op.pollsLeft <= 0 && Date.now() >= op.readyAt;
    if (!isResult) {
      const status = done ? (op.fail ? 'Failed' : 'Succeeded') : 'InProgress';
      return {
        status: 200,
        headers: {},
        body: { status, ...(done && op.fail ? { error: op.fail } : {}) },
        lroPoll: true,
      };
    }
    // A failed operation's result is its error, as for the other long-running operations (operations.ts).
    if (done && op.fail) return { status: 500, headers: {}, body: { error: op.fail }, lroPoll: true };
    return done
      ? { status: 200, headers: {}, body: op.result, lroPoll: true }
      : { status: 202, headers: this.headers(op), lroPoll: true };
  }
}

/**
 * Registers the effective-route POST and the VM instance-view reads on the ARM surface (index.ts calls this once)
 * and returns what the emulator's reset and admin API need.
 */
export function installEffectiveRoutes(deps: {
  arm: Arm;
  store: Store;
  world: WorldFile;
  events: EventHub;
  endpoint: () => string;
  latency: LatencyModel;
  lro: LroSettings;
  /** Route propagation delay (ms); default the world's `routePropagationMs`, else 0 (at once). */
  propagationMs?: number;
}): {
  reset(): void;
  setLearnedRoutes(routes: LearnedRoute[]): void;
  setPropagationMs(ms: number): void;
} {
  let learned: LearnedRoute[] = structuredClone(deps.world.learnedRoutes ?? []);
  const initialDelay = deps.propagationMs ?? deps.world.routePropagationMs ?? 0;
  const propagation = new Propagation(deps.store, () => learned, initialDelay, deps.events);
  propagation.restart();
  const service = new EffectiveRoutes({
    store: deps.store,
    network: () => propagation.visible(),
    endpoint: deps.endpoint,
    lroMs: () => deps.latency.lroMs,
    inProgressPolls: () => deps.lro.inProgressPolls,
  });
  deps.arm.extensions.push(
    (req) => service.handle(req),
    (req) => handlePowerRequest(deps.store, req, (items) => deps.arm.page(req, items)),
  );
  return {
    reset: () => {
      service.reset();
      learned = structuredClone(deps.world.learnedRoutes ?? []);
      propagation.restart(initialDelay);
    },
    setLearnedRoutes: (routes) => {
      learned = structuredClone(routes);
      propagation.changed();
    },
    setPropagationMs: (ms) => propagation.restart(ms),
  };
}
