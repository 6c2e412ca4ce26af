// docs/deploy.md: the real Bicep checks, one runbook entry per alert rule, and the outputs it uses.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, readInfra } from './bicep.js';

const doc = readFileSync(join(REPO_ROOT, 'docs/deploy.md'), 'utf8');

describe('docs/deploy.md', () => {
  it('names az bicep build and azd provision --preview as the checks to run', () => {
    expect(doc).toContain('az bicep build --file infra/main.bicep');
    expect(doc).toContain('azd provision --preview');
  });

  it('has one runbook entry per alert rule', () => {
    const rules = [...readInfra('app/alerts.bicep').matchAll(/^\s+name: '(podroutes-[a-z-]+)'$/gmu)].map(
      (m) => m[1]!,
    );
    expect(rules).toHaveLength(7);
    const headings = [...doc.matchAll(/^### (podroutes-[a-z-]+):/gmu)].map((m) => m[1]!);
    expect(headings.sort()).toEqual(rules.sort());
  });

  it('covers deploy, verify, operate, tear down and cost', () => {
    for (const h of ['## Deploy', '## Verify', '## Operate', '## Tear down', '## Cost estimate'])
      expect(doc).toContain(h);
  });

  it("names every event type of the hook's filter, and says how many there are", () => {
    const filter = JSON.parse(readFileSync(join(REPO_ROOT, 'infra/event-filter.json'), 'utf8')) as {
      includedEventTypes: string[];
    };
    const words = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight'];
    expect(doc).toContain(`the ${words[filter.includedEventTypes.length]} event types`);
    for (const type of filter.includedEventTypes) expect(doc).toContain(type.split('.').pop());
  });

  it('uses only azd outputs that main.bicep declares', () => {
    const outputs = [...readInfra('main.bicep').matchAll(/^output (\w+) /gmu)].map((m) => m[1]!);
    for (const m of doc.matchAll(/"\$(AZURE_[A-Z_]+|EVENT_GRID_[A-Z_]+|CLUSTER_[A-Z_]+)"/gu)) {
      expect(outputs).toContain(m[1]);
    }
  });
});
