// The world file: the ARM resources the emulator starts with, in their GET shape. Validated with zod so that
// a bad file is refused with a message naming the resource and the field.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';
import { scaleSetSchema } from './compute/scale-set-schema.js';
import { checkProviderSettings, type ProviderSetting } from './provider-settings.js';

export type Json = Record<string, unknown>;

/** A resource group of the world file: a name (in the primary subscription), or its details. */
type WorldResourceGroup =
  | string
  | { name: string; location?: string; tags?: Record<string, string>; subscriptionId?: string };

export interface WorldFile {
  /** The primary subscription: the default of every resource group and of the identity's login. */
  subscriptionId: string;
  /** More subscriptions of the same tenant (a fleet, or a cluster over several subscriptions). */
  subscriptions?: Array<{ subscriptionId: string; displayName?: string }>;
  tenantId?: string;
  resourceGroups?: WorldResourceGroup[];
  resources: Json[];
  faults?: unknown[];
  /** Deployed Functions (src/emulator/functionapps.ts): resource id and the local URL delivery posts to. */
  functions?: Array<{ resourceId: string; url?: string }>;
  /** Routes gateways learned over BGP (see src/emulator/network/effective-routes.ts). */
  learnedRoutes?: Array<{ gateway: string; network: string; nextHop: string }>;
  /** Delay (ms) before a network change reaches NICs' effective routes (network/propagation.ts); default 0. */
  routePropagationMs?: number;
  /** Resource provider registration (src/emulator/providers.ts); unlisted namespaces are registered. */
  resourceProviders?: ProviderSetting[];
  /** How long writes take (ms): Event Grid topic/subscription operations, provider (un)registration. */
  writeDelays?: { eventGridMs?: number; providerRegistrationMs?: number };
  /** Blob containers (resource ids `{storage account id}/blobServices/default/containers/{name}`). */
  blobContainers?: string[];
}

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/iu;
const tags = z.record(z.string(), z.string());
const subResource = z.object({ id: z.string().min(1, 'expected a resource id') }).loose();
const ipAddress = z.string().refine((s) => isIP(s) !== 0, { message: 'expected an IPv4 or IPv6 address' });

const vmSchema = z
  .object({
    location: z.string().min(1),
    tags: tags.optional(),
    properties: z
      .object({
        networkProfile: z
          .object({
            networkInterfaces: z.array(
              z
                .object({
                  id: z.string().min(1),
                  properties: z.object({ primary: z.boolean() }).loose().optional(),
                })
                .loose(),
            ),
          })
          .loose(),
      })
      .loose(),
  })
  .loose();

const nicSchema = z
  .object({
    location: z.string().min(1),
    tags: tags.optional(),
    properties: z
      .object({
        enableIPForwarding: z.boolean().optional(),
        virtualMachine: subResource.optional(),
        ipConfigurations: z
          .array(
            z
              .object({
                name: z.string().min(1),
                properties: z
                  .object({
                    privateIPAddress: ipAddress,
                    primary: z.boolean().optional(),
                    subnet: subResource.optional(),
                  })
                  .loose(),
              })
              .loose(),
          )
          .min(1, 'expected at least one ip configuration'),
      })
      .loose(),
  })
  .loose();

const vnetSchema = z
  .object({
    location: z.string().min(1),
    tags: tags.optional(),
    properties: z
      .object({
        addressSpace: z.object({ addressPrefixes: z.array(z.string()) }).loose(),
        subnets: z
          .array(
            z
              .object({
                name: z.string().min(1),
                properties: z
                  .object({
                    addressPrefix: z.string().optional(),
                    addressPrefixes: z.array(z.string()).optional(),
                    routeTable: subResource.optional(),
                  })
                  .loose(),
              })
              .loose(),
          )
          .optional(),
        virtualNetworkPeerings: z
          .array(
            z
              .object({
                name: z.string().min(1),
                properties: z
                  .object({
                    remoteVirtualNetwork: subResource,
                    peeringState: z.enum(['Initiated', 'Connected', 'Disconnected']).optional(),
                    allowVirtualNetworkAccess: z.boolean().optional(),
                    allowForwardedTraffic: z.boolean().optional(),
                    allowGatewayTransit: z.boolean().optional(),
                    useRemoteGateways: z.boolean().optional(),
                  })
                  .loose(),
              })
              .loose(),
          )
          .optional(),
      })
      .loose(),
  })
  .loose();

