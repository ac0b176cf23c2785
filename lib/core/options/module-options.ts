import { Allow, IsArray, IsBoolean, IsObject, IsOptional, IsString, MinLength } from 'class-validator';
import type { McpVerifierOptions } from './verifier-options.js';
import type { RemoteOAuthOptions } from './remote-options.js';
import type { ProxyLevelOptions, ServerLevelOptions } from './authorization-server-options.js';
import type { McpStorageOptions, RecordEncryptionOptions } from '../../storage/storage-options.js';
import { IsHttpUrl, IsScopeList } from './validators.js';

/**
 * Name and version the MCP server reports in `initialize`.
 * @publicApi
 */
export class McpServerInfo {
  @IsString() @MinLength(1) name!: string;
  @IsString() @MinLength(1) version!: string;
  /** Optional display title. */
  @IsOptional() @IsString() title?: string;
}

/**
 * The Nest-hosted MCP endpoint (Streamable HTTP).
 * @publicApi
 */
export class McpTransportOptions {
  /**
   * Reported in `initialize`.
   * @default { name: 'nestjs-mcp-auth', version: <package version> }
   */
  @IsOptional() @IsObject() serverInfo?: McpServerInfo;

  /** Instructions sent to clients in `initialize`. */
  @IsOptional() @IsString() instructions?: string;

  /**
   * Host names (without port) accepted in the `Host` header of MCP requests; other hosts get
   * 403 (DNS-rebinding defence). `false` disables the check, e.g. behind a proxy that rewrites
   * `Host`.
   * @default the resource URL's host when it is a loopback host (plus the other loopback
   *   names); no check otherwise
   */
  @IsOptional() @Allow() allowedHosts?: string[] | false;

  /**
   * Origins (`scheme://host[:port]`) accepted in the `Origin` header of MCP requests; other
   * origins get 403. `'*'` accepts any origin (bearer tokens are never sent automatically by
   * browsers, so cross-origin clients such as MCP Inspector are safe to allow).
   * @default loopback origins (any port) for a loopback resource URL; `'*'` otherwise
   */
  @IsOptional() @Allow() allowedOrigins?: string[] | '*';
}

/**
 * Options of {@link McpAuthModule}. Validated once at bootstrap: an invalid value stops the
 * application with a message naming the option.
 *
 * @publicApi
 */
export class McpAuthModuleOptions {
  /**
   * The canonical URL of the MCP endpoint exactly as users type it into their clients, e.g.
   * `https://mcp.example.com/mcp`. It is the RFC 9728 `resource`, the default token audience
   * and the base of every URL this module advertises. Never derived from request headers.
   * @see MCP authorization "Canonical Server URI"
   */
  @IsHttpUrl() resourceUrl!: string;

  /**
   * How bearer tokens are verified (level 1). Required unless a level that configures it is
   * set (`remote`); when both are set, this one wins.
   */
  @IsOptional() @IsObject() verifier?: McpVerifierOptions;

  /**
   * Level 2: an external authorization server with dynamic client registration or client ID
   * metadata documents (WorkOS AuthKit, Descope, Scalekit, Supabase, Auth0, Keycloak, or any
   * RFC 8414 issuer). Derives `authorizationServers` and the token verifier.
   */
  @IsOptional() @IsObject() remote?: RemoteOAuthOptions;

  /**
   * Level 3: an OAuth proxy — a standards-compliant authorization server (DCR, CIMD, consent,
   * PKCE, RFC 8707, RFC 9207) in front of an identity provider without dynamic registration
   * (GitHub, Google, Entra ID, Cognito, Auth0, Discord, any OIDC provider).
   */
  @IsOptional() @IsObject() proxy?: ProxyLevelOptions;

  /** Level 4: the module is a complete authorization server with its own sign-in. */
  @IsOptional() @IsObject() server?: ServerLevelOptions;

  /**
   * Issuer identifiers of the authorization servers clients should use, copied byte for byte
   * into RFC 9728 `authorization_servers`. When set, protected-resource metadata is served and
   * every 401 points to it.
   */
  @IsOptional()
  @IsArray()
  @IsHttpUrl({}, { each: true, message: 'must be absolute http(s) issuer URLs without query or fragment' })
  authorizationServers?: string[];

  /**
   * Scopes advertised in protected-resource metadata: the minimal set for basic use (clients
   * request all of them when a challenge names none). Never include `offline_access`.
   */
  @IsOptional() @IsScopeList() scopesSupported?: string[];

  /** Scopes every protected request needs, in addition to per-route and per-tool scopes. */
  @IsOptional() @IsScopeList() requiredScopes?: string[];

  /**
   * Scope hierarchy: a granted scope implies the listed ones, e.g.
   * `{ 'mcp:admin': ['mcp:read', 'mcp:write'] }`.
   */
  @IsOptional() @IsObject() impliedScopes?: Record<string, string[]>;

  /** RFC 9728 `resource_name`. */
  @IsOptional() @IsString() resourceName?: string;

  /** RFC 9728 `resource_documentation` URL. */
  @IsOptional() @IsHttpUrl({ allowQuery: true }) resourceDocumentation?: string;

  /**
   * Where OAuth state lives (registered clients, codes, refresh-token families, upstream
   * tokens): `{ type: 'memory' }` (default, single instance), `{ type: 'redis', url | client }`
   * (several instances) or your own store. Built only when set or when a level needs it.
   */
  @IsOptional() @IsObject() storage?: McpStorageOptions;

  /** Keys that encrypt stored upstream tokens (required in production by the levels that store them). */
  @IsOptional() @IsObject() storageEncryption?: RecordEncryptionOptions;

  /** The MCP endpoint. */
  @IsOptional() @IsObject() mcp?: McpTransportOptions;

  /**
   * Production mode refuses development conveniences (static tokens, plain-http public URLs
   * on non-loopback hosts).
   * @default process.env.NODE_ENV === 'production'
   */
  @IsOptional() @IsBoolean() production?: boolean;
}
