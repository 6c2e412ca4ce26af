// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Bicep interpolations and azd ${VAR} placeholders are literal text here
// Structural checks of infra/**/*.bicep where no Bicep compiler exists. The real checks, where the Bicep CLI
// exists, are `az bicep build --file infra/main.bicep` and `azd provision --preview` (docs/deploy.md).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BicepSyntaxError,
  bicepFiles,
  bracketProblems,
  type Declaration,
  declarations,
  INFRA_DIR,
  isReferenced,
  type LexedBicep,
  lexBicep,
  objectKeys,
  REPO_ROOT,
} from './bicep.js';

/** Every resource type@api-version the templates may use (looked up in the official templates/docs). */
const ALLOWED_RESOURCE_TYPES: Record<string, readonly string[]> = {
  'Microsoft.Resources/resourceGroups': ['2024-03-01'],
  'Microsoft.ManagedIdentity/userAssignedIdentities': ['2023-01-31'],
  'Microsoft.OperationalInsights/workspaces': ['2023-09-01'],
  'Microsoft.Insights/components': ['2020-02-02'],
  'Microsoft.Storage/storageAccounts': ['2023-05-01'],
  'Microsoft.Storage/storageAccounts/blobServices': ['2023-05-01'],
  'Microsoft.Storage/storageAccounts/blobServices/containers': ['2023-05-01'],
  'Microsoft.Web/serverfarms': ['2024-04-01'],
  'Microsoft.Web/sites': ['2024-04-01'],
  'Microsoft.Web/sites/config': ['2024-04-01'],
  'Microsoft.Web/sites/basicPublishingCredentialsPolicies': ['2024-04-01'],
  'Microsoft.Authorization/roleDefinitions': ['2022-04-01'],
  'Microsoft.Authorization/roleAssignments': ['2022-04-01'],
  'Microsoft.Insights/actionGroups': ['2023-01-01'],
  'Microsoft.Insights/scheduledQueryRules': ['2023-12-01'],
  'Microsoft.Insights/metricAlerts': ['2018-03-01'],
  'Microsoft.Insights/workbooks': ['2023-06-01'],
  // Subscription diagnostic settings (REST "Subscription Diagnostic Settings", learn.microsoft.com/rest/api/monitor).
  'Microsoft.Insights/diagnosticSettings': ['2021-05-01-preview'],
};

interface ParsedFile {
  path: string;
  rel: string;
  lexed: LexedBicep;
  decls: Declaration[];
}

const files: ParsedFile[] = bicepFiles().map((path) => {
  const lexed = lexBicep(readFileSync(path, 'utf8'));
  return { path, rel: relative(INFRA_DIR, path), lexed, decls: declarations(lexed) };
});
const byPath = new Map(files.map((f) => [f.path, f]));
const main = files.find((f) => f.rel === 'main.bicep')!;
const outputsOf = (f: ParsedFile) => f.decls.filter((d) => d.kind === 'output').map((d) => d.name);
const paramsOf = (f: ParsedFile) => f.decls.filter((d) => d.kind === 'param');

describe('the Bicep reader itself', () => {
  it('finds unbalanced brackets, ignoring those inside strings and comments', () => {
    expect(bracketProblems(lexBicep("var a = { b: '}' } // )\n"))).toEqual([]);
    expect(bracketProblems(lexBicep("var a = { b: '${x}' \n"))).toEqual(["unclosed '{' from line 1"]);
    expect(bracketProblems(lexBicep('var a = [ 1 )\n'))).not.toEqual([]);
  });

  it('rejects unterminated strings and reads escapes and interpolations', () => {
    expect(() => lexBicep("var a = 'oops\n")).toThrow(BicepSyntaxError);
    const lexed = lexBicep("var a = 'it\\'s ${concat('x', '}')} ok'\nvar b = '''\nraw ' { \n'''\n");
    expect(lexed.strings.map((s) => s.value)).toContain("it's ${concat('x', '}')} ok");
    expect(lexed.strings.find((s) => s.multiline)?.value).toBe("\nraw ' { \n");
    expect(bracketProblems(lexed)).toEqual([]);
  });

  it('reads declarations, object keys and references', () => {
    const lexed = lexBicep(
      "param used string\nparam unused int = 1\nvar o = {\n  used: used\n  nested: { x: 1 }\n  'quoted': 2\n}\n",
    );
    const decls = declarations(lexed);
    expect(decls.map((d) => `${d.kind}:${d.name}:${d.hasDefault}`)).toEqual([
      'param:used:false',
      'param:unused:true',
      'var:o:false',
    ]);
    expect(objectKeys(lexed, lexed.code.indexOf('{'))).toEqual(['used', 'nested', 'quoted']);
    expect(isReferenced(lexed, decls[0]!)).toBe(true);
    expect(isReferenced(lexed, decls[1]!)).toBe(false);
  });
});

