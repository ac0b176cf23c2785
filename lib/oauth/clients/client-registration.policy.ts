import type { OAuthClient } from './oauth-client.js';
import type { RedirectUriPattern } from './redirect-uri-pattern.util.js';

/**
 * What the server accepts in a client registration (dynamic registration and client ID metadata
 * documents). Built from {@link ClientRegistrationOptions} by `resolveClientRegistrationOptions`
 * plus the server's scopes.
 * @publicApi
 */
export interface ClientRegistrationPolicy {
  /** Accept `http://localhost` redirect URIs (policy P-6). */
  readonly allowLocalhost: boolean;
  /** When set, every redirect URI must match one of these patterns. */
  readonly allowedRedirectUris?: readonly RedirectUriPattern[];
  /**
   * The scopes this server grants. When set, a registered `scope` is filtered to these (unknown
   * scopes are dropped, security catalog D-14); when unset, syntactically valid scopes are kept
   * as given.
   */
  readonly scopesSupported?: readonly string[];
  /** Confidential clients may register the `client_credentials` grant. */
  readonly allowClientCredentials: boolean;
  /** Clients may register `token_endpoint_auth_method: "private_key_jwt"`. */
  readonly allowPrivateKeyJwt: boolean;
}

/**
 * Client metadata after validation and normalisation: what {@link ClientRegistry.register}
 * stores, without the server-assigned identifiers and secret.
 * @publicApi
 */
export type ClientMetadata = Omit<
  OAuthClient,
  'clientId' | 'source' | 'clientIdIssuedAt' | 'clientSecretHash' | 'clientSecretExpiresAt'
>;
