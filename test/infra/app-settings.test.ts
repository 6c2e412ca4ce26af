// Every engine setting (ENGINE_SETTING_KEYS) is an app setting in Bicep and in local.settings.sample.json, and
// nothing else is, besides the documented allow-list in infra/settings-allowlist.json.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENGINE_SETTING_KEYS } from '../../src/config.js';
import { INFRA_DIR, lexBicep, objectKeys, REPO_ROOT, readInfra, varValueIndex } from './bicep.js';

const allowList = JSON.parse(readFileSync(join(INFRA_DIR, 'settings-allowlist.json'), 'utf8')) as {
  functionApp: Record<string, string>;
  localSettings: Record<string, string>;
};
const main = lexBicep(readInfra('main.bicep'));
const fn = lexBicep(readInfra('app/function.bicep'));
const engineKeys = objectKeys(main, varValueIndex(main, 'engineSettings'));
const platformKeys = objectKeys(fn, varValueIndex(fn, 'platformSettings'));
const sorted = (xs: Iterable<string>) => [...xs].sort();

describe('Function app settings in Bicep', () => {
  it('set every engine setting, and only those, in main.bicep engineSettings', () => {
    expect(sorted(engineKeys)).toEqual(sorted(ENGINE_SETTING_KEYS));
    expect(new Set(engineKeys).size).toBe(engineKeys.length);
  });

  it('add exactly the allow-listed host/platform settings in app/function.bicep', () => {
    expect(sorted(platformKeys)).toEqual(sorted(Object.keys(allowList.functionApp)));
    expect(platformKeys.filter((k) => (ENGINE_SETTING_KEYS as readonly string[]).includes(k))).toEqual([]);
    for (const [key, why] of Object.entries(allowList.functionApp))
      expect(why.length, key).toBeGreaterThan(10);
  });

  it('are the union of both and nothing else (one appsettings resource)', () => {
    expect(fn.source.match(/name: 'appsettings'/gu)).toHaveLength(1);
    expect(fn.source).toMatch(/name: 'appsettings'\s+properties: union\(platformSettings, engineSettings\)/u);
    expect(main.source).toMatch(/engineSettings: engineSettings/u);
    // No siteConfig.appSettings array that would add unchecked settings.
    expect(fn.source).not.toMatch(/appSettings: \[/u);
  });

  it('use identity-based storage and Entra ID ingestion with the user-assigned identity', () => {
    expect(fn.source).toMatch(/AzureWebJobsStorage__credential: 'managedidentity'/u);
    expect(fn.source).toMatch(/AzureWebJobsStorage__clientId: identityClientId/u);
    expect(fn.source).toMatch(/AZURE_CLIENT_ID: identityClientId/u);
    expect(fn.source).toMatch(
      /APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD;ClientId=\$\{identityClientId\}'/u,
    );
    expect(fn.source).toMatch(/RECONCILE_SCHEDULE: reconcileSchedule/u);
    expect(main.source).toMatch(/param reconcileSchedule string = '0 \*\/5 \* \* \* \*'/u);
  });
});

describe('local.settings.sample.json', () => {
  const path = join(REPO_ROOT, 'local.settings.sample.json');

  it('exists at the repository root', () => {
    expect(existsSync(path), 'local.settings.sample.json is missing at the repo root').toBe(true);
  });

  it('lists every engine setting plus the local allow-list, and nothing else, with no secrets', () => {
    if (!existsSync(path)) throw new Error('local.settings.sample.json is missing at the repo root');
    const sample = JSON.parse(readFileSync(path, 'utf8')) as {
      IsEncrypted?: boolean;
      Values: Record<string, string>;
    };
    expect(sample.IsEncrypted).toBe(false);
    const keys = Object.keys(sample.Values);
    expect(sorted(keys)).toEqual(sorted([...ENGINE_SETTING_KEYS, ...Object.keys(allowList.localSettings)]));
    expect(sample.Values.FUNCTIONS_WORKER_RUNTIME).toBe('node');
    expect(sample.Values.AzureWebJobsStorage).toBe('UseDevelopmentStorage=true');
    expect(sample.Values.APPLICATIONINSIGHTS_CONNECTION_STRING).toBe('');
    expect(sample.Values.RECONCILE_SCHEDULE).toBe('0 */5 * * * *');
    for (const [key, value] of Object.entries(sample.Values)) {
      expect(typeof value, key).toBe('string');
      expect(value, key).not.toMatch(/AccountKey=|SharedAccessSignature=|InstrumentationKey=|sig=|secret/iu);
    }
  });
});
