// Azure's published reference material (specs, examples, recorded ARM traffic), read by the conformance suite
// (`npm run test:conformance`, files `*.conformance.test.ts`) from AZURE_REFERENCE_DIR, default
// ../shared/azure-reference beside the repository. Nothing of it is copied into this repository; a missing
// directory or file fails the suite with what is missing and where Azure publishes it (never a silent skip).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const SPECS = 'https://github.com/Azure/azure-rest-api-specs/blob/main';
const NETWORK = 'specification/network/resource-manager/Microsoft.Network/stable/2026-01-01';
const EVENTS = 'specification/eventgrid/data-plane/Microsoft.Resources/stable/2018-01-01';
const EVENTGRID = 'specification/eventgrid/resource-manager/Microsoft.EventGrid/stable/2025-02-15';

/** A file of Azure/azure-rest-api-specs kept at its repository path under specs/. */
const spec = (path: string) => ({ path: `specs/${path}`, source: `${SPECS}/${path}` });

/** Every file the conformance suite reads: its path under the reference dir, and where Azure publishes it. */
const REFERENCE_FILES = {
  oavRouteTableSpec: {
    path: `oav-minimal/${NETWORK}/routeTable.json`,
    source: `${SPECS}/${NETWORK}/routeTable.json (next to it: network.json from the same folder, and a stub virtualNetwork.json defining only "Subnet", see the reference dir's README)`,
  },
  oavNetworkSpec: {
    path: `oav-minimal/${NETWORK}/network.json`,
    source: `${SPECS}/${NETWORK}/network.json`,
  },
  oavVirtualNetworkStub: {
    path: `oav-minimal/${NETWORK}/virtualNetwork.json`,
    source:
      'a stub written for the reference dir (a loosely typed definitions/Subnet), because the real virtualNetwork.json pulls in most of the Network spec',
  },
  cliRecording: {
    path: 'recordings/azure-cli/test_network_route_table_operation.yaml',
    source:
      'https://github.com/Azure/azure-cli/blob/dev/src/azure-cli/azure/cli/command_modules/network/tests/latest/recordings/test_network_route_table_operation.yaml',
  },
  resourceEventsSchema: spec(`${EVENTS}/Resources.json`),
  eventGridSpec: spec(`${EVENTGRID}/EventGrid.json`),
  'eventGridExample/SystemTopics_Get': spec(`${EVENTGRID}/examples/SystemTopics_Get.json`),
  'eventGridExample/SystemTopicEventSubscriptions_Get': spec(
    `${EVENTGRID}/examples/SystemTopicEventSubscriptions_Get.json`,
  ),
  'eventGridExample/SystemTopicEventSubscriptions_Update': spec(
    `${EVENTGRID}/examples/SystemTopicEventSubscriptions_Update.json`,
  ),
  networkInterfaceSpec: spec(`${NETWORK}/networkInterface.json`),
  routeTableSpec: spec(`${NETWORK}/routeTable.json`),
  effectiveRouteTableExample: spec(`${NETWORK}/examples/NetworkInterfaceEffectiveRouteTableList.json`),
  ...Object.fromEntries(
    (['event-grid-schema', 'cloud-events-schema'] as const).flatMap((schema) =>
      (['write', 'delete', 'action'] as const).map((kind) => [
        `${schema}/${kind}`,
        spec(`${EVENTS}/examples/${schema}/resource_${kind}_success.json`),
      ]),
    ),
  ),
} as const satisfies Record<string, { path: string; source: string }>;

export type ReferenceFile =
  | keyof typeof REFERENCE_FILES
  | `${'event-grid-schema' | 'cloud-events-schema'}/${'write' | 'delete' | 'action'}`;

/** AZURE_REFERENCE_DIR, or ../shared/azure-reference beside the repository. */
function referenceDir(): string {
  const fromEnv = process.env.AZURE_REFERENCE_DIR?.trim();
  return fromEnv ? resolve(fromEnv) : resolve(repoRoot, '../shared/azure-reference');
}

function entry(file: ReferenceFile): { path: string; source: string } {
  return (REFERENCE_FILES as Record<string, { path: string; source: string }>)[file]!;
}

/** The files that are not there, each with where Azure publishes it; empty when everything is in place. */
export function missingReferenceFiles(): string[] {
  const dir = referenceDir();
  return Object.values(REFERENCE_FILES as Record<string, { path: string; source: string }>)
    .filter((f) => !existsSync(join(dir, f.path)))
    .map((f) => `  ${join(dir, f.path)}\n    from ${f.source}`);
}

export function missingReferenceMessage(missing: string[]): string {
  const dir = referenceDir();
  const where = existsSync(dir)
    ? `${missing.length} file(s) missing under ${dir}:`
    : `the directory ${dir} does not exist; the suite needs:`;
  return [
    `Azure reference material for the conformance suite is missing: ${where}`,
    ...missing,
    'Set AZURE_REFERENCE_DIR to a folder holding these files at these relative paths (Azure/azure-rest-api-specs',
    'files keep their repository paths under specs/ and oav-minimal/; the azure-cli recording goes under',
    'recordings/azure-cli/). `npm test` does not need them.',
  ].join('\n');
}

/** Absolute path of a reference file; throws the "what is missing, where Azure publishes it" message if absent. */
export function referencePath(file: ReferenceFile): string {
  const path = join(referenceDir(), entry(file).path);
  if (!existsSync(path))
    throw new Error(missingReferenceMessage([`  ${path}\n    from ${entry(file).source}`]));
  return path;
}

export function readReference(file: ReferenceFile): string {
  return readFileSync(referencePath(file), 'utf8');
}

export function readReferenceJson<T = Record<string, unknown>>(file: ReferenceFile): T {
  return JSON.parse(readReference(file)) as T;
}
