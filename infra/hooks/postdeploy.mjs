// azd postdeploy hook (called by postdeploy.sh and postdeploy.ps1; plain Node ESM, no dependencies): subscribes
// reconcileOnResourceChange to the Event Grid system topic of every distinct resource group among the cluster,
// route-table and vnet groups (a group's system topic only emits events for resources inside it).
//
// - Reuses a group's existing system topic whatever its name (Azure allows one per source), else creates one.
// - The subscription: destination AzureFunction (the function's resource id), the filter and retry policy of
//   infra/event-filter.json, dead letters to the dead-letter container with the app's user-assigned identity
//   (`deadLetterWithResourceIdentity`; that identity is added to a reused topic, nothing else on it changes).
// - Waits until the function is indexed (Event Grid validates the endpoint), with a bounded timeout.
// - Idempotent: it reads before it writes and writes only what differs; a second run changes nothing.
// Only `az rest` (JSON bodies from files) and `az account show` are used: they work on every az version, unlike
// `az eventgrid`, whose arguments differ between versions. Bodies follow the Event Grid management API
// 2025-02-15 (test/deploy/hook-body.conformance.test.ts checks them against the official spec).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const EVENTGRID_API = '2025-02-15';
export const WEB_API = '2024-04-01';
const HERE = dirname(fileURLToPath(import.meta.url));
export const FILTER_FILE = join(HERE, '..', 'event-filter.json');

/** The azd environment values this hook reads (main.bicep outputs); test/infra checks each is an output. */
export const ENV_NAMES = [
  'AZURE_FUNCTION_APP_ID',
  'AZURE_FUNCTION_IDENTITY_ID',
  'CLUSTER_RESOURCE_GROUP',
  'ROUTE_TABLE_RESOURCE_GROUP',
  'VNET_RESOURCE_GROUP',
  'EVENT_GRID_SYSTEM_TOPIC_NAME',
  'DEAD_LETTER_CONTAINER_ID',
];
const OPTIONAL = new Set(['ROUTE_TABLE_RESOURCE_GROUP', 'VNET_RESOURCE_GROUP']);

export class HookError extends Error {}

/** Reads and checks the hook's inputs; every problem names the value and what was expected. */
export function readInputs(env) {
  const v = {};
  for (const name of ENV_NAMES) {
    const value = (env[name] ?? '').trim();
    if (!value && !OPTIONAL.has(name))
      throw new HookError(
        `azd environment value ${name} is missing (did 'azd provision' succeed? run: azd hooks run postdeploy)`,
      );
    v[name] = value;
  }
  const app =
    /^\/subscriptions\/([^/]+)\/resourceGroups\/[^/]+\/providers\/Microsoft\.Web\/sites\/([^/]+)$/iu.exec(
      v.AZURE_FUNCTION_APP_ID,
    );
  if (!app)
    throw new HookError(
      `AZURE_FUNCTION_APP_ID: expected /subscriptions/{id}/resourceGroups/{rg}/providers/Microsoft.Web/sites/{name}, got '${v.AZURE_FUNCTION_APP_ID}'`,
    );
  if (
    !/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\/[^/]+$/iu.test(
      v.AZURE_FUNCTION_IDENTITY_ID,
    )
  )
    throw new HookError(
      `AZURE_FUNCTION_IDENTITY_ID: expected a user-assigned identity resource id, got '${v.AZURE_FUNCTION_IDENTITY_ID}'`,
    );
  const container =
    /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Storage\/storageAccounts\/[^/]+)\/blobServices\/default\/containers\/([^/]+)$/iu.exec(
      v.DEAD_LETTER_CONTAINER_ID,
    );
  if (!container)
    throw new HookError(
      `DEAD_LETTER_CONTAINER_ID: expected {storage account id}/blobServices/default/containers/{name}, got '${v.DEAD_LETTER_CONTAINER_ID}'`,
    );
  const cluster = v.CLUSTER_RESOURCE_GROUP;
  return {
    subscriptionId: app[1],
    functionAppId: v.AZURE_FUNCTION_APP_ID,
    identityId: v.AZURE_FUNCTION_IDENTITY_ID,
    topicName: v.EVENT_GRID_SYSTEM_TOPIC_NAME,
    deadLetter: { storageAccountId: container[1], containerName: container[2] },
    groups: distinctGroups([
      cluster,
      v.ROUTE_TABLE_RESOURCE_GROUP || cluster,
      v.VNET_RESOURCE_GROUP || cluster,
    ]),
  };
}

