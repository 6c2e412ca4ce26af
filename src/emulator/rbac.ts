// RBAC mode: the caller holds one role (a list of actions, as the deployed custom role has them) at the
// subscription or at some resource groups. Every ARM request is authorized for its own action (403
// AuthorizationFailed), and a write for every resource its body links to (403 LinkedAuthorizationFailed: a
// subnet PUT needs join/action on its NSG, route table, NAT gateway, endpoint policies, even unchanged ones; a NIC
// PUT on its subnets, public IPs and NSG). Both tables below are rows: a new operation or reference is one row.
// Error texts: ARM's own wording, as quoted in public issue threads (docs/emulator.md).
import { ArmError } from './errors.js';

export interface RbacSettings {
  /** The role's actions (wildcards `*` allowed, as in role definitions); compared case-insensitively. */
  actions: readonly string[];
  /** Resource groups the role is assigned at (default: the whole subscription). */
  resourceGroups?: readonly string[];
}

/** Requests bearing this token act as a subscription Owner (an operator or a test's setup), never checked. */
export const OWNER_TOKEN = 'arm-emulator-owner';
/** The object id the emulator attributes requests to (it accepts any token). */
export const CALLER_OBJECT_ID = '00000000-0000-0000-0000-0000000e0001';

type Method = 'GET' | 'PUT' | 'PATCH' | 'DELETE' | 'POST';

/**
 * The action ARM authorizes a request with, by method and resource type as the URL spells it (for a POST,
 * the type ends with the action's name). `null`: no action is checked (polling an operation's status).
 */
interface ActionRow {
  method: Method;
  type: string;
  action: string | null;
}

const crud = (type: string): ActionRow[] => [
  { method: 'GET', type, action: `${type}/read` },
  { method: 'PUT', type, action: `${type}/write` },
  { method: 'PATCH', type, action: `${type}/write` },
  { method: 'DELETE', type, action: `${type}/delete` },
];

const ACTION_TABLE: ActionRow[] = [
  {
    method: 'GET',
    type: 'Microsoft.Resources/subscriptions/resourceGroups',
    action: 'Microsoft.Resources/subscriptions/resourceGroups/read',
  },
  ...crud('Microsoft.Resources/tags'),
  ...crud('Microsoft.Compute/virtualMachines'),
  ...crud('Microsoft.Network/networkInterfaces'),
  ...crud('Microsoft.Network/routeTables'),
  ...crud('Microsoft.Network/routeTables/routes'),
  ...crud('Microsoft.Network/virtualNetworks'),
  ...crud('Microsoft.Network/virtualNetworks/subnets'),
  ...crud('Microsoft.Network/virtualNetworks/virtualNetworkPeerings'),
  ...crud('Microsoft.Network/networkSecurityGroups'),
  ...crud('Microsoft.Network/natGateways'),
  ...crud('Microsoft.Network/publicIPAddresses'),
  ...crud('Microsoft.Network/serviceEndpointPolicies'),
  // Scale sets and their instances' NICs (the NIC lists live under the Compute path, served by the Network RP,
  // authorized as Microsoft.Compute actions per the provider operations list).
  ...[
    'Microsoft.Compute/virtualMachineScaleSets',
    'Microsoft.Compute/virtualMachineScaleSets/virtualMachines',
    'Microsoft.Compute/virtualMachineScaleSets/networkInterfaces',
    'Microsoft.Compute/virtualMachineScaleSets/virtualMachines/networkInterfaces',
  ].map((type): ActionRow => ({ method: 'GET', type, action: `${type}/read` })),
  // A VM's instance view (its power state) is an action of its own, apart from the VM's read.
  {
    method: 'GET',
    type: 'Microsoft.Compute/virtualMachines/instanceView',
    action: 'Microsoft.Compute/virtualMachines/instanceView/read',
  },
  {
    method: 'POST',
    type: 'Microsoft.Network/networkInterfaces/effectiveRouteTable',
    action: 'Microsoft.Network/networkInterfaces/effectiveRouteTable/action',
  },
  // Polling a long-running operation needs no action of its own.
  { method: 'GET', type: 'Microsoft.Network/locations/operations', action: null },
  { method: 'GET', type: 'Microsoft.Network/locations/operationResults', action: null },
  { method: 'GET', type: 'Microsoft.Compute/locations/operations', action: null },
  { method: 'GET', type: 'Microsoft.Compute/locations/operationResults', action: null },
];