const routeSchema = z
  .object({
    name: z.string().min(1),
    properties: z
      .object({
        addressPrefix: z.string().min(1),
        nextHopType: z.enum(['VirtualNetworkGateway', 'VnetLocal', 'Internet', 'VirtualAppliance', 'None']),
        nextHopIpAddress: ipAddress.optional(),
      })
      .loose(),
  })
  .loose();

const routeTableSchema = z
  .object({
    location: z.string().min(1),
    tags: tags.optional(),
    properties: z
      .object({ disableBgpRoutePropagation: z.boolean().optional(), routes: z.array(routeSchema).optional() })
      .loose()
      .optional(),
  })
  .loose();

const genericSchema = z.object({ location: z.string().optional(), tags: tags.optional() }).loose();

const resourceSchemas: Record<string, z.ZodType> = {
  'microsoft.compute/virtualmachines': vmSchema,
  'microsoft.network/networkinterfaces': nicSchema,
  'microsoft.network/virtualnetworks': vnetSchema,
  'microsoft.network/routetables': routeTableSchema,
  'microsoft.compute/virtualmachinescalesets': scaleSetSchema,
};

const topLevelId =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/([^/]+)\/([^/]+)\/([^/]+)$/iu;

const worldSchema = z.object({
  subscriptionId: z.string().regex(guid, 'expected a subscription id in GUID form'),
  subscriptions: z
    .array(
      z.object({
        subscriptionId: z.string().regex(guid, 'expected a subscription id in GUID form'),
        displayName: z.string().min(1).optional(),
      }),
    )
    .optional(),
  tenantId: z.string().regex(guid, 'expected a tenant id in GUID form').optional(),
  resourceGroups: z
    .array(
      z.union([
        z.string().min(1),
        z.object({
          name: z.string().min(1),
          location: z.string().optional(),
          tags: tags.optional(),
          subscriptionId: z.string().regex(guid, 'expected a subscription id in GUID form').optional(),
        }),
      ]),
    )
    .optional(),
  resources: z.array(z.object({ id: z.string().min(1, 'expected a resource id') }).loose()),
  faults: z.array(z.unknown()).optional(),
  functions: z.array(z.object({ resourceId: z.string(), url: z.string().optional() })).optional(),
  learnedRoutes: z
    .array(
      z.object({
        gateway: z.string().min(1, 'expected the id of a virtual network gateway'),
        network: z.string().refine((s) => /^[^/\s]+\/\d{1,3}$/u.test(s) && isIP(s.split('/')[0]!) !== 0, {
          message: 'expected the advertised prefix as a CIDR such as 10.200.1.0/25',
        }),
        nextHop: ipAddress,
      }),
    )
    .optional(),
  routePropagationMs: z
    .number()
    .int('expected a whole number of milliseconds')
    .min(0, 'expected a whole number of milliseconds (0 or more)')
    .optional(),
  resourceProviders: z
    .array(
      z.object({
        subscriptionId: z.string().regex(guid, 'expected a subscription id in GUID form').optional(),
        namespace: z
          .string()
          .regex(/^[A-Za-z0-9]+\.[A-Za-z0-9.]+$/u, 'expected a namespace such as Microsoft.EventGrid'),
        registrationState: z.enum(['Registered', 'NotRegistered']),
      }),
    )
    .optional(),
  writeDelays: z
    .object({
      eventGridMs: z.number().int().min(0).max(600_000).optional(),
      providerRegistrationMs: z.number().int().min(0).max(600_000).optional(),
    })
    .strict()
    .optional(),
  blobContainers: z
    .array(
      z
        .string()
        .regex(
          /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Storage\/storageAccounts\/[^/]+\/blobServices\/default\/containers\/[^/]+$/iu,
          'expected {storage account id}/blobServices/default/containers/{name}',
        ),
    )
    .optional(),
});

export class WorldError extends Error {}

function formatIssues(prefix: string, error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
      return `${prefix}${path.replace(/^\./u, '') ? ` field '${path.replace(/^\./u, '')}'` : ''}: ${issue.message}`;
    })
    .join('; ');
}

export interface ParsedId {
  subscriptionId: string;
  resourceGroup: string;
  provider: string;
  type: string; // e.g. Microsoft.Network/routeTables
  name: string;
}

export function parseTopLevelId(id: string): ParsedId | undefined {
  const m = topLevelId.exec(id);
  if (!m) return undefined;
  return {
    subscriptionId: m[1]!,
    resourceGroup: m[2]!,
    provider: m[3]!,
    type: `${m[3]}/${m[4]}`,
    name: m[5]!,
  };
}