/** Resource group names are case-insensitive: one entry per group, first spelling kept. */
export function distinctGroups(names) {
  const seen = new Map();
  for (const n of names) if (!seen.has(n.toLowerCase())) seen.set(n.toLowerCase(), n);
  return [...seen.values()];
}

export function readFilter(file = FILTER_FILE) {
  const f = JSON.parse(readFileSync(file, 'utf8'));
  for (const key of [
    'functionName',
    'subscriptionName',
    'includedEventTypes',
    'advancedFilters',
    'retryPolicy',
  ])
    if (f[key] === undefined) throw new HookError(`${file}: field '${key}' is missing`);
  return f;
}

/** PUT body of a new resource-group system topic, with the app identity attached for dead-lettering. */
export function systemTopicBody(groupId, identityId) {
  return {
    location: 'global',
    identity: { type: 'UserAssigned', userAssignedIdentities: { [identityId]: {} } },
    properties: { source: groupId, topicType: 'Microsoft.Resources.ResourceGroups' },
  };
}

/** PUT body that adds the app identity to an existing topic, keeping its own identities and everything else. */
export function topicWithIdentity(topic, identityId) {
  const current = topic.identity ?? {};
  const hasSystem = /SystemAssigned/u.test(current.type ?? '');
  const users = {};
  for (const id of Object.keys(current.userAssignedIdentities ?? {})) users[id] = {};
  users[identityId] = {};
  return {
    location: topic.location,
    ...(topic.tags ? { tags: topic.tags } : {}),
    identity: {
      type: hasSystem ? 'SystemAssigned, UserAssigned' : 'UserAssigned',
      userAssignedIdentities: users,
    },
    properties: { source: topic.properties.source, topicType: topic.properties.topicType },
  };
}

/** PUT body of the event subscription. */
export function eventSubscriptionBody(filter, { functionAppId, identityId, deadLetter }) {
  return {
    properties: {
      destination: {
        endpointType: 'AzureFunction',
        properties: {
          resourceId: `${functionAppId}/functions/${filter.functionName}`,
          maxEventsPerBatch: 1,
          preferredBatchSizeInKilobytes: 64,
        },
      },
      filter: {
        includedEventTypes: filter.includedEventTypes,
        advancedFilters: filter.advancedFilters.map((f) => ({
          operatorType: f.operatorType,
          key: f.key,
          values: f.values,
        })),
      },
      eventDeliverySchema: 'EventGridSchema',
      retryPolicy: {
        maxDeliveryAttempts: filter.retryPolicy.maxDeliveryAttempts,
        eventTimeToLiveInMinutes: filter.retryPolicy.eventTimeToLiveInMinutes,
      },
      deadLetterWithResourceIdentity: {
        identity: { type: 'UserAssigned', userAssignedIdentity: identityId },
        deadLetterDestination: {
          endpointType: 'StorageBlob',
          properties: {
            resourceId: deadLetter.storageAccountId,
            blobContainerName: deadLetter.containerName,
          },
        },
      },
    },
  };
}

