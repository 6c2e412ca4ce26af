// Resource provider registration, per subscription and namespace, as ARM keeps it:
// - `GET /subscriptions/{s}/providers/{ns}`, `POST .../{ns}/register` and `POST .../{ns}/unregister`
//   (Microsoft.Resources Providers_Get / Providers_Register / Providers_Unregister; the answer is the Provider:
//   id, namespace, registrationState, registrationPolicy, resourceTypes). registrationState goes
//   NotRegistered -> Registering -> Registered and Registered -> Unregistering -> NotRegistered; the transition
//   takes `registrationMs` (time-scaled: on Azure, seconds to minutes).
// - Any other request to a namespace the subscription has not registered gets ARM's 409
//   MissingSubscriptionRegistration (wording and details as ARM answers them, e.g. Azure/data-product-streaming#12:
//   "The subscription is not registered to use namespace 'Microsoft.Devices'. See https://aka.ms/rps-not-found
//   for how to register subscriptions.", details[0].target = the namespace).
// - Registered by default on every subscription (learn.microsoft.com azure-resource-manager/management/
//   azure-services-resource-providers, "Registered by default"): those stay registered. A world starts with every
//   namespace the emulator serves registered (a subscription in use) unless its `resourceProviders` say
//   otherwise: `{ "namespace": "Microsoft.EventGrid", "registrationState": "NotRegistered" }` is a subscription
//   that never used Event Grid (FIELD-NOTES §7: an ARM deployment registers what its template uses; a plain
//   REST PUT does not).
import { ArmError, armErrors } from './errors.js';
import { BY_DEFAULT, type ProviderSetting, REGISTERED_BY_DEFAULT } from './provider-settings.js';
import type { ArmReply, ArmRequest } from './request.js';
import { RESOURCES_API_VERSIONS } from './versions.js';

export type RegistrationState = 'Registered' | 'Registering' | 'NotRegistered' | 'Unregistering';

/** Namespaces whose registration the emulator models, with the resource types their GET lists. */
const MODELLED: Record<string, { namespace: string; resourceTypes: string[] }> = Object.fromEntries(
  (
    [
      [
        'Microsoft.EventGrid',
        ['systemTopics', 'systemTopics/eventSubscriptions', 'locations/operationsStatus'],
      ],
      ['Microsoft.Network', ['routeTables', 'virtualNetworks', 'networkInterfaces', 'locations/operations']],
      ['Microsoft.Compute', ['virtualMachines', 'virtualMachineScaleSets', 'locations/operations']],
      ['Microsoft.Web', ['sites', 'sites/functions']],
      ['Microsoft.ManagedIdentity', ['userAssignedIdentities']],
      ['Microsoft.Storage', ['storageAccounts', 'storageAccounts/blobServices/containers']],
    ] as const
  ).map(([namespace, types]) => [namespace.toLowerCase(), { namespace, resourceTypes: [...types] }]),
);

const PROVIDER_PATH = /^\/subscriptions\/([^/]+)\/providers\/([^/]+)(?:\/(register|unregister))?\/?$/iu;
const NAMESPACE_IN_PATH = /^\/subscriptions\/([^/]+)\/(?:resourcegroups\/[^/]+\/)?providers\/([^/]+)/iu;

interface Entry {
  state: RegistrationState;
  /** When a Registering / Unregistering transition completes (ms since epoch). */
  settlesAt?: number;
}

export interface ProvidersOptions {
  /** Subscriptions the emulator serves (the world's). */
  subscriptions: () => readonly string[];
  seed: ProviderSetting[];
  /** How long a register / unregister takes (ms, default 0: done at the next read). */
  registrationMs: number;
}

export class ResourceProviders {
  private entries = new Map<string, Entry>();

  constructor(private readonly options: ProvidersOptions) {
    this.reset();
  }

  reset(): void {
    this.entries.clear();
    const [own] = this.options.subscriptions();
    for (const s of this.options.seed)
      this.entries.set(key(s.subscriptionId ?? own ?? '', s.namespace), { state: s.registrationState });
  }

