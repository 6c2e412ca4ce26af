// azd postdeploy hook (called by postdeploy.sh and postdeploy.ps1; plain Node ESM, no dependencies): subscribes
// reconcileOnResourceChange to the Event Grid system topic of every distinct (subscription, resource group) of the
// fleet: the groups of clusters.json (`CLUSTERS_FILE`, main.bicep's output when the file lists clusters) when set,
// else the cluster, route-table and vnet groups of the single-cluster settings (a group's system topic only emits
// events for resources inside it).
//
// - Checks every input against ARM before its first write (each group, the Function app, the identity, the
//   dead-letter account and container): a typo writes nothing anywhere.
// - Registers Microsoft.EventGrid in each subscription it writes to when needed (a fresh subscription has it
//   unregistered), waiting for Registered; or fails at once naming the `az provider register` command to run.
// - Reuses a group's existing system topic whatever its name (Azure allows one per source), else creates one.
// - The subscription: destination AzureFunction (the function's resource id) in the app's subscription; in
//   another subscription a WebHook to the function's Event Grid extension URL (docs/deploy.md, "Several
//   subscriptions", says why); the filter and retry policy of
//   infra/event-filter.json, dead letters to the dead-letter container with the app's user-assigned identity
//   (`deadLetterWithResourceIdentity`; that identity is added to a reused topic, nothing else on it changes).
// - Waits until the function is indexed (Event Grid validates the endpoint), with a bounded timeout.
// - Idempotent: it reads before it writes and compares the whole definition it manages (a hand-edited
//   subjectBeginsWith, expiration, schema or label is put back with one PUT); a second run changes nothing.
// - Its waits last as long as its messages say (`POSTDEPLOY_WAIT_SECONDS`, polled every
//   `POSTDEPLOY_POLL_SECONDS`).
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
export const RESOURCES_API = '2021-04-01';
export const IDENTITY_API = '2023-01-31';
export const STORAGE_API = '2023-05-01';
const NAMESPACE = 'Microsoft.EventGrid';
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
/** The fleet file, relative to the project root: main.bicep's output `clusters.json` (empty: no fleet). */
export const FLEET_FILE_ENV = 'CLUSTERS_FILE';

export class HookError extends Error {}

