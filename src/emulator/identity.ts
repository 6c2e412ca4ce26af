// What the az CLI needs to log in to a custom cloud whose endpoints all point at the emulator (measured with
// Debian's azure-cli 2.45, docs/deploy.md): an AD FS style authority (`/adfs`, which turns MSAL's instance
// discovery off), its OpenID configuration, a client-credentials token endpoint handing out opaque tokens, and
// the subscription reads `az login` / `az account` make. Nothing here checks secrets: the emulator trusts any
// client, as it trusts any bearer token. The signed-in principal sees every subscription of the world (one
// tenant): `az login` lists them all (Subscriptions_List), `az account set -s` picks one client-side, and each
// answers Subscriptions_Get; any other id is ARM's 404 SubscriptionNotFound.
import { randomUUID } from 'node:crypto';
import { type ArmError, armErrors } from './errors.js';
import type { ArmReply } from './request.js';

interface IdentityOptions {
  tenantId: string;
  /** The world's subscriptions, the primary first (displayName: the world's, else a generated one). */
  subscriptions: () => ReadonlyArray<{ subscriptionId: string; displayName?: string }>;
}

interface IdentityRequest {
  method: string;
  /** Decoded path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  rawBody: string;
}

/** api-versions of Microsoft.Resources subscriptions operations that az and the SDKs send. */
const SUBSCRIPTIONS_API_VERSIONS = ['2016-06-01', '2019-06-01', '2019-11-01', '2020-01-01', '2022-12-01'];
const TOKEN_LIFETIME_S = 3599;

const json = (status: number, body: unknown, headers: Record<string, string> = {}): ArmReply => ({
  status,
  headers,
  body,
});

/** OAuth 2.0 error body (RFC 6749 section 5.2), as AD FS and Entra ID answer a bad token request. */
const oauthError = (error: string, description: string): ArmReply =>
  json(400, { error, error_description: description });

export class Identity {
  constructor(
    private readonly options: IdentityOptions,
    /** "https://127.0.0.1:PORT", known once the server listens. */
    private readonly endpoint: () => string,
  ) {}

  /** Serves the request when it is an identity or subscription request; undefined otherwise. */
  handle(req: IdentityRequest): ArmReply | undefined {
    const path = req.path.replace(/\/$/u, '').toLowerCase();
    if (path.startsWith('/adfs')) return this.adfs(req, path);
    if (path === '/subscriptions') return this.subscriptions(req);
    const m = /^\/subscriptions\/([^/]+)$/u.exec(path);
    if (m) return this.subscription(req, m[1]!);
    return undefined;
  }

  private adfs(req: IdentityRequest, path: string): ArmReply {
    const base = `${this.endpoint()}/adfs`;
    if (req.method === 'GET' && path === '/adfs/.well-known/openid-configuration')
      return json(200, {
        issuer: base,
        authorization_endpoint: `${base}/oauth2/authorize/`,
        token_endpoint: `${base}/oauth2/token/`,
        jwks_uri: `${base}/discovery/keys`,
        end_session_endpoint: `${base}/oauth2/logout`,
        response_types_supported: ['code', 'id_token', 'code id_token', 'token'],
        response_modes_supported: ['query', 'fragment', 'form_post'],
        grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
        subject_types_supported: ['pairwise'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
      });
    if (req.method === 'POST' && path === '/adfs/oauth2/token') return this.token(req);
    if (req.method === 'GET' && path === '/adfs/discovery/keys') return json(200, { keys: [] });
    return json(404, {
      error: 'not_found',
      error_description: `The emulator's identity endpoint serves GET /adfs/.well-known/openid-configuration and POST /adfs/oauth2/token, not ${req.method} ${req.path}.`,
    });
  }

  private token(req: IdentityRequest): ArmReply {
    const form = new URLSearchParams(req.rawBody);
    const grant = form.get('grant_type');
    if (grant !== 'client_credentials')
      return oauthError(
        'unsupported_grant_type',
        `grant_type '${grant ?? ''}' is not supported here: expected client_credentials (az login --service-principal).`,
      );
    if (!form.get('client_id'))
      return oauthError('invalid_request', "The request body must contain the parameter 'client_id'.");
    if (!form.get('client_secret') && !form.get('client_assertion') && !basicAuth(req.headers))
      return oauthError(
        'invalid_client',
        "The request body must contain the parameter 'client_secret' or 'client_assertion'.",
      );
    return json(
      200,
      {
        token_type: 'Bearer',
        expires_in: TOKEN_LIFETIME_S,
        ext_expires_in: TOKEN_LIFETIME_S,
        access_token: `emulator-${randomUUID()}`,
      },
      { 'cache-control': 'no-store' },
    );
  }

  private subscriptionBody(
    { subscriptionId, displayName }: { subscriptionId: string; displayName?: string },
    index: number,
  ): Record<string, unknown> {
    return {
      id: `/subscriptions/${subscriptionId}`,
      authorizationSource: 'RoleBased',
      managedByTenants: [],
      subscriptionId,
      tenantId: this.options.tenantId,
      displayName: displayName ?? (index === 0 ? 'ARM emulator' : `ARM emulator ${index + 1}`),
      state: 'Enabled',
      subscriptionPolicies: {
        locationPlacementId: 'Public_2014-09-01',
        quotaId: 'PayAsYouGo_2014-09-01',
        spendingLimit: 'Off',
      },
    };
  }

  private checkArmRequest(req: IdentityRequest): ArmReply | undefined {
    const auth = req.headers.authorization;
    if (typeof auth !== 'string' || auth === '') return errorReply(armErrors.authenticationMissing());
    if (!/^Bearer \S+/u.test(auth)) return errorReply(armErrors.authenticationInvalid());
    const version = req.query.get('api-version');
    if (!version) return errorReply(armErrors.missingApiVersion());
    if (!SUBSCRIPTIONS_API_VERSIONS.includes(version))
      return errorReply(armErrors.invalidApiVersion(version, SUBSCRIPTIONS_API_VERSIONS));
    if (req.method !== 'GET')
      return armError(
        405,
        'MethodNotAllowed',
        `The emulator serves only GET on ${req.path} (subscriptions are not created or changed here).`,
      );
    return undefined;
  }

  private subscriptions(req: IdentityRequest): ArmReply {
    const value = this.options.subscriptions().map((s, i) => this.subscriptionBody(s, i));
    return this.checkArmRequest(req) ?? json(200, { value, count: { type: 'Total', value: value.length } });
  }

  private subscription(req: IdentityRequest, id: string): ArmReply {
    const bad = this.checkArmRequest(req);
    if (bad) return bad;
    const all = this.options.subscriptions();
    const index = all.findIndex((s) => s.subscriptionId.toLowerCase() === id);
    if (index < 0)
      return armError(404, 'SubscriptionNotFound', `The subscription '${id}' could not be found.`);
    return json(200, this.subscriptionBody(all[index]!, index));
  }
}

function basicAuth(headers: IdentityRequest['headers']): boolean {
  const auth = headers.authorization;
  return typeof auth === 'string' && /^Basic \S+/u.test(auth);
}

function armError(status: number, code: string, message: string): ArmReply {
  return json(status, { error: { code, message } });
}

function errorReply(error: ArmError): ArmReply {
  return json(error.status, { error: error.body });
}
