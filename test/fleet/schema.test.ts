// The published JSON Schema (what editors complete clusters.json against) is the zod schema the app validates
// with: regenerate it with `UPDATE_FLEET_SCHEMA=1 npx vitest run test/fleet/schema.test.ts` (then `npx biome format --write schemas`).
import { readFileSync, writeFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { fleetJsonSchema } from '../../src/fleet/schema.js';

const SCHEMA_FILE = 'schemas/clusters.schema.json';
const EXAMPLE_FILE = 'examples/clusters.json';

describe('the published fleet file schema', () => {
  it('is the schema the loader validates with', () => {
    const generated = fleetJsonSchema();
    if (process.env.UPDATE_FLEET_SCHEMA === '1')
      writeFileSync(SCHEMA_FILE, `${JSON.stringify(generated, null, 2)}\n`);
    expect(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8'))).toEqual(generated);
  });

  it('accepts the example fleet, which names it in $schema, and refuses a misspelt setting', () => {
    const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8'));
    const validate = new Ajv2020({ allErrors: true }).compile(schema);
    const example = JSON.parse(readFileSync(EXAMPLE_FILE, 'utf8'));
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
    expect(example.$schema).toBe('../schemas/clusters.schema.json');
    const misspelt = { ...example, clusters: [{ ...example.clusters[0], remediationMod: 'report' }] };
    expect(validate(misspelt)).toBe(false);
  });
});
