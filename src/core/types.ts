// Plain data shared by the pure core, the ARM adapter, the renderers and telemetry.
// Nothing here knows about the SDK, HTTP or Azure Functions.

// ---------------------------------------------------------------- inventory (what ARM says now)

interface NicRef {
  id: string;
  primary: boolean | undefined;
}

export interface VmRecord {
  id: string;
  name: string;
  tags: Record<string, string>;
  nicRefs: NicRef[];
}

export interface IpConfigRecord {
  name: string;
  primary: boolean | undefined;
  privateIpAddress: string | undefined;
  privateIpVersion: 'IPv4' | 'IPv6' | undefined;
  subnetId: string | undefined;
}

export interface NicRecord {
  id: string;
  name: string;
  vmId: string | undefined;
  enableIpForwarding: boolean;
  ipConfigurations: IpConfigRecord[];
  /** ARM's provisioningState of the NIC (Updating while a write of it is in flight); absent when not given. */
  provisioningState?: string | undefined;
}

/**
 * A route as read from a table, and as shown to people (before/after pictures in drift, audit records). A
 * route we mean to write (RouteSpec) is one too, without a provisioning state.
 */
export interface RouteRecord {
  name: string;
  addressPrefix: string | undefined;
  nextHopType: string | undefined;
  nextHopIpAddress: string | undefined;
  provisioningState?: string | undefined;
}

export interface RouteTableRecord {
  id: string;
  name: string;
  location: string;
  etag: string | undefined;
  provisioningState: string | undefined;
  routes: RouteRecord[];
  /** Ids of the subnets ARM reports as associated with the table (read-only on the table). */
  subnetIds: string[];
}

export interface Inventory {
  vms: VmRecord[];
  nics: NicRecord[];
  /** null when the route table does not exist. */
  routeTable: RouteTableRecord | null;
  /** Location of the cluster vnet; read only when the table must be created. */
  vnetLocation: string | undefined;
  /**
   * NICs of Uniform scale-set instances (they are in neither the VM list nor the group's NIC list): owned
   * routes pointing at them are never deleted. Absent = no scale sets read.
   */
  scaleSetNics?: NicRecord[];
  /**
   * The subnets the table must be associated with (PlanSettings.subnetIds), as read. A subnet missing from the
   * list was not found; absent = not read (the planner then knows only the table's own subnet list).
   */
  subnets?: SubnetRecord[];
}

export interface SubnetRecord {
  id: string;
  provisioningState: string | undefined;
  /** The route table the subnet is associated with now (ARM's subnet.routeTable.id); undefined: none. */
  routeTableId: string | undefined;
}

// ---------------------------------------------------------------- what the planner is told

export interface PlanSettings {
  clusterCidrs: string[];
  podCidrTag: string;
  routeNamePrefix: string;
  routeTableId: string;
  routeTableName: string;
  /** Every subnet the table must be associated with (today one, from config; a fleet table may have several). */
  subnetIds: string[];
  /** 'auto': refuse deleting more than half of the owned routes (when more than one is owned). */
  maxRouteDeletions: number | 'auto';
  /** Operator override of the mass-deletion guard (CLI --force). */
  forceDeletions: boolean;
  repairIpForwarding: boolean;
  /** Most routes the table may hold after a write (Azure: 1,000; lower in clouds that still have 400). */
  maxRoutesPerTable: number;
}

// ---------------------------------------------------------------- plan (what to change, and what not)

export interface RouteSpec {
  name: string;
  addressPrefix: string;
  nextHopType: 'VirtualAppliance';
  nextHopIpAddress: string;
}

type DriftKind =
  | 'missing-route'
  | 'wrong-next-hop'
  | 'stale-route'
  | 'pod-cidr-changed'
  | 'route-not-provisioned'
  | 'table-missing'
  | 'subnet-not-associated'
  | 'ip-forwarding-disabled';

export interface Drift {
  kind: DriftKind;
  /** Route name, or the id of the table, subnet or NIC concerned. */
  subject: string;
  /** VM name of the worker concerned, when there is one. */
  worker?: string;
  before: RouteRecord | null;
  after: RouteRecord | null;
  message: string;
  /**
   * false when the drift is only reported: IP forwarding without REPAIR_IP_FORWARDING, or drift a refusal holds back.
   * (Report mode and plan do not change it: they write nothing, whatever is repairable.)
   */
  repairable: boolean;
}

type RefusalReason =
  | 'invalid-pod-cidr'
  | 'pod-cidr-host-bits'
  | 'pod-cidr-outside-cluster'
  | 'overlapping-pod-cidrs'
  | 'foreign-route-conflict'
  | 'route-limit-exceeded'
  | 'mass-deletion'
  | 'worker-without-nic'
  | 'worker-without-ip'
  | 'duplicate-route-prefix'
  | 'next-hop-is-scale-set-instance'
  | 'subnet-associated-elsewhere'
  | 'peering-drops-pod-traffic';

export interface Refusal {
  reason: RefusalReason;
  /** The VM, route or tag value the refusal is about. */
  subject: string;
  worker?: string;
  message: string;
}

/** One entry of the table PUT, in order: a route kept exactly as read, or one of ours written. */
export type RouteEntry = { keep: string } | { put: RouteSpec };

export interface TableWrite {
  /** true: the table does not exist and is created in `location`. */
  create: boolean;
  location: string | undefined;
  /** If-Match for the PUT (the etag the plan was made from); undefined on create. */
  ifMatch: string | undefined;
  routes: RouteEntry[];
}

