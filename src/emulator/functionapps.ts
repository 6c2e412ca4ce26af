// Azure Functions apps, as far as ARM and Event Grid see them: the registry of deployed functions, their reads
// through ARM (`GET .../providers/Microsoft.Web/sites/{app}/functions[/{fn}]`: 200 with the FunctionEnvelope
// once the function is indexed, the Web RP's 404 `NotFound` "Error retrieving function." before, 404
// ResourceNotFound for an unknown site), and where Event Grid delivers events for an AzureFunction
// destination (the local stand-in for https://{app}.azurewebsites.net/runtime/webhooks/EventGrid?functionName=
// {fn}). A function is known from the world file (`functions`), `functions.register` / `POST
// /_emulator/functions` (until reset), or Event Grid's function endpoints (`eventGrid.functionEndpoints`,
// `eventGrid.setFunctionEndpoint`: kept across reset), or the `eventGrid.resolveFunction` callback.
//
// The Functions host's front door, for WebHook destinations (an event subscription in another subscription than
// the app, docs/deploy.md "Several subscriptions"):
// - `POST .../sites/{app}/host/default/listkeys` (WebApps_ListHostKeys, web specs' WebApps.json: HostKeys =
//   masterKey, functionKeys, systemKeys). The Event Grid extension's system key `eventgrid_extension` exists
//   once a function using it is indexed (Functions docs, event-grid-how-tos: "The endpoint URL contains a system
//   key"; the host creates an extension's key when it loads the extension).
// - A site's `defaultHostName` is `{app}.azurewebsites.net` (the site GET shows it; a world may set its own).
// - Event Grid's POST to `https://{defaultHostName}/runtime/webhooks/EventGrid?functionName={fn}&code={key}`
//   reaches the function's local URL; the host refuses a missing or wrong key with 401 (its key check; the
//   status is the emulator's reading, not measured) and an unknown function with 404 (FIELD-NOTES §7). The extension answers Event Grid's validation
//   handshake itself (event-grid-how-tos), so a subscription to a valid URL validates without the stand-in.
import { randomBytes } from 'node:crypto';
import { ArmError, armErrors } from './errors.js';
import type { ArmReply, ArmRequest } from './request.js';
import type { Store } from './store.js';

export interface FunctionRegistration {
  /** `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Web/sites/{app}/functions/{fn}` */
  resourceId: string;
  /** Where Event Grid delivery posts events for this function (http or https on 127.0.0.1). */
  url?: string;
}

/** Microsoft.Web api-versions the emulator accepts for the functions reads. */
export const WEB_API_VERSIONS = [
  '2024-11-01',
  '2024-04-01',
  '2023-12-01',
  '2023-01-01',
  '2022-09-01',
  '2022-03-01',
  '2021-03-01',
  '2021-02-01',
  '2021-01-15',
  '2020-12-01',
  '2020-09-01',
  '2020-06-01',
  '2019-08-01',
  '2018-11-01',
  '2018-02-01',
  '2016-08-01',
] as const;

const FUNCTION_ID =
  /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.web\/sites\/([^/]+)\/functions\/([^/]+)$/iu;
const FUNCTIONS_PATH =
  /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.web\/sites\/([^/]+)\/functions(?:\/([^/]+))?\/?$/iu;
const LISTKEYS_PATH =
  /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.web\/sites\/([^/]+)\/host\/default\/listkeys\/?$/iu;
const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]'];
/** The Event Grid extension's webhook path on a Functions host (v2+ runtime). */
const EVENTGRID_WEBHOOK_PATH = '/runtime/webhooks/eventgrid';

/** A Functions key as the host generates them (random, URL-safe base64). */
const newKey = () => `${randomBytes(40).toString('base64url')}==`;

/** The site's host name: the world's `properties.defaultHostName`, else Azure's `{app}.azurewebsites.net`. */
export function defaultHostName(site: Record<string, unknown>): string {
  const own = (site.properties as Record<string, unknown> | undefined)?.defaultHostName;
  return typeof own === 'string' && own ? own : `${lower(String(site.name))}.azurewebsites.net`;
}

/** Where a WebHook POST to a Functions host goes: the function's local URL, or the host's refusal. */
export type WebhookTarget = { url: string } | { status: number };

interface HostKeys {
  masterKey: string;
  defaultFunctionKey: string;
  eventGridKey: string;
}
const lower = (s: string) => s.toLowerCase();

/** The site a functions request addresses, with its canonical ids. */
interface SiteTarget {
  rg: string;
  app: string;
  siteId: string;
  location: string;
  groupKnown: boolean;
}

