/**
 * A verified access token, as every auth level hands it to guards, tools and route handlers.
 *
 * Read it with `@CurrentToken()` in controllers and `@McpTool` methods. It is built once per
 * request by the level's verifier and never re-verified downstream.
 *
 * @publicApi
 */
export interface McpAccessToken {
  /** The raw bearer token as presented by the client. Never log it. */
  readonly token: string;
  /** Subject: the end user (or the client itself for machine-to-machine tokens). */
  readonly sub: string;
  /** OAuth client the token was issued to (`client_id`, else `azp`, else `sub`). */
  readonly clientId: string;
  /** Granted scopes, split on single spaces exactly as RFC 6749 §3.3 defines them. */
  readonly scopes: readonly string[];
  /** Expiry in seconds since the epoch. Always set (MCP SDK clients require it). */
  readonly expiresAt: number;
  /** The audience this server matched the token against (its resource URL), when known. */
  readonly resource?: string;
  /** Issuer of the token, when the level knows it. */
  readonly issuer?: string;
  /** Every claim of the token (JWT claims or the introspection response). */
  readonly claims: Readonly<Record<string, unknown>>;
  /**
   * OAuth proxy (level 3): the user's token at the upstream identity provider (GitHub, Google…),
   * for tools that call its API as the user. Decrypted on demand and refreshed when near expiry;
   * never sent to MCP clients.
   */
  readonly upstream?: McpUpstreamTokenAccessor;
}

/**
 * Access to the upstream identity provider's tokens of the current user (level 3).
 * @publicApi
 */
export interface McpUpstreamTokenAccessor {
  /** The upstream access token, refreshed first when it expires within a minute. */
  accessToken(): Promise<string>;
  /** All upstream token fields. */
  tokens(): Promise<McpUpstreamTokens>;
}

/** The upstream tokens of a grant. @publicApi */
export interface McpUpstreamTokens {
  readonly accessToken: string;
  readonly refreshToken?: string;
  readonly idToken?: string;
  /** Epoch seconds; absent when the upstream token does not expire. */
  readonly expiresAt?: number;
  /** Upstream scopes as granted. */
  readonly upstreamScopes: readonly string[];
}