/** Every subscription of the world, the primary first. */
export function worldSubscriptionIds(world: Pick<WorldFile, 'subscriptionId' | 'subscriptions'>): string[] {
  const ids = [world.subscriptionId, ...(world.subscriptions ?? []).map((s) => s.subscriptionId)];
  return ids.filter((id, i) => ids.findIndex((other) => other.toLowerCase() === id.toLowerCase()) === i);
}

/**
 * Validates one resource (GET shape) and returns the parsed id; throws WorldError naming resource and field.
 * `subscriptionIds`: the subscriptions the resource may live in.
 */
export function validateResource(
  resource: Json,
  where: string,
  subscriptionIds?: string | readonly string[],
): ParsedId {
  const id = resource.id;
  if (typeof id !== 'string')
    throw new WorldError(`${where}: field 'id': expected an ARM resource id string`);
  const parsed = parseTopLevelId(id);
  if (!parsed)
    throw new WorldError(
      `${where} (${id}): field 'id': expected /subscriptions/{sub}/resourceGroups/{rg}/providers/{namespace}/{type}/{name}`,
    );
  const allowed = typeof subscriptionIds === 'string' ? [subscriptionIds] : subscriptionIds;
  if (allowed && !allowed.some((sub) => sub.toLowerCase() === parsed.subscriptionId.toLowerCase()))
    throw new WorldError(
      `${where} (${id}): field 'id': subscription '${parsed.subscriptionId}' differs from the world's subscriptionId '${allowed[0]}' and is not among its subscriptions (${allowed.join(', ')})`,
    );
  if (resource.type !== undefined && String(resource.type).toLowerCase() !== parsed.type.toLowerCase())
    throw new WorldError(
      `${where} (${id}): field 'type': expected '${parsed.type}' (from the id), got '${String(resource.type)}'`,
    );
  if (resource.name !== undefined && String(resource.name).toLowerCase() !== parsed.name.toLowerCase())
    throw new WorldError(
      `${where} (${id}): field 'name': expected '${parsed.name}' (from the id), got '${String(resource.name)}'`,
    );
  const schema = resourceSchemas[parsed.type.toLowerCase()] ?? genericSchema;
  const result = schema.safeParse(resource);
  if (!result.success) throw new WorldError(formatIssues(`${where} (${id})`, result.error));
  return parsed;
}

function parseWorld(input: unknown, source = 'world'): WorldFile {
  const result = worldSchema.safeParse(input);
  if (!result.success) throw new WorldError(formatIssues(source, result.error));
  const world = result.data as WorldFile;
  const subscriptionIds = worldSubscriptionIds(world);
  world.resources.forEach((r, i) => {
    validateResource(r, `${source}: resources[${i}]`, subscriptionIds);
  });
  (world.resourceGroups ?? []).forEach((g, i) => {
    const sub = typeof g === 'string' ? undefined : g.subscriptionId;
    if (sub !== undefined && !subscriptionIds.some((s) => s.toLowerCase() === sub.toLowerCase()))
      throw new WorldError(
        `${source}: resourceGroups[${i}] field 'subscriptionId': '${sub}' is not among the world's subscriptions (${subscriptionIds.join(', ')})`,
      );
  });
  checkReferences(world, source);
  checkLearnedRoutes(world, source);
  try {
    checkProviderSettings(world.resourceProviders ?? [], `${source}: resourceProviders`);
  } catch (err) {
    throw new WorldError((err as Error).message);
  }
  return world;
}