/** Reads and checks the hook's inputs; every problem names the value and what was expected. */
export function readInputs(env, readFile = (f) => readFileSync(f, 'utf8')) {
  const fleetFile = (env[FLEET_FILE_ENV] ?? '').trim();
  const v = {};
  for (const name of ENV_NAMES) {
    const value = (env[name] ?? '').trim();
    const optional = OPTIONAL.has(name) || (fleetFile && name === 'CLUSTER_RESOURCE_GROUP');
    if (!value && !optional)
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
  const subscriptionId = app[1];
  const targets = fleetFile
    ? fleetTargets(parseFleetFile(fleetFile, readFile), fleetFile)
    : distinctTargets(
        [cluster, v.ROUTE_TABLE_RESOURCE_GROUP || cluster, v.VNET_RESOURCE_GROUP || cluster].map(
          (resourceGroup) => ({ subscriptionId, resourceGroup }),
        ),
      );
  return {
    subscriptionId,
    functionAppId: v.AZURE_FUNCTION_APP_ID,
    identityId: v.AZURE_FUNCTION_IDENTITY_ID,
    topicName: v.EVENT_GRID_SYSTEM_TOPIC_NAME,
    deadLetter: {
      containerId: v.DEAD_LETTER_CONTAINER_ID,
      storageAccountId: container[1],
      containerName: container[2],
    },
    targets,
  };
}

function parseFleetFile(file, readFile) {
  let text;
  try {
    text = readFile(file);
  } catch (err) {
    throw new HookError(`${FLEET_FILE_ENV} ${file}: cannot be read (${err.message})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HookError(`${FLEET_FILE_ENV} ${file}: is not valid JSON (${err.message})`);
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/iu;
const GROUP = /^[-\w.()]{1,90}$/u;

/** A string field of the fleet file, checked; `fallback` when absent and allowed. */
function field(obj, key, where, pattern, fallback) {
  const value = obj?.[key] ?? fallback;
  if (typeof value !== 'string' || !pattern.test(value))
    throw new HookError(
      `${where}.${key}: expected ${pattern === GUID ? 'a subscription id (GUID)' : 'a resource group name'}, got ${JSON.stringify(obj?.[key])}`,
    );
  return value;
}

const list = (obj, key, where) => {
  const value = obj?.[key] ?? [];
  if (!Array.isArray(value)) throw new HookError(`${where}.${key}: expected an array`);
  return value;
};

/**
 * Every (subscription, group) of the fleet whose resources the app watches: each cluster's worker groups, its
 * route tables' groups and their subnets' vnet groups (an omitted subscriptionId is the cluster's; a subnet's
 * omitted resourceGroup is its table's).
 */
export function fleetTargets(fleet, file = 'clusters.json') {
  const clusters = list(fleet, 'clusters', file);
  if (clusters.length === 0) throw new HookError(`${file}: 'clusters' lists no cluster`);
  const found = [];
  clusters.forEach((c, i) => {
    const at = `${file}: clusters[${i}]`;
    const sub = field(c, 'subscriptionId', at, GUID);
    list(c, 'workers', at).forEach((w, j) => {
      const wAt = `${at}.workers[${j}]`;
      found.push({
        subscriptionId: field(w, 'subscriptionId', wAt, GUID, sub),
        resourceGroup: field(w, 'resourceGroup', wAt, GROUP),
      });
    });
    list(c, 'routeTables', at).forEach((t, j) => {
      const tAt = `${at}.routeTables[${j}]`;
      const tableSub = field(t, 'subscriptionId', tAt, GUID, sub);
      const tableGroup = field(t, 'resourceGroup', tAt, GROUP);
      found.push({ subscriptionId: tableSub, resourceGroup: tableGroup });
      list(t, 'subnets', tAt).forEach((s, k) => {
        const group = field(s, 'resourceGroup', `${tAt}.subnets[${k}]`, GROUP, tableGroup);
        found.push({ subscriptionId: tableSub, resourceGroup: group });
      });
    });
  });
  return distinctTargets(found);
}

/** Subscription ids and group names are case-insensitive: one entry per pair, first spelling kept. */
export function distinctTargets(targets) {
  const seen = new Map();
  for (const t of targets) {
    const key = `${t.subscriptionId.toLowerCase()}/${t.resourceGroup.toLowerCase()}`;
    if (!seen.has(key)) seen.set(key, t);
  }
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

/**
 * Where events go: the function itself (AzureFunction) when the topic is in the app's subscription; otherwise
 * the function's Event Grid extension URL with its system key (WebHook), the route Azure documents across
 * subscriptions. Nothing in Azure's sources establishes an AzureFunction destination in another subscription (the
 * spec's resourceId has no scope rule and no doc or az help mentions it); the WebHook is documented: Microsoft's
 * answer in MicrosoftDocs/azure-docs#50290, Functions' event-grid-how-tos (URL with the `eventgrid_extension`
 * system key from `host/default/listkeys`; the extension answers the validation handshake). docs/deploy.md,
 * "Several subscriptions", has the sources.
 */
export function destinationFor(target, inputs, filter, webhookUrl) {
  const batch = { maxEventsPerBatch: 1, preferredBatchSizeInKilobytes: 64 };
  if (target.subscriptionId.toLowerCase() === inputs.subscriptionId.toLowerCase())
    return {
      endpointType: 'AzureFunction',
      properties: { resourceId: `${inputs.functionAppId}/functions/${filter.functionName}`, ...batch },
    };
  if (!webhookUrl) throw new HookError(`no Event Grid extension URL for ${inputs.functionAppId}`);
  return { endpointType: 'WebHook', properties: { endpointUrl: webhookUrl, ...batch } };
}

/**
 * PUT body of the event subscription: the whole definition the hook manages, Event Grid's defaults spelled out
 * (no subject filter, case-insensitive, no labels, no expiration), so that a comparison sees any edit.
 */
export function eventSubscriptionBody(filter, { functionAppId, identityId, deadLetter }, destination) {
  return {
    properties: {
      destination: destination ?? {
        endpointType: 'AzureFunction',
        properties: {
          resourceId: `${functionAppId}/functions/${filter.functionName}`,
          maxEventsPerBatch: 1,
          preferredBatchSizeInKilobytes: 64,
        },
      },
      filter: {
        includedEventTypes: filter.includedEventTypes,
        subjectBeginsWith: '',
        subjectEndsWith: '',
        isSubjectCaseSensitive: false,
        enableAdvancedFilteringOnArrays: true,
        advancedFilters: filter.advancedFilters.map((f) => ({
          operatorType: f.operatorType,
          key: f.key,
          values: f.values,
        })),
      },
      labels: [],
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

/** What Event Grid fills in or keeps secret: not part of the definition compared. */
const READ_ONLY = new Set(['provisioningState', 'topic', 'endpointUrl']);

/** Comparable form: read-only fields, null, '' and empty arrays/objects dropped, ARM ids lower-cased. */
function normalized(value) {
  if (Array.isArray(value)) {
    const items = value.map(normalized).filter((v) => v !== undefined);
    return items.length ? items : undefined;
  }
  if (value && typeof value === 'object') {
    const out = {};
    for (const key of Object.keys(value).sort()) {
      if (READ_ONLY.has(key)) continue;
      const v = normalized(value[key]);
      if (v !== undefined) out[key] = v;
    }
    return Object.keys(out).length ? out : undefined;
  }
  if (value === null || value === '') return undefined;
  if (typeof value === 'string' && /^\/subscriptions\//iu.test(value)) return value.toLowerCase();
  return value;
}

/** A WebHook's URL is a secret: Event Grid shows its base (scheme, host, path) as endpointBaseUrl. */
function asStored(properties) {
  const url = properties.destination?.properties?.endpointUrl;
  if (properties.destination?.endpointType !== 'WebHook' || !url) return properties;
  const u = new URL(url);
  const destination = structuredClone(properties.destination);
  destination.properties.endpointBaseUrl = `${u.origin}${u.pathname}`;
  return { ...properties, destination };
}

/** True when the stored subscription's whole definition equals the wanted body's (nothing more, nothing less). */
export function sameDefinition(stored, wanted) {
  return (
    JSON.stringify(normalized(stored?.properties ?? {})) ===
    JSON.stringify(normalized(asStored(wanted.properties)))
  );
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
  if (/\bForbidden\(/u.test(r.stderr)) return { forbidden: true, message: r.stderr };
  throw new HookError(`az rest --method ${method} ${url} failed: ${r.stderr || 'no message'}`);
}

const sleep = (s) => new Promise((resolve) => setTimeout(resolve, s * 1000));

/**
 * Polls until `probe` returns a value. Gives up only once `timeoutS` seconds have passed (never earlier, and
 * later by at most one probe), so the message's "after N s" is what happened.
 */
export async function waitFor(probe, { timeoutS, pollS, timeoutMessage }) {
  const started = Date.now();
  const deadline = started + timeoutS * 1000;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    const left = deadline - Date.now();
    if (left <= 0)
      throw new HookError(`${timeoutMessage} (waited ${((Date.now() - started) / 1000).toFixed(1)} s)`);
    await sleep(Math.min(pollS, left / 1000));
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

/**
 * Every input checked against ARM, reads only, before the first write: each target group, the Function app,
 * the identity, the dead-letter account and container. All problems in one message. Returns the site.
 */
function checkInputs(inputs, scratch) {
  const problems = [];
  const read = (id, api, what) => {
    const r = armCall('get', `${id}?api-version=${api}`, undefined, scratch);
    if (r.notFound) problems.push(`${what} ${id} was not found`);
    else if (r.forbidden)
      problems.push(`${what} ${id} cannot be read by the signed-in account: ${r.message}`);
    return r.body;
  };
  for (const t of inputs.targets)
    read(
      `/subscriptions/${t.subscriptionId}/resourceGroups/${t.resourceGroup}`,
      RESOURCES_API,
      'resource group',
    );
  const site = read(inputs.functionAppId, WEB_API, 'Function app');
  read(inputs.identityId, IDENTITY_API, 'user-assigned identity');
  if (read(inputs.deadLetter.storageAccountId, STORAGE_API, 'dead-letter storage account'))
    read(inputs.deadLetter.containerId, STORAGE_API, 'dead-letter container');
  if (problems.length)
    throw new HookError(
      `nothing was changed: ${problems.join('; ')}. Fix the azd values or ${FLEET_FILE_ENV} (azd env set ...), then run: azd hooks run postdeploy`,
    );
  return site;
}

const registerCommand = (sub) => `az provider register --namespace ${NAMESPACE} --subscription ${sub} --wait`;

/**
 * Microsoft.EventGrid registered in every subscription the hook writes to: registers it where it is not (a
 * fresh subscription: the hook's PUTs would get 409 MissingSubscriptionRegistration) and waits for Registered;
 * fails at once, naming the command, when the account may not register it.
 */
async function ensureRegistered(subscriptions, timing, scratch) {
  const pending = [];
  for (const sub of subscriptions) {
    const url = `/subscriptions/${sub}/providers/${NAMESPACE}?api-version=${RESOURCES_API}`;
    const state = armCall('get', url, undefined, scratch).body?.registrationState;
    if (state === 'Registered') continue;
    if (state !== 'Registering') {
      log(`${sub}: registering resource provider ${NAMESPACE} (it is ${state ?? 'unknown'})`);
      const r = armCall('post', url.replace('?', '/register?'), undefined, scratch);
      if (r.forbidden || r.notFound)
        throw new HookError(
          `the subscription ${sub} is not registered to use ${NAMESPACE} and the signed-in account may not register it (${r.message}): ask an owner to run '${registerCommand(sub)}', then run: azd hooks run postdeploy`,
        );
    }
    pending.push({ sub, url });
  }
  for (const { sub, url } of pending) {
    log(`${sub}: waiting for ${NAMESPACE} to be Registered (up to ${timing.timeoutS} s)`);
    await waitFor(
      () =>
        armCall('get', url, undefined, scratch).body?.registrationState === 'Registered' ? true : undefined,
      {
        ...timing,
        timeoutMessage: `${NAMESPACE} is still not Registered in subscription ${sub} after ${timing.timeoutS} s: run '${registerCommand(sub)}', then: azd hooks run postdeploy`,
      },
    );
  }
}

/** The function's Event Grid extension URL with its system key (for WebHook destinations). */
function webhookUrl(inputs, site, filter, scratch) {
  const host = site?.properties?.defaultHostName;
  const keys = armCall(
    'post',
    `${inputs.functionAppId}/host/default/listkeys?api-version=${WEB_API}`,
    undefined,
    scratch,
  ).body;
  const code = keys?.systemKeys?.eventgrid_extension;
  if (!host || !code)
    throw new HookError(
      `cannot build the Event Grid URL of ${inputs.functionAppId} (defaultHostName or the eventgrid_extension system key is missing): is the function deployed? Then run: azd hooks run postdeploy`,
    );
  return `https://${host}/runtime/webhooks/EventGrid?functionName=${encodeURIComponent(filter.functionName)}&code=${encodeURIComponent(code)}`;
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
async function ensureTopic(inputs, target, timing, scratch) {
  const group = target.resourceGroup;
  const groupId = `/subscriptions/${target.subscriptionId}/resourceGroups/${group}`;
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
  if (!current.notFound && sameDefinition(current.body, body)) {
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
    const site = checkInputs(inputs, scratch);
    const subscriptions = [...new Set(inputs.targets.map((t) => t.subscriptionId.toLowerCase()))];
    await waitForFunction(inputs, filter, wait, scratch);
    await ensureRegistered(subscriptions, wait, scratch);
    const crossSubscription = inputs.targets.some(
      (t) => t.subscriptionId.toLowerCase() !== inputs.subscriptionId.toLowerCase(),
    );
    const url = crossSubscription ? webhookUrl(inputs, site, filter, scratch) : undefined;
    const outcomes = [];
    for (const target of inputs.targets) {
      const topicId = await ensureTopic(inputs, target, wait, scratch);
      const body = eventSubscriptionBody(filter, inputs, destinationFor(target, inputs, filter, url));
      const outcome = await ensureSubscription(topicId, body, filter.subscriptionName, wait, scratch);
      outcomes.push(`${target.resourceGroup}: ${outcome}`);
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
