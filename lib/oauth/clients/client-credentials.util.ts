import { invalidClient, invalidRequest } from '../oauth.errors.js';

/** RFC 7523 §2.2 client assertion type of `private_key_jwt`. */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * How a request to the token, revocation or introspection endpoint identified its client, as
 * {@link extractClientCredentials} read it. Nothing here is verified yet: pass it to
 * {@link ClientRegistry.authenticate}.
 * @publicApi
 */
export type ClientCredentials =
  | { readonly method: 'none'; readonly clientId: string }
  | {
      readonly method: 'client_secret_basic' | 'client_secret_post';
      readonly clientId: string;
      readonly clientSecret: string;
    }
  | { readonly method: 'private_key_jwt'; readonly clientId: string; readonly assertion: string };

/**
 * The parts of a request that may carry client credentials.
 * @publicApi
 */
export interface ClientCredentialsInput {
  /** The `Authorization` header (as Node gives it). */
  readonly authorization?: string | readonly string[];
  /**
   * The parsed `application/x-www-form-urlencoded` body. Never pass query parameters: a secret
   * in the URL is refused by not being read (security catalog TK-15).
   */
  readonly body: Readonly<Record<string, unknown>>;
}

/**
 * Reads client credentials from a token-endpoint style request (RFC 6749 §2.3.1, RFC 7523 §2.2):
 * - `Authorization: Basic base64(urlencode(client_id) ":" urlencode(client_secret))` →
 *   `client_secret_basic`; both parts are form-decoded (`+` is a space, `%XX` escapes), so
 *   secrets with `:`, `%` or `+` work;
 * - `client_id` + `client_secret` in the body → `client_secret_post`;
 * - `client_assertion` (+ `client_assertion_type` jwt-bearer) → `private_key_jwt`, the client id
 *   taken from `client_id` or else the assertion's unverified `sub` (verified later);
 * - `client_id` alone → `none` (public client).
 *
 * @throws OAuthEndpointError `invalid_request` when two methods are used at once, a parameter is
 *   repeated, or the Basic `client_id` differs from the body's; `invalid_client` (401) when
 *   there is no client identification, or the Basic header is malformed or not Basic. When
 *   answering `invalid_client` to a request that used the `Authorization` header, add
 *   `WWW-Authenticate: Basic realm="…"` (RFC 6749 §5.2).
 * @publicApi
 */
export function extractClientCredentials(input: ClientCredentialsInput): ClientCredentials {
  const field = (name: string): string | undefined => {
    const value = Object.hasOwn(input.body, name) ? input.body[name] : undefined;
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string') throw invalidRequest(`${name} must be given once`);
    return value;
  };
  const clientId = field('client_id');
  const clientSecret = field('client_secret');
  const assertion = field('client_assertion');
  const assertionType = field('client_assertion_type');

  if (input.authorization !== undefined) {
    if (typeof input.authorization !== 'string') throw invalidRequest('Authorization must be given once');
    const basic = parseBasicCredentials(input.authorization);
    if (clientSecret !== undefined || assertion !== undefined) {
      throw invalidRequest('Use exactly one client authentication method (Basic header or body credentials)');
    }
    if (clientId !== undefined && clientId !== basic.clientId) {
      throw invalidRequest('client_id does not match the Authorization header');
    }
    return { method: 'client_secret_basic', ...basic };
  }
  if (assertion !== undefined || assertionType !== undefined) {
    if (clientSecret !== undefined) throw invalidRequest('Use exactly one client authentication method');
    if (assertionType !== JWT_BEARER_ASSERTION_TYPE) {
      throw invalidRequest(`client_assertion_type must be ${JWT_BEARER_ASSERTION_TYPE}`);
    }
    if (assertion === undefined) throw invalidRequest('client_assertion is missing');
    const id = clientId ?? unverifiedAssertionSubject(assertion);
    if (id === undefined) throw invalidClient('client_assertion does not name its client');
    return { method: 'private_key_jwt', clientId: id, assertion };
  }
  if (clientSecret !== undefined) {
    if (clientId === undefined) throw invalidRequest('client_id is required with client_secret');
    return { method: 'client_secret_post', clientId, clientSecret };
  }
  if (clientId !== undefined) return { method: 'none', clientId };
  throw invalidClient('Client identification is required (client_id or client authentication)');
}

function parseBasicCredentials(header: string): { clientId: string; clientSecret: string } {
  const match = /^basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header);
  if (match === null) throw invalidClient('The Authorization header must use the Basic scheme with base64 credentials');
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw invalidClient('Malformed Basic credentials');
  const clientId = formDecode(decoded.slice(0, colon));
  const clientSecret = formDecode(decoded.slice(colon + 1));
  if (!clientId || !clientSecret) throw invalidClient('Malformed Basic credentials');
  return { clientId, clientSecret };
}

/** `application/x-www-form-urlencoded` decoding of one value (RFC 6749 Appendix B). */
function formDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

function unverifiedAssertionSubject(assertion: string): string | undefined {
  const payload = assertion.split('.')[1];
  if (payload === undefined || payload.length > 8192) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const sub = claims !== null && typeof claims === 'object' ? (claims as Record<string, unknown>)['sub'] : undefined;
    return typeof sub === 'string' && sub !== '' ? sub : undefined;
  } catch {
    return undefined;
  }
}
