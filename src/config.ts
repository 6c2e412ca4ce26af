// The one settings schema: the same names as the Function app settings; CLI flags mirror them.
import { isIP } from 'node:net';
import { z } from 'zod';
import { parseCidr } from './core/cidr.js';

const PUBLIC_CLOUD_ARM_ENDPOINT = 'https://management.azure.com';

/**
 * User-defined routes per route table in public Azure: 1,000 since 2026 (400 before; MicrosoftDocs/azure-docs
 * #128572, #128759). Sovereign clouds may lag: MAX_ROUTES_PER_TABLE lowers it.
 */
const AZURE_MAX_ROUTES_PER_TABLE = 1000;

/** Azure resource group / resource names: letters, digits and the punctuation ARM allows. */
const resourceName = (what: string) =>
  z
    .string({ error: `expected ${what}` })
    .trim()
    .min(1, `expected ${what}, got an empty value`)
    .max(90, `expected ${what} of at most 90 characters`)
    .regex(/^[\w.()-]+$/u, `expected ${what} (letters, digits, '-', '_', '.', '(' or ')')`);

const uuid = z
  .string({ error: 'expected a subscription id (a GUID)' })
  .trim()
  .regex(
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/iu,
    'expected a subscription id (a GUID such as 00000000-0000-0000-0000-000000000000)',
  );

const clusterCidrList = z
  .string({ error: 'expected one CIDR, or an IPv4 and an IPv6 CIDR separated by a comma' })
  .transform((raw, ctx) => {
    const parts = raw
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p.length > 0);
    if (parts.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'expected at least one CIDR such as 10.200.0.0/16' });
      return z.NEVER;
    }
    const cidrs: string[] = [];
    const families = new Set<number>();
    for (const part of parts) {
      const parsed = parseCidr(part);
      if (!parsed.ok) {
        ctx.addIssue({ code: 'custom', message: `'${part}' is not a valid CIDR: ${parsed.reason}` });
        return z.NEVER;
      }
      if (parsed.prefixLength === 0) {
        ctx.addIssue({
          code: 'custom',
          message: `'${part}' would claim every address; expected the cluster's pod range`,
        });
        return z.NEVER;
      }
      if (families.has(parsed.family)) {
        ctx.addIssue({
          code: 'custom',
          message: `expected at most one IPv${parsed.family} CIDR, got several`,
        });
        return z.NEVER;
      }
      families.add(parsed.family);
      cidrs.push(parsed.cidr);
    }
    return cidrs;
  });

/** Event Grid waits 30 s for the function's answer; the event invocation answers within this plus the flush. */
export const DEFAULT_EVENT_RUN_TIMEOUT_MS = 20_000;
const MIN_EVENT_RUN_TIMEOUT_MS = 100;
/** 22 s + the 3 s flush bound leaves 5 s of the 30 s for the host, the network and a cold start. */
export const MAX_EVENT_RUN_TIMEOUT_MS = 22_000;
/** Upper bound of the telemetry flush at the end of an event invocation. */
export const EVENT_FLUSH_TIMEOUT_MS = 3_000;

const booleanSetting = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false'], { error: "expected 'true' or 'false'" }))
  .transform((v) => v === 'true');

/** A setting holding a whole number written in decimal digits (`digits` limits how many), `message` if not. */
const wholeNumber = (message: string, digits = /^\d+$/u) =>
  z.string().trim().regex(digits, message).transform(Number);

