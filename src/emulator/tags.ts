// The tags API (Microsoft.Resources/tags at `{resourceId}/providers/Microsoft.Resources/tags/default`): GET,
// PUT (replace) and PATCH with operation Merge, Replace or Delete. It changes only the tags, and emits
// `Microsoft.Resources/tags/write` on the tags resource, as ARM does.

import type { ArmContext } from './context.js';
import { armErrors } from './errors.js';
import { type ArmReply, type ArmRequest, bodyObject, bumpEtag, obj, ok } from './request.js';
import { type Json, parseTopLevelId } from './world.js';

/** The tags after a PUT, or a PATCH with its `operation` (Merge by default). */
function nextTags(method: string, current: Json, body: Json): Json {
  const tags = obj(obj(body.properties).tags);
  if (method === 'PUT') return { ...tags };
  const operation = String(body.operation ?? 'Merge');
  if (operation === 'Replace') return { ...tags };
  if (operation === 'Merge') return { ...current, ...tags };
  if (operation !== 'Delete')
    throw armErrors.cannotParse('operation', "expected 'Merge', 'Replace' or 'Delete'");
  // Delete removes a tag only when its value matches too.
  const kept = { ...current };
  for (const k of Object.keys(tags)) if (kept[k] === tags[k]) delete kept[k];
  return kept;
}

/** Serves the tags resource of `resourceId` (a top-level resource, which must exist). */
export function handleTags(ctx: ArmContext, req: ArmRequest, resourceId: string): ArmReply {
  const parsed = parseTopLevelId(resourceId);
  if (!parsed) throw armErrors.notSupported(req.method, req.path);
  if (!ctx.store.group(parsed.resourceGroup)) throw armErrors.resourceGroupNotFound(parsed.resourceGroup);
  const resource = ctx.store.get(resourceId);
  if (!resource) throw armErrors.resourceNotFound(`${parsed.type}/${parsed.name}`, parsed.resourceGroup);
  const tagsId = `${String(resource.id)}/providers/Microsoft.Resources/tags/default`;
  const view = (): Json => ({
    id: tagsId,
    name: 'default',
    type: 'Microsoft.Resources/tags',
    properties: { tags: obj(resource.tags) },
  });
  if (req.method === 'GET') return ok(view());
  if (req.method !== 'PUT' && req.method !== 'PATCH') throw armErrors.notSupported(req.method, req.path);
  resource.tags = nextTags(req.method, obj(resource.tags), bodyObject(req));
  resource.etag = bumpEtag(resource.etag);
  ctx.emit(req, 'write', tagsId, 'Microsoft.Resources/tags/write');
  return ok(view());
}
