// Virtual machine scale sets, as ARM serves them (docs/emulator.md, "Scale sets"):
// - Uniform (the default orchestration mode): instances are not in the group's VM list and their NICs are not in
//   its NIC list. They are read under the scale set: the instances through Compute
//   (`.../virtualMachineScaleSets/{vmss}/virtualMachines[/{instanceId}]`), their NICs through the Network API at
//   the old api-versions that type is registered with (`.../virtualMachineScaleSets/{vmss}/networkInterfaces`,
//   `.../virtualMachines/{i}/networkInterfaces[/{nic}]`). Instances follow `sku.capacity`, get private IPs from
//   the subnet of the scale set's network profile and share the scale set's tags.
// - Flexible: its VMs are ordinary VMs (in the VM list, with `properties.virtualMachineScaleSet.id`) with
//   ordinary NICs; the Uniform-only NIC lists answer 404 NotFound for it (Azure/azure-cli#28258).
// The scale set resource itself (GET, list) is served by the generic top-level code of arm.ts.
import { randomBytes, randomUUID } from 'node:crypto';
import { ArmError, armErrors } from '../errors.js';
import { type ArmReply, type ArmRequest, bumpEtag, lower, ok } from '../request.js';
import { arr, obj, props, type Store, TYPES } from '../store.js';
import { COMPUTE_API_VERSIONS, requireRegisteredVersion } from '../versions.js';
import { type Json, newEtag } from '../world.js';

export const SCALE_SET_TYPE = 'Microsoft.Compute/virtualMachineScaleSets';

/**
 * api-versions of `virtualMachineScaleSets/networkInterfaces` (and of the instances' NICs). The path is under
 * Microsoft.Compute, so ARM routes it by the Compute namespace's registration of that type: Compute's versions
 * (2015-06-15 ... today; the old ones a 2016 ARM answer listed, Azure/azure-xplat-cli#3251, are Compute versions
 * too), plus the 2015-05-01-preview it listed. @azure/arm-network 39 sends 2018-10-01, az and newer clients send
 * Compute's current versions. A Network-only version (2026-01-01) gets NoRegisteredProviderFound.
 */
const SCALE_SET_NIC_API_VERSIONS = [...COMPUTE_API_VERSIONS, '2015-05-01-preview'] as const;

/** One instance (Uniform) or VM (Flexible) of a scale set, as the admin API reports it. */
export interface ScaleSetInstance {
  /** Uniform: the instance id ("0", "1", ...); Flexible VMs have none. */
  instanceId?: string;
  name: string;
  /** Uniform: `.../virtualMachineScaleSets/{vmss}/virtualMachines/{i}`; Flexible: the VM's own id. */
  id: string;
  nicId: string;
  privateIp: string;
}

interface Instance {
  instanceId: string;
  vm: Json;
  nics: Json[];
}

interface ScaleSetState {
  nextInstanceId: number;
  instances: Instance[];
}

/** What an instance or NIC path under a scale set addresses. */
interface InstancePath {
  rgName: string;
  vmssName: string;
  /** `.../networkInterfaces`: every NIC of every instance. */
  allNics: boolean;
  /** Answered by the network RP (NIC paths) rather than Compute. */
  isNicPath: boolean;
  instanceId: string | undefined;
  nicName: string | undefined;
}

interface ScaleSetsOptions {
  store: Store;
  /** Arm's list paging ($skiptoken, nextLink). */
  page: (req: ArmRequest, items: Json[]) => ArmReply;
  /** Emits an admin change's ResourceWriteSuccess event. */
  emit: (resourceId: string, operationName: string) => void;
}

const PATH =
  /^\/subscriptions\/[^/]+\/resourcegroups\/([^/]+)\/providers\/microsoft\.compute\/virtualmachinescalesets\/([^/]+)\/(networkinterfaces|virtualmachines)(?:\/([^/]+)(?:\/(networkinterfaces)(?:\/([^/]+))?)?)?\/?$/iu;

const isFlexible = (vmss: Json): boolean => obj(vmss.properties).orchestrationMode === 'Flexible';
const nicConfigurations = (vmss: Json): Json[] =>
  arr(obj(obj(obj(vmss.properties).virtualMachineProfile).networkProfile).networkInterfaceConfigurations);

const ipToInt = (ip: string): number => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const intToIp = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

export class ScaleSets {
  private states = new Map<string, ScaleSetState>();

  constructor(private readonly options: ScaleSetsOptions) {}

  reset(): void {
    this.states.clear();
  }

