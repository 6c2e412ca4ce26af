// Virtual networks and subnets: the PUT of one subnet (address prefixes, the route table, NSG and NAT gateway
// it refers to, which must exist), and the reference check a vnet PUT applies to its inline subnets. A subnet
// write also locks the route tables it associates or dissociates, as the network RP does.

import { type ArmContext, startAsyncPut } from '../context.js';
import { armErrors } from '../errors.js';
import {
  type ArmReply,
  type ArmRequest,
  arr,
  bodyObject,
  checkPreconditions,
  clone,
  lower,
  obj,
} from '../request.js';
import { fillSubnet, props, type Store, TYPES } from '../store.js';
import { type Json, newEtag } from '../world.js';
import { putChild, strictCidr } from './route-tables.js';

/** A subnet's single references and the type each must point at (ARM refuses a dangling one). */
const SUBNET_REFERENCES: Array<[string, string]> = [
  ['routeTable', TYPES.routeTable],
  ['networkSecurityGroup', TYPES.nsg],
  ['natGateway', TYPES.natGateway],
];

/**
 * 400 InvalidResourceReference when a subnet refers to a route table, NSG or NAT gateway that is not there, or
 * to a route table of another region or subscription than its vnet's. The rule: "You can only associate a route
 * table to subnets in virtual networks that exist in the same Azure location and subscription as the route
 * table" (learn.microsoft.com virtual-network/manage-route-table). The answer to another region is ARM's
 * not-found reference error, whose message says "both resources are in the same region" (recorded in
 * alan-turing-institute/data-safe-haven#2022 for a route table, MicrosoftDocs/azure-docs#32363); the network RP
 * looks the reference up in the vnet's subscription and region, so another subscription gets the same answer
 * (assumed: no recording of it found; ansible-collections/azure#971 only shows that it is refused).
 */
export function checkSubnetReferences(
  store: Store,
  subnetOrVnetId: string,
  subnets: Json[],
  vnet: Json,
): void {
  for (const s of subnets) {
    for (const [field, type] of SUBNET_REFERENCES) {
      const ref = obj(obj(s.properties)[field]).id;
      if (ref === undefined) continue;
      const target = typeof ref === 'string' ? store.get(ref) : undefined;
      if (!target || lower(String(target.type)) !== lower(type))
        throw armErrors.invalidResourceReference(String(ref), subnetOrVnetId);
      if (type === TYPES.routeTable && !sameRegionAndSubscription(target, vnet))
        throw armErrors.invalidResourceReference(String(ref), subnetOrVnetId);
    }
  }
}

const subscriptionOf = (id: unknown) => lower(/^\/subscriptions\/([^/]+)/iu.exec(String(id))?.[1] ?? '');
const region = (location: unknown) => lower(String(location ?? '').replace(/\s+/gu, ''));

/** A route table and a vnet that Azure lets associate: one location, one subscription. */
function sameRegionAndSubscription(table: Json, vnet: Json): boolean {
  return (
    region(table.location) === region(vnet.location) && subscriptionOf(table.id) === subscriptionOf(vnet.id)
  );
}

function checkSubnetPrefixes(p: Json, subnetId: string): void {
  if (p.addressPrefix === undefined && p.addressPrefixes === undefined)
    throw armErrors.badRequestBody(
      `Subnet ${subnetId} must have properties.addressPrefix or properties.addressPrefixes.`,
    );
  for (const prefix of [p.addressPrefix, ...arr(p.addressPrefixes)].filter((x) => x !== undefined)) {
    if (typeof prefix !== 'string' || !strictCidr(prefix))
      throw armErrors.invalidAddressPrefix(String(prefix), subnetId);
  }
}

export function putSubnet(ctx: ArmContext, req: ArmRequest, vnet: Json, name: string, rg: string): ArmReply {
  const body = bodyObject(req);
  const vnetId = String(vnet.id);
  const existing = arr(props(vnet).subnets).find((s) => lower(String(s.name)) === lower(name));
  const subnetName = existing ? String(existing.name) : name;
  const subnetId = `${vnetId}/subnets/${subnetName}`;
  const p = obj(body.properties);
  const newRef = obj(p.routeTable).id;
  const oldRef = existing ? obj(obj(existing.properties).routeTable).id : undefined;
  const lockKeys = [vnetId, ...[newRef, oldRef].filter((r): r is string => typeof r === 'string')];
  ctx.operations.checkLock(lockKeys);
  checkPreconditions(req, subnetId, existing?.etag as string | undefined);
  checkSubnetPrefixes(p, subnetId);
  checkSubnetReferences(ctx.store, subnetId, [{ properties: p }], vnet);
  if (typeof newRef === 'string') p.routeTable = { id: String(ctx.store.get(newRef)!.id) };
  const prev = clone(vnet);
  const etag = newEtag();
  const filled = fillSubnet({ name: subnetName, properties: p }, vnetId, etag, 'Updating');
  putChild(vnet, 'subnets', existing, filled, etag);
  return startAsyncPut(ctx, req, {
    parent: vnet,
    rg,
    name: 'PutSubnetOperation',
    lockKeys,
    resourceId: subnetId,
    action: 'Microsoft.Network/virtualNetworks/subnets/write',
    prev,
    existed: existing !== undefined,
    body: clone(filled),
  });
}
