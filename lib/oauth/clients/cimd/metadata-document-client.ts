import { invalidClient, OAuthEndpointError } from '../../oauth.errors.js';
import type { ClientRegistrationPolicy } from '../client-registration.policy.js';
import type { OAuthClient } from '../oauth-client.js';
import { validateClientRegistration } from '../validate-client-registration.js';

/**
 * Turns a fetched client ID metadata document into an {@link OAuthClient} with
 * `source: 'metadata-document'` (CIMD draft §4, MCP "Client ID Metadata Documents", security
 * catalog D-26):
 * - a JSON object whose `client_id` equals the URL it was fetched from, byte for byte (no
 *   default-port, case or trailing-slash normalisation);
 * - `client_name` and a non-empty `redirect_uris` present (MCP: required fields);
 * - no `client_secret` and no shared-secret auth method: `token_endpoint_auth_method` is `none`
 *   (the default here) or `private_key_jwt` with public keys (`jwks` without private members,
 *   or an `https` `jwks_uri`);
 * - grant types `authorization_code` / `refresh_token` only; everything else as for dynamic
 *   registration ({@link validateClientRegistration}, including the redirect URI rules and the
 *   allow-list patterns of the policy).
 *
 * @param clientId the client id exactly as the client sent it (the URL fetched).
 * @param issuedAt seconds since the epoch (the fetch time), for `clientIdIssuedAt`.
 * @throws OAuthEndpointError `invalid_client` describing the first problem.
 */
export function clientFromMetadataDocument(
  document: unknown,
  clientId: string,
  policy: ClientRegistrationPolicy,
  issuedAt: number,
): OAuthClient {
  const fail = (reason: string) => invalidClient(`Client metadata document: ${reason}`);
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw fail('must be a JSON object');
  }
  const member = (name: string): unknown =>
    Object.hasOwn(document, name) ? (document as Record<string, unknown>)[name] : undefined;
  if (member('client_id') !== clientId) throw fail('client_id must equal the document URL exactly');
  if (member('client_secret') !== undefined) throw fail('must not contain a client_secret');
  const method = member('token_endpoint_auth_method') ?? 'none';
  if (method !== 'none' && method !== 'private_key_jwt') {
    throw fail('token_endpoint_auth_method must be none or private_key_jwt');
  }
  const name = member('client_name');
  if (typeof name !== 'string' || name === '') throw fail('client_name is required');
  const uris = member('redirect_uris');
  if (!Array.isArray(uris) || uris.length === 0) throw fail('redirect_uris is required');

  try {
    const metadata = validateClientRegistration(
      document,
      { ...policy, allowClientCredentials: false, allowPrivateKeyJwt: true },
      { defaultTokenEndpointAuthMethod: 'none' },
    );
    return { ...metadata, clientId, source: 'metadata-document', clientIdIssuedAt: issuedAt };
  } catch (error) {
    if (error instanceof OAuthEndpointError) throw fail(error.message);
    throw error;
  }
}
