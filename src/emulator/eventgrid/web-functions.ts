// Microsoft.Web, only as far as Event Grid's AzureFunction destinations need it: the functions the emulator
// knows (those mapped to a local URL, see EventGridOptions.functionEndpoints) can be read through ARM, so a
// deploy script can wait for "the function exists" before subscribing (`az rest` GET of
// .../sites/{app}/functions/{function}, or the list of a site's functions). Shape: WebApps_GetFunction's
// FunctionEnvelope (the fields a caller checks). Anything else under Microsoft.Web is not served.

import { armErrors } from '../errors.js';
import type { ArmReply, ArmRequest } from '../request.js';
import type { Store } from '../store.js';

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

const FUNCTIONS =
  /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.web\/sites\/([^/]+)\/functions(?:\/([^/]+))?\/?$/iu;

export class WebFunctions {
  constructor(
    private readonly store: Store,
    /** Function resource ids (any case) known to exist. */
    private readonly known: () => string[],
  ) {}

  handle(req: ArmRequest, apiVersion: string): ArmReply | undefined {
    if (!/\/providers\/microsoft\.web\//iu.test(req.path)) return undefined;
    const m = FUNCTIONS.exec(req.path);
    if (!m || req.method !== 'GET') throw armErrors.notSupported(req.method, req.path);
    if (!WEB_API_VERSIONS.includes(apiVersion as (typeof WEB_API_VERSIONS)[number]))
      throw armErrors.noRegisteredProvider('global', apiVersion, 'sites/functions', WEB_API_VERSIONS, [
        'global',
      ]);
    // The app's group need not be in the world: a mapped function stands for a deployed app.
    const rg = this.store.group(m[2]!)?.name ?? m[2]!;
    const site = `/subscriptions/${this.store.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Web/sites/${m[3]}`;
    const functions = this.known().filter((id) =>
      id.toLowerCase().startsWith(`${site.toLowerCase()}/functions/`),
    );
    if (functions.length === 0) throw armErrors.resourceNotFound(`Microsoft.Web/sites/${m[3]}`, rg);
    const envelope = (id: string) => {
      const name = id.split('/').pop()!;
      return {
        id,
        name: `${m[3]}/${name}`,
        type: 'Microsoft.Web/sites/functions',
        properties: { name, function_app_id: site, language: 'node', isDisabled: false },
      };
    };
    if (m[4] === undefined) return { status: 200, headers: {}, body: { value: functions.map(envelope) } };
    const hit = functions.find((id) => id.toLowerCase() === `${site}/functions/${m[4]}`.toLowerCase());
    if (!hit) throw armErrors.resourceNotFound(`Microsoft.Web/sites/${m[3]}/functions/${m[4]}`, rg);
    return { status: 200, headers: {}, body: envelope(hit) };
  }
}
