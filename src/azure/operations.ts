// Every ARM operation the adapter performs, declared once: the custom role in infra/ must grant exactly
// these actions (a test compares them), and the adapter only calls through operations listed here.

interface ArmOperation {
  /** Name used in code and logs. */
  id: string;
  /** The Azure RBAC action that authorises it. */
  action: string;
  /** HTTP method and path template (for the emulator request log and docs). */
  method: 'GET' | 'PUT' | 'PATCH' | 'DELETE' | 'POST';
  path: string;
  /** When it is called. */
  when: string;
  /** Only performed with this setting on (its action is granted only then); otherwise on every deployment. */
  onlyWith?: 'REPAIR_IP_FORWARDING';
}

export const ARM_OPERATIONS = [
  {
    id: 'virtualMachines.list',
    action: 'Microsoft.Compute/virtualMachines/read',
    method: 'GET',
    path: '/subscriptions/{sub}/resourceGroups/{clusterRg}/providers/Microsoft.Compute/virtualMachines',
    when: 'every run (paged)',
  },
  {
    id: 'networkInterfaces.list',
    action: 'Microsoft.Network/networkInterfaces/read',
    method: 'GET',
    path: '/subscriptions/{sub}/resourceGroups/{clusterRg}/providers/Microsoft.Network/networkInterfaces',
    when: 'every run (paged)',
  },
  {
    id: 'virtualMachineScaleSets.list',
    action: 'Microsoft.Compute/virtualMachineScaleSets/read',
    method: 'GET',
    path: '/subscriptions/{sub}/resourceGroups/{clusterRg}/providers/Microsoft.Compute/virtualMachineScaleSets',
    when: 'every run (paged): Uniform scale-set instances are not in the VM list',
  },
  {
    id: 'networkInterfaces.listVirtualMachineScaleSetNetworkInterfaces',
    action: 'Microsoft.Compute/virtualMachineScaleSets/networkInterfaces/read',
    method: 'GET',
    path: '/subscriptions/{sub}/resourceGroups/{clusterRg}/providers/Microsoft.Compute/virtualMachineScaleSets/{vmss}/networkInterfaces',
    when: 'every run, once per Uniform scale set (paged, api-version 2018-10-01): their NICs are not in the NIC list',
  },
  {
    id: 'routeTables.get',
    action: 'Microsoft.Network/routeTables/read',
    method: 'GET',
    path: '/subscriptions/{sub}/resourceGroups/{tableRg}/providers/Microsoft.Network/routeTables/{table}',
    when: 'every run, and to confirm a repair',
  },
  {
    id: 'routeTables.createOrUpdate',
    action: 'Microsoft.Network/routeTables/write',
    method: 'PUT',
    path: '/subscriptions/{sub}/resourceGroups/{tableRg}/providers/Microsoft.Network/routeTables/{table}',
    when: 'when routes drifted or the table is missing (one PUT with If-Match); writes its routes inline',
  },
  {
    id: 'routeTables.routes.write',
    action: 'Microsoft.Network/routeTables/routes/write',
    method: 'PUT',
    path: '/subscriptions/{sub}/resourceGroups/{tableRg}/providers/Microsoft.Network/routeTables/{table}',
    when: 'implied by the table PUT that adds or changes inline routes',
  },
  {
    id: 'routeTables.routes.delete',
    action: 'Microsoft.Network/routeTables/routes/delete',
    method: 'PUT',
    path: '/subscriptions/{sub}/resourceGroups/{tableRg}/providers/Microsoft.Network/routeTables/{table}',
    when: 'implied by the table PUT that removes a stale inline route',
  },
  {
    id: 'virtualNetworks.get',
    action: 'Microsoft.Network/virtualNetworks/read',
    method: 'GET',
    path: '/subscriptions/{sub}/resourceGroups/{vnetRg}/providers/Microsoft.Network/virtualNetworks/{vnet}',
    when: 'only when the table is missing (its location)',
  },
  {
    id: 'virtualNetworkPeerings.list',
    action: 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings/read',
    method: 'GET',
    path: '/subscriptions/{sub}/resourceGroups/{vnetRg}/providers/Microsoft.Network/virtualNetworks/{vnet}/virtualNetworkPeerings',
    when: 'every run of a cluster whose subnets are in several vnets (pod traffic between them crosses the peerings)',
  },
  {
    id: 'subnets.get',
    action: 'Microsoft.Network/virtualNetworks/subnets/read',
    method: 'GET',
    path: '/subscriptions/{sub}/resourceGroups/{vnetRg}/providers/Microsoft.Network/virtualNetworks/{vnet}/subnets/{subnet}',
    when: 'every run, with the inventory (an association still being written is not trusted), and before the association write (read-modify-write)',
  },
  {
    id: 'subnets.createOrUpdate',
    action: 'Microsoft.Network/virtualNetworks/subnets/write',
    method: 'PUT',
    path: '/subscriptions/{sub}/resourceGroups/{vnetRg}/providers/Microsoft.Network/virtualNetworks/{vnet}/subnets/{subnet}',
    when: 'only when the subnet must be associated',
  },
  {
    id: 'routeTables.join',
    action: 'Microsoft.Network/routeTables/join/action',
    method: 'PUT',
    path: '/subscriptions/{sub}/resourceGroups/{vnetRg}/providers/Microsoft.Network/virtualNetworks/{vnet}/subnets/{subnet}',
    when: 'implied by the subnet PUT that references the route table',
  },
  // ARM's linked authorization: a subnet PUT needs join/action on every resource the subnet body refers to,
  // even an unchanged one (else 403 LinkedAuthorizationFailed), on that resource's scope. The read-modify-write
  // sends back whatever the subnet holds, so every kind of reference a subnet can carry that we may meet is here.
  {
    id: 'networkSecurityGroups.join',
    action: 'Microsoft.Network/networkSecurityGroups/join/action',
    method: 'PUT',
    path: '/subscriptions/{sub}/resourceGroups/{vnetRg}/providers/Microsoft.Network/virtualNetworks/{vnet}/subnets/{subnet}',
    when: 'implied by the subnet PUT when the subnet references a network security group (and by a NIC PUT when the NIC does)',
  },
  {
    id: 'natGateways.join',
    action: 'Microsoft.Network/natGateways/join/action',
    method: 'PUT',
    path: '/subscriptions/{sub}/resourceGroups/{vnetRg}/providers/Microsoft.Network/virtualNetworks/{vnet}/subnets/{subnet}',
    when: 'implied by the subnet PUT when the subnet references a NAT gateway',
  },
  {
    id: 'serviceEndpointPolicies.join',
    action: 'Microsoft.Network/serviceEndpointPolicies/join/action',
    method: 'PUT',
    path: '/subscriptions/{sub}/resourceGroups/{vnetRg}/providers/Microsoft.Network/virtualNetworks/{vnet}/subnets/{subnet}',
    when: 'implied by the subnet PUT when the subnet references service endpoint policies',
  },
  {
    id: 'virtualMachines.listInstanceView',
    action: 'Microsoft.Compute/virtualMachines/read',
    method: 'GET',
    path: '/subscriptions/{sub}/resourceGroups/{clusterRg}/providers/Microsoft.Compute/virtualMachines?$expand=instanceView',
    when: 'verify only: the power state of every VM in one paged list',
  },
  {
    id: 'virtualMachines.instanceView',
    action: 'Microsoft.Compute/virtualMachines/instanceView/read',
    method: 'GET',
    path: '/subscriptions/{sub}/resourceGroups/{clusterRg}/providers/Microsoft.Compute/virtualMachines/{vm}/instanceView',
    when: 'verify only, per VM, if ARM refuses $expand=instanceView on the list',
  },
  {
    id: 'networkInterfaces.getEffectiveRouteTable',
    action: 'Microsoft.Network/networkInterfaces/effectiveRouteTable/action',
    method: 'POST',
    path: '/subscriptions/{sub}/resourceGroups/{clusterRg}/providers/Microsoft.Network/networkInterfaces/{nic}/effectiveRouteTable',
    when: 'verify only (CLI verify, and the Functions sample when VERIFY_SAMPLE_SIZE > 0): one long-running POST per worker NIC checked',
  },
  {
    id: 'networkInterfaces.createOrUpdate',
    action: 'Microsoft.Network/networkInterfaces/write',
    method: 'PUT',
    path: '/subscriptions/{sub}/resourceGroups/{clusterRg}/providers/Microsoft.Network/networkInterfaces/{nic}',
    when: 'only with REPAIR_IP_FORWARDING=true, to enable IP forwarding on a worker NIC (read-modify-write)',
    onlyWith: 'REPAIR_IP_FORWARDING',
  },
  // The NIC PUT's linked authorization: join on the subnet of every IP configuration, on each public IP and on
  // the NIC's network security group (networkSecurityGroups/join/action, granted above for the subnet).
  {
    id: 'subnets.join',
    action: 'Microsoft.Network/virtualNetworks/subnets/join/action',
    method: 'PUT',
    path: '/subscriptions/{sub}/resourceGroups/{clusterRg}/providers/Microsoft.Network/networkInterfaces/{nic}',
    when: 'implied by the NIC PUT: every IP configuration references its subnet',
    onlyWith: 'REPAIR_IP_FORWARDING',
  },
  {
    id: 'publicIPAddresses.join',
    action: 'Microsoft.Network/publicIPAddresses/join/action',
    method: 'PUT',
    path: '/subscriptions/{sub}/resourceGroups/{clusterRg}/providers/Microsoft.Network/networkInterfaces/{nic}',
    when: 'implied by the NIC PUT when an IP configuration has a public IP address',
    onlyWith: 'REPAIR_IP_FORWARDING',
  },
] as const satisfies readonly ArmOperation[];

const actionsOf = (ops: readonly ArmOperation[]): string[] => [...new Set(ops.map((op) => op.action))].sort();

/** RBAC actions always needed. */
export const REQUIRED_ACTIONS: readonly string[] = actionsOf(
  ARM_OPERATIONS.filter((op: ArmOperation) => op.onlyWith === undefined),
);

/** RBAC actions needed only when REPAIR_IP_FORWARDING is enabled (those not already required). */
export const IP_FORWARDING_REPAIR_ACTIONS: readonly string[] = actionsOf(
  ARM_OPERATIONS.filter((op: ArmOperation) => op.onlyWith === 'REPAIR_IP_FORWARDING'),
).filter((action) => !REQUIRED_ACTIONS.includes(action));

/** The custom role's actions as infra/app/cluster-role.bicep grants them for this setting. */
export function roleActions(repairIpForwarding: boolean): readonly string[] {
  return repairIpForwarding ? [...REQUIRED_ACTIONS, ...IP_FORWARDING_REPAIR_ACTIONS] : REQUIRED_ACTIONS;
}
