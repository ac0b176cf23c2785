/** The endpoints of the authorization server facade, as public URLs and as local routes. */
export interface OAuthEndpointUrls {
  readonly authorize: string;
  readonly token: string;
  readonly register: string;
  readonly revoke: string;
  readonly consent: string;
  readonly jwks: string;
  /** Level 3: where the upstream identity provider sends the user back. */
  readonly callback?: string;
  /** Level 4. */
  readonly login?: string;
  readonly introspect?: string;
}

/**
 * Everything the shared authorization-server code (levels 3 and 4) needs to know, resolved once
 * from the module options. Public URLs are built from configuration only, never from requests.
 */
export interface AuthorizationServerSettings {
  /** Issuer identifier, exactly as advertised (RFC 8414 `issuer`, RFC 9207 `iss`, token `iss`). */
  readonly issuer: string;
  /** Public URLs of the endpoints. */
  readonly urls: OAuthEndpointUrls;
  /** Local route paths of the endpoints (what this application mounts). */
  readonly routes: OAuthEndpointUrls;
  /** Resources tokens may be issued for; the first is the default when a client names none. */
  readonly resources: readonly string[];
  /**
   * Scopes clients may request: configured, or — read lazily, once the application's tools are
   * discovered — every scope the server knows (advertised, required, and the tools' own).
   */
  readonly scopesSupported: readonly string[];
  readonly defaultScopes: readonly string[];
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  readonly refreshGraceSeconds: number;
  readonly codeTtlSeconds: number;
  readonly transactionTtlSeconds: number;
  /** Authorization requests per client address and window, or `false` (catalog F-20). */
  readonly authorizationRateLimit: { readonly max: number; readonly windowSeconds: number } | false;
  /** Days a user's consent to a client is remembered (0 = ask every time, policy P-11). */
  readonly rememberConsentDays: number;
  /** Cookies need `Secure` (and get the `__Host-` prefix) when the issuer is https. */
  readonly secureCookies: boolean;
  readonly dynamicRegistration: boolean;
  readonly clientIdMetadataDocuments: boolean;
  readonly grantTypes: readonly ('authorization_code' | 'refresh_token' | 'client_credentials')[];
  readonly tokenEndpointAuthMethods: readonly string[];
}
