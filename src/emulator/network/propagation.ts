// Route propagation: a NIC's effective routes follow a change of its network (a route table's routes or BGP
// setting, a subnet's association, a vnet's address space, a gateway's learned routes) only after a delay, as on
// Azure, where a check right after a write can still show the old routes (reports speak of up to about a
// minute; FIELD-NOTES section 7). Reads in between show the network as it was before the change.
//
// The network is remembered as it is after every ARM event (a completed write or delete) and whenever a read
// finds it changed without one (an admin edit); a read at time t sees it as it was at t - delay.
import type { EventHub } from '../events.js';
import { arr, obj, type Store, TYPES } from '../store.js';
import type { Json } from '../world.js';

const GATEWAYS = 'Microsoft.Network/virtualNetworkGateways';

/** A route a virtual network gateway learned by BGP (set by a test or the world file's learnedRoutes). */
export interface LearnedRoute {
  /** Id of the virtual network gateway (Microsoft.Network/virtualNetworkGateways) that learned it. */
  gateway: string;
  /** The prefix advertised by the BGP peer (GatewayRoute.network). */
  network: string;
  /** The next hop NICs send to (the gateway's address). */
  nextHop: string;
}

/** What effective routes are computed from: vnets, route tables and gateways (by id), and learned routes. */
export interface NetworkView {
  get(id: string): Json | undefined;
  list(type: string): Json[];
  learned: readonly LearnedRoute[];
}

interface Snapshot {
  at: number;
  /** Lower-cased id -> the resource, reduced to what routing depends on. */
  resources: Map<string, Json>;
  learned: LearnedRoute[];
  fingerprint: string;
}

/** A resource reduced to what effective routes depend on (no etags or provisioning states). */
function routingPart(r: Json): Json {
  const p = obj(r.properties);
  const type = String(r.type).toLowerCase();
  const base = { id: r.id, type: r.type };
  if (type === TYPES.routeTable.toLowerCase())
    return {
      ...base,
      properties: {
        disableBgpRoutePropagation: p.disableBgpRoutePropagation,
        routes: arr(p.routes).map((route) => {
          const rp = obj(route.properties);
          const { addressPrefix, nextHopType, nextHopIpAddress, hasBgpOverride } = rp;
          return {
            name: route.name,
            properties: { addressPrefix, nextHopType, nextHopIpAddress, hasBgpOverride },
          };
        }),
      },
    };
  if (type === TYPES.vnet.toLowerCase())
    return {
      ...base,
      properties: {
        addressSpace: p.addressSpace,
        subnets: arr(p.subnets).map((s) => ({
          name: s.name,
          properties: { routeTable: obj(s.properties).routeTable },
        })),
      },
    };
  return {
    ...base,
    properties: {
      ipConfigurations: arr(p.ipConfigurations).map((c) => ({
        properties: { subnet: obj(c.properties).subnet },
      })),
    },
  };
}

function snapshotOf(store: Store, learned: readonly LearnedRoute[], at: number): Snapshot {
  const resources = new Map<string, Json>();
  for (const type of [TYPES.vnet, TYPES.routeTable, GATEWAYS])
    for (const r of store.list(type))
      resources.set(String(r.id).toLowerCase(), structuredClone(routingPart(r)));
  const copy = structuredClone([...learned]);
  const fingerprint = JSON.stringify([[...resources.entries()].sort(), copy]);
  return { at, resources, learned: copy, fingerprint };
}

function viewOf(snapshot: Snapshot): NetworkView {
  return {
    get: (id) => snapshot.resources.get(id.toLowerCase()),
    list: (type) =>
      [...snapshot.resources.values()].filter((r) => String(r.type).toLowerCase() === type.toLowerCase()),
    learned: snapshot.learned,
  };
}

export class Propagation {
  private history: Snapshot[] = [];

  constructor(
    private readonly store: Store,
    private readonly learned: () => readonly LearnedRoute[],
    private delayMs: number,
    events: EventHub,
  ) {
    events.subscribe(() => this.changed());
  }

  /** Back to a network that has always been as it is now (start, reset, a new delay). */
  restart(delayMs = this.delayMs): void {
    this.delayMs = delayMs;
    this.history = delayMs > 0 ? [snapshotOf(this.store, this.learned(), Number.NEGATIVE_INFINITY)] : [];
  }

  /** The network changed just now (an ARM event, new learned routes). */
  changed(now = Date.now()): void {
    if (this.delayMs <= 0) return;
    const snapshot = snapshotOf(this.store, this.learned(), now);
    if (snapshot.fingerprint !== this.history.at(-1)?.fingerprint) this.history.push(snapshot);
  }

  /** The network as a NIC sees it at `now`: as it was `delayMs` earlier (live when there is no delay). */
  visible(now = Date.now()): NetworkView {
    if (this.delayMs <= 0)
      return { get: (id) => this.store.get(id), list: (t) => this.store.list(t), learned: this.learned() };
    this.changed(now); // an edit no event announced is seen from now on
    const cutoff = now - this.delayMs;
    let index = 0;
    while (index + 1 < this.history.length && this.history[index + 1]!.at <= cutoff) index++;
    this.history.splice(0, index); // what is older than the visible state is never seen again
    return viewOf(this.history[0]!);
  }
}