const settingsSchema = z.object({
  CLUSTER_NAME: z
    .string()
    .trim()
    .regex(/^[a-z0-9-]{1,63}$/u, "expected a cluster name of 1 to 63 lower-case letters, digits or '-'")
    .default('default'),
  AZURE_SUBSCRIPTION_ID: uuid,
  CLUSTER_RESOURCE_GROUP: resourceName('the resource group of the cluster VMs and NICs'),
  ROUTE_TABLE_RESOURCE_GROUP: resourceName('the resource group of the route table').optional(),
  ROUTE_TABLE_NAME: resourceName('a route table name').default('kubernetes-routes'),
  VNET_NAME: resourceName('the virtual network name'),
  VNET_RESOURCE_GROUP: resourceName('the resource group of the virtual network').optional(),
  SUBNET_NAME: resourceName('the subnet name'),
  CLUSTER_CIDR: clusterCidrList,
  POD_CIDR_TAG: z
    .string()
    .trim()
    .min(1, 'expected a VM tag name such as pod-cidr')
    .max(512, 'expected a tag name of at most 512 characters')
    .default('pod-cidr'),
  ROUTE_NAME_PREFIX: z
    .string()
    .trim()
    .min(1, 'expected a route name prefix such as kubernetes-route-')
    .max(60, 'expected a route name prefix of at most 60 characters')
    .regex(/^[A-Za-z0-9][\w.-]*$/u, "expected a route name prefix of letters, digits, '-', '_' or '.'")
    .default('kubernetes-route-'),
  REMEDIATION_MODE: z
    .enum(['enforce', 'report'], { error: "expected 'enforce' or 'report'" })
    .default('enforce'),
  MAX_ROUTE_DELETIONS: wholeNumber("expected a whole number of routes (0 or more), or 'auto'")
    .or(z.literal('auto'))
    .default('auto'),
  MAX_ROUTES_PER_TABLE: wholeNumber(
    `expected a whole number of routes from 1 to ${AZURE_MAX_ROUTES_PER_TABLE}`,
  )
    .refine(
      (n) => n >= 1 && n <= AZURE_MAX_ROUTES_PER_TABLE,
      `expected a whole number of routes from 1 to ${AZURE_MAX_ROUTES_PER_TABLE} (Azure's limit of user-defined routes per table; lower it where a cloud still has the old limit of 400)`,
    )
    .default(AZURE_MAX_ROUTES_PER_TABLE),
  REPAIR_IP_FORWARDING: booleanSetting.default(false),
  VERIFY_SAMPLE_SIZE: wholeNumber(
    'expected a whole number of workers (0 turns verification off)',
    /^\d{1,4}$/u,
  ).default(0),
  ARM_ENDPOINT: z
    .url({ error: 'expected an https:// URL such as https://management.azure.com' })
    .refine((u) => u.startsWith('https://'), 'expected an https:// URL (the Azure SDK refuses plain http)')
    .transform((u) => u.replace(/\/+$/u, ''))
    .default(PUBLIC_CLOUD_ARM_ENDPOINT),
  ARM_CA_FILE: z.string().trim().min(1, 'expected a path to a PEM CA file').optional(),
  EVENT_RUN_TIMEOUT_MS: wholeNumber('expected a whole number of milliseconds')
    .refine(
      (ms) => ms >= MIN_EVENT_RUN_TIMEOUT_MS && ms <= MAX_EVENT_RUN_TIMEOUT_MS,
      `expected ${MIN_EVENT_RUN_TIMEOUT_MS} to ${MAX_EVENT_RUN_TIMEOUT_MS} ms: Event Grid waits 30 000 ms for the answer, which also includes the telemetry flush (at most ${EVENT_FLUSH_TIMEOUT_MS} ms) and a margin for the host`,
    )
    .default(DEFAULT_EVENT_RUN_TIMEOUT_MS),
});

/** Every setting the engine reads; the Function app settings and local.settings.sample.json list exactly these. */
export const ENGINE_SETTING_KEYS = Object.keys(settingsSchema.shape) as ReadonlyArray<
  keyof typeof settingsSchema.shape
>;

/** A resource group in a subscription. */
export interface ResourceGroupRef {
  subscriptionId: string;
  resourceGroup: string;
}

/** A subnet, by the ids ARM addresses it with. */
export interface SubnetRef {
  subscriptionId: string;
  resourceGroup: string;
  virtualNetwork: string;
  name: string;
}

/** A route table the cluster keeps, and every subnet it must be associated with. */
export interface RouteTableTarget {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  /** Where to create the table when it is missing; default: its first subnet's vnet location. */
  location?: string;
  /** Every subnet this table must be associated with (Azure: same region and subscription as the table). */
  subnets: SubnetRef[];
}

/** One cluster: where its workers live and the route tables that must each hold every worker's pod route. */
export interface ClusterTopology {
  /** Cluster name, [a-z0-9-]{1,63}. */
  name: string;
  /** Where the worker VMs, NICs and scale sets live. */
  workerGroups: ResourceGroupRef[];
  /** Every table holds every worker's pod route. */
  routeTables: RouteTableTarget[];
}