export class FunctionApps {
  private readonly seeded: FunctionRegistration[];
  /** Registered functions (world + register), by lower-case id: reset goes back to the world's. */
  private registered = new Map<string, FunctionRegistration>();
  /** Event Grid's function endpoints, by lower-case id: { id as given, url }. */
  private readonly endpoints = new Map<string, { id: string; url: string }>();
  /** Each site's host keys, by lower-case site id (made on first use, kept across reset like a deployed app). */
  private readonly keys = new Map<string, HostKeys>();

  constructor(
    private readonly store: Store,
    seed: FunctionRegistration[] = [],
    /** A caller's own mapping of function ids to URLs (EventGridOptions.resolveFunction). */
    private readonly resolve: (resourceId: string) => string | undefined = () => undefined,
  ) {
    seed.forEach((f, i) => {
      check(f, `functions[${i}]`);
    });
    this.seeded = seed.map((f) => ({ ...f }));
    this.reset();
  }

  /** Adds or replaces a function (it "is indexed" from now on). */
  register(f: FunctionRegistration): FunctionRegistration {
    check(f, 'registerFunction');
    const entry = { ...f };
    this.registered.set(lower(f.resourceId), entry);
    return { ...entry };
  }

  unregister(resourceId: string): boolean {
    return this.registered.delete(lower(resourceId));
  }

  /** The local URL a registered function was registered with, if any. */
  endpointOf(functionResourceId: string): string | undefined {
    return this.registered.get(lower(functionResourceId))?.url;
  }

  list(): FunctionRegistration[] {
    return [...this.registered.values()].map((f) => ({ ...f }));
  }

  /** Back to the world's functions (Event Grid's function endpoints stay). */
  reset(): void {
    this.registered = new Map(this.seeded.map((f) => [lower(f.resourceId), { ...f }]));
  }

  /** Maps a function to the local URL its events are POSTed to (undefined removes it). */
  setEndpoint(resourceId: string, url: string | undefined): void {
    if (url === undefined) this.endpoints.delete(lower(resourceId));
    else this.endpoints.set(lower(resourceId), { id: resourceId, url });
  }

  /** Where Event Grid delivers for this function: its endpoint, the caller's resolver, or its registration. */
  deliveryUrl(resourceId: string): string | undefined {
    return (
      this.endpoints.get(lower(resourceId))?.url ?? this.resolve(resourceId) ?? this.endpointOf(resourceId)
    );
  }

  /** Admin `POST /_emulator/functions` (body: a FunctionRegistration); undefined for any other admin path. */
  admin(method: string, path: string, raw: string): ArmReply | undefined {
    if (`${method} ${lower(path).replace(/\/$/u, '')}` !== 'POST /_emulator/functions') return undefined;
    return {
      status: 201,
      headers: {},
      body: this.register(JSON.parse(raw || 'null') as FunctionRegistration),
    };
  }

