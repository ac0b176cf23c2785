import { IsArray, IsBoolean, IsInt, IsObject, IsOptional, IsString, Max, Min, ValidateIf } from 'class-validator';

/**
 * Fixed-window limit on `POST /register`, per requester key (the controller chooses the key,
 * typically the client IP address as seen through the configured `trust proxy`).
 *
 * Hosted clients share egress addresses and some register on every connection (Claude,
 * interop pitfall P15), so the default is generous; unused registrations expire anyway
 * ({@link ClientRegistrationOptions.unusedClientTtlDays}).
 * @publicApi
 */
export class RegistrationRateLimitOptions {
  /**
   * Registrations accepted per key and window; the next one gets 429 with `Retry-After`.
   * @default 30
   */
  @IsOptional() @IsInt() @Min(1) @Max(1_000_000) max?: number;

  /**
   * Length of the window, in seconds. The window starts with the first registration of a key.
   * @default 60
   */
  @IsOptional() @IsInt() @Min(1) @Max(86_400) windowSeconds?: number;
}

/**
 * Dynamic client registration (RFC 7591) as offered to MCP clients by levels 3 and 4.
 *
 * @see RFC 7591; MCP authorization "Dynamic Client Registration"; security catalog 1.4 and
 *   policy P-12.
 * @publicApi
 */
export class ClientRegistrationOptions {
  /**
   * Serve `POST /register` and advertise `registration_endpoint`. When `false`, clients must be
   * pre-registered (`staticClients`) or use client ID metadata documents (security catalog D-18).
   * @default true
   */
  @IsOptional() @IsBoolean() enabled?: boolean;

  /**
   * Registration rate limit; `false` turns it off (e.g. behind a gateway that limits already).
   * @default { max: 30, windowSeconds: 60 }
   */
  @IsOptional()
  @ValidateIf((options: ClientRegistrationOptions) => options.rateLimit !== false)
  @IsObject({ message: 'must be an object or false' })
  rateLimit?: RegistrationRateLimitOptions | false;

  /**
   * Days after which a dynamically registered client that has not been used is deleted. Every
   * use (authorization, token request) restarts the period, so active clients never expire; a
   * deleted client gets 401 `invalid_client` and registers again (security catalog D-16, P-12).
   * Keep it longer than the refresh-token lifetime.
   * @default 30
   */
  @IsOptional() @IsInt() @Min(1) @Max(3650) unusedClientTtlDays?: number;

  /**
   * Allow-list of redirect URI patterns. When set, every redirect URI of a dynamic registration
   * (and of a client ID metadata document) must match one; when unset, any URI that passes the
   * redirect URI rules is accepted. Syntax: see `RedirectUriPattern` (`*` = one host label or
   * one path segment, `**` = any path, port `*` = any port).
   * @example ['https://claude.ai/api/mcp/auth_callback', 'https://claude.com/api/mcp/auth_callback',
   *   'http://127.0.0.1/**', 'http://localhost/**', 'cursor://anysphere.cursor-mcp/**']
   * @default undefined (no restriction)
   */
  @IsOptional() @IsArray() @IsString({ each: true }) allowedRedirectUris?: string[];

  /**
   * Accept `http://localhost` redirect URIs besides `127.0.0.1` and `[::1]` (policy P-6). On by
   * default because MCP Inspector and mcp-remote register `http://localhost:<port>/…`; a browser
   * resolves `localhost` to the loopback interface, so the redirect does not leave the machine.
   * Turn it off to require IP literals as RFC 8252 §8.3 recommends.
   * @default true
   */
  @IsOptional() @IsBoolean() allowLocalhost?: boolean;

  /**
   * Lifetime of issued client secrets, in days (`client_secret_expires_at`); `0` = never expire.
   * @default 0
   */
  @IsOptional() @IsInt() @Min(0) @Max(3650) clientSecretTtlDays?: number;

  /**
   * Let confidential clients register the `client_credentials` grant (machine-to-machine,
   * level 4 only).
   * @default false
   */
  @IsOptional() @IsBoolean() allowClientCredentials?: boolean;

  /**
   * Accept `token_endpoint_auth_method: "private_key_jwt"` (with `jwks` or `jwks_uri`); the
   * assertions are checked by `JwtClientAssertionVerifier`.
   * @default false
   */
  @IsOptional() @IsBoolean() allowPrivateKeyJwt?: boolean;
}

/** Defaults of {@link ClientRegistrationOptions}. */
export const CLIENT_REGISTRATION_DEFAULTS = {
  enabled: true,
  rateLimit: { max: 30, windowSeconds: 60 },
  unusedClientTtlDays: 30,
  allowLocalhost: true,
  clientSecretTtlDays: 0,
  allowClientCredentials: false,
  allowPrivateKeyJwt: false,
} as const;