/** Namespaces whose every operation is checked: an operation missing from the table is refused. */
const CHECKED_NAMESPACES = ['microsoft.network', 'microsoft.compute'];

/**
 * A reference in the body of a PUT of `type` that ARM authorizes as linked: `path` walks the body (`[]`
 * enters every element of an array) to a resource id, which needs `action` on that id's scope.
 */
interface LinkedRow {
  type: string;
  path: string;
  action: string;
}

const SUBNET_LINKS: Array<[string, string]> = [
  ['networkSecurityGroup.id', 'Microsoft.Network/networkSecurityGroups/join/action'],
  ['routeTable.id', 'Microsoft.Network/routeTables/join/action'],
  ['natGateway.id', 'Microsoft.Network/natGateways/join/action'],
  ['serviceEndpointPolicies[].id', 'Microsoft.Network/serviceEndpointPolicies/join/action'],
];

const LINKED_TABLE: LinkedRow[] = [
  ...SUBNET_LINKS.map(([path, action]) => ({
    type: 'Microsoft.Network/virtualNetworks/subnets',
    path: `properties.${path}`,
    action,
  })),
  ...SUBNET_LINKS.map(([path, action]) => ({
    type: 'Microsoft.Network/virtualNetworks',
    path: `properties.subnets[].properties.${path}`,
    action,
  })),
  {
    type: 'Microsoft.Network/virtualNetworks',
    path: 'properties.ddosProtectionPlan.id',
    action: 'Microsoft.Network/ddosProtectionPlans/join/action',
  },
  {
    type: 'Microsoft.Network/networkInterfaces',
    path: 'properties.networkSecurityGroup.id',
    action: 'Microsoft.Network/networkSecurityGroups/join/action',
  },
  ...[
    ['subnet.id', 'Microsoft.Network/virtualNetworks/subnets/join/action'],
    ['publicIPAddress.id', 'Microsoft.Network/publicIPAddresses/join/action'],
    [
      'loadBalancerBackendAddressPools[].id',
      'Microsoft.Network/loadBalancers/backendAddressPools/join/action',
    ],
    ['loadBalancerInboundNatRules[].id', 'Microsoft.Network/loadBalancers/inboundNatRules/join/action'],
    [
      'applicationSecurityGroups[].id',
      'Microsoft.Network/applicationSecurityGroups/joinIpConfiguration/action',
    ],
  ].map(([path, action]) => ({
    type: 'Microsoft.Network/networkInterfaces',
    path: `properties.ipConfigurations[].properties.${path}`,
    action: action!,
  })),
];

interface LinkedNeed {
  action: string;
  scope: string;
}

/** What one request needs: its own action (null: none) on `scope`, and the linked actions of its body. */
export interface RequestNeeds {
  action: string | null;
  scope: string;
  /** The table knows the operation (else `action` is ARM's generic derivation). */
  known: boolean;
  /** Checked when RBAC is on (an ARM path in a known or checked namespace). */
  checked: boolean;
  linked: LinkedNeed[];
}

const lower = (s: string) => s.toLowerCase();

interface ParsedPath {
  method: Method;
  /** The type as the URL spells it (e.g. Microsoft.Network/virtualNetworks/subnets). */
  type: string;
  scope: string;
  resourceGroup?: string;
}

/** The resource type a request addresses, from the segments after the last `/providers/`. */
function parsePath(method: string, path: string): ParsedPath | undefined {
  const clean = path.replace(/\/+$/u, '');
  const rg = /^\/subscriptions\/[^/]+\/resourcegroups\/([^/]+)/iu.exec(clean)?.[1];
  const at = clean.toLowerCase().lastIndexOf('/providers/');
  const m = method.toUpperCase() as Method;
  if (at < 0) {
    if (/^\/subscriptions\/[^/]+\/resourcegroups\/[^/]+$/iu.test(clean))
      return {
        method: m,
        type: 'Microsoft.Resources/subscriptions/resourceGroups',
        scope: clean,
        resourceGroup: rg,
      };
    return undefined;
  }
  const [ns, ...rest] = clean.slice(at + '/providers/'.length).split('/');
  if (!ns || rest.length === 0) return undefined;
  const types = rest.filter((_, i) => i % 2 === 0);
  const type = [ns, ...types].join('/');
  const isItem = rest.length % 2 === 0;
  // A list's scope is its parent (the provider namespace for top-level types); a POST action's, the resource.
  const scope = isItem
    ? clean
    : rest.length === 1
      ? clean.slice(0, at + '/providers/'.length + ns.length)
      : clean.slice(0, clean.lastIndexOf('/'));
  return { method: m, type, scope, ...(rg ? { resourceGroup: rg } : {}) };
}