  /** ARM: `Microsoft.Web/sites/{app}/functions[/{fn}]`, `.../host/default/listkeys`; undefined outside Microsoft.Web. */
  handle(req: ArmRequest, apiVersion: string): ArmReply | undefined {
    if (!/\/providers\/microsoft\.web\//iu.test(req.path)) return undefined;
    const keys = LISTKEYS_PATH.exec(req.path);
    const m = keys ?? FUNCTIONS_PATH.exec(req.path);
    if (!m) throw armErrors.notSupported(req.method, req.path);
    if (!WEB_API_VERSIONS.includes(apiVersion as (typeof WEB_API_VERSIONS)[number]))
      throw armErrors.noRegisteredProvider('global', apiVersion, 'sites/functions', WEB_API_VERSIONS, [
        'global',
      ]);
    if (keys) return this.listKeys(req, this.site(keys[1]!, keys[2]!, keys[3]!));
    if (req.method !== 'GET')
      throw new ArmError(405, {
        code: 'MethodNotAllowed',
        message: `The emulator serves only GET on ${req.path}: functions are created by deploying the app.`,
      });
    const site = this.site(m[1]!, m[2]!, m[3]!);
    return m[4] === undefined ? this.listFunctions(site) : this.getFunction(site, m[4]);
  }

  private site(subInPath: string, rgInPath: string, app: string): SiteTarget {
    const sub = this.store.subscription(subInPath) ?? subInPath;
    const group = this.store.group(rgInPath, sub);
    // A deployed function stands for its app: its group need not be in the world.
    const rg = group?.name ?? rgInPath;
    const siteId = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Web/sites/${app}`;
    return { rg, app, siteId, location: group?.location || 'eastus', groupKnown: group !== undefined };
  }

  /** WebApps_ListHostKeys: POST only; the site must exist; `eventgrid_extension` once a function is indexed. */
  private listKeys(req: ArmRequest, site: SiteTarget): ArmReply {
    if (req.method !== 'POST') throw armErrors.notSupported(req.method, req.path);
    if (!this.store.get(site.siteId) || !site.groupKnown) throw this.siteNotFound(site);
    const k = this.keysOf(site.siteId);
    const indexed = this.functionsOf(site.siteId).length > 0;
    return {
      status: 200,
      headers: {},
      body: {
        masterKey: k.masterKey,
        functionKeys: { default: k.defaultFunctionKey },
        systemKeys: indexed ? { eventgrid_extension: k.eventGridKey } : {},
      },
    };
  }

  private keysOf(siteId: string): HostKeys {
    let k = this.keys.get(lower(siteId));
    if (!k) {
      k = { masterKey: newKey(), defaultFunctionKey: newKey(), eventGridKey: newKey() };
      this.keys.set(lower(siteId), k);
    }
    return k;
  }

  /**
   * A WebHook URL on a site's host name: where the Functions host sends it (the function's local URL), or its
   * refusal (401 without the extension's system key or the master key, 404 for another path or an unknown
   * function); undefined when no site of the world has that host name (Event Grid cannot reach it).
   */
  webhookTarget(endpointUrl: string): WebhookTarget | undefined {
    let url: URL;
    try {
      url = new URL(endpointUrl);
    } catch {
      return undefined;
    }
    const site = this.store
      .list('Microsoft.Web/sites')
      .find((s) => lower(defaultHostName(s)) === lower(url.hostname));
    if (!site) return undefined;
    const siteId = String(site.id);
    if (lower(url.pathname).replace(/\/$/u, '') !== EVENTGRID_WEBHOOK_PATH) return { status: 404 };
    const k = this.keysOf(siteId);
    const code = url.searchParams.get('code') ?? '';
    if (code === '' || (code !== k.eventGridKey && code !== k.masterKey)) return { status: 401 };
    const fn = url.searchParams.get('functionName') ?? '';
    const functionId = `${siteId}/functions/${fn}`;
    if (!fn || !this.exists(functionId)) return { status: 404 };
    const local = this.deliveryUrl(functionId);
    return local ? { url: local } : undefined;
  }

  private exists(functionId: string): boolean {
    const id = lower(functionId);
    return this.registered.has(id) || this.endpoints.has(id) || this.resolve(functionId) !== undefined;
  }

  /** The functions known of a site (registered or with an Event Grid endpoint), ids as given. */
  private functionsOf(siteId: string): string[] {
    const prefix = lower(`${siteId}/functions/`);
    const ids = [...this.registered.values()].map((f) => f.resourceId);
    for (const { id } of this.endpoints.values()) if (!ids.some((k) => lower(k) === lower(id))) ids.push(id);
    return ids.filter((id) => lower(id).startsWith(prefix));
  }

  private siteNotFound(site: SiteTarget): ArmError {
    return armErrors.resourceNotFound(`Microsoft.Web/sites/${site.app}`, site.rg);
  }

  private listFunctions(site: SiteTarget): ArmReply {
    const ids = this.functionsOf(site.siteId);
    if (ids.length === 0 && !this.store.get(site.siteId)) throw this.siteNotFound(site);
    const value = ids.map((id) => envelope(site, id.split('/').pop()!));
    return { status: 200, headers: {}, body: { value } };
  }

  private getFunction(site: SiteTarget, fn: string): ArmReply {
    const functionId = `${site.siteId}/functions/${fn}`;
    if (this.exists(functionId)) return { status: 200, headers: {}, body: envelope(site, fn) };
    // The app's group is often not modelled in a world: an unknown group means an unknown site here.
    const siteExists = this.store.get(site.siteId) !== undefined || this.functionsOf(site.siteId).length > 0;
    if (!site.groupKnown || !siteExists) throw this.siteNotFound(site);
    throw new ArmError(404, { code: 'NotFound', message: 'Error retrieving function.' });
  }
}

function check(f: FunctionRegistration, where: string): void {
  if (!f || typeof f.resourceId !== 'string' || !FUNCTION_ID.test(f.resourceId))
    throw new Error(
      `${where}: field 'resourceId': expected /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Web/sites/{app}/functions/{name}, got ${JSON.stringify(f?.resourceId)}`,
    );
  if (f.url !== undefined && !isLoopbackUrl(f.url))
    throw new Error(
      `${where}: field 'url': expected an http(s) URL on 127.0.0.1, got ${JSON.stringify(f.url)}`,
    );
}

function isLoopbackUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return /^https?:$/u.test(url.protocol) && LOOPBACK.includes(url.hostname);
  } catch {
    return false;
  }
}

/** The function's envelope in the Web RP's GET shape (FunctionEnvelope). */
function envelope(site: SiteTarget, fn: string): Record<string, unknown> {
  const host = `${lower(site.app)}.azurewebsites.net`;
  return {
    id: `${site.siteId}/functions/${fn}`,
    name: `${site.app}/${fn}`,
    type: 'Microsoft.Web/sites/functions',
    location: site.location,
    properties: {
      name: fn,
      function_app_id: site.siteId,
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
