import { IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';
import { IsHttpUrl, IsStringOrStringArray } from './validators.js';
import type { IntrospectionVerifierOptions } from './verifier-options.js';

/**
 * Settings every remote (level 2) provider shares.
 * @publicApi
 */
export abstract class RemoteOAuthCommonOptions {
  /**
   * Accepted token audience(s). Defaults per provider: the module's `resourceUrl` where the
   * provider binds tokens to the RFC 8707 `resource`, otherwise its own audience convention.
   */
  @IsOptional() @IsStringOrStringArray() audience?: string | string[];

  /** Override the JWKS URL the provider's formula gives. */
  @IsOptional() @IsHttpUrl({ allowQuery: true }) jwksUri?: string;

  /** Override the `iss` accepted in tokens (defaults to the authorization server issuer). */
  @IsOptional() @IsStringOrStringArray() tokenIssuer?: string | string[];

  /** Require this JWT `typ` (e.g. `at+jwt`). */
  @IsOptional() @IsString() requiredType?: string;

  /**
   * Serve a copy of the authorization server's metadata at this server's
   * `/.well-known/oauth-authorization-server` (and under the MCP path), for clients that
   * implement the 2025-03-26 discovery and look for it on the MCP server's origin.
   * @default false
   */
  @IsOptional() @IsBoolean() mirrorMetadata?: boolean;

  /** Timeout of the metadata fetch behind the mirror. @default 5000 */
  @IsOptional() @IsInt() @Min(100) @Max(60_000) metadataTimeoutMs?: number;

  /** How long a fetched metadata document is served before it is fetched again. @default 300 */
  @IsOptional() @IsInt() @Min(1) metadataCacheSeconds?: number;
}

/**
 * WorkOS AuthKit: DCR and CIMD, JWT access tokens bound to the RFC 8707 resource.
 * @publicApi
 */
export class AuthKitOptions extends RemoteOAuthCommonOptions {
  @IsIn(['authkit']) provider!: 'authkit';
  /** Your AuthKit domain, e.g. `https://your-app.authkit.app` (it is the issuer). */
  @IsHttpUrl() domain!: string;
}

/**
 * Descope (Agentic Identity Hub). Tokens carry the project id as audience.
 * @publicApi
 */
export class DescopeOptions extends RemoteOAuthCommonOptions {
  @IsIn(['descope']) provider!: 'descope';
  /** Descope project id (`P…`). */
  @IsString() @MinLength(1) projectId!: string;
  /**
   * The authorization server issuer as Descope shows it for your MCP server, e.g.
   * `https://api.descope.com/v1/apps/agentic/P…/M…`.
   */
  @IsHttpUrl() issuer!: string;
  /** Descope API base URL. @default 'https://api.descope.com' */
  @IsOptional() @IsHttpUrl() baseUrl?: string;
}

/**
 * Scalekit. The authorization server is the environment's resource; tokens carry the resource
 * id as audience.
 * @publicApi
 */
export class ScalekitOptions extends RemoteOAuthCommonOptions {
  @IsIn(['scalekit']) provider!: 'scalekit';
  /** Environment URL, e.g. `https://your-env.scalekit.com`. */
  @IsHttpUrl() environmentUrl!: string;
  /** Resource id of this MCP server in Scalekit (`res_…`). */
  @IsString() @MinLength(1) resourceId!: string;
}

/**
 * Supabase Auth (OAuth 2.1 server). Tokens carry `aud: "authenticated"`.
 * @publicApi
 */
export class SupabaseOptions extends RemoteOAuthCommonOptions {
  @IsIn(['supabase']) provider!: 'supabase';
  /** Project URL, e.g. `https://abcd.supabase.co`. */
  @IsHttpUrl() projectUrl!: string;
  /** Auth path. @default '/auth/v1' */
  @IsOptional() @IsString() authRoute?: string;
}

/**
 * Auth0 (with DCR enabled and an API whose identifier is the MCP URL).
 * @publicApi
 */
export class Auth0Options extends RemoteOAuthCommonOptions {
  @IsIn(['auth0']) provider!: 'auth0';
  /** Tenant or custom domain, e.g. `https://your-tenant.us.auth0.com` (the issuer gets a trailing `/`). */
  @IsHttpUrl() domain!: string;
}

/**
 * Keycloak (26.x with DCR). Keycloak does not implement RFC 8707: add an audience mapper that
 * puts the MCP URL into `aud`, or set `audience`.
 * @publicApi
 */
export class KeycloakOptions extends RemoteOAuthCommonOptions {
  @IsIn(['keycloak']) provider!: 'keycloak';
  /** Realm URL, e.g. `https://keycloak.example.com/realms/mcp` (it is the issuer). */
  @IsHttpUrl() realmUrl!: string;
}

/**
 * Any RFC 8414 / OpenID Connect authorization server with DCR or CIMD.
 * @publicApi
 */
export class GenericRemoteOptions extends RemoteOAuthCommonOptions {
  @IsIn(['generic']) provider!: 'generic';
  /** The issuer identifier exactly as the server's metadata spells it (trailing slash included). */
  @IsHttpUrl() issuer!: string;
  /**
   * Verify tokens through RFC 7662 introspection instead of as JWTs (same options as the
   * `introspection` verifier, without `type`).
   */
  @IsOptional() @IsObject() introspection?: Omit<IntrospectionVerifierOptions, 'type'>;
}

/**
 * Level 2: the MCP server stays a resource server and points clients to an external
 * authorization server that supports dynamic client registration or client ID metadata
 * documents. Discriminated by `provider`.
 * @publicApi
 */
export type RemoteOAuthOptions =
  | AuthKitOptions
  | DescopeOptions
  | ScalekitOptions
  | SupabaseOptions
  | Auth0Options
  | KeycloakOptions
  | GenericRemoteOptions;

/** Schemas by `provider`, for validation. */
export const REMOTE_PROVIDER_SCHEMAS = {
  authkit: AuthKitOptions,
  descope: DescopeOptions,
  scalekit: ScalekitOptions,
  supabase: SupabaseOptions,
  auth0: Auth0Options,
  keycloak: KeycloakOptions,
  generic: GenericRemoteOptions,
} as const;