function walk(value: unknown, path: string[]): string[] {
  if (path.length === 0) return typeof value === 'string' && value ? [value] : [];
  const [head, ...rest] = path as [string, ...string[]];
  const array = head.endsWith('[]');
  const key = array ? head.slice(0, -2) : head;
  if (!value || typeof value !== 'object') return [];
  const next = (value as Record<string, unknown>)[key];
  if (!array) return walk(next, rest);
  return Array.isArray(next) ? next.flatMap((item) => walk(item, rest)) : [];
}

/** The actions a request needs, whether or not RBAC is on (the request log records them). */
export function requestNeeds(method: string, path: string, body: unknown): RequestNeeds | undefined {
  if (!/^\/subscriptions\/[^/]+\//iu.test(path)) return undefined;
  const parsed = parsePath(method, path);
  if (!parsed) return undefined;
  const row = ACTION_TABLE.find((r) => r.method === parsed.method && lower(r.type) === lower(parsed.type));
  const verb = { GET: 'read', PUT: 'write', PATCH: 'write', DELETE: 'delete', POST: 'action' }[parsed.method];
  const action = row ? row.action : `${parsed.type}/${verb ?? lower(parsed.method)}`;
  const namespace = lower(parsed.type.split('/')[0]!);
  const linked =
    parsed.method === 'PUT'
      ? LINKED_TABLE.filter((r) => lower(r.type) === lower(parsed.type)).flatMap((r) =>
          walk(body, r.path.split('.')).map((scope) => ({ action: r.action, scope })),
        )
      : [];
  return {
    action,
    scope: parsed.scope,
    known: row !== undefined,
    checked: row !== undefined || CHECKED_NAMESPACES.includes(namespace),
    linked,
  };
}

const pattern = (action: string) =>
  new RegExp(
    `^${action
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\/]/gu, '\\$&'))
      .join('.*')}$`,
    'iu',
  );

/** The caller's role: which actions it may perform on which scope. */
export class Rbac {
  private readonly patterns: RegExp[];
  private readonly groups: Set<string> | undefined;

  constructor(settings: RbacSettings) {
    this.patterns = settings.actions.map(pattern);
    this.groups = settings.resourceGroups ? new Set(settings.resourceGroups.map(lower)) : undefined;
  }

  /** Whether the role grants `action` on `scope` (an id or path; its resource group decides). */
  allows(action: string, scope: string): boolean {
    if (!this.patterns.some((p) => p.test(action))) return false;
    if (!this.groups) return true;
    const rg = /^\/subscriptions\/[^/]+\/resourcegroups\/([^/]+)/iu.exec(scope)?.[1];
    return rg !== undefined && this.groups.has(lower(rg));
  }

  /** Throws ARM's 403 when the request's own action, or one of its linked actions, is not granted. */
  authorize(needs: RequestNeeds | undefined): void {
    if (!needs?.checked || needs.action === null) return;
    if (!needs.known || !this.allows(needs.action, needs.scope))
      throw rbacErrors.authorizationFailed(needs.action, needs.scope);
    const missing = needs.linked.filter((l) => !this.allows(l.action, l.scope));
    if (missing.length > 0) throw rbacErrors.linkedAuthorizationFailed(needs.action, needs.scope, missing);
  }
}

const rbacErrors = {
  authorizationFailed: (action: string, scope: string) =>
    new ArmError(403, {
      code: 'AuthorizationFailed',
      message: `The client '${CALLER_OBJECT_ID}' with object id '${CALLER_OBJECT_ID}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    }),
  linkedAuthorizationFailed: (action: string, scope: string, missing: LinkedNeed[]) =>
    new ArmError(403, {
      code: 'LinkedAuthorizationFailed',
      message: `The client '${CALLER_OBJECT_ID}' with object id '${CALLER_OBJECT_ID}' has permission to perform action '${action}' on scope '${scope}'; however, it does not have permission to perform action(s) '${missing.map((m) => m.action).join(',')}' on the linked scope(s) '${missing.map((m) => m.scope).join(',')}' (respectively) or the linked scope(s) are invalid.`,
    }),
};

/** Whether an Authorization header carries the Owner token. */
export function isOwner(authorization: string | string[] | undefined): boolean {
  const value = Array.isArray(authorization) ? authorization[0] : authorization;
  return value === `Bearer ${OWNER_TOKEN}`;
}