type ActionKind =
  | 'create-table'
  | 'create-route'
  | 'update-route'
  | 'delete-route'
  | 'associate-subnet'
  | 'enable-ip-forwarding';

export interface Action {
  kind: ActionKind;
  subject: string;
  before: RouteRecord | null;
  after: RouteRecord | null;
}

export interface SubnetAssociation {
  subnetId: string;
  routeTableId: string;
}

export interface Plan {
  /**
   * true when this plan leaves nothing repairable (refusals and drift they hold back may remain). Not "in sync":
   * that is decided once, from the run's status (core/outcome.ts verdictOf).
   */
  nothingToRepair: boolean;
  drift: Drift[];
  refused: Refusal[];
  actions: Action[];
  /** The whole-table PUT, or null when the routes need no write. */
  tableWrite: TableWrite | null;
  /** The subnets to associate with the table, each free of any other table when read (the planner decided). */
  associateSubnets: SubnetAssociation[];
  /** NIC ids whose IP forwarding should be enabled (only with repairIpForwarding). */
  enableIpForwarding: string[];
  /** The routes we should own once the plan is applied (refused workers excluded). */
  desiredRoutes: RouteSpec[];
}

// ---------------------------------------------------------------- reconcile result (one per run)

export type Trigger = 'timer' | 'event' | 'http' | 'cli';
export type HealthStatus = 'Healthy' | 'Repaired' | 'Drifted' | 'Refused' | 'Failed';

export interface ArmRequestCounts {
  reads: number;
  writes: number;
  polls: number;
  /** 429 answers seen (throttling or another operation in progress). */
  throttled: number;
  /** 412 answers seen (ETag conflicts). */
  conflicts: number;
}

/** One route table's part of a reconcile: for a cluster of several tables, one per table. */
export type TableResult = Pick<
  ReconcileResult,
  | 'status'
  | 'routeTable'
  | 'plan'
  | 'repaired'
  | 'unrepaired'
  | 'refused'
  | 'before'
  | 'after'
  | 'managedRoutes'
  | 'attempts'
  | 'error'
> & {
  /** The subnets the table must be associated with. */
  subnetIds: string[];
};

/** A peering between two of the cluster's vnets that would drop pod traffic (never repaired: not ours). */
export interface PeeringFindingRecord {
  /** The peering's id; for a missing peering, the vnet that lacks it. */
  subject: string;
  fromVnetId: string;
  toVnetId: string;
  problems: string[];
  message: string;
}

export interface ReconcileResult {
  runId: string;
  trigger: Trigger;
  mode: 'enforce' | 'report';
  startedAt: string;
  durationMs: number;
  status: HealthStatus;
  /**
   * A cluster of several route tables (or worker groups, or subnets): its name, and each table's part. The
   * fields above and below then describe the whole cluster: status the worst of its tables', plan, repaired,
   * unrepaired and refused every table's (and the peering findings' refusals); routeTable, before, after,
   * managedRoutes and attempts those of its first table. `tables` and `peerings` are absent for a one-table
   * cluster (today's settings); `cluster` (Config.cluster.name) is set on every run: telemetry carries it.
   */
  cluster?: string;
  tables?: TableResult[];
  /** Peerings between the cluster's vnets that would drop pod traffic (cluster runs only). */
  peerings?: PeeringFindingRecord[];
  routeTable: {
    id: string;
    name: string;
    resourceGroup: string;
    etagBefore: string | undefined;
    etagAfter: string | undefined;
  };
  /** The plan made from the first inventory read (what was found). */
  plan: Plan;
  /** Drift repaired and confirmed by a re-read after the write. */
  repaired: Drift[];
  /** Drift still present at the end of the run. */
  unrepaired: Drift[];
  refused: Refusal[];
  /** Owned and foreign routes before and after the run. */
  before: RouteRecord[];
  after: RouteRecord[];
  managedRoutes: number;
  /** Plan/write attempts (more than 1 after ETag conflicts). */
  attempts: number;
  arm: ArmRequestCounts;
  /** Set when status is 'Failed'. transient: worth retrying later (throttling, 5xx, network). */
  error?: { message: string; code?: string | undefined; statusCode?: number | undefined; transient: boolean };
  /** The workers as first read (absent when the read failed): what the pictures draw. */
  workers?: WorkerFacts[];
  /** The effective-route check of a sample of workers that followed this run's repair (Functions, VERIFY_SAMPLE_SIZE). */
  verification?: {
    status: string;
    runId: string;
    shadowed: number;
    missing: number;
    readFailed: number;
    notApplicable: number;
    findings: string[];
    /** Findings seen but not confirmed yet (maybe routes still propagating): not counted above. */
    unconfirmed: string[];
  };
}

/** A worker as the run read it, for the pictures (src/topology). */
export interface WorkerFacts {
  name: string;
  /** Its primary NIC's IPs (one per family). */
  ips: string[];
  /** The pod CIDR tag's values as written. */
  podCidrs: string[];
  subnetId: string | undefined;
}

/** Where the engine logs; Functions' InvocationContext, the CLI and tests adapt to it. */
export interface Logger {
  debug(message: string, properties?: Record<string, unknown>): void;
  info(message: string, properties?: Record<string, unknown>): void;
  warn(message: string, properties?: Record<string, unknown>): void;
  error(message: string, properties?: Record<string, unknown>): void;
}
