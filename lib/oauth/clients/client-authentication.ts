import { invalidClient } from '../oauth.errors.js';
import type { ClientAssertionVerifier } from './client-assertion-verifier.interface.js';
import type { ClientCredentials } from './client-credentials.util.js';
import { clientSecretMatches } from './client-secret.util.js';
import type { OAuthClient } from './oauth-client.js';

/**
 * Authenticates a client with the credentials of one request (RFC 6749 §2.3, security catalog
 * TK-15):
 * - the credentials must name this client;
 * - the method used must be the one the client registered (`token_endpoint_auth_method`); a
 *   confidential client cannot fall back to `none`, and a public client sending a secret is
 *   refused rather than silently accepted;
 * - secrets are compared in constant time via their SHA-256 ({@link clientSecretMatches}), and
 *   an expired secret (`client_secret_expires_at` in the past) fails;
 * - `private_key_jwt` is delegated to the {@link ClientAssertionVerifier}, if any.
 *
 * @param nowSeconds the current time, in seconds since the epoch.
 * @throws OAuthEndpointError `invalid_client` (401) on any failure. The description says which
 *   rule failed but never anything about the stored secret.
 */
export async function authenticateClient(
  client: OAuthClient,
  credentials: ClientCredentials,
  nowSeconds: number,
  assertionVerifier?: ClientAssertionVerifier,
): Promise<void> {
  if (credentials.clientId !== client.clientId) throw invalidClient('The credentials are for another client');
  const registered = client.tokenEndpointAuthMethod;
  if (credentials.method !== registered) {
    throw invalidClient(
      `Client authentication failed: this client is registered for ${registered}, not ${credentials.method}`,
    );
  }
  switch (credentials.method) {
    case 'none':
      return;
    case 'client_secret_basic':
    case 'client_secret_post': {
      const expiresAt = client.clientSecretExpiresAt ?? 0;
      if (expiresAt !== 0 && nowSeconds >= expiresAt) {
        throw invalidClient('Client authentication failed: the client secret has expired');
      }
      if (
        client.clientSecretHash === undefined ||
        !clientSecretMatches(credentials.clientSecret, client.clientSecretHash)
      ) {
        throw invalidClient('Client authentication failed');
      }
      return;
    }
    case 'private_key_jwt':
      if (assertionVerifier === undefined) throw invalidClient('private_key_jwt is not supported by this server');
      await assertionVerifier.verify(client, credentials.assertion);
  }
}
