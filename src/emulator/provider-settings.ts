// A world file's provider registrations and the namespaces Azure registers by default on every subscription:
// what world.ts checks when it loads a world, and what providers.ts serves (kept apart so that loading a world
// does not import the request handling).
/** A world's setting: one namespace's state in one subscription (default: the world's). */
export interface ProviderSetting {
  subscriptionId?: string;
  namespace: string;
  registrationState: 'Registered' | 'NotRegistered';
}

/** Registered by default on every subscription (the "Registered by default" footnote of Azure's list). */
export const REGISTERED_BY_DEFAULT = [
  'Microsoft.ADHybridHealthService',
  'Microsoft.Authorization',
  'Microsoft.Billing',
  'Microsoft.ClassicSubscription',
  'Microsoft.Commerce',
  'Microsoft.Consumption',
  'Microsoft.CostManagement',
  'Microsoft.Features',
  'Microsoft.MarketplaceOrdering',
  'Microsoft.Portal',
  'Microsoft.ResourceGraph',
  'Microsoft.Resources',
  'Microsoft.SerialConsole',
  'microsoft.support',
  'Microsoft.WorkloadMonitor',
] as const;

export const BY_DEFAULT = new Set(REGISTERED_BY_DEFAULT.map((n) => n.toLowerCase()));

/** Checks a world's provider settings: a namespace registered by default cannot start unregistered. */
export function checkProviderSettings(settings: ProviderSetting[], where: string): void {
  settings.forEach((s, i) => {
    if (BY_DEFAULT.has(s.namespace.toLowerCase()) && s.registrationState !== 'Registered')
      throw new Error(
        `${where}[${i}] field 'registrationState': ${s.namespace} is registered by default on every subscription and stays registered`,
      );
  });
}
