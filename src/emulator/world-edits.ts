// Changes a test or tool makes to the world directly (the Emulator's admin methods), as if someone had made
// them in Azure: each emits the event ARM would, unless told not to. And the reads behind getResource.
import { bumpEtag, obj } from './request.js';
import { type Store, TYPES } from './store.js';
import { type Json, validateResource } from './world.js';

export interface UpsertOptions {
  /** Emit a ResourceWriteSuccess event for the change (default true). */
  emitEvent?: boolean;
}

export interface VmSpec {
  resourceGroup: string;
  name: string;
  privateIp: string;
  location?: string;
  tags?: Record<string, string>;
  /** Subnet id for the NIC's ip configuration (default: the first subnet of the first vnet in the group). */
  subnetId?: string;
  enableIPForwarding?: boolean;
  nicName?: string;
}

interface TagOptions {
  operation?: 'Merge' | 'Replace';
  emitAs?: 'tags' | 'write';
  emitEvent?: boolean;
}

/** Emits an admin change's event (no HTTP request behind it). */
type EmitChange = (kind: 'write' | 'delete', resourceId: string, operationName: string) => void;

export class WorldEdits {
  constructor(
    private readonly store: Store,
    private readonly emit: EmitChange,
  ) {}

  /** Stored ARM JSON in GET shape (a copy), by id; routes and subnets ids work too. */
  getResource(id: string): Json | undefined {
    const top = this.store.get(id);
    if (top) return this.store.view(top);
    const m = /^(.*)\/(routes|subnets)\/([^/]+)$/iu.exec(id);
    if (!m) return undefined;
    const list = obj(this.store.get(m[1]!)?.properties)[m[2]!.toLowerCase()];
    const child = Array.isArray(list)
      ? (list as Json[]).find((c) => String(c.name).toLowerCase() === m[3]!.toLowerCase())
      : undefined;
    return child ? structuredClone(child) : undefined;
  }

  upsertResource(resource: Json, options?: UpsertOptions): Json {
    const parsed = validateResource(resource, 'upsertResource', this.store.subscriptionIds);
    const stored = this.store.upsert(resource);
    if (options?.emitEvent !== false) this.emit('write', String(stored.id), `${parsed.type}/write`);
    return this.store.view(stored);
  }

  deleteResource(id: string, options?: UpsertOptions): boolean {
    const existing = this.store.get(id);
    if (!existing) return false;
    this.store.delete(id);
    if (options?.emitEvent !== false)
      this.emit('delete', String(existing.id), `${String(existing.type)}/delete`);
    return true;
  }

  setTags(resourceId: string, tags: Record<string, string>, options?: TagOptions): Json {
    const r = this.store.get(resourceId);
    if (!r) throw new Error(`setTags: no resource ${resourceId}`);
    r.tags = options?.operation === 'Replace' ? { ...tags } : { ...obj(r.tags), ...tags };
    r.etag = bumpEtag(r.etag);
    if (options?.emitEvent !== false) {
      if (options?.emitAs === 'write') this.emit('write', String(r.id), `${String(r.type)}/write`);
      else
        this.emit(
          'write',
          `${String(r.id)}/providers/Microsoft.Resources/tags/default`,
          'Microsoft.Resources/tags/write',
        );
    }
    return this.store.view(r);
  }

  /** Adds or updates a VM and its primary NIC in one go (e.g. "a new worker with a pod-cidr tag"). */
  upsertVm(spec: VmSpec, options?: UpsertOptions): { vm: Json; nic: Json } {
    const group = this.store.group(spec.resourceGroup);
    const rg = group?.name ?? spec.resourceGroup;
    const location = spec.location ?? (group?.location || 'eastus');
    const base = `/subscriptions/${this.store.subscriptionId}/resourceGroups/${rg}/providers`;
    const nicId = `${base}/${TYPES.nic}/${spec.nicName ?? `${spec.name}-nic`}`;
    const vmId = `${base}/${TYPES.vm}/${spec.name}`;
    const nic = this.nicOf(spec, { nicId, vmId, location, subnetId: spec.subnetId || this.firstSubnet(rg) });
    const existingVm = this.store.get(vmId);
    const vm: Json = {
      ...(existingVm ? structuredClone(existingVm) : {}),
      id: vmId,
      location,
      ...(spec.tags ? { tags: spec.tags } : {}),
      properties: {
        ...((existingVm?.properties as Json | undefined) ?? {
          hardwareProfile: { vmSize: 'Standard_B2s' },
          osProfile: { computerName: spec.name, adminUsername: 'kuberoot' },
        }),
        networkProfile: { networkInterfaces: [{ id: nicId, properties: { primary: true } }] },
      },
    };
    validateResource(nic, 'upsertVm (NIC)', this.store.subscriptionId);
    validateResource(vm, 'upsertVm (VM)', this.store.subscriptionId);
    const storedNic = this.store.upsert(nic);
    const storedVm = this.store.upsert(vm);
    if (existingVm) storedVm.etag = bumpEtag(existingVm.etag);
    if (options?.emitEvent !== false) {
      this.emit('write', String(storedNic.id), `${TYPES.nic}/write`);
      this.emit('write', String(storedVm.id), `${TYPES.vm}/write`);
    }
    return { vm: this.store.view(storedVm), nic: this.store.view(storedNic) };
  }

  /** The first subnet of the group's first vnet: where a new worker's NIC goes by default. */
  private firstSubnet(rg: string): string | undefined {
    const subnets = obj(this.store.list(TYPES.vnet, rg)[0]?.properties).subnets;
    return Array.isArray(subnets) ? String((subnets[0] as Json | undefined)?.id ?? '') : undefined;
  }

  private nicOf(
    spec: VmSpec,
    at: { nicId: string; vmId: string; location: string; subnetId: string | undefined },
  ): Json {
    return {
      id: at.nicId,
      location: at.location,
      properties: {
        enableIPForwarding: spec.enableIPForwarding ?? true,
        virtualMachine: { id: at.vmId },
        ipConfigurations: [
          {
            name: 'ipconfig1',
            properties: {
              privateIPAddress: spec.privateIp,
              privateIPAllocationMethod: 'Static',
              primary: true,
              ...(at.subnetId ? { subnet: { id: at.subnetId } } : {}),
            },
          },
        ],
      },
    };
  }
}
