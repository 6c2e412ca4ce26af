// Read-only properties ARM sets itself: a PUT cannot change them (the value sent is ignored, and SDKs do not
// send them at all), so a PUT of an existing resource keeps the stored ones. From the readOnly properties of
// the resources' *PropertiesFormat in the Network and Compute specs (e.g. NetworkInterfacePropertiesFormat:
// virtualMachine, macAddress, primary, ...); provisioningState is set by the operation itself.
import { TYPES } from './store.js';

const COMMON = ['resourceGuid'];

const READ_ONLY: Record<string, readonly string[]> = {
  [TYPES.nic]: [
    ...COMMON,
    'virtualMachine',
    'privateEndpoint',
    'tapConfigurations',
    'macAddress',
    'primary',
    'vnetEncryptionSupported',
    'defaultOutboundConnectivityEnabled',
    'hostedWorkloads',
    'dscpConfiguration',
  ],
  [TYPES.vm]: [...COMMON, 'vmId'],
};

/** The properties a PUT of `type` leaves as stored (never provisioningState: the operation sets it). */
export function readOnlyProperties(type: string): readonly string[] {
  return READ_ONLY[type] ?? COMMON;
}
