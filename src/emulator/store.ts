// The emulator's state: resource groups and top-level ARM resources (child routes and subnets live inline in
// their parent, as ARM returns them). Keys are lower-cased ids: names and ids are case-insensitive in ARM.
import { randomUUID } from 'node:crypto';
import {
  type Json,
  newEtag,
  type ParsedId,
  parseTopLevelId,
  type WorldFile,
  worldSubscriptionIds,
} from './world.js';

export interface ResourceGroup {
  name: string;
  location: string;
  tags?: Record<string, string>;
  /** The subscription the group is in (the world's primary one unless the world file says otherwise). */
  subscriptionId: string;
}

export const TYPES = {
  vm: 'Microsoft.Compute/virtualMachines',
  nic: 'Microsoft.Network/networkInterfaces',
  vnet: 'Microsoft.Network/virtualNetworks',
  subnet: 'Microsoft.Network/virtualNetworks/subnets',
  peering: 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings',
  routeTable: 'Microsoft.Network/routeTables',
  route: 'Microsoft.Network/routeTables/routes',
  ipConfig: 'Microsoft.Network/networkInterfaces/ipConfigurations',
  nsg: 'Microsoft.Network/networkSecurityGroups',
  natGateway: 'Microsoft.Network/natGateways',
  publicIp: 'Microsoft.Network/publicIPAddresses',
  serviceEndpointPolicy: 'Microsoft.Network/serviceEndpointPolicies',
} as const;

/** Resources a subnet or NIC can refer to, stored and served as generic resources. */
export const LINKABLE_TYPES = [TYPES.nsg, TYPES.natGateway, TYPES.publicIp, TYPES.serviceEndpointPolicy];

export const clone = <T>(v: T): T => structuredClone(v);
export const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
export const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
export const props = (r: Json): Json => {
  if (!r.properties || typeof r.properties !== 'object') r.properties = {};
  return r.properties as Json;
};

/** Fills what ARM fills in: ids/types/etags of inline children, provisioningState, resourceGuid. */
function fillResource(input: Json, parsed: ParsedId, etag = newEtag()): Json {
  const r = clone(input);
  const id = String(r.id);
  r.name = parsed.name;
  r.type = parsed.type;
  const p = props(r);
  const type = parsed.type.toLowerCase();
  if (type === TYPES.vm.toLowerCase()) {
    r.etag = typeof r.etag === 'string' && !r.etag.startsWith('W/') ? r.etag : '"1"';
    p.vmId ??= randomUUID();
    p.provisioningState ??= 'Succeeded';
    return r;
  }
  r.etag = etag;
  p.provisioningState ??= 'Succeeded';
  if (type === TYPES.routeTable.toLowerCase()) {
    p.resourceGuid ??= randomUUID();
    p.disableBgpRoutePropagation ??= false;
    p.routes = arr(p.routes).map((route) => fillRoute(route, id, etag));
    delete p.subnets; // computed on read from the subnets that reference the table
  } else if (type === TYPES.vnet.toLowerCase()) {
    p.resourceGuid ??= randomUUID();
    p.subnets = arr(p.subnets).map((s) => fillSubnet(s, id, etag));
    p.virtualNetworkPeerings = arr(p.virtualNetworkPeerings).map((v) => fillPeering(v, id, etag));
    p.enableDdosProtection ??= false;
  } else if (type === TYPES.nic.toLowerCase()) {
    p.resourceGuid ??= randomUUID();
    p.enableIPForwarding ??= false;
    p.enableAcceleratedNetworking ??= false;
    p.ipConfigurations = arr(p.ipConfigurations).map((c, i) => {
      const cfg = clone(c);
      const name = String(cfg.name);
      cfg.id = `${id}/ipConfigurations/${name}`;
      cfg.etag = etag;
      cfg.type = TYPES.ipConfig;
      const cp = props(cfg);
      cp.provisioningState = 'Succeeded';
      cp.privateIPAllocationMethod ??= 'Dynamic';
      cp.privateIPAddressVersion ??= String(cp.privateIPAddress ?? '').includes(':') ? 'IPv6' : 'IPv4';
      cp.primary ??= i === 0;
      return cfg;
    });
  }
  return r;
}

export function fillRoute(input: Json, tableId: string, etag: string, state = 'Succeeded'): Json {
  const route = clone(input);
  const name = String(route.name);
  const p = obj(route.properties);
  const out: Json = {
    name,
    id: `${tableId}/routes/${name}`,
    etag,
    properties: {
      provisioningState: state,
      addressPrefix: p.addressPrefix,
      nextHopType: p.nextHopType,
      ...(p.nextHopIpAddress !== undefined && p.nextHopIpAddress !== null
        ? { nextHopIpAddress: p.nextHopIpAddress }
        : {}),
      hasBgpOverride: false,
    },
    type: TYPES.route,
  };
  return out;
}

