// The deployment's own resources as ARM reads them, so that a deploy hook can check its inputs before it writes:
// `GET` of a Function app (Microsoft.Web/sites), a user-assigned identity (Microsoft.ManagedIdentity), a storage
// account and one of its blob containers (Microsoft.Storage, `.../blobServices/default/containers/{name}`).
// Sites, identities and accounts are world resources (generic, GET shape); containers are listed in the world's
// `blobContainers` (their resource ids). A missing one is ARM's 404 ResourceNotFound (top level) or the storage
// provider's 404 ContainerNotFound ("The specified container does not exist.").
import { ArmError, armErrors } from './errors.js';
import { defaultHostName, WEB_API_VERSIONS } from './functionapps.js';
import type { ArmReply, ArmRequest } from './request.js';
import type { Store } from './store.js';

/** api-versions by namespace (Azure's registered ones, newest first; abridged to those clients send). */
const VERSIONS: Record<string, readonly string[]> = {
  'microsoft.web': WEB_API_VERSIONS,
  'microsoft.managedidentity': ['2024-11-30', '2023-07-31-preview', '2023-01-31', '2018-11-30'],
  'microsoft.storage': [
    '2025-01-01',
    '2024-01-01',
    '2023-05-01',
    '2023-01-01',
    '2022-09-01',
    '2022-05-01',
    '2021-09-01',
    '2021-06-01',
    '2021-04-01',
    '2019-06-01',
  ],
};
const TYPES: Record<string, string> = {
  'microsoft.web/sites': 'Microsoft.Web/sites',
  'microsoft.managedidentity/userassignedidentities': 'Microsoft.ManagedIdentity/userAssignedIdentities',
  'microsoft.storage/storageaccounts': 'Microsoft.Storage/storageAccounts',
};
const TOP = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/([^/]+)\/([^/]+)\/([^/]+)\/?$/iu;
const CONTAINER =
  /^(\/subscriptions\/[^/]+\/resourcegroups\/([^/]+)\/providers\/microsoft\.storage\/storageaccounts\/([^/]+))\/blobservices\/default\/containers\/([^/]+)\/?$/iu;

export class AppResources {
  private containers = new Set<string>();

  constructor(
    private readonly store: Store,
    containers: readonly string[],
  ) {
    for (const c of containers) this.containers.add(c.toLowerCase().replace(/\/$/u, ''));
  }

  /** The GET of a site, identity, storage account or container; undefined for other paths. */
  handle(req: ArmRequest): ArmReply | undefined {
    const c = CONTAINER.exec(req.path);
    if (c) return this.container(req, c[1]!, c[2]!, c[3]!, c[4]!);
    const m = TOP.exec(req.path);
    const type = m && TYPES[`${m[3]!.toLowerCase()}/${m[4]!.toLowerCase()}`];
    if (!m || !type) return undefined;
    this.check(req, m[3]!, type);
    const id = `/subscriptions/${m[1]}/resourceGroups/${m[2]}/providers/${type}/${m[5]}`;
    const found = this.store.get(id);
    if (!found || !this.store.group(m[2]!, this.store.subscription(m[1]!) ?? m[1]))
      throw this.notFound(m[2]!, `${type}/${m[5]}`);
    const body = this.store.view(found);
    // A site shows its host name (Site.properties.defaultHostName, read-only; WebApps.json).
    if (type === 'Microsoft.Web/sites')
      body.properties = {
        ...((body.properties as object | undefined) ?? {}),
        defaultHostName: defaultHostName(found),
      };
    return { status: 200, headers: {}, body };
  }

  private container(req: ArmRequest, accountId: string, rg: string, account: string, name: string): ArmReply {
    this.check(req, 'Microsoft.Storage', 'Microsoft.Storage/storageAccounts/blobServices/containers');
    if (!this.store.get(accountId) || !this.store.group(rg))
      throw this.notFound(rg, `Microsoft.Storage/storageAccounts/${account}`);
    const id = `${accountId}/blobServices/default/containers/${name}`;
    if (!this.containers.has(id.toLowerCase()))
      throw new ArmError(404, {
        code: 'ContainerNotFound',
        message: 'The specified container does not exist.',
      });
    return {
      status: 200,
      headers: {},
      body: {
        id: `${this.store.get(accountId)!.id as string}/blobServices/default/containers/${name}`,
        name,
        type: 'Microsoft.Storage/storageAccounts/blobServices/containers',
        properties: { publicAccess: 'None', hasImmutabilityPolicy: false, hasLegalHold: false },
      },
    };
  }

  private check(req: ArmRequest, namespace: string, type: string): void {
    if (req.method !== 'GET') throw armErrors.notSupported(req.method, req.path);
    const versions = VERSIONS[namespace.toLowerCase()] ?? [];
    const version = req.query.get('api-version') ?? '';
    if (!versions.includes(version))
      throw armErrors.noRegisteredProvider('global', version, type.split('/').slice(1).join('/'), versions, [
        'global',
      ]);
  }

  private notFound(rg: string, typeAndName: string): ArmError {
    if (!this.store.group(rg)) return armErrors.resourceGroupNotFound(rg);
    return armErrors.resourceNotFound(typeAndName, rg);
  }
}
