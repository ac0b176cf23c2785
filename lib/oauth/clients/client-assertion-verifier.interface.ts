import type { OAuthClient } from './oauth-client.js';

/**
 * Extension point for `private_key_jwt` client authentication (RFC 7523 §2.2, OIDC Core §9).
 * The module gives {@link ClientRegistry} the built-in `JwtClientAssertionVerifier` at levels 3
 * and 4; a registry built without one refuses `private_key_jwt` clients with `invalid_client`.
 *
 * An implementation verifies the assertion with `jose` against the client's registered keys
 * (`client.jwks`, or `client.jwksUri` fetched through an SSRF-safe fetch), and checks
 * `iss` = `sub` = `client.clientId`, `aud` = the token endpoint or issuer, `exp`, and `jti`
 * single use (e.g. `setIfAbsent` in the store).
 * @publicApi
 */
export interface ClientAssertionVerifier {
  /**
   * @param client the client named by the request (`client_id`, or the assertion's `sub`).
   * @param assertion the `client_assertion` JWT, unverified.
   * @throws OAuthEndpointError `invalid_client` when the assertion is not valid for the client.
   */
  verify(client: OAuthClient, assertion: string): Promise<void>;
}