export function fillSubnet(input: Json, vnetId: string, etag: string, state = 'Succeeded'): Json {
  const s = clone(input);
  const name = String(s.name);
  const p = { ...obj(s.properties) };
  for (const k of ['provisioningState', 'ipConfigurations', 'purpose']) delete p[k];
  p.provisioningState = state;
  p.privateEndpointNetworkPolicies ??= 'Disabled';
  p.privateLinkServiceNetworkPolicies ??= 'Enabled';
  return { name, id: `${vnetId}/subnets/${name}`, etag, properties: p, type: TYPES.subnet };
}

/**
 * A virtual network peering as stored inline in its vnet (virtualNetwork.json VirtualNetworkPeeringPropertiesFormat):
 * `allowForwardedTraffic`, `allowGatewayTransit` and `useRemoteGateways` are off unless set, and
 * `allowVirtualNetworkAccess` is on (the spec's and the portal's defaults). `peeringState` is computed on read
 * (network/peerings.ts) unless the world sets it.
 */
function fillPeering(input: Json, vnetId: string, etag: string): Json {
  const v = clone(input);
  const name = String(v.name);
  const p = { ...obj(v.properties) };
  p.provisioningState = 'Succeeded';
  p.allowVirtualNetworkAccess ??= true;
  p.allowForwardedTraffic ??= false;
  p.allowGatewayTransit ??= false;
  p.useRemoteGateways ??= false;
  return { name, id: `${vnetId}/virtualNetworkPeerings/${name}`, etag, properties: p, type: TYPES.peering };
}

/** Groups are keyed by subscription and name: two subscriptions may each have a group of the same name. */
const groupKey = (subscriptionId: string, name: string) => `${subscriptionId}/${name}`.toLowerCase();

export class Store {
  /** The primary subscription (the world file's subscriptionId). */
  readonly subscriptionId: string;
  /** Every subscription of the world, the primary first. */
  readonly subscriptionIds: readonly string[];
  readonly tenantId: string;
  private groups = new Map<string, ResourceGroup>();
  private resources = new Map<string, Json>();

  constructor(private readonly world: WorldFile) {
    this.subscriptionId = world.subscriptionId;
    this.subscriptionIds = worldSubscriptionIds(world);
    this.tenantId = world.tenantId ?? '72f988bf-86f1-41af-91ab-2d7cd011db47';
    this.reset();
  }

  /** The world's spelling of a subscription id, or undefined when the world has no such subscription. */
  subscription(id: string): string | undefined {
    return this.subscriptionIds.find((sub) => sub.toLowerCase() === id.toLowerCase());
  }

  reset(): void {
    this.groups.clear();
    this.resources.clear();
    for (const g of this.world.resourceGroups ?? []) {
      const rg: ResourceGroup =
        typeof g === 'string'
          ? { name: g, location: '', subscriptionId: this.subscriptionId }
          : {
              location: '',
              ...g,
              subscriptionId: this.subscription(g.subscriptionId ?? this.subscriptionId)!,
            };
      this.groups.set(groupKey(rg.subscriptionId, rg.name), rg);
    }
    for (const r of this.world.resources) this.upsert(r);
    // A NIC attached to a VM shows the VM's id, as ARM does.
    for (const vm of this.list(TYPES.vm)) {
      for (const ref of arr(obj(obj(vm.properties).networkProfile).networkInterfaces)) {
        const nic = this.resources.get(String(ref.id).toLowerCase());
        if (nic) props(nic).virtualMachine ??= { id: vm.id };
      }
    }
  }

  /** Stores a top-level resource (GET shape), filling in what ARM fills; creates its resource group if needed. */
  upsert(resource: Json, etag?: string): Json {
    const parsed = parseTopLevelId(String(resource.id));
    if (!parsed) throw new Error(`not a top-level ARM resource id: ${String(resource.id)}`);
    const subscriptionId = this.subscription(parsed.subscriptionId) ?? parsed.subscriptionId;
    const key = groupKey(subscriptionId, parsed.resourceGroup);
    const location = typeof resource.location === 'string' ? resource.location : '';
    const group = this.groups.get(key);
    if (!group) this.groups.set(key, { name: parsed.resourceGroup, location, subscriptionId });
    else if (!group.location) group.location = location;
    const filled = fillResource(resource, parsed, etag);
    // Keep the stored id's canonical casing: `/subscriptions/{sub}/resourceGroups/{rg}/providers/...`
    filled.id = `/subscriptions/${subscriptionId}/resourceGroups/${(group ?? this.groups.get(key))!.name}/providers/${parsed.type}/${parsed.name}`;
    return this.set(filled);
  }