  /** Serves the instance and NIC paths under a scale set; undefined for any other path. */
  handle(req: ArmRequest, apiVersion: string): ArmReply | undefined {
    const m = PATH.exec(req.path);
    if (!m) return undefined;
    const [, rgName, vmssName, first, instanceId, nics, nicName] = m;
    const path: InstancePath = {
      rgName: rgName!,
      vmssName: vmssName!,
      allNics: lower(first!) === 'networkinterfaces',
      isNicPath: lower(first!) === 'networkinterfaces' || nics !== undefined,
      instanceId,
      nicName,
    };
    if (path.allNics && instanceId !== undefined) throw armErrors.notSupported(req.method, req.path);
    requireRegisteredVersion(
      this.options.store,
      apiVersion,
      path.isNicPath ? SCALE_SET_NIC_API_VERSIONS : COMPUTE_API_VERSIONS,
      path.isNicPath
        ? 'virtualMachineScaleSets/networkInterfaces'
        : 'virtualMachineScaleSets/virtualMachines',
    );
    if (req.method !== 'GET') throw armErrors.notSupported(req.method, req.path);
    const { vmss, rg } = this.uniformScaleSet(path);
    const instances = this.sync(vmss);
    if (path.allNics)
      return this.options.page(
        req,
        instances.flatMap((i) => i.nics),
      );
    if (instanceId === undefined)
      return this.options.page(
        req,
        instances.map((i) => this.instanceView(vmss, i)),
      );
    const instance = instances.find((i) => i.instanceId === instanceId);
    if (!instance) {
      if (path.isNicPath) throw armErrors.nrpNotFound(`${String(vmss.id)}/virtualMachines/${instanceId}`);
      throw armErrors.resourceNotFound(`${SCALE_SET_TYPE}/${vmssName}/virtualMachines/${instanceId}`, rg);
    }
    return this.instanceAnswer(req, vmss, instance, path);
  }

  /** The scale set a path is under, which must exist and be Uniform (Flexible ones have no instance paths). */
  private uniformScaleSet(path: InstancePath): { vmss: Json; rg: string } {
    const group = this.options.store.group(path.rgName);
    if (!group) throw armErrors.resourceGroupNotFound(path.rgName);
    const vmssId = `/subscriptions/${this.options.store.subscriptionId}/resourceGroups/${group.name}/providers/${SCALE_SET_TYPE}/${path.vmssName}`;
    const vmss = this.options.store.get(vmssId);
    if (!vmss || (path.isNicPath && isFlexible(vmss))) {
      // The network RP answers for the NIC paths; a Flexible scale set has no such NICs (azure-cli#28258).
      if (path.isNicPath) throw armErrors.nrpNotFound(vmss ? String(vmss.id) : vmssId);
      throw armErrors.resourceNotFound(`${SCALE_SET_TYPE}/${path.vmssName}`, group.name);
    }
    if (isFlexible(vmss))
      throw new ArmError(409, {
        code: 'OperationNotAllowed',
        message: `Operation 'VirtualMachineScaleSetVMs.${path.instanceId ? 'GET' : 'List'}' is not allowed on Virtual Machine Scale Set '${String(vmss.name)}' with orchestration mode 'Flexible'.`,
      });
    return { vmss, rg: group.name };
  }

  /** One instance, its NIC list or one of its NICs. */
  private instanceAnswer(req: ArmRequest, vmss: Json, instance: Instance, path: InstancePath): ArmReply {
    if (!path.isNicPath) return ok(this.instanceView(vmss, instance));
    if (path.nicName === undefined) return this.options.page(req, instance.nics);
    const nicName = path.nicName;
    const nic = instance.nics.find((n) => lower(String(n.name)) === lower(nicName));
    if (!nic) throw armErrors.nrpNotFound(`${String(instance.vm.id)}/networkInterfaces/${nicName}`);
    return ok(structuredClone(nic));
  }

  /** Admin: the instances (Uniform) or VMs (Flexible) of a scale set, with their primary NIC's IP. */
  instances(scaleSetId: string): ScaleSetInstance[] {
    const vmss = this.requireScaleSet(scaleSetId, 'scaleSetInstances');
    if (!isFlexible(vmss)) return this.sync(vmss).map((i) => describeInstance(i.vm, i.nics, i.instanceId));
    const key = lower(String(vmss.id));
    return this.options.store
      .list(TYPES.vm)
      .filter((vm) => lower(String(obj(obj(vm.properties).virtualMachineScaleSet).id)) === key)
      .map((vm) => {
        const refs = arr(obj(obj(vm.properties).networkProfile).networkInterfaces);
        const nics = refs
          .map((r) => this.options.store.get(String(r.id)))
          .filter((n): n is Json => n !== undefined);
        return describeInstance(vm, nics);
      });
  }

