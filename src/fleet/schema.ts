// The fleet file (clusters.json): every cluster one deployment keeps, and the settings each may override. This
// zod schema is the one definition: the loader validates with it and schemas/clusters.schema.json (what editors
// complete against) is generated from it (test/fleet/schema.test.ts keeps them equal and regenerates the file).
import { z } from 'zod';

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/u;
/** Resource group and resource names: letters, digits and the punctuation ARM allows. */
const RESOURCE_NAME = /^[\w.()-]{1,90}$/u;

const subscriptionId = z
  .string()
  .regex(GUID, 'expected a subscription id (a GUID such as 00000000-0000-0000-0000-000000000000)')
  .describe('Azure subscription id (GUID).');

const resourceName = (what: string) =>
  z
    .string()
    .regex(RESOURCE_NAME, `expected ${what}: 1 to 90 letters, digits, '-', '_', '.', '(' or ')'`)
    .describe(what);

/** The settings a cluster may override (the app settings of the same meaning in parentheses). */
const clusterSettings = {
  remediationMode: z
    .enum(['enforce', 'report'])
    .describe("REMEDIATION_MODE: 'enforce' repairs drift, 'report' only reports it.")
    .optional(),
  maxRouteDeletions: z
    .union([z.int().min(0), z.literal('auto')])
    .describe("MAX_ROUTE_DELETIONS: most owned routes one run may delete, or 'auto'.")
    .optional(),
  maxRoutesPerTable: z
    .int()
    .min(1)
    .max(1000)
    .describe("MAX_ROUTES_PER_TABLE: most routes a table may hold after a write (Azure's limit: 1,000).")
    .optional(),
  podCidrTag: z
    .string()
    .min(1)
    .max(512)
    .describe("POD_CIDR_TAG: the VM tag holding a worker's pod CIDR.")
    .optional(),
  routeNamePrefix: z
    .string()
    .regex(/^[A-Za-z0-9][\w.-]{0,59}$/u, "expected a route name prefix of letters, digits, '-', '_' or '.'")
    .describe('ROUTE_NAME_PREFIX: names of the routes this cluster owns start with it.')
    .optional(),
  verifySampleSize: z
    .int()
    .min(0)
    .max(9999)
    .describe('VERIFY_SAMPLE_SIZE: workers whose effective routes are checked (0: off).')
    .optional(),
  repairIpForwarding: z
    .boolean()
    .describe("REPAIR_IP_FORWARDING: turn on a worker NIC's IP forwarding when it is off.")
    .optional(),
};

const workerGroup = z
  .object({
    resourceGroup: resourceName('the resource group of worker VMs, NICs and scale sets'),
    subscriptionId: subscriptionId.optional(),
  })
  .strict();

const subnet = z
  .object({
    virtualNetwork: resourceName('the virtual network of the subnet'),
    name: resourceName('the subnet name'),
    resourceGroup: resourceName("the virtual network's resource group (default: the table's)").optional(),
  })
  .strict();

const routeTable = z
  .object({
    name: resourceName('the route table name'),
    resourceGroup: resourceName("the route table's resource group"),
    subscriptionId: subscriptionId.optional(),
    location: z
      .string()
      .regex(/^[a-z0-9]{1,64}$/u, 'expected an Azure region such as westeurope')
      .describe("Region, when the table must be created (default: its first subnet's vnet's).")
      .optional(),
    subnets: z.array(subnet).min(1, 'expected at least one subnet the table must be associated with'),
  })
  .strict();

const cluster = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9-]{1,63}$/u, "expected a cluster name of 1 to 63 lower-case letters, digits or '-'")
      .describe('Cluster name: telemetry dimension, CLI --cluster, drift report ?cluster='),
    subscriptionId,
    clusterCidr: z
      .string()
      .min(1, 'expected the pod range, e.g. 10.200.0.0/16 (or an IPv4 and an IPv6 CIDR, comma-separated)')
      .describe('CLUSTER_CIDR: the pod range; an IPv4 and an IPv6 CIDR separated by a comma for dual stack.'),
    workers: z.array(workerGroup).min(1, 'expected at least one resource group of workers'),
    routeTables: z.array(routeTable).min(1, 'expected at least one route table'),
    ...clusterSettings,
  })
  .strict();

export const fleetFileSchema = z
  .object({
    $schema: z.string().describe('Path or URL of schemas/clusters.schema.json, for editors.').optional(),
    defaults: z
      .object(clusterSettings)
      .strict()
      .describe("Settings of every cluster that does not set its own (the app settings' values otherwise).")
      .optional(),
    // Empty in the committed clusters.json: no fleet, the deployment keeps the one cluster of its settings (the
    // Bicep reads the file at compile time, so it always exists). The loader refuses an empty fleet.
    clusters: z
      .array(cluster)
      .describe(
        'The clusters; empty: no fleet (azd deploys the one cluster of its settings, CLUSTERS_FILE is unset).',
      ),
  })
  .strict()
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.clusters.forEach((c, i) => {
      if (seen.has(c.name))
        ctx.addIssue({
          code: 'custom',
          path: ['clusters', i, 'name'],
          message: `duplicate cluster name '${c.name}'`,
        });
      seen.add(c.name);
    });
  })
  .describe('pod-route-reconciler fleet: the clusters one deployment keeps (CLUSTERS_FILE).');

export type FleetFile = z.infer<typeof fleetFileSchema>;
export type FleetFileCluster = FleetFile['clusters'][number];
export type ClusterSettings = NonNullable<FleetFile['defaults']>;

/** The published JSON Schema of the fleet file. */
export function fleetJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(fleetFileSchema, { target: 'draft-2020-12' }),
    $id: 'https://github.com/pod-route-reconciler/schemas/clusters.schema.json',
    title: 'clusters.json',
  };
}