  /** Stores an already-filled resource as-is. */
  set(resource: Json): Json {
    this.resources.set(String(resource.id).toLowerCase(), resource);
    return resource;
  }

  get(id: string): Json | undefined {
    return this.resources.get(id.toLowerCase());
  }

  delete(id: string): boolean {
    return this.resources.delete(id.toLowerCase());
  }

  /** A resource group of the subscription (default: the primary one). */
  group(name: string, subscriptionId = this.subscriptionId): ResourceGroup | undefined {
    return this.groups.get(groupKey(subscriptionId, name));
  }

  /** The groups of one subscription, or of all when none is given. */
  groupList(subscriptionId?: string): ResourceGroup[] {
    const all = [...this.groups.values()];
    return subscriptionId === undefined
      ? all
      : all.filter((g) => g.subscriptionId.toLowerCase() === subscriptionId.toLowerCase());
  }

  /**
   * The resources of a type: in one group (of `subscriptionId`, default the primary), in one subscription
   * (no group), or everywhere (neither).
   */
  list(type: string, resourceGroup?: string, subscriptionId?: string): Json[] {
    const t = type.toLowerCase();
    const rg = resourceGroup?.toLowerCase();
    const sub = (subscriptionId ?? (rg ? this.subscriptionId : undefined))?.toLowerCase();
    return [...this.resources.values()].filter((r) => {
      if (String(r.type).toLowerCase() !== t) return false;
      const parsed = parseTopLevelId(String(r.id));
      if (sub !== undefined && parsed?.subscriptionId.toLowerCase() !== sub) return false;
      return rg === undefined || parsed?.resourceGroup.toLowerCase() === rg;
    });
  }

  /** The subnets whose `routeTable.id` points at the table, as `[{id}]` (ARM's read-only `subnets`). */
  subnetsReferencing(tableId: string): Json[] {
    const key = tableId.toLowerCase();
    const out: Json[] = [];
    for (const vnet of this.list(TYPES.vnet)) {
      for (const s of arr(props(vnet).subnets)) {
        const ref = obj(obj(s.properties).routeTable).id;
        if (typeof ref === 'string' && ref.toLowerCase() === key) out.push({ id: s.id });
      }
    }
    return out;
  }

  /** GET shape of a stored resource: a copy, with computed read-only fields. */
  view(resource: Json): Json {
    const r = clone(resource);
    // A VM's instance view (power state) is only shown on request: src/emulator/compute/power.ts.
    if (String(r.type).toLowerCase() === TYPES.vm.toLowerCase()) delete props(r).instanceView;
    if (String(r.type).toLowerCase() === TYPES.routeTable.toLowerCase()) {
      const subnets = this.subnetsReferencing(String(r.id));
      if (subnets.length > 0) props(r).subnets = subnets;
    }
    if (String(r.type).toLowerCase() === TYPES.vnet.toLowerCase())
      props(r).virtualNetworkPeerings = arr(props(r).virtualNetworkPeerings).map((v) =>
        this.peeringView(v, String(r.id)),
      );
    return r;
  }

  /**
   * A peering as ARM shows it: `Connected` only when the remote vnet exists and peers back to this one,
   * `Initiated` while only this side exists (virtual-network-manage-peering.md), unless the world set a state
   * (e.g. `Disconnected`: the remote side was deleted and re-created); the remote's address space as it is now.
   */
  peeringView(peering: Json, vnetId: string): Json {
    const v = clone(peering);
    const p = props(v);
    const remoteId = obj(p.remoteVirtualNetwork).id;
    const remote = typeof remoteId === 'string' ? this.get(remoteId) : undefined;
    const peersBack = arr(obj(remote?.properties).virtualNetworkPeerings).some(
      (back) =>
        String(obj(obj(back.properties).remoteVirtualNetwork).id).toLowerCase() === vnetId.toLowerCase(),
    );
    p.peeringState ??= peersBack ? 'Connected' : 'Initiated';
    p.peeringSyncLevel ??= peersBack ? 'FullyInSync' : 'RemoteNotInSync';
    if (remote) {
      p.remoteAddressSpace = clone(obj(obj(remote.properties).addressSpace));
      p.remoteVirtualNetworkAddressSpace = clone(obj(obj(remote.properties).addressSpace));
    }
    return v;
  }
}
