// The drift report as a page: a browser (Accept: text/html) gets the same self-contained page as
// `pod-routes topology -o html`, so an on-call engineer can open the live state. Scripts and tools keep JSON.
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { Config } from '../config.js';
import type { ReconcileResult } from '../core/types.js';
import { modelFromReconcile } from '../topology/from-result.js';
import { toHtml } from '../topology/html.js';
import { clusterScope } from '../topology/scope.js';

/** text/html named in Accept with a non-zero quality (the any-type range alone keeps the JSON answer). */
export function wantsHtml(request: HttpRequest): boolean {
  const accept = request.headers.get('accept') ?? '';
  return accept.split(',').some((range) => {
    const [type, ...params] = range.split(';').map((p) => p.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    return type === 'text/html' && (q === undefined || Number(q.slice(2)) > 0);
  });
}

export function topologyPage(result: ReconcileResult, config: Config): HttpResponseInit {
  return {
    status: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      // The page needs nothing from anywhere: inline styles only.
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
      'x-content-type-options': 'nosniff',
    },
    body: toHtml(modelFromReconcile(result, clusterScope(config))),
  };
}
