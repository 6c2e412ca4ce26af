// Every ARM operation the adapter performs, declared once: the custom role in infra/ must grant exactly
// these actions (a test compares them), and the adapter only calls through operations listed here.

export interface ArmOperation {
  /** Name used in code and logs. */
  id: string;
  /** The Azure RBAC action that authorises it. */
  action: string;
  /** HTTP method and path template (for the emulator request log and docs). */
  method: 'GET' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  /** When it is called. */
  when: string;
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
  {
    id: 'networkSecurityGroups.join',
    action: 'Microsoft.Network/networkSecurityGroups/join/action',
    method: 'PUT',
    path: '/subscriptions/{sub}/resourceGroups/{vnetRg}/providers/Microsoft.Network/virtualNetworks/{vnet}/subnets/{subnet}',
    when: 'implied by the subnet PUT when the subnet references a network security group (else LinkedAuthorizationFailed)',
  },
  {
    id: 'networkInterfaces.createOrUpdate',
    action: 'Microsoft.Network/networkInterfaces/write',
    method: 'PUT',
    path: '/subscriptions/{sub}/resourceGroups/{clusterRg}/providers/Microsoft.Network/networkInterfaces/{nic}',
    when: 'only with REPAIR_IP_FORWARDING=true, to enable IP forwarding on a worker NIC',
  },
] as const satisfies readonly ArmOperation[];

/** RBAC actions always needed. */
export const REQUIRED_ACTIONS: readonly string[] = [
  ...new Set(
    ARM_OPERATIONS.filter((op) => op.id !== 'networkInterfaces.createOrUpdate').map((op) => op.action),
  ),
].sort();

/** RBAC actions needed only when REPAIR_IP_FORWARDING is enabled. */
export const IP_FORWARDING_REPAIR_ACTIONS: readonly string[] = ['Microsoft.Network/networkInterfaces/write'];
