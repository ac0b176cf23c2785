import { Allow, IsArray, IsBoolean, IsInt, IsObject, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import type { Type } from '@nestjs/common';
import type { SigningKeyOptions } from '../../keys/signing-key-options.js';
import type { CimdOptions } from '../../oauth/clients/cimd/cimd.options.js';
import type {
  ClientRegistrationOptions,
  RegistrationRateLimitOptions,
} from '../../oauth/clients/client-registration.options.js';
import type { StaticClientOptions } from '../../oauth/clients/static-client.options.js';
import type { McpAuthPages } from '../../oauth/pages/pages.js';
import type { McpUserAuthenticator } from '../../server/user-authenticator.js';
import type { UpstreamProviderOptions } from '../../proxy/upstream/create-upstream-provider.js';
import { IsHttpUrl, IsScopeList } from './validators.js';

const ROUTE = /^\/[A-Za-z0-9\-._~/]*$/;

/**
 * Local route paths of the authorization-server endpoints (what the application mounts); their
 * public URLs are `baseUrl` + path. Advertised in the metadata.
 * @publicApi
 */
export class OAuthEndpointPaths {
  /** @default '/authorize' */ @IsOptional() @IsString() @Matches(ROUTE) authorize?: string;
  /** @default '/token' */ @IsOptional() @IsString() @Matches(ROUTE) token?: string;
  /** @default '/register' */ @IsOptional() @IsString() @Matches(ROUTE) register?: string;
  /** @default '/revoke' */ @IsOptional() @IsString() @Matches(ROUTE) revoke?: string;
  /** @default '/consent' */ @IsOptional() @IsString() @Matches(ROUTE) consent?: string;
  /** @default '/jwks' */ @IsOptional() @IsString() @Matches(ROUTE) jwks?: string;
  /** Level 3: the fixed redirect URI registered at the upstream provider. @default '/oauth/callback' */
  @IsOptional() @IsString() @Matches(ROUTE) callback?: string;
  /** Level 4. @default '/login' */ @IsOptional() @IsString() @Matches(ROUTE) login?: string;
  /** Level 4. @default '/introspect' */ @IsOptional() @IsString() @Matches(ROUTE) introspect?: string;
}

/**
 * Settings shared by the OAuth proxy (level 3) and the full authorization server (level 4): the
 * authorization server this module presents to MCP clients.
 * @publicApi
 */
export abstract class AuthorizationServerOptions {
  /**
   * Issuer identifier, exactly as advertised (RFC 8414 `issuer`, RFC 9207 `iss`, tokens' `iss`).
   * @default the origin of `resourceUrl`
   */
  @IsOptional() @IsHttpUrl() issuerUrl?: string;

  /** Public URL the endpoint paths are appended to (e.g. behind a path-rewriting proxy). @default issuerUrl */
  @IsOptional() @IsHttpUrl() baseUrl?: string;

  /** Endpoint paths. */
  @IsOptional() @IsObject() paths?: OAuthEndpointPaths;

  /**
   * Scopes clients may request. @default `scopesSupported`, `requiredScopes` and every scope of
   * an `@McpProtected` tool
   */
  @IsOptional() @IsScopeList() scopes?: string[];

  /** Access-token lifetime (seconds). @default 3600 */
  @IsOptional() @IsInt() @Min(60) @Max(86_400) accessTokenTtlSeconds?: number;
  /** Refresh-token (grant) lifetime (seconds). @default 2592000 (30 days) */
  @IsOptional() @IsInt() @Min(300) refreshTokenTtlSeconds?: number;
  /** Window in which a replayed refresh token counts as a retry (policy P-9). @default 10 */
  @IsOptional() @IsInt() @Min(0) @Max(120) refreshGraceSeconds?: number;
  /** Authorization-code lifetime (seconds). @default 60 */
  @IsOptional() @IsInt() @Min(10) @Max(600) authorizationCodeTtlSeconds?: number;
  /** How long a user has to finish an authorization (seconds). @default 600 */
  @IsOptional() @IsInt() @Min(60) @Max(3600) transactionTtlSeconds?: number;

  /**
   * Offer "remember my decision" on the consent page, for this many days (policy P-11). A
   * remembered approval skips the page only for a navigation the user started (`Sec-Fetch-Site`
   * `none` or `same-origin`), in the same browser, for the same client, redirect URI and
   * resource and no new scope (level 4: the same user); revoking any grant of the client forgets
   * it. @default 0 (always ask)
   */
  @IsOptional() @IsInt() @Min(0) @Max(365) rememberConsentDays?: number;

  /**
   * Authorization requests (`/authorize`) accepted per client address and window; the next one
   * gets a 429 page with `Retry-After` (catalog F-20). `false` turns the limit off. Behind a
   * proxy, set Express's `trust proxy` so the address is the client's.
   * @default { max: 120, windowSeconds: 60 }
   */
  @IsOptional() @Allow() authorizationRateLimit?: RegistrationRateLimitOptions | false;

  /** Token signing keys (several for rotation); development generates an ephemeral one. */
  @IsOptional() @IsArray() signingKeys?: SigningKeyOptions[];
  /** Dynamic client registration (RFC 7591). */
  @IsOptional() @IsObject() clientRegistration?: ClientRegistrationOptions;
  /** Client ID metadata documents (URL client ids). */
  @IsOptional() @IsObject() clientIdMetadataDocuments?: CimdOptions;
  /** Pre-registered clients. */
  @IsOptional() @IsArray() clients?: StaticClientOptions[];
  /** Replace the HTML pages (consent, login, errors). */
  @IsOptional() @IsObject() pages?: McpAuthPages;
}

/**
 * Level 3: an OAuth authorization server facade in front of an identity provider without DCR.
 * @publicApi
 */
export class ProxyLevelOptions extends AuthorizationServerOptions {
  /** The upstream identity provider and the app registered there. */
  @IsObject() upstream!: UpstreamProviderOptions;
}

/** A user of the built-in authenticator. @publicApi */
export class ServerUserOptions {
  @IsString() username!: string;
  /** `hashPassword()` output (`scrypt$…`); plain text only outside production. */
  @IsString() password!: string;
  @IsOptional() @IsString() subject?: string;
  @IsOptional() @IsScopeList() scopes?: string[];
  @IsOptional() @IsObject() claims?: Record<string, unknown>;
}

/**
 * Level 4: HTTP routes to list and revoke users' grants ("connected apps"), for administrators.
 * Off unless configured. @publicApi
 */
export class AdminRoutesOptions {
  /** Base path; the routes are `{path}/users/{subject}/grants[/{grantId}]`. @default '/mcp-auth/admin' */
  @IsOptional() @IsString() @Matches(ROUTE) path?: string;
  /**
   * Scope an access token needs. It is reserved: never granted through a user's authorization,
   * only through `client_credentials` to a pre-registered (`clients`) confidential client whose
   * `scope` lists it. @default 'mcp-auth:admin'
   */
  @IsOptional() @IsString() @Matches(/^[\x21\x23-\x5b\x5d-\x7e]+$/) scope?: string;
}

/**
 * Level 4: the module is the authorization server, with its own sign-in.
 * @publicApi
 */
export class ServerLevelOptions extends AuthorizationServerOptions {
  /** Users of the built-in authenticator (ignored when `authenticator` is set). */
  @IsOptional() @IsArray() users?: ServerUserOptions[];
  /** Your user authenticator class, resolved through DI. */
  @IsOptional() authenticator?: Type<McpUserAuthenticator>;
  /** Failed sign-ins per username before it is locked for the window. @default 5 */
  @IsOptional() @IsInt() @Min(1) maxLoginFailures?: number;
  /** @default 900 */ @IsOptional() @IsInt() @Min(60) loginFailureWindowSeconds?: number;
  /** Sign-in session lifetime. @default 3600 */ @IsOptional() @IsInt() @Min(60) sessionTtlSeconds?: number;
  /** Admin routes over the connected-apps service (off by default). */
  @IsOptional() @IsObject() adminRoutes?: AdminRoutesOptions;
  /** Allow `client_credentials` for confidential clients. @default true */
  @IsOptional() @IsBoolean() clientCredentials?: boolean;
}