  /** The namespace's state in the subscription, transitions settled by the clock. */
  state(subscriptionId: string, namespace: string): RegistrationState {
    const entry = this.entries.get(key(subscriptionId, namespace));
    if (!entry) return 'Registered';
    if (entry.settlesAt !== undefined && Date.now() >= entry.settlesAt) {
      entry.state = entry.state === 'Registering' ? 'Registered' : 'NotRegistered';
      entry.settlesAt = undefined;
    }
    return entry.state;
  }

  /** The provider endpoints; a 409 for a request to an unregistered namespace; undefined for the rest. */
  handle(req: ArmRequest): ArmReply | undefined {
    const m = PROVIDER_PATH.exec(req.path);
    if (m) return this.provider(req, m[1]!, m[2]!, m[3]?.toLowerCase() as 'register' | 'unregister');
    const target = NAMESPACE_IN_PATH.exec(req.path);
    if (target && this.known(target[1]!) && this.state(target[1]!, target[2]!) !== 'Registered')
      throw missingRegistration(MODELLED[target[2]!.toLowerCase()]?.namespace ?? target[2]!);
    return undefined;
  }

  private known(subscriptionId: string): boolean {
    return this.options.subscriptions().some((s) => s.toLowerCase() === subscriptionId.toLowerCase());
  }

  private provider(
    req: ArmRequest,
    subscriptionId: string,
    ns: string,
    action: 'register' | 'unregister' | undefined,
  ): ArmReply {
    const version = req.query.get('api-version') ?? '';
    if (!RESOURCES_API_VERSIONS.includes(version as (typeof RESOURCES_API_VERSIONS)[number]))
      throw armErrors.invalidApiVersion(version, RESOURCES_API_VERSIONS);
    if (!this.known(subscriptionId))
      throw new ArmError(404, {
        code: 'SubscriptionNotFound',
        message: `The subscription '${subscriptionId}' could not be found.`,
      });
    const modelled = MODELLED[ns.toLowerCase()];
    if (!modelled && !BY_DEFAULT.has(ns.toLowerCase()))
      throw new ArmError(404, {
        code: 'InvalidResourceNamespace',
        message: `The resource namespace '${ns}' is invalid.`,
      });
    const namespace = modelled?.namespace ?? REGISTERED_BY_DEFAULT.find((n) => lower(n) === lower(ns))!;
    if (action ? req.method !== 'POST' : req.method !== 'GET')
      throw armErrors.notSupported(req.method, req.path);
    // The register / unregister answer shows the transition it started, as ARM's does.
    const registrationState = action
      ? this.transition(subscriptionId, namespace, action)
      : this.state(subscriptionId, namespace);
    return {
      status: 200,
      headers: {},
      body: {
        id: `/subscriptions/${subscriptionId}/providers/${namespace}`,
        namespace,
        registrationState,
        registrationPolicy: BY_DEFAULT.has(lower(namespace)) ? 'RegistrationFree' : 'RegistrationRequired',
        resourceTypes: (modelled?.resourceTypes ?? []).map((resourceType) => ({
          resourceType,
          locations: [],
        })),
      },
    };
  }

  private transition(
    subscriptionId: string,
    namespace: string,
    action: 'register' | 'unregister',
  ): RegistrationState {
    const now = this.state(subscriptionId, namespace);
    if (action === 'unregister' && BY_DEFAULT.has(lower(namespace)))
      throw new ArmError(409, {
        code: 'UnregisterNotAllowed',
        message: `The namespace '${namespace}' is registered by default on every subscription and cannot be unregistered.`,
      });
    const goal = action === 'register' ? 'Registered' : 'NotRegistered';
    const transitional = action === 'register' ? 'Registering' : 'Unregistering';
    if (now === goal || now === transitional) return now;
    this.entries.set(key(subscriptionId, namespace), {
      state: transitional,
      settlesAt: Date.now() + this.options.registrationMs,
    });
    return transitional;
  }
}

const lower = (s: string) => s.toLowerCase();
const key = (subscriptionId: string, namespace: string) => `${lower(subscriptionId)}|${lower(namespace)}`;

function missingRegistration(namespace: string): ArmError {
  const message = `The subscription is not registered to use namespace '${namespace}'. See https://aka.ms/rps-not-found for how to register subscriptions.`;
  return new ArmError(409, {
    code: 'MissingSubscriptionRegistration',
    message,
    details: [{ code: 'MissingSubscriptionRegistration', target: namespace, message }],
  });
}
