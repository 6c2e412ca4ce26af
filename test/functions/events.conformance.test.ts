// Conformance (reads AZURE_REFERENCE_DIR, see test/support/reference.ts): the resource events the handler tests
// feed in (test/functions/helpers.ts, written in this repository) have the keys of Azure's published samples,
// envelope and data alike, and their data validates against the official schema (Resources.json, 2018-01-01).
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { readReferenceJson } from '../support/reference.js';
import { IDS, type Kind, type Schema, sampleEvent, untouchedSample } from './helpers.js';

type Json = Record<string, unknown>;
/** Keys, lower-cased: one stored CloudEvents sample spells `specVersion`, the CloudEvents spec `specversion`. */
const keys = (o: unknown): string[] =>
  Object.keys(o as object)
    .map((k) => k.toLowerCase())
    .sort();

const DATA_DEFINITIONS: Record<Kind, string> = {
  write: 'ResourceWriteSuccessData',
  delete: 'ResourceDeleteSuccessData',
  action: 'ResourceActionSuccessData',
};

const cases: Array<[Schema, Kind]> = (['event-grid-schema', 'cloud-events-schema'] as const).flatMap(
  (schema) => (['write', 'delete', 'action'] as const).map((kind): [Schema, Kind] => [schema, kind]),
);

describe('the test events have the shape of Azure Resource Manager system topic events', () => {
  const spec = readReferenceJson<{ definitions: Record<string, object> }>('resourceEventsSchema');
  const ajv = new Ajv({ strict: false, allErrors: true });

  it.each(cases)(
    '%s, %s: same keys as the official sample, data valid against the schema',
    (schema, kind) => {
      const official = readReferenceJson<Json & { data: Json }>(`${schema}/${kind}`);
      for (const ours of [
        untouchedSample(schema, kind),
        sampleEvent(schema, kind, IDS.vm, 'Microsoft.Compute/virtualMachines/write'),
      ] as Array<Json & { data: Json }>) {
        expect(keys(ours)).toEqual(keys(official));
        expect(keys(ours.data)).toEqual(keys(official.data));
        expect(keys(ours.data.authorization)).toEqual(keys(official.data.authorization));
        if (official.data.httpRequest !== undefined)
          expect(keys(ours.data.httpRequest)).toEqual(keys(official.data.httpRequest));
        const type = (official.eventType ?? official.type) as string;
        expect(ours.eventType ?? ours.type).toBe(type);
        const valid = ajv.compile({
          ...spec.definitions[DATA_DEFINITIONS[kind]],
          definitions: spec.definitions,
        });
        expect(valid(ours.data), JSON.stringify(valid.errors)).toBe(true);
      }
    },
  );
});
