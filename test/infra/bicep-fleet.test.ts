// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Bicep interpolations are literal text here
// One fleet file for the app, the Bicep and the deploy hook (issue 19): main.bicep's vars are evaluated as ARM
// would (test/infra/bicep-eval.ts, no Bicep compiler here) and compared with what src/fleet/load.ts and the
// hook's fleetTargets read from the same file: every (subscription, group) of every cluster is an assignable
// scope of the one role and gets one role assignment in its own subscription; a file with no clusters leaves the
// one-cluster deployment as it was.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM hook without type declarations
import { FLEET_FILE_ENV, fleetTargets, readInputs } from '../../infra/hooks/postdeploy.mjs';
import { ConfigError } from '../../src/config.js';
import { loadFleet } from '../../src/fleet/load.js';
import { APP_ROOT, readAppFile } from '../../src/functions/app-file.js';
import { INFRA_DIR, REPO_ROOT } from './bicep.js';
import { BicepEvalError, Context } from './bicep-eval.js';

const APP_SUB = '3f2a7c1e-8b4d-4e6f-9a1b-2c3d4e5f6a7b';
const SUB2 = '9b1d2c3e-4f5a-4b6c-8d7e-0f1a2b3c4d5e';
const SUB3 = '0b7d2a4e-1111-4c2d-9e3f-5a6b7c8d9e0f';
const MAIN = join(INFRA_DIR, 'main.bicep');
const ROLE = join(INFRA_DIR, 'app/cluster-role.bicep');
const FLEET_PATH = '../clusters.json'; // as main.bicep loads it
const ROLE_ID = `/subscriptions/${APP_SUB}/providers/Microsoft.Authorization/roleDefinitions/ROLE-GUID`;
const json = (rel: string) => JSON.parse(readFileSync(join(REPO_ROOT, rel), 'utf8'));
const EXAMPLE = json('examples/clusters.json');
const COMMITTED = json('clusters.json');

interface Group {
  subscriptionId: string;
  resourceGroup: string;
}
const key = (g: Group) => `${g.subscriptionId}/${g.resourceGroup}`.toLowerCase();
const keys = (groups: Group[]) => groups.map(key).sort();
const distinct = (xs: string[]) => [...new Set(xs)].sort();

/** A fleet over three subscriptions: a table and a worker group elsewhere, groups spelt twice, one shared. */
const SPREAD = {
  clusters: [
    {
      name: 'kthw',
      subscriptionId: APP_SUB,
      clusterCidr: '10.200.0.0/16',
      workers: [{ resourceGroup: 'kubernetes' }, { resourceGroup: 'Burst-Nodes', subscriptionId: SUB3 }],
      routeTables: [
        {
          name: 'routes-weu',
          resourceGroup: 'kubernetes',
          subnets: [{ virtualNetwork: 'vnet-weu', name: 'nodes', resourceGroup: 'net-weu' }],
        },
        {
          name: 'routes-neu',
          resourceGroup: 'net-neu',
          subscriptionId: SUB2,
          location: 'northeurope',
          subnets: [
            { virtualNetwork: 'vnet-neu', name: 'nodes' },
            { virtualNetwork: 'hub', name: 'gw', resourceGroup: 'Hub-Network' },
          ],
        },
      ],
    },
    {
      name: 'payments',
      subscriptionId: SUB2.toUpperCase(),
      clusterCidr: '10.240.0.0/16',
      workers: [{ resourceGroup: 'KUBERNETES' }, { resourceGroup: 'hub-network' }],
      routeTables: [
        {
          name: 'payments-routes',
          resourceGroup: 'payments-net',
          subnets: [{ virtualNetwork: 'hub', name: 'payments', resourceGroup: 'Hub-Network' }],
        },
      ],
    },
  ],
};

/** main.bicep evaluated with `fleet` as clusters.json (undefined: the committed file) and these params. */
function mainWith(fleet: unknown, params: Record<string, unknown> = {}) {
  return new Context(MAIN, {
    subscriptionId: APP_SUB,
    params,
    ...(fleet === undefined ? {} : { files: { [FLEET_PATH]: fleet } }),
    globals: {
      clusterRole: { outputs: { roleDefinitionName: 'ROLE-GUID', roleDefinitionId: ROLE_ID } },
      identity: { outputs: { principalId: 'PRINCIPAL' } },
    },
    functions: {
      resourceGroup: (args) =>
        args.length === 1
          ? { subscriptionId: APP_SUB, resourceGroup: args[0] }
          : { subscriptionId: args[0], resourceGroup: args[1] },
      uniqueString: (args) => createHash('sha256').update(args.join('|')).digest('hex').slice(0, 13),
    },
  });
}