/** True when every field of `wanted` is in `actual` with the same value (ids compared case-insensitively). */
export function covers(actual, wanted) {
  if (Array.isArray(wanted))
    return (
      Array.isArray(actual) && actual.length === wanted.length && wanted.every((w, i) => covers(actual[i], w))
    );
  if (wanted && typeof wanted === 'object') {
    if (!actual || typeof actual !== 'object') return false;
    return Object.entries(wanted).every(([k, w]) => {
      const key = Object.keys(actual).find((a) => a.toLowerCase() === k.toLowerCase());
      return key !== undefined && covers(actual[key], w);
    });
  }
  if (typeof wanted === 'string' && typeof actual === 'string' && wanted.startsWith('/subscriptions/'))
    return wanted.toLowerCase() === actual.toLowerCase();
  return actual === wanted;
}

// ------------------------------------------------------------------ az

function azCommand(args) {
  // On Windows az is az.cmd: run it through the shell, each argument quoted (no argument holds a quote).
  if (process.platform === 'win32') return { file: 'az', args: args.map((a) => `"${a}"`), shell: true };
  return { file: 'az', args, shell: false };
}

/** Runs az; returns { ok, stdout, stderr }. */
export function az(args) {
  const c = azCommand(args);
  const r = spawnSync(c.file, c.args, { encoding: 'utf8', shell: c.shell, maxBuffer: 64 * 1024 * 1024 });
  if (r.error)
    throw new HookError(`could not run az (${r.error.message}): install the Azure CLI and run 'az login'`);
  return { ok: r.status === 0, stdout: r.stdout ?? '', stderr: (r.stderr ?? '').trim() };
}

/** An ARM call through `az rest`: parsed body, or { notFound: true } on 404; throws on any other error. */
export function armCall(method, url, body, scratch) {
  const args = ['rest', '--method', method, '--url', url, '--output', 'json'];
  if (body !== undefined) {
    const file = join(scratch, 'body.json');
    writeFileSync(file, JSON.stringify(body));
    args.push('--body', `@${file}`, '--headers', 'Content-Type=application/json');
  }
  const r = az(args);
  if (r.ok) return { body: r.stdout.trim() ? JSON.parse(r.stdout) : undefined };
  if (/\bNot Found\(/u.test(r.stderr)) return { notFound: true, message: r.stderr };
  throw new HookError(`az rest --method ${method} ${url} failed: ${r.stderr || 'no message'}`);
}

const sleep = (s) => new Promise((resolve) => setTimeout(resolve, s * 1000));

/** Polls until `probe` returns a value; throws `timeoutMessage` after `timeoutS` seconds. */
export async function waitFor(probe, { timeoutS, pollS, timeoutMessage }) {
  const deadline = Date.now() + timeoutS * 1000;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() + pollS * 1000 > deadline) throw new HookError(timeoutMessage);
    await sleep(pollS);
  }
}

// ------------------------------------------------------------------ steps

const log = (line) => console.log(`postdeploy: ${line}`);

async function waitForFunction(inputs, filter, timing, scratch) {
  const url = `${inputs.functionAppId}/functions/${filter.functionName}?api-version=${WEB_API}`;
  log(`waiting for function ${filter.functionName} to be indexed (up to ${timing.timeoutS} s)`);
  await waitFor(() => (armCall('get', url, undefined, scratch).notFound ? undefined : true), {
    ...timing,
    timeoutMessage: `function ${filter.functionName} is still not indexed on ${inputs.functionAppId} after ${timing.timeoutS} s: check the deployment ('azd deploy'), then run: azd hooks run postdeploy`,
  });
}

/** Waits for a resource written through `az rest` (which does not poll) to leave its transitional state. */
async function settled(url, what, timing, scratch) {
  return waitFor(
    () => {
      const r = armCall('get', url, undefined, scratch);
      const state = r.body?.properties?.provisioningState;
      if (state === 'Failed' || state === 'Canceled')
        throw new HookError(`${what} ended ${state}: ${JSON.stringify(r.body)}`);
      return !r.notFound && (state === undefined || state === 'Succeeded') ? r.body : undefined;
    },
    {
      ...timing,
      timeoutMessage: `${what} did not reach provisioningState Succeeded within ${timing.timeoutS} s`,
    },
  );
}

