// Virtual network peerings (Microsoft.Network/virtualNetworks/{vnet}/virtualNetworkPeerings, azure-rest-api-specs
// virtualNetwork.json VirtualNetworkPeeringPropertiesFormat): the list and GET of a vnet's peerings, each with
// `peeringState` as the store computes it (store.ts peeringView) and its flags. They live inline in their vnet, as
// the vnet's GET returns them. Peerings are the network team's: the emulator serves no peering writes, which
// change only through the world file and the admin API (a whole vnet in GET shape).

import type { ArmContext } from '../context.js';
import { armErrors } from '../errors.js';
import { type ArmReply, type ArmRequest, lower, ok } from '../request.js';
import { arr, obj, props, type Store, TYPES } from '../store.js';
import type { Json } from '../world.js';

interface PeeringTarget {
  parentId: string;
  rg: string;
  parentName: string;
  name: string | undefined;
}

export function handlePeerings(ctx: ArmContext, req: ArmRequest, target: PeeringTarget): ArmReply {
  if (req.method !== 'GET') throw armErrors.notSupported(req.method, req.path);
  const vnet = ctx.store.get(target.parentId);
  if (!vnet) throw armErrors.resourceNotFound(`${TYPES.vnet}/${target.parentName}`, target.rg);
  const vnetId = String(vnet.id);
  const peerings = arr(props(vnet).virtualNetworkPeerings);
  if (target.name === undefined)
    return ctx.page(
      req,
      peerings.map((p) => ctx.store.peeringView(p, vnetId)),
    );
  const name = target.name;
  const peering = peerings.find((p) => lower(String(p.name)) === lower(name));
  if (!peering) throw armErrors.nrpNotFound(`${vnetId}/virtualNetworkPeerings/${name}`);
  return ok(ctx.store.peeringView(peering, vnetId));
}

/** A system route that a peering adds to the NICs of its vnet (effective-routes.ts lists them with the others). */
export interface PeeringRoute {
  source: 'Default';
  prefix: string;
  nextHopType: 'VNetPeering';
}

/**
 * One `VNetPeering` route (source Default) per address range of each peer whose peering is Connected: "Effective
 * routes carry a VNetPeering route per address range of the peer, none for pod CIDRs" (virtual-networks-udr-overview,
 * FIELD-NOTES 7). A peering that is only Initiated or Disconnected carries no traffic and adds no route.
 */
export function peeringRoutes(store: Store, vnet: Json): PeeringRoute[] {
  const vnetId = String(vnet.id);
  const routes: PeeringRoute[] = [];
  for (const peering of arr(props(vnet).virtualNetworkPeerings)) {
    const view = obj(store.peeringView(peering, vnetId).properties);
    if (view.peeringState !== 'Connected') continue;
    for (const range of arr(obj(view.remoteAddressSpace).addressPrefixes))
      routes.push({ source: 'Default', prefix: String(range), nextHopType: 'VNetPeering' });
  }
  return routes;
}