/** The groups the app reads for each cluster (src/fleet/load.ts): workers, tables and their subnets. */
function loaderGroups(fleet: unknown): string[] {
  const clusters = loadFleet({ CLUSTERS_FILE: 'clusters.json' }, () => JSON.stringify(fleet));
  return distinct(
    clusters.flatMap(({ config: { cluster } }) =>
      keys([
        ...cluster.workerGroups,
        ...cluster.routeTables,
        ...cluster.routeTables.flatMap((t) => t.subnets),
      ]),
    ),
  );
}

/** A module loop of main.bicep: its item, collection and the body's `field: expression` lines. */
function moduleLoop(name: string) {
  const source = readFileSync(MAIN, 'utf8');
  const m = new RegExp(
    `^module ${name} '([^']+)' = \\[\\n\\s+for (\\w+) in (\\w+): \\{\\n([\\s\\S]*?)\\n\\]`,
    'mu',
  ).exec(source);
  if (!m) throw new Error(`module ${name} is not a loop`);
  const field = (f: string) => new RegExp(`^\\s+${f}: (.+)$`, 'mu').exec(m[4]!)?.[1] ?? '';
  return { path: m[1]!, item: m[2]!, collection: m[3]!, field };
}

/** What each iteration of a module loop deploys: its name, scope and role definition id. */
function assignments(main: Context, name: string) {
  const loop = moduleLoop(name);
  return (main.variable(loop.collection) as unknown[]).map((item) => {
    const at = (f: string) => main.expression(loop.field(f), { [loop.item]: item });
    return {
      name: at('name') as string,
      scope: at('scope') as Group,
      role: at('roleDefinitionId') as string,
    };
  });
}

describe('the Bicep evaluator itself', () => {
  const ctx = mainWith(EXAMPLE);
  it('evaluates what the templates use the way ARM does', () => {
    expect(ctx.expression("'a${toLower('B')}c-${length([1, 2])}'")).toBe('abc-2');
    expect(ctx.expression("union([{ a: 1, b: 'x' }], [{ b: 'x', a: 1 }, 'y'])")).toEqual([
      { a: 1, b: 'x' },
      'y',
    ]);
    expect(ctx.expression('flatten(map([1, 2], x => map([x], y => [x, y])))')).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(ctx.expression("{ a: 1 }.?b ?? 'none'")).toBe('none');
    expect(ctx.expression("!empty([]) ? 'x' : contains('ABC', 'b') && true")).toBe(true);
    expect(ctx.expression("last(split('s/g', '/'))")).toBe('g');
  });

  it('refuses what it does not model instead of guessing', () => {
    expect(() => ctx.expression('reference(x)')).toThrow(BicepEvalError);
    expect(() => ctx.expression('{ a: 1 }.b')).toThrow("no property 'b'");
    expect(() => ctx.expression('nosuchname')).toThrow("unknown name 'nosuchname'");
  });
});