describe.each(files.map((f) => [f.rel, f] as const))('%s', (_rel, file) => {
  it('has balanced (), [] and {} outside strings and comments', () => {
    expect(bracketProblems(file.lexed)).toEqual([]);
  });

  it('declares every resource with an allowed type@api-version', () => {
    const resources = file.decls.filter((d) => d.kind === 'resource');
    const keywordCount = [...file.lexed.code.matchAll(/^\s*resource\s/gmu)].length;
    expect(resources).toHaveLength(keywordCount);
    for (const r of resources) {
      const [type, version] = r.detail.split('@');
      expect(version, `${r.name}: '${r.detail}' has no api-version`).toBeTruthy();
      expect(ALLOWED_RESOURCE_TYPES[type!] ?? [], `${r.name}: ${r.detail}`).toContain(version);
    }
  });

  it('uses every param and var', () => {
    const unused = file.decls
      .filter((d) => d.kind === 'param' || d.kind === 'var')
      .filter((d) => !isReferenced(file.lexed, d))
      .map((d) => `${d.kind} ${d.name}`);
    expect(unused).toEqual([]);
  });

  it('references modules that exist, with params they declare and every required one', () => {
    for (const mod of file.decls.filter((d) => d.kind === 'module')) {
      const target = join(dirname(file.path), mod.detail);
      expect(existsSync(target), `module ${mod.name}: ${mod.detail}`).toBe(true);
      const targetFile = byPath.get(target)!;
      const paramsOpen = file.lexed.code.indexOf('params:', mod.index);
      const passed = objectKeys(file.lexed, file.lexed.code.indexOf('{', paramsOpen));
      const declared = paramsOf(targetFile);
      expect(
        passed.filter((p) => !declared.some((d) => d.name === p)),
        `${mod.name} passes unknown params`,
      ).toEqual([]);
      expect(
        declared.filter((d) => !d.hasDefault && !passed.includes(d.name)).map((d) => d.name),
        `${mod.name} misses required params`,
      ).toEqual([]);
    }
  });

  it('only reads module outputs that the module declares', () => {
    const modules = new Map(file.decls.filter((d) => d.kind === 'module').map((d) => [d.name, d.detail]));
    for (const m of file.lexed.code.matchAll(/\b(\w+)(?:\[\w+\])?\.outputs\.(\w+)/gu)) {
      const path = modules.get(m[1]!);
      expect(path, `${m[0]}: ${m[1]} is not a module of ${file.rel}`).toBeDefined();
      const target = byPath.get(join(dirname(file.path), path!))!;
      expect(outputsOf(target), m[0]).toContain(m[2]);
    }
  });

  it('loads only files that exist', () => {
    for (const s of file.lexed.code.matchAll(/\bload(?:Text|Json)Content\(\s*'/gu)) {
      const quote = s.index! + s[0].length - 1;
      const arg = file.lexed.strings.find((x) => x.start === quote)!.value;
      expect(existsSync(join(dirname(file.path), arg)), arg).toBe(true);
    }
  });
});

describe('main.bicep, main.parameters.json, azure.yaml and the hooks', () => {
  const parameters = JSON.parse(readFileSync(join(INFRA_DIR, 'main.parameters.json'), 'utf8')) as {
    parameters: Record<string, { value: unknown }>;
  };
  const mainParams = paramsOf(main);

  it('targets the subscription and passes every parameter main.bicep declares, and no other', () => {
    expect(main.lexed.source).toMatch(/^targetScope = 'subscription'$/mu);
    const given = Object.keys(parameters.parameters);
    expect(given.filter((p) => !mainParams.some((d) => d.name === p))).toEqual([]);
    expect(mainParams.filter((d) => !d.hasDefault && !given.includes(d.name)).map((d) => d.name)).toEqual([]);
  });

  it('wires parameters to azd environment values with the provisioning report defaults', () => {
    const value = (name: string) => parameters.parameters[name]?.value;
    expect(value('environmentName')).toBe('${AZURE_ENV_NAME}');
    expect(value('location')).toBe('${AZURE_LOCATION}');
    expect(value('clusterResourceGroup')).toBe('${CLUSTER_RESOURCE_GROUP=kubernetes}');
    expect(value('routeTableName')).toBe('${ROUTE_TABLE_NAME=kubernetes-routes}');
    expect(value('vnetName')).toBe('${VNET_NAME=kubernetes-vnet}');
    expect(value('subnetName')).toBe('${SUBNET_NAME=kubernetes-subnet}');
    expect(value('clusterCidr')).toBe('${CLUSTER_CIDR=10.200.0.0/16}');
    expect(value('repairIpForwarding')).toBe('${REPAIR_IP_FORWARDING=false}');
    for (const [name, { value: v }] of Object.entries(parameters.parameters)) {
      expect(String(v), name).toMatch(/^\$\{[A-Z_]+(=[^}]*)?\}$/u);
    }
    // Bicep defaults agree with the parameter file defaults.
    for (const [name, def] of [
      ['clusterResourceGroup', 'kubernetes'],
      ['routeTableName', 'kubernetes-routes'],
      ['vnetName', 'kubernetes-vnet'],
      ['subnetName', 'kubernetes-subnet'],
      ['clusterCidr', '10.200.0.0/16'],
    ] as const) {
      expect(main.lexed.source).toContain(`param ${name} string = '${def}'`);
    }
  });

  it('gives the hook every azd value it reads, from main.bicep outputs', () => {
    const outputs = outputsOf(main);
    const hook = readFileSync(join(INFRA_DIR, 'hooks/postdeploy.mjs'), 'utf8');
    const names = /export const ENV_NAMES = \[([^\]]*)\]/u.exec(hook)?.[1] ?? '';
    const reads = [...names.matchAll(/'([A-Z_]+)'/gu)].map((m) => m[1]!);
    expect(reads.length).toBeGreaterThan(5);
    expect(reads.filter((name) => !outputs.includes(name))).toEqual([]);
    // The hook reads its environment only through ENV_NAMES (plus its own tuning knobs).
    const direct = [...hook.matchAll(/\benv\.([A-Z_]+)/gu)].map((m) => m[1]!);
    expect(direct.filter((n) => !n.startsWith('POSTDEPLOY_'))).toEqual([]);
  });

  it('azure.yaml runs hooks that exist, for a function service on bicep in infra/', () => {
    const yaml = readFileSync(join(REPO_ROOT, 'azure.yaml'), 'utf8');
    expect(yaml).toMatch(/^\s+host: function$/mu);
    expect(yaml).toMatch(/^\s+path: infra$/mu);
    expect(yaml).toMatch(/^\s+module: main$/mu);
    const runs = [...yaml.matchAll(/^\s+run: (\S+)$/gmu)].map((m) => m[1]!);
    expect(runs.sort()).toEqual(['./infra/hooks/postdeploy.ps1', './infra/hooks/postdeploy.sh']);
    for (const run of runs) expect(existsSync(join(REPO_ROOT, run)), run).toBe(true);
    // Every output named in azure.yaml's comments exists.
    for (const m of yaml.matchAll(
      /\b(AZURE_[A-Z_]+|CLUSTER_[A-Z_]+|EVENT_GRID_[A-Z_]+|DEAD_LETTER_[A-Z_]+)\b/gu,
    )) {
      expect(outputsOf(main), m[1]).toContain(m[1]);
    }
  });

  it('runs Flex Consumption on Node 22 with identity-based storage and no shared keys or local auth', () => {
    const src = (rel: string) => files.find((f) => f.rel === rel)!.lexed.source;
    expect(src('app/function.bicep')).toMatch(/name: 'FC1'\s+tier: 'FlexConsumption'/u);
    expect(src('app/function.bicep')).toMatch(/runtime: \{\s+name: 'node'\s+version: '22'\s+\}/u);
    expect(src('app/function.bicep')).toMatch(/type: 'UserAssignedIdentity'/u);
    expect(src('app/storage.bicep')).toMatch(/allowSharedKeyAccess: false/u);
    expect(src('app/monitoring.bicep')).toMatch(/DisableLocalAuth: true/u);
    // Monitoring Metrics Publisher for the identity on App Insights.
    expect(src('app/monitoring.bicep')).toContain('3913510d-42f4-4e42-8a64-420c390055eb');
    for (const f of files) {
      expect(f.lexed.source, f.rel).not.toMatch(/AccountKey=|listKeys\(|InstrumentationKey=/u);
    }
  });
});