export interface Config {
  /** The cluster's topology; the single-table settings below describe its one table and subnet. */
  cluster: ClusterTopology;
  subscriptionId: string;
  clusterResourceGroup: string;
  routeTableResourceGroup: string;
  routeTableName: string;
  vnetName: string;
  vnetResourceGroup: string;
  subnetName: string;
  /** Normalised CIDRs, at most one per IP family. */
  clusterCidrs: string[];
  podCidrTag: string;
  routeNamePrefix: string;
  mode: 'enforce' | 'report';
  /** A number, or 'auto' (more than half of the owned routes, when more than one, is refused). */
  maxRouteDeletions: number | 'auto';
  /** Most routes the table may hold after our write (MAX_ROUTES_PER_TABLE). */
  maxRoutesPerTable: number;
  repairIpForwarding: boolean;
  /** Workers whose effective routes the Functions app checks after a repair and on VERIFY_SCHEDULE (0: off). */
  verifySampleSize: number;
  armEndpoint: string;
  armCaFile: string | undefined;
  /**
   * Deadline of an Event Grid invocation (ms): its run's retry budget, and the longest it waits for a run
   * (its own or the one in flight plus the queued follow-up) before answering. The timer keeps 120 s.
   */
  eventRunTimeoutMs: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: Array<{ setting: string; message: string }>) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p.setting}: ${p.message}`).join('\n')}`);
  }
}

/**
 * Validates settings (environment variables or CLI flags under the same names).
 * Empty strings count as unset, as an empty Function app setting does.
 */
export function loadConfig(source: Record<string, string | undefined>): Config {
  const present: Record<string, string> = {};
  for (const key of ENGINE_SETTING_KEYS) {
    const value = source[key];
    if (value !== undefined && value.trim() !== '') present[key] = value;
  }
  const parsed = settingsSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const setting = String(issue.path[0] ?? 'settings');
        const message =
          issue.code === 'invalid_type' && present[setting] === undefined
            ? `is required: ${issue.message}`
            : issue.message;
        return { setting, message };
      }),
    );
  }
  const values = parsed.data;
  const isLoopback = isLoopbackEndpoint(values.ARM_ENDPOINT);
  if (values.ARM_CA_FILE !== undefined && !isLoopback) {
    throw new ConfigError([
      {
        setting: 'ARM_CA_FILE',
        message: `is only for a local (loopback) ARM_ENDPOINT, but ARM_ENDPOINT is ${values.ARM_ENDPOINT}`,
      },
    ]);
  }
  const subscriptionId = values.AZURE_SUBSCRIPTION_ID.toLowerCase();
  const routeTableResourceGroup = values.ROUTE_TABLE_RESOURCE_GROUP ?? values.CLUSTER_RESOURCE_GROUP;
  const vnetResourceGroup = values.VNET_RESOURCE_GROUP ?? values.CLUSTER_RESOURCE_GROUP;
  return {
    cluster: {
      name: values.CLUSTER_NAME,
      workerGroups: [{ subscriptionId, resourceGroup: values.CLUSTER_RESOURCE_GROUP }],
      routeTables: [
        {
          subscriptionId,
          resourceGroup: routeTableResourceGroup,
          name: values.ROUTE_TABLE_NAME,
          subnets: [
            {
              subscriptionId,
              resourceGroup: vnetResourceGroup,
              virtualNetwork: values.VNET_NAME,
              name: values.SUBNET_NAME,
            },
          ],
        },
      ],
    },
    subscriptionId,
    clusterResourceGroup: values.CLUSTER_RESOURCE_GROUP,
    routeTableResourceGroup,
    routeTableName: values.ROUTE_TABLE_NAME,
    vnetName: values.VNET_NAME,
    vnetResourceGroup,
    subnetName: values.SUBNET_NAME,
    clusterCidrs: values.CLUSTER_CIDR,
    podCidrTag: values.POD_CIDR_TAG,
    routeNamePrefix: values.ROUTE_NAME_PREFIX,
    mode: values.REMEDIATION_MODE,
    maxRouteDeletions: values.MAX_ROUTE_DELETIONS,
    maxRoutesPerTable: values.MAX_ROUTES_PER_TABLE,
    repairIpForwarding: values.REPAIR_IP_FORWARDING,
    verifySampleSize: values.VERIFY_SAMPLE_SIZE,
    armEndpoint: values.ARM_ENDPOINT,
    armCaFile: values.ARM_CA_FILE,
    eventRunTimeoutMs: values.EVENT_RUN_TIMEOUT_MS,
  };
}

/** A loopback ARM endpoint (the emulator) needs no Azure login. */
export function isLoopbackEndpoint(endpoint: string): boolean {
  const host = new URL(endpoint).hostname.replace(/^\[|\]$/gu, '');
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}
