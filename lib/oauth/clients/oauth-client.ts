/** Grant types the authorization server implements. */
export type OAuthGrantType = 'authorization_code' | 'refresh_token' | 'client_credentials';

/** Client authentication methods at the token, revocation and introspection endpoints. */
export type TokenEndpointAuthMethod = 'none' | 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

/** Where a client's registration came from. */
export type OAuthClientSource = 'dynamic' | 'static' | 'metadata-document';

/**
 * A registered OAuth client, as the authorization server (levels 3 and 4) stores and uses it.
 * Field names follow RFC 7591 client metadata in camelCase. Secrets are never stored: only
 * `clientSecretHash` (see `secretKey` in storage).
 *
 * @publicApi
 */
export interface OAuthClient {
  readonly clientId: string;
  readonly source: OAuthClientSource;
  /** Epoch seconds. */
  readonly clientIdIssuedAt: number;
  /** SHA-256 (base64url) of the client secret, for confidential clients. */
  readonly clientSecretHash?: string;
  /** Epoch seconds; 0 = never. */
  readonly clientSecretExpiresAt?: number;
  /** Exact registered redirect URIs (loopback ones match on any port, RFC 8252 §7.3). */
  readonly redirectUris: readonly string[];
  readonly grantTypes: readonly OAuthGrantType[];
  readonly responseTypes: readonly ['code'] | readonly [];
  readonly tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  readonly applicationType: 'web' | 'native';
  readonly clientName?: string;
  readonly clientUri?: string;
  readonly logoUri?: string;
  readonly policyUri?: string;
  readonly tosUri?: string;
  /** Space-delimited scopes the client registered with (informational: scope policy is the server's). */
  readonly scope?: string;
  readonly contacts?: readonly string[];
  readonly softwareId?: string;
  readonly softwareVersion?: string;
  /** Public keys for `private_key_jwt` (inline JWKS or its URL). */
  readonly jwks?: { keys: readonly Record<string, unknown>[] };
  readonly jwksUri?: string;
}