/** References ARM would never let dangle: a subnet's route table, NSG and NAT gateway, a VM's NICs. */
function checkReferences(world: WorldFile, source: string): void {
  const ids = new Set(world.resources.map((r) => String(r.id).toLowerCase()));
  const byId = new Map(world.resources.map((r) => [String(r.id).toLowerCase(), r]));
  world.resources.forEach((r, i) => {
    const type = String(parseTopLevelId(String(r.id))?.type).toLowerCase();
    const p = (r.properties ?? {}) as Json;
    const where = `${source}: resources[${i}] (${String(r.id)})`;
    if (type === 'microsoft.network/virtualnetworks') {
      ((p.subnets ?? []) as Json[]).forEach((s, j) => {
        for (const [field, what] of [
          ['routeTable', 'route table'],
          ['networkSecurityGroup', 'network security group'],
          ['natGateway', 'NAT gateway'],
        ] as const) {
          const ref = ((s.properties as Json | undefined)?.[field] as Json | undefined)?.id;
          if (typeof ref === 'string' && !ids.has(ref.toLowerCase()))
            throw new WorldError(
              `${where} field 'properties.subnets[${j}].properties.${field}.id': ${what} ${ref} is not among the world's resources`,
            );
        }
        checkTableRegion(r, s, byId, `${where} field 'properties.subnets[${j}].properties.routeTable.id'`);
      });
    }
    if (type === 'microsoft.compute/virtualmachinescalesets') checkScaleSetSubnets(r, where, world);
    if (type === 'microsoft.compute/virtualmachines') {
      const nics = ((p.networkProfile as Json | undefined)?.networkInterfaces ?? []) as Json[];
      nics.forEach((n, j) => {
        if (!ids.has(String(n.id).toLowerCase()))
          throw new WorldError(
            `${where} field 'properties.networkProfile.networkInterfaces[${j}].id': network interface ${String(n.id)} is not among the world's resources`,
          );
      });
    }
  });
}

/** Azure associates a route table only with subnets of its own region and subscription (manage-route-table). */
function checkTableRegion(vnet: Json, subnet: Json, byId: Map<string, Json>, where: string): void {
  const ref = ((subnet.properties as Json | undefined)?.routeTable as Json | undefined)?.id;
  const table = typeof ref === 'string' ? byId.get(ref.toLowerCase()) : undefined;
  if (!table) return;
  const region = (r: Json) => String(r.location).replace(/\s+/gu, '').toLowerCase();
  const sub = (r: Json) => parseTopLevelId(String(r.id))?.subscriptionId.toLowerCase();
  if (region(table) !== region(vnet) || sub(table) !== sub(vnet))
    throw new WorldError(
      `${where}: route table ${String(ref)} (${String(table.location)}) is not in the region and subscription of its virtual network (${String(vnet.location)}); Azure associates a table only with subnets of its own region and subscription`,
    );
}

/** A scale set's network profile names subnets ARM would not let dangle: their virtual network must exist. */
function checkScaleSetSubnets(r: Json, where: string, world: WorldFile): void {
  const vnets = new Map(world.resources.map((x) => [String(x.id).toLowerCase(), x]));
  const profile = ((r.properties as Json).virtualMachineProfile as Json | undefined)?.networkProfile as
    | Json
    | undefined;
  ((profile?.networkInterfaceConfigurations ?? []) as Json[]).forEach((cfg, i) => {
    (((cfg.properties as Json).ipConfigurations ?? []) as Json[]).forEach((ipc, j) => {
      const id = String(((ipc.properties as Json).subnet as Json).id);
      const m = /^(.*)\/subnets\/([^/]+)$/iu.exec(id);
      const subnets = ((vnets.get(m?.[1]?.toLowerCase() ?? '')?.properties as Json | undefined)?.subnets ??
        []) as Json[];
      if (!m || !subnets.some((s) => String(s.name).toLowerCase() === m[2]!.toLowerCase()))
        throw new WorldError(
          `${where} field 'properties.virtualMachineProfile.networkProfile.networkInterfaceConfigurations[${i}].properties.ipConfigurations[${j}].properties.subnet.id': subnet ${id} is not among the world's virtual networks`,
        );
    });
  });
}

/** A learned route names a gateway that the world holds. */
function checkLearnedRoutes(world: WorldFile, source: string): void {
  const gateways = new Set(
    world.resources
      .filter(
        (r) =>
          parseTopLevelId(String(r.id))?.type.toLowerCase() === 'microsoft.network/virtualnetworkgateways',
      )
      .map((r) => String(r.id).toLowerCase()),
  );
  (world.learnedRoutes ?? []).forEach((l, i) => {
    if (!gateways.has(l.gateway.toLowerCase()))
      throw new WorldError(
        `${source}: learnedRoutes[${i}] field 'gateway': ${l.gateway} is not a Microsoft.Network/virtualNetworkGateways resource of the world`,
      );
  });
}

export function loadWorld(world: WorldFile | string): WorldFile {
  if (typeof world !== 'string') return parseWorld(structuredClone(world));
  let text: string;
  try {
    text = readFileSync(world, 'utf8');
  } catch (err) {
    throw new WorldError(`world file ${world}: cannot be read: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new WorldError(`world file ${world}: is not valid JSON: ${(err as Error).message}`);
  }
  return parseWorld(json, `world file ${world}`);
}

export const newEtag = (): string => `W/"${randomUUID()}"`;