  /**
   * Admin: a scale-out by `count` instances, as `az vmss scale` does it: the scale set's `sku.capacity` is
   * raised (one `Microsoft.Compute/virtualMachineScaleSets/write` event, on the scale set) and the platform
   * creates the instances, which emit no events of their own. Returns the new instances.
   */
  scaleOut(scaleSetId: string, count: number, options: { emitEvent?: boolean } = {}): ScaleSetInstance[] {
    const vmss = this.requireScaleSet(scaleSetId, 'scaleOut');
    if (!Number.isInteger(count) || count < 1)
      throw new Error(
        `scaleOut: count: expected a whole number of instances to add (1 or more), got ${count}`,
      );
    if (nicConfigurations(vmss).length === 0)
      throw new Error(
        `scaleOut: scale set ${String(vmss.id)} has no properties.virtualMachineProfile.networkProfile to make instances from`,
      );
    const before = this.instances(scaleSetId).map((i) => lower(i.id));
    const sku = obj(vmss.sku);
    vmss.sku = { ...sku, capacity: Number(sku.capacity ?? 0) + count };
    if (isFlexible(vmss)) for (let n = 0; n < count; n++) this.addFlexibleVm(vmss);
    vmss.etag = bumpEtag(vmss.etag);
    if (options.emitEvent !== false) this.options.emit(String(vmss.id), `${SCALE_SET_TYPE}/write`);
    return this.instances(scaleSetId).filter((i) => !before.includes(lower(i.id)));
  }

  // ---------------------------------------------------------------- instances

  private requireScaleSet(id: string, what: string): Json {
    const vmss = this.options.store.get(id);
    if (!vmss || lower(String(vmss.type)) !== lower(SCALE_SET_TYPE))
      throw new Error(`${what}: no virtual machine scale set ${id}`);
    return vmss;
  }

  /** Uniform instances follow sku.capacity: new ones get the next instance ids, a scale-in drops the highest. */
  private sync(vmss: Json): Instance[] {
    const key = lower(String(vmss.id));
    const state = this.states.get(key) ?? { nextInstanceId: 0, instances: [] };
    this.states.set(key, state);
    const capacity = Number(obj(vmss.sku).capacity ?? 0);
    if (state.instances.length < capacity) {
      const used = this.usedIps();
      while (state.instances.length < capacity)
        state.instances.push(this.newInstance(vmss, String(state.nextInstanceId++), used));
    }
    if (state.instances.length > capacity) state.instances.length = capacity;
    return state.instances;
  }

  private newInstance(vmss: Json, instanceId: string, used: Set<string>): Instance {
    const vmId = `${String(vmss.id)}/virtualMachines/${instanceId}`;
    const nics = nicConfigurations(vmss).map((cfg, i) =>
      this.nicFor(cfg, `${vmId}/networkInterfaces/${String(cfg.name)}`, vmId, i, used),
    );
    const vm: Json = {
      name: `${String(vmss.name)}_${instanceId}`,
      id: vmId,
      type: `${SCALE_SET_TYPE}/virtualMachines`,
      location: vmss.location,
      instanceId,
      sku: { name: obj(vmss.sku).name, tier: obj(vmss.sku).tier },
      properties: {
        latestModelApplied: true,
        vmId: randomUUID(),
        provisioningState: 'Succeeded',
        osProfile: {
          computerName: `${String(vmss.name)}${Number(instanceId).toString(36).padStart(6, '0')}`,
        },
        networkProfile: {
          networkInterfaces: nics.map((n) => ({ id: n.id, properties: { primary: props(n).primary } })),
        },
      },
    };
    return { instanceId, vm, nics };
  }

  /** A NIC in the shape the network RP lists (VMSS NIC list example): ids under the instance, one etag. */
  private nicFor(cfg: Json, nicId: string, vmId: string, index: number, used: Set<string>): Json {
    const etag = newEtag();
    const cp = obj(cfg.properties);
    const ipConfigurations = arr(cp.ipConfigurations).map((ipc, j) => {
      const ip = obj(ipc.properties);
      const subnetId = String(obj(ip.subnet).id);
      return {
        name: ipc.name,
        id: `${nicId}/ipConfigurations/${String(ipc.name)}`,
        etag,
        properties: {
          provisioningState: 'Succeeded',
          privateIPAddress: this.allocate(subnetId, used),
          privateIPAllocationMethod: 'Dynamic',
          subnet: { id: subnetId },
          primary: ip.primary ?? j === 0,
          privateIPAddressVersion: 'IPv4',
        },
      };
    });
    return {
      name: cfg.name,
      id: nicId,
      etag,
      properties: {
        provisioningState: 'Succeeded',
        resourceGuid: randomUUID(),
        ipConfigurations,
        dnsSettings: { dnsServers: [], appliedDnsServers: [] },
        macAddress: randomBytes(6)
          .toString('hex')
          .toUpperCase()
          .replace(/(..)(?!$)/gu, '$1-'),
        enableAcceleratedNetworking: false,
        enableIPForwarding: cp.enableIPForwarding === true,
        primary: cp.primary ?? index === 0,
        virtualMachine: { id: vmId },
      },
    };
  }

