// Conformance (reads AZURE_REFERENCE_DIR, see test/support/reference.ts): the events the emulator raises for ARM
// writes and deletes validate against the official Event Grid data schema (Resources.json, 2018-01-01) and have
// the keys of Azure's published samples.
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { readReferenceJson } from '../support/reference.js';
import { clients, FAST, RG, start } from './helpers.js';

function dataValidator(definition: string) {
  const spec = readReferenceJson<{ definitions: Record<string, object> }>('resourceEventsSchema');
  const ajv = new Ajv({ strict: false, allErrors: true });
  return ajv.compile({ ...spec.definitions[definition], definitions: spec.definitions });
}

const keys = (o: unknown): string[] => Object.keys(o as object).sort();

let emulator: Emulator;

beforeAll(async () => {
  emulator = await start();
});
afterAll(async () => {
  await emulator.stop();
});

describe('events from ARM writes, against the official schema and samples', () => {
  it('write and delete events validate against the official data schema and have the samples keys', async () => {
    const { network } = clients(emulator);
    await network.routeTables.createOrUpdate(RG, 'extra', { location: 'eastus2' }, FAST);
    await network.routeTables.delete(RG, 'extra', FAST);
    const [write, del] = emulator.events;
    expect(write?.data.operationName).toBe('Microsoft.Network/routeTables/write');
    expect(del?.eventType).toBe('Microsoft.Resources.ResourceDeleteSuccess');
    expect(del?.data.operationName).toBe('Microsoft.Network/routeTables/delete');
    const validWrite = dataValidator('ResourceWriteSuccessData');
    const validDelete = dataValidator('ResourceDeleteSuccessData');
    expect(validWrite(write?.data), JSON.stringify(validWrite.errors)).toBe(true);
    expect(validDelete(del?.data), JSON.stringify(validDelete.errors)).toBe(true);
    const writeSample = readReferenceJson('event-grid-schema/write');
    const deleteSample = readReferenceJson('event-grid-schema/delete');
    expect(keys(write)).toEqual(keys(writeSample));
    expect(keys(del)).toEqual(keys(deleteSample));
    expect(keys(del?.data)).toEqual(keys(deleteSample.data));
    // The write sample shows no httpRequest; ARM sends it on writes too (the delete sample has it).
    expect(keys(write?.data).filter((k) => k !== 'httpRequest')).toEqual(keys(writeSample.data));
    expect(keys(write?.data.authorization)).toEqual(
      keys((writeSample.data as { authorization: object }).authorization),
    );
  });

  it('an operation that fails emits ResourceWriteFailure / ResourceDeleteFailure, valid against their data schemas', async () => {
    emulator.reset();
    const { network } = clients(emulator);
    emulator.faults.add({ kind: 'lroFail', method: 'PUT', path: '/routeTables/extra', times: 1 });
    await expect(
      network.routeTables.beginCreateOrUpdateAndWait(RG, 'extra', { location: 'eastus2' }, FAST),
    ).rejects.toThrow();
    await network.routeTables.beginCreateOrUpdateAndWait(RG, 'extra', { location: 'eastus2' }, FAST);
    emulator.faults.add({ kind: 'lroFail', method: 'DELETE', path: '/routeTables/extra', times: 1 });
    await expect(network.routeTables.beginDeleteAndWait(RG, 'extra', FAST)).rejects.toThrow();
    const failures = emulator.events.filter((e) => e.eventType.endsWith('Failure'));
    expect(failures.map((e) => [e.eventType, e.data.operationName, e.data.status])).toEqual([
      ['Microsoft.Resources.ResourceWriteFailure', 'Microsoft.Network/routeTables/write', 'Failed'],
      ['Microsoft.Resources.ResourceDeleteFailure', 'Microsoft.Network/routeTables/delete', 'Failed'],
    ]);
    const validWrite = dataValidator('ResourceWriteFailureData');
    const validDelete = dataValidator('ResourceDeleteFailureData');
    expect(validWrite(failures[0]?.data), JSON.stringify(validWrite.errors)).toBe(true);
    expect(validDelete(failures[1]?.data), JSON.stringify(validDelete.errors)).toBe(true);
    // Same envelope and data keys as the success samples: the schema gives both one shape.
    expect(keys(failures[1])).toEqual(keys(readReferenceJson('event-grid-schema/delete')));
  });
});
