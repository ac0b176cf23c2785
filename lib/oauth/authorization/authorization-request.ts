import { isScopeToken } from '../../core/options/validators.js';
import type { OAuthClient } from '../clients/oauth-client.js';
import { isPkceValue } from '../pkce.js';
import { resolveResourceIndicator } from '../resource-indicator.js';

/** A validated authorization request, ready to become a transaction. */
export interface ValidatedAuthorizationRequest {
  readonly client: OAuthClient;
  readonly redirectUri: string;
  readonly redirectUriSent: boolean;
  readonly state: string | undefined;
  readonly codeChallenge: string;
  readonly scopes: readonly string[];
  readonly resource: string;
}

/** Why a request cannot proceed, and how the answer must be delivered. */
export interface AuthorizationFailure {
  readonly error: string;
  readonly description: string;
  /**
   * Where to send the error: to the client's redirect URI (RFC 6749 §4.1.2.1), or as an error
   * page when the client or redirect URI is not established (never redirect then), or — policy
   * P-7 — when the redirect URI belongs to a dynamically registered web client (the server must
   * not become an automatic redirector to arbitrary web origins, RFC 9700 §4.11.2).
   */
  readonly delivery:
    | { readonly kind: 'page' }
    | { readonly kind: 'redirect'; readonly redirectUri: string; readonly state: string | undefined };
}

/** What validation needs from the authorization server. */
export interface AuthorizationRequestPolicy {
  findClient(clientId: string): Promise<OAuthClient | undefined>;
  /** Whether a requested redirect URI matches a registered one (exact, or loopback with any port). */
  redirectUriAllowed(client: OAuthClient, requested: string): boolean;
  /** Scopes clients may request; `offline_access` is always tolerated (and ignored). */
  readonly allowedScopes: ReadonlySet<string>;
  /** Granted when the request names none. */
  readonly defaultScopes: readonly string[];
  /** Resources (MCP URLs) this server issues tokens for; the first is the default. */
  readonly resources: readonly string[];
}

const SINGLE_VALUED = [
  'response_type',
  'client_id',
  'redirect_uri',
  'scope',
  'state',
  'code_challenge',
  'code_challenge_method',
  'prompt',
] as const;

const MAX_STATE_LENGTH = 2048;

/**
 * Validates an authorization request (RFC 6749 §4.1.1, RFC 7636, RFC 8707, OAuth 2.1) in the
 * order that decides how errors are delivered: first the client and its redirect URI (any
 * problem is an error page, never a redirect: A-01 … A-07), then everything else (delivered per
 * {@link AuthorizationFailure.delivery}). Parameters given twice, or as arrays or objects by an
 * extended query parser, are refused.
 */
export async function validateAuthorizationRequest(
  params: Record<string, unknown>,
  policy: AuthorizationRequestPolicy,
): Promise<ValidatedAuthorizationRequest | AuthorizationFailure> {
  const page = (error: string, description: string): AuthorizationFailure => ({
    error,
    description,
    delivery: { kind: 'page' },
  });
  for (const name of SINGLE_VALUED) {
    const value = params[name];
    if (value !== undefined && typeof value !== 'string') return page('invalid_request', `${name} must be given once`);
  }
  const get = (name: (typeof SINGLE_VALUED)[number]) => params[name] as string | undefined;

  const clientId = get('client_id');
  if (!clientId) return page('invalid_request', 'client_id is required');
  const client = await policy.findClient(clientId);
  if (!client) return page('invalid_client', 'Unknown client: register it again');

  const requested = get('redirect_uri');
  let redirectUri: string | undefined;
  if (requested !== undefined) {
    if (!policy.redirectUriAllowed(client, requested))
      return page('invalid_request', 'redirect_uri is not registered for this client');
    // Loopback redirect URIs may differ in port only: answer at the port the client listens on.
    redirectUri = requested;
  } else if (client.redirectUris.length === 1) {
    redirectUri = client.redirectUris[0];
  } else {
    return page('invalid_request', 'redirect_uri is required when several are registered');
  }

  const state = get('state');
  const delivery: AuthorizationFailure['delivery'] = redirectsErrors(client, redirectUri)
    ? { kind: 'redirect', redirectUri, state }
    : { kind: 'page' };
  const fail = (error: string, description: string): AuthorizationFailure => ({ error, description, delivery });

  if (state !== undefined && state.length > MAX_STATE_LENGTH) return page('invalid_request', 'state is too long');
  if ('request' in params) return fail('request_not_supported', 'Request objects are not supported');
  if ('request_uri' in params) return fail('request_uri_not_supported', 'request_uri is not supported');
  const responseType = get('response_type');
  if (responseType === undefined) return page('invalid_request', 'response_type is required');
  if (responseType !== 'code') return fail('unsupported_response_type', 'Only response_type=code is supported');
  if (!(client.responseTypes as readonly string[]).includes('code'))
    return fail('unauthorized_client', 'This client may not use the authorization code flow');
  if (get('code_challenge_method') !== 'S256')
    return fail('invalid_request', 'PKCE with code_challenge_method=S256 is required');
  const codeChallenge = get('code_challenge');
  if (!isPkceValue(codeChallenge)) return fail('invalid_request', 'code_challenge is missing or malformed');
  if (get('prompt') === 'none') return fail('consent_required', 'User interaction is required');

  const scope = get('scope');
  let scopes: string[];
  if (scope === undefined || scope.trim() === '') {
    scopes = [...policy.defaultScopes];
  } else {
    const tokens = scope.split(' ').filter((t) => t !== '');
    if (!tokens.every(isScopeToken)) return fail('invalid_scope', 'scope contains invalid characters');
    const unknown = tokens.filter((t) => t !== 'offline_access' && !policy.allowedScopes.has(t));
    if (unknown.length > 0) {
      // Echo a little of what was refused, never the whole input (it ends up in a Location header).
      const named = unknown.slice(0, 3).map((t) => (t.length > 64 ? `${t.slice(0, 64)}...` : t));
      return fail('invalid_scope', `Unknown scope: ${named.join(' ')}`);
    }
    scopes = [...new Set(tokens.filter((t) => t !== 'offline_access'))];
  }

  let resource: string;
  try {
    // RFC 8707 allows several `resource` parameters; this server issues one audience, so a
    // repeated one is `invalid_target` (delivered like the other request errors), not a page.
    resource = resolveResourceIndicator(params.resource, policy.resources) ?? policy.resources[0];
  } catch (error) {
    return fail('invalid_target', (error as Error).message);
  }

  return { client, redirectUri, redirectUriSent: requested !== undefined, state, codeChallenge, scopes, resource };
}

/** Type guard for the failure branch. */
export function isAuthorizationFailure(
  result: ValidatedAuthorizationRequest | AuthorizationFailure,
): result is AuthorizationFailure {
  return 'error' in result;
}

/**
 * Policy P-7: errors go back to the redirect URI of pre-registered clients and of native
 * clients (loopback or private-use scheme redirects: the user's own application); for
 * dynamically registered web redirect URIs they are shown as a page instead.
 */
function redirectsErrors(client: OAuthClient, redirectUri: string): boolean {
  if (client.source === 'static') return true;
  const url = new URL(redirectUri);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return true;
  return ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
}