describe('where the fleet file lives', () => {
  it('is clusters.json at the project root: main.bicep loads it by a literal path, names it for the app and the hook', () => {
    const source = readFileSync(MAIN, 'utf8');
    expect(source).toMatch(/^var fleet = loadJsonContent\('\.\.\/clusters\.json'\)$/mu);
    expect(join(INFRA_DIR, FLEET_PATH)).toBe(join(REPO_ROOT, 'clusters.json'));
    const main = mainWith(EXAMPLE);
    expect(main.variable('fleetFileName')).toBe('clusters.json');
    // The same name, relative to the package root (the app) and to the project root (azd runs the hook there).
    const setting = /^\s+clustersFile: (.+)$/mu.exec(source)![1]!;
    const output = /^output CLUSTERS_FILE string = (.+)$/mu.exec(source)![1]!;
    expect(main.expression(setting)).toBe('clusters.json');
    expect(main.expression(output)).toBe('clusters.json');
    expect(mainWith(undefined).expression(setting)).toBe('');
    expect(mainWith(undefined).expression(output)).toBe('');
    expect(readFileSync(join(INFRA_DIR, 'app/function.bicep'), 'utf8')).toMatch(
      /^\s+CLUSTERS_FILE: clustersFile$/mu,
    );
    expect(FLEET_FILE_ENV).toBe('CLUSTERS_FILE');
  });

  it('ships in the app package, and the app reads a relative CLUSTERS_FILE from the package root', () => {
    // .funcignore (gitignore syntax) decides what azd zips: nothing in it may exclude the root clusters.json.
    const patterns = readFileSync(join(REPO_ROOT, '.funcignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    const glob = (p: string) =>
      new RegExp(
        `^${p
          .replace(/^\//u, '')
          .replace(/[.+^${}()|[\]\\]/gu, '\\$&')
          .replace(/\*\*?/gu, '.*')}(/.*)?$`,
        'u',
      );
    let excluded = false;
    for (const p of patterns)
      if (p.startsWith('!')) excluded &&= !glob(p.slice(1)).test('clusters.json');
      else excluded ||= glob(p).test('clusters.json');
    expect(excluded).toBe(false);
    expect(glob('*.json').test('clusters.json')).toBe(true); // the matcher itself
    expect(readAppFile('clusters.json')).toBe(readFileSync(join(REPO_ROOT, 'clusters.json'), 'utf8'));
    expect(join(APP_ROOT, 'clusters.json')).toBe(join(REPO_ROOT, 'clusters.json'));
    // Bundled (npm run build, as azd packages the app), the module sits in dist/functions/index.js, also two
    // levels below the package root, and not in a chunk one level deeper.
    const bundle = join(REPO_ROOT, 'dist/functions');
    const rootLine = 'fileURLToPath(new URL("../..", import.meta.url))';
    expect(readFileSync(join(bundle, 'index.js'), 'utf8')).toContain(rootLine);
    for (const chunk of readdirSync(join(bundle, 'chunks')).filter((f) => f.endsWith('.js')))
      expect(readFileSync(join(bundle, 'chunks', chunk), 'utf8'), chunk).not.toContain(rootLine);
  });

  it('is committed with no clusters: valid for editors, and never loaded as an empty fleet', () => {
    const schema = json('schemas/clusters.schema.json');
    const validate = new Ajv2020({ allErrors: true }).compile(schema);
    expect(validate(COMMITTED), JSON.stringify(validate.errors)).toBe(true);
    expect(COMMITTED.clusters).toEqual([]);
    expect(() => loadFleet({ CLUSTERS_FILE: 'clusters.json' }, readAppFile)).toThrow(ConfigError);
    expect(() => loadFleet({ CLUSTERS_FILE: 'clusters.json' }, readAppFile)).toThrow(
      'CLUSTERS_FILE (clusters.json) clusters: expected at least one cluster',
    );
  });
});

describe.each([
  ['the example fleet', EXAMPLE],
  ['a fleet over three subscriptions', SPREAD],
])('the Bicep of %s', (_name, fleet) => {
  const main = mainWith(fleet);
  const scopes = main.variable('fleetScopes') as Group[];

  it('derives the groups the app loads and the hook subscribes to, from the same file', () => {
    expect(main.variable('isFleet')).toBe(true);
    const app = loaderGroups(fleet);
    expect(app.length).toBeGreaterThan(1);
    expect(keys(scopes)).toEqual(app);
    const files: Record<string, string> = { 'clusters.json': JSON.stringify(fleet) };
    const hook = readInputs(
      {
        AZURE_FUNCTION_APP_ID: `/subscriptions/${APP_SUB}/resourceGroups/rg/providers/Microsoft.Web/sites/f`,
        AZURE_FUNCTION_IDENTITY_ID: `/subscriptions/${APP_SUB}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/i`,
        EVENT_GRID_SYSTEM_TOPIC_NAME: 'evgt',
        DEAD_LETTER_CONTAINER_ID: `/subscriptions/${APP_SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st/blobServices/default/containers/dl`,
        [FLEET_FILE_ENV]: main.variable('fleetFileName') as string,
      },
      (f: string) => files[f],
    );
    expect(distinct(keys(hook.targets))).toEqual(app);
    expect(distinct(keys(fleetTargets(fleet)))).toEqual(app);
  });

  it('names each (subscription, group) once', () => {
    expect(keys(scopes)).toEqual(distinct(keys(scopes)));
  });

  it('assigns the role in each group, in its own subscription, by its id there, and nowhere else', () => {
    const fleetAssignments = assignments(main, 'fleetRoleAssignments');
    expect(moduleLoop('fleetRoleAssignments').path).toBe('app/cluster-role-assignment.bicep');
    expect(keys(fleetAssignments.map((a) => a.scope))).toEqual(loaderGroups(fleet));
    for (const a of fleetAssignments)
      expect(a.role).toBe(
        `/subscriptions/${a.scope.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/ROLE-GUID`,
      );
    expect(new Set(fleetAssignments.map((a) => a.name)).size).toBe(fleetAssignments.length);
    // The one-cluster loop assigns nothing: its default groups are not the fleet's.
    expect(assignments(main, 'clusterRoleAssignments')).toEqual([]);
  });

  it('makes every group an assignable scope of the one role, and nothing else', () => {
    const source = readFileSync(MAIN, 'utf8');
    expect(source).toMatch(/^\s+assignableResourceGroups: singleClusterScopes$/mu);
    expect(source).toMatch(/^\s+fleetResourceGroupIds: fleetScopeIds$/mu);
    expect(source.match(/^module \w+ 'app\/cluster-role\.bicep'/gmu)).toHaveLength(1);
    const role = new Context(ROLE, {
      subscriptionId: APP_SUB,
      params: {
        assignableResourceGroups: main.variable('singleClusterScopes'),
        fleetResourceGroupIds: main.variable('fleetScopeIds'),
      },
    });
    const assignable = (role.variable('assignableScopes') as string[]).map((id) => {
      const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)$/u.exec(id);
      expect(m, id).not.toBeNull();
      return key({ subscriptionId: m![1]!, resourceGroup: m![2]! });
    });
    expect(assignable.sort()).toEqual(loaderGroups(fleet));
  });
});

describe('the changed-by-others alert', () => {
  const watched = (main: Context) => {
    const text = /^\s+watchedRouteTableIds: (.+\n(?:\s+'.*\n)?\s+\])$/mu.exec(
      readFileSync(MAIN, 'utf8'),
    )![1]!;
    return (main.expression(text) as string[]).map((id) => id.toLowerCase()).sort();
  };

  it("watches every route table of the fleet, or the one cluster's", () => {
    const tables = loadFleet({ CLUSTERS_FILE: 'f' }, () => JSON.stringify(SPREAD)).flatMap(({ config }) =>
      config.cluster.routeTables.map(
        (t) =>
          `/subscriptions/${t.subscriptionId}/resourcegroups/${t.resourceGroup}/providers/microsoft.network/routetables/${t.name}`,
      ),
    );
    expect(watched(mainWith(SPREAD))).toEqual(tables.map((id) => id.toLowerCase()).sort());
    expect(watched(mainWith(undefined, { routeTableResourceGroup: 'net' }))).toEqual([
      `/subscriptions/${APP_SUB}/resourcegroups/net/providers/microsoft.network/routetables/kubernetes-routes`,
    ]);
  });
});

describe('NETWORK_RESOURCE_GROUPS in a fleet', () => {
  it('adds groups of the app subscription, or of another as subscriptionId/group, once each', () => {
    const main = mainWith(EXAMPLE, {
      networkResourceGroups: ` nsgs, ${SUB2}/Shared-NAT ,,NSGS,${SUB2}/payments-network`,
    });
    const scopes = keys(main.variable('fleetScopes') as Group[]);
    expect(scopes).toEqual(
      distinct([
        ...loaderGroups(EXAMPLE),
        `${APP_SUB}/nsgs`,
        `${SUB2}/shared-nat`,
        `${SUB2}/payments-network`,
      ]),
    );
    expect(scopes).toEqual(distinct(scopes));
  });
});

describe('without a fleet (the committed clusters.json lists no cluster)', () => {
  // Today's derivation of the one cluster's groups, written out.
  const oneCluster = (p: Record<string, string>) => {
    const cluster = p.clusterResourceGroup ?? 'kubernetes';
    const linked = (p.networkResourceGroups ?? '')
      .split(',')
      .map((g) => g.trim())
      .filter((g) => g !== '');
    return [
      ...new Set([cluster, p.routeTableResourceGroup || cluster, p.vnetResourceGroup || cluster, ...linked]),
    ];
  };

  it.each([
    [{}],
    [{ routeTableResourceGroup: 'net', vnetResourceGroup: 'net' }],
    [{ clusterResourceGroup: 'k8s', vnetResourceGroup: 'vnets', networkResourceGroups: 'nsg, nat,,nsg' }],
  ])('deploys the one cluster as before: %j', (params) => {
    const main = mainWith(undefined, params);
    expect(main.variable('isFleet')).toBe(false);
    expect(main.variable('fleetScopes')).toEqual([]);
    expect(main.variable('singleClusterScopes')).toEqual(oneCluster(params));
    expect(assignments(main, 'fleetRoleAssignments')).toEqual([]);
    const single = assignments(main, 'clusterRoleAssignments');
    expect(single.map((a) => a.scope.resourceGroup)).toEqual(oneCluster(params));
    expect(single.every((a) => a.scope.subscriptionId === APP_SUB && a.role === ROLE_ID)).toBe(true);
    const role = new Context(ROLE, {
      subscriptionId: APP_SUB,
      params: {
        assignableResourceGroups: oneCluster(params),
        fleetResourceGroupIds: main.variable('fleetScopeIds'),
      },
    });
    expect(role.variable('assignableScopes')).toEqual(
      oneCluster(params).map((g) => `/subscriptions/${APP_SUB}/resourceGroups/${g}`),
    );
  });
});