/** The group's system topic (reused or created), carrying the app identity. Returns its id. */
async function ensureTopic(inputs, group, timing, scratch) {
  const groupId = `/subscriptions/${inputs.subscriptionId}/resourceGroups/${group}`;
  const list = armCall(
    'get',
    `${groupId}/providers/Microsoft.EventGrid/systemTopics?api-version=${EVENTGRID_API}`,
    undefined,
    scratch,
  );
  if (list.notFound) throw new HookError(`resource group '${group}' was not found: ${list.message}`);
  const existing = (list.body?.value ?? []).find(
    (t) => String(t.properties?.source ?? '').toLowerCase() === groupId.toLowerCase(),
  );
  let name = inputs.topicName;
  let body = systemTopicBody(groupId, inputs.identityId);
  if (existing) {
    name = existing.name;
    const ids = Object.keys(existing.identity?.userAssignedIdentities ?? {}).map((k) => k.toLowerCase());
    if (ids.includes(inputs.identityId.toLowerCase())) {
      log(`${group}: system topic ${name} exists with the app identity (unchanged)`);
      return existing.id;
    }
    body = topicWithIdentity(existing, inputs.identityId);
    log(`${group}: reusing system topic ${name}; adding the app identity for dead letters`);
  } else log(`${group}: creating system topic ${name}`);
  const url = `${groupId}/providers/Microsoft.EventGrid/systemTopics/${name}?api-version=${EVENTGRID_API}`;
  armCall('put', url, body, scratch);
  const topic = await settled(url, `system topic ${name}`, timing, scratch);
  return topic?.id ?? `${groupId}/providers/Microsoft.EventGrid/systemTopics/${name}`;
}

async function ensureSubscription(topicId, body, name, timing, scratch) {
  const url = `${topicId}/eventSubscriptions/${name}?api-version=${EVENTGRID_API}`;
  const current = armCall('get', url, undefined, scratch);
  if (!current.notFound && covers(current.body, body)) {
    log(`  event subscription ${name} is up to date (unchanged)`);
    return 'unchanged';
  }
  log(`  ${current.notFound ? 'creating' : 'updating'} event subscription ${name}`);
  armCall('put', url, body, scratch);
  await settled(url, `event subscription ${name}`, timing, scratch);
  return current.notFound ? 'created' : 'updated';
}

export async function main(env = process.env) {
  const inputs = readInputs(env);
  const filter = readFilter();
  const account = az(['account', 'show', '--output', 'json']);
  if (!account.ok)
    throw new HookError(
      `az is not logged in (${account.stderr}): run 'az login', then: azd hooks run postdeploy`,
    );
  const wait = {
    timeoutS: Number(env.POSTDEPLOY_WAIT_SECONDS || 300),
    pollS: Number(env.POSTDEPLOY_POLL_SECONDS || 10),
  };
  const scratch = mkdtempSync(join(tmpdir(), 'postdeploy-'));
  try {
    await waitForFunction(inputs, filter, wait, scratch);
    const body = eventSubscriptionBody(filter, inputs);
    const outcomes = [];
    for (const group of inputs.groups) {
      const topicId = await ensureTopic(inputs, group, wait, scratch);
      outcomes.push(
        `${group}: ${await ensureSubscription(topicId, body, filter.subscriptionName, wait, scratch)}`,
      );
    }
    log(`done (${outcomes.join('; ')})`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Run as a script (not imported by a test)? Compared by real path: the script's URL has symlinks resolved. */
function invokedDirectly() {
  try {
    return (
      Boolean(process.argv[1]) &&
      realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))
    );
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  main().catch((err) => {
    console.error(`postdeploy: ${err instanceof HookError ? err.message : err.stack}`);
    process.exit(1);
  });
}