  /** A Flexible scale-out: an ordinary VM and NIC in the group, the VM naming its scale set. */
  private addFlexibleVm(vmss: Json): void {
    const base = String(vmss.id).slice(0, String(vmss.id).indexOf('/providers/'));
    const vmName = `${String(vmss.name)}_${randomBytes(4).toString('hex')}`;
    const vmId = `${base}/providers/${TYPES.vm}/${vmName}`;
    const used = this.usedIps();
    const nics = nicConfigurations(vmss).map((cfg, i) => {
      const nic = this.nicFor(
        cfg,
        `${base}/providers/${TYPES.nic}/${vmName}-${String(cfg.name)}`,
        vmId,
        i,
        used,
      );
      const p = props(nic);
      return this.options.store.upsert({
        id: nic.id,
        location: vmss.location,
        properties: {
          enableIPForwarding: p.enableIPForwarding,
          virtualMachine: { id: vmId },
          ipConfigurations: arr(p.ipConfigurations).map((c) => ({ name: c.name, properties: c.properties })),
        },
      });
    });
    this.options.store.upsert({
      id: vmId,
      location: vmss.location,
      properties: {
        virtualMachineScaleSet: { id: vmss.id },
        hardwareProfile: { vmSize: obj(vmss.sku).name },
        osProfile: { computerName: vmName.replace(/_/gu, '') },
        networkProfile: {
          networkInterfaces: nics.map((n, i) => ({ id: n.id, properties: { primary: i === 0 } })),
        },
      },
    });
  }

  /** Private IPs in use: every NIC of the group lists and every Uniform instance's NIC. */
  private usedIps(): Set<string> {
    for (const id of [...this.states.keys()]) if (!this.options.store.get(id)) this.states.delete(id);
    const nics = [
      ...this.options.store.list(TYPES.nic),
      ...[...this.states.values()].flatMap((s) => s.instances.flatMap((i) => i.nics)),
    ];
    return new Set(
      nics.flatMap((n) =>
        arr(props(n).ipConfigurations).map((c) => String(obj(c.properties).privateIPAddress)),
      ),
    );
  }

  /** The lowest free address of the subnet; Azure keeps the first four and the last one of every subnet. */
  private allocate(subnetId: string, used: Set<string>): string {
    const m = /^(.*\/virtualNetworks\/[^/]+)\/subnets\/([^/]+)$/iu.exec(subnetId);
    const vnet = m ? this.options.store.get(m[1]!) : undefined;
    const subnet = arr(vnet ? props(vnet).subnets : []).find((s) => lower(String(s.name)) === lower(m![2]!));
    const sp = obj(subnet?.properties);
    const prefix = String(sp.addressPrefix ?? arr(sp.addressPrefixes)[0] ?? '');
    const cidr = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/u.exec(prefix);
    if (!cidr)
      throw new Error(`scale set NIC: subnet ${subnetId} does not exist or has no IPv4 address prefix`);
    const size = 2 ** (32 - Number(cidr[2]));
    const network = Math.floor(ipToInt(cidr[1]!) / size) * size;
    for (let i = 4; i < size - 1; i++) {
      const ip = intToIp(network + i);
      if (!used.has(ip)) {
        used.add(ip);
        return ip;
      }
    }
    throw new ArmError(400, {
      code: 'SubnetIsFull',
      message: `Subnet ${String(subnet?.name)} with address prefix ${prefix} does not have enough capacity for 1 IP addresses.`,
    });
  }

  private instanceView(vmss: Json, instance: Instance): Json {
    const view = structuredClone(instance.vm);
    if (vmss.tags) view.tags = structuredClone(vmss.tags);
    return view;
  }
}

function describeInstance(vm: Json, nics: Json[], instanceId?: string): ScaleSetInstance {
  const nic = nics.find((n) => props(n).primary === true) ?? nics[0];
  const configs = arr(nic ? props(nic).ipConfigurations : []);
  const ipc = configs.find((c) => obj(c.properties).primary === true) ?? configs[0];
  return {
    ...(instanceId !== undefined ? { instanceId } : {}),
    name: String(vm.name),
    id: String(vm.id),
    nicId: String(nic?.id ?? ''),
    privateIp: String(obj(ipc?.properties).privateIPAddress ?? ''),
  };
}
