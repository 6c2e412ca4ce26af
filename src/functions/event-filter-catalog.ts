// What the Event Grid trigger acts on. The Event Grid subscription in infra/ filters to exactly these
// event types and operation names (a test compares both sides), so the function is not woken for nothing.

/**
 * Event types of an operation that failed: ARM put the previous state back, marked Failed. Whoever made it
 * (another tool, or one of our runs that stopped polling it), a run must look again; never the echo of a write
 * a run confirmed.
 */
export const FAILURE_EVENT_TYPES = [
  'Microsoft.Resources.ResourceWriteFailure',
  'Microsoft.Resources.ResourceDeleteFailure',
] as const;

export const HANDLED_EVENT_TYPES = [
  'Microsoft.Resources.ResourceWriteSuccess',
  'Microsoft.Resources.ResourceDeleteSuccess',
  'Microsoft.Resources.ResourceActionSuccess',
  ...FAILURE_EVENT_TYPES,
] as const;

/** data.operationName values that can change what the routes should be or what they are. */
export const HANDLED_OPERATION_NAMES = [
  'Microsoft.Compute/virtualMachines/write',
  'Microsoft.Compute/virtualMachines/delete',
  'Microsoft.Compute/virtualMachines/start/action',
  'Microsoft.Compute/virtualMachines/deallocate/action',
  'Microsoft.Network/networkInterfaces/write',
  'Microsoft.Network/networkInterfaces/delete',
  'Microsoft.Network/routeTables/write',
  'Microsoft.Network/routeTables/delete',
  'Microsoft.Network/routeTables/routes/write',
  'Microsoft.Network/routeTables/routes/delete',
  'Microsoft.Network/virtualNetworks/write',
  'Microsoft.Network/virtualNetworks/subnets/write',
  'Microsoft.Network/virtualNetworks/subnets/delete',
  'Microsoft.Resources/tags/write',
] as const;
