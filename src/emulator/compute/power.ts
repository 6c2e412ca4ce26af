// VM power state, as ARM reports it in the instance view: `GET .../virtualMachines/{vm}/instanceView`, and the
// resource group's VM list with `$expand=instanceView` (each VM's properties.instanceView). A plain GET or list
// never shows it. The world file may declare it (`properties.instanceView.statuses`, the expanded shape); the
// admin API changes it. Default: running.
import { armErrors } from '../errors.js';
import { arr, obj, type Store, TYPES } from '../store.js';
import { COMPUTE_API_VERSIONS } from '../versions.js';
import type { Json } from '../world.js';

const POWER_STATES = ['running', 'starting', 'stopping', 'stopped', 'deallocating', 'deallocated'] as const;
export type PowerState = (typeof POWER_STATES)[number];

const DISPLAY: Record<PowerState, string> = {
  running: 'VM running',
  starting: 'VM starting',
  stopping: 'VM stopping',
  stopped: 'VM stopped',
  deallocating: 'VM deallocating',
  deallocated: 'VM deallocated',
};

/** The power state of a stored VM ('running' when its instance view says nothing). */
export function powerStateOf(vm: Json): PowerState {
  for (const s of arr(obj(obj(vm.properties).instanceView).statuses)) {
    const m = /^PowerState\/(\w+)$/iu.exec(String(s.code ?? ''));
    const state = m?.[1]?.toLowerCase() as PowerState | undefined;
    if (state && POWER_STATES.includes(state)) return state;
  }
  return 'running';
}

/** The instance view ARM returns (VirtualMachineInstanceView: statuses with codes, levels and display texts). */
function instanceViewOf(vm: Json): Json {
  const declared = obj(obj(vm.properties).instanceView);
  const state = powerStateOf(vm);
  const provisioning = String(obj(vm.properties).provisioningState ?? 'Succeeded');
  return {
    ...declared,
    computerName: obj(obj(vm.properties).osProfile).computerName ?? vm.name,
    statuses: [
      {
        code: `ProvisioningState/${provisioning.toLowerCase()}`,
        level: 'Info',
        displayStatus: `Provisioning ${provisioning.toLowerCase()}`,
      },
      { code: `PowerState/${state}`, level: 'Info', displayStatus: DISPLAY[state] },
    ],
  };
}

/** Admin: sets a VM's power state (kept in its instance view). */
export function setPowerState(store: Store, vmId: string, state: string): Json {
  const vm = store.get(vmId);
  if (!vm || String(vm.type).toLowerCase() !== TYPES.vm.toLowerCase())
    throw new Error(`setPowerState: no virtual machine ${vmId}`);
  if (!POWER_STATES.includes(state as PowerState))
    throw new Error(`setPowerState: power state '${state}' is not one of ${POWER_STATES.join(', ')}`);
  const p = obj(vm.properties);
  vm.properties = p;
  p.instanceView = {
    ...obj(p.instanceView),
    statuses: [{ code: `PowerState/${state}`, level: 'Info', displayStatus: DISPLAY[state as PowerState] }],
  };
  return instanceViewOf(vm);
}

/** The admin endpoint POST /_emulator/power, body {"vmId","powerState"}: 200 with the instance view. */
export function powerAdmin(
  store: Store,
  raw: string,
): { status: number; headers: Record<string, string>; body: Json } {
  const body = JSON.parse(raw || '{}') as { vmId?: unknown; powerState?: unknown };
  return { status: 200, headers: {}, body: setPowerState(store, String(body.vmId), String(body.powerState)) };
}

interface Request {
  method: string;
  path: string;
  query: URLSearchParams;
}

const LIST =
  /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.compute\/virtualmachines\/?$/iu;
const INSTANCE_VIEW =
  /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.compute\/virtualmachines\/([^/]+)\/instanceview\/?$/iu;

/**
 * The two instance-view reads; anything else is left to the generic ARM surface (undefined). `page` is the
 * emulator's own list paging; the expanded list keeps `$expand` in its nextLink, as ARM does.
 */
export function handlePowerRequest(
  store: Store,
  req: Request,
  page: (items: Json[]) => { status: number; headers: Record<string, string>; body?: unknown },
): { status: number; headers: Record<string, string>; body?: unknown } | undefined {
  if (req.method !== 'GET') return undefined;
  const list = LIST.exec(req.path);
  const expand = req.query.get('$expand');
  if (list && expand?.toLowerCase() === 'instanceview') {
    checkVersion(req);
    const group = store.group(list[2]!, store.subscription(list[1]!) ?? store.subscriptionId);
    if (!group) throw armErrors.resourceGroupNotFound(list[2]!);
    const vms = store.list(TYPES.vm, group.name, group.subscriptionId);
    const reply = page(vms);
    const body = obj(reply.body);
    for (const item of arr(body.value)) {
      const stored = store.get(String(item.id));
      if (stored) obj(item.properties).instanceView = instanceViewOf(stored);
    }
    if (typeof body.nextLink === 'string') {
      const next = new URL(body.nextLink);
      next.searchParams.set('$expand', expand);
      body.nextLink = next.toString();
    }
    return reply;
  }
  const iv = INSTANCE_VIEW.exec(req.path);
  if (!iv) return undefined;
  checkVersion(req);
  const group = store.group(iv[2]!, store.subscription(iv[1]!) ?? store.subscriptionId);
  if (!group) throw armErrors.resourceGroupNotFound(iv[2]!);
  const vm = store.get(
    `/subscriptions/${group.subscriptionId}/resourceGroups/${group.name}/providers/${TYPES.vm}/${iv[3]!}`,
  );
  if (!vm) throw armErrors.resourceNotFound(`${TYPES.vm}/${iv[3]!}`, group.name);
  return { status: 200, headers: {}, body: instanceViewOf(vm) };
}

function checkVersion(req: Request): void {
  const version = req.query.get('api-version') ?? '';
  if (!(COMPUTE_API_VERSIONS as readonly string[]).includes(version))
    throw armErrors.invalidApiVersion(version, COMPUTE_API_VERSIONS);
}
