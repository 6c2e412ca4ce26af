// Azure Functions apps as ARM shows them to a deployer: `GET .../providers/Microsoft.Web/sites/{app}/functions/
// {fn}` answers 200 with the function's envelope once the function is indexed, and the Web resource provider's
// 404 `NotFound` "Error retrieving function." before. A function is declared by the world file (`functions`)
// or registered through the admin API, with the local URL where Event Grid delivery reaches it (the stand-in
// for https://{app}.azurewebsites.net/runtime/webhooks/EventGrid?functionName={fn}).
import type { ArmReply } from './request.js';
import type { Store } from './store.js';

export interface FunctionRegistration {
  /** `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Web/sites/{app}/functions/{fn}` */
  resourceId: string;
  /** Where Event Grid delivery posts events for this function (http or https on 127.0.0.1). */
  url?: string;
}

/** Microsoft.Web api-versions the emulator accepts for the function read. */
export const WEB_API_VERSIONS = [
  '2022-03-01',
  '2022-09-01',
  '2023-01-01',
  '2023-12-01',
  '2024-04-01',
  '2024-11-01',
];

const FUNCTION_ID =
  /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.web\/sites\/([^/]+)\/functions\/([^/]+)$/iu;

const reply = (status: number, body: unknown): ArmReply => ({ status, headers: {}, body });
const error = (status: number, code: string, message: string): ArmReply =>
  reply(status, { error: { code, message } });

export class FunctionApps {
  private seeded: FunctionRegistration[] = [];
  private registered = new Map<string, FunctionRegistration>();

  constructor(
    private readonly store: Store,
    seed: FunctionRegistration[] = [],
    /** Functions known elsewhere (Event Grid's function endpoints): they exist too. */
    private readonly knownElsewhere: (resourceId: string) => boolean = () => false,
  ) {
    seed.forEach((f, i) => {
      this.check(f, `functions[${i}]`);
    });
    this.seeded = seed.map((f) => ({ ...f }));
    this.reset();
  }

  /** Adds or replaces a function (it "is indexed" from now on). */
  register(f: FunctionRegistration): FunctionRegistration {
    this.check(f, 'registerFunction');
    const entry = { ...f };
    this.registered.set(f.resourceId.toLowerCase(), entry);
    return { ...entry };
  }

  unregister(resourceId: string): boolean {
    return this.registered.delete(resourceId.toLowerCase());
  }

  /** The local URL events for this function go to, if it is registered with one. */
  endpointOf(functionResourceId: string): string | undefined {
    return this.registered.get(functionResourceId.toLowerCase())?.url;
  }

  list(): FunctionRegistration[] {
    return [...this.registered.values()].map((f) => ({ ...f }));
  }

  /** Back to the world's functions. */
  reset(): void {
    this.registered = new Map(this.seeded.map((f) => [f.resourceId.toLowerCase(), { ...f }]));
  }

  /** Admin `POST /_emulator/functions` (body: a FunctionRegistration); undefined for any other admin path. */
  admin(method: string, path: string, raw: string): ArmReply | undefined {
    if (`${method} ${path.toLowerCase().replace(/\/$/u, '')}` !== 'POST /_emulator/functions')
      return undefined;
    return reply(201, this.register(JSON.parse(raw || 'null') as FunctionRegistration));
  }

  /** Serves `Microsoft.Web/sites/{app}/functions/{fn}` requests; undefined for any other path. */
  handle(method: string, path: string, query: URLSearchParams): ArmReply | undefined {
    const m = FUNCTION_ID.exec(path.replace(/\/$/u, ''));
    if (!m) return undefined;
    const version = query.get('api-version');
    if (!version)
      return error(
        400,
        'MissingApiVersionParameter',
        'The api-version query parameter (?api-version=) is required for all requests.',
      );
    if (!WEB_API_VERSIONS.includes(version))
      return error(
        400,
        'NoRegisteredProviderFound',
        `No registered resource provider found for API version '${version}' for type 'sites/functions'. The supported api-versions are '${WEB_API_VERSIONS.join(', ')}'.`,
      );
    if (method !== 'GET')
      return error(
        405,
        'MethodNotAllowed',
        `The emulator serves only GET on ${path}: functions are created by deploying the app.`,
      );
    const [, sub, rg, app, fn] = m as unknown as [string, string, string, string, string];
    if (sub.toLowerCase() !== this.store.subscriptionId.toLowerCase())
      return error(404, 'SubscriptionNotFound', `The subscription '${sub}' could not be found.`);
    const group = this.store.group(rg);
    // A deployed function stands for its app: its group need not be in the world.
    const siteId = `/subscriptions/${this.store.subscriptionId}/resourceGroups/${group?.name ?? rg}/providers/Microsoft.Web/sites/${app}`;
    const functionId = `${siteId}/functions/${fn}`;
    if (this.registered.has(functionId.toLowerCase()) || this.knownElsewhere(functionId))
      return reply(200, envelope(siteId, app, fn, group?.location || 'eastus'));
    // The app's group is often not modelled in a world: an unknown group means an unknown site here.
    if (!group || !this.siteExists(siteId))
      return error(
        404,
        'ResourceNotFound',
        `The Resource 'Microsoft.Web/sites/${app}' under resource group '${group?.name ?? rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
      );
    return error(404, 'NotFound', 'Error retrieving function.');
  }

  /** A site exists when the store holds it or a function of it is registered. */
  private siteExists(siteId: string): boolean {
    if (this.store.get(siteId)) return true;
    const prefix = `${siteId}/functions/`.toLowerCase();
    return [...this.registered.keys()].some((k) => k.startsWith(prefix));
  }

  private check(f: FunctionRegistration, where: string): void {
    if (!f || typeof f.resourceId !== 'string' || !FUNCTION_ID.test(f.resourceId))
      throw new Error(
        `${where}: field 'resourceId': expected /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Web/sites/{app}/functions/{name}, got ${JSON.stringify(f?.resourceId)}`,
      );
    if (f.url !== undefined) {
      let url: URL | undefined;
      try {
        url = new URL(f.url);
      } catch {
        url = undefined;
      }
      if (
        !url ||
        !/^https?:$/u.test(url.protocol) ||
        !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)
      )
        throw new Error(
          `${where}: field 'url': expected an http(s) URL on 127.0.0.1, got ${JSON.stringify(f.url)}`,
        );
    }
  }
}

/** The function's envelope in the Web RP's GET shape (FunctionEnvelope). */
function envelope(siteId: string, app: string, fn: string, location: string): Record<string, unknown> {
  const host = `${app.toLowerCase()}.azurewebsites.net`;
  return {
    id: `${siteId}/functions/${fn}`,
    name: `${app}/${fn}`,
    type: 'Microsoft.Web/sites/functions',
    location,
    properties: {
      name: fn,
      function_app_id: siteId,
      script_root_path_href: null,
      script_href: null,
      config_href: null,
      test_data_href: null,
      secrets_file_href: null,
      href: null,
      config: {
        name: fn,
        entryPoint: '',
        scriptFile: 'index.js',
        language: 'node',
        bindings: [{ name: 'eventGridTrigger', type: 'eventGridTrigger', direction: 'in' }],
      },
      files: null,
      test_data: null,
      invoke_url_template: `https://${host}/runtime/webhooks/eventgrid?functionName=${fn}`,
      language: 'node',
      isDisabled: false,
    },
  };
}
