import {
  Allow,
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Max,
  Min,
  MinLength,
} from 'class-validator';
import type { Type } from '@nestjs/common';
import type { JWK } from 'jose';
import type { McpTokenVerifier } from '../token-verifier.js';
import { IsClass, IsHttpUrl, IsStringOrStringArray } from './validators.js';

/** Asymmetric JWS algorithms accepted by default (RFC 8725 §3.1: an explicit allowlist). */
export const DEFAULT_ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;

/** HMAC algorithms, allowed only with an explicitly configured `secret`. */
export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;

/**
 * Remote JWKS fetching. Defaults follow jose's `createRemoteJWKSet`.
 * @publicApi
 */
export class JwksFetchOptions {
  /**
   * Abort a JWKS request after this many milliseconds; the token then gets a 503.
   * @default 5000
   */
  @IsOptional() @IsInt() @Min(100) @Max(60_000) timeoutMs?: number;
  /**
   * Minimum time between two JWKS fetches triggered by an unknown `kid`. Bounds the fetches an
   * attacker can cause with made-up key ids (security catalog V-06).
   * @default 30000
   */
  @IsOptional() @IsInt() @Min(0) cooldownMs?: number;
  /**
   * How long a fetched JWKS is used before it is fetched again.
   * @default 600000 (10 minutes)
   */
  @IsOptional() @IsInt() @Min(1000) cacheMaxAgeMs?: number;
  /**
   * Largest JWKS response accepted; bigger answers are refused before parsing.
   * @default 262144 (256 KiB)
   */
  @IsOptional() @IsInt() @Min(1024) maxResponseBytes?: number;
}

/**
 * In-process cache of verification results, keyed by the exact token string. A hit skips the
 * signature check but still re-checks expiry against the clock. Entries live at most
 * `ttlSeconds` and never past the token's `exp`.
 * @publicApi
 */
export class VerifiedTokenCacheOptions {
  /**
   * Entries kept; the oldest are dropped first.
   * @default 10000
   */
  @IsOptional() @IsInt() @Min(1) maxEntries?: number;
  /**
   * Longest time a verification result is reused.
   * @default 60
   */
  @IsOptional() @IsInt() @Min(1) @Max(3600) ttlSeconds?: number;
}

/**
 * Level 1: verify JWT access tokens issued elsewhere, with keys from a remote JWKS, static
 * PEM/JWK keys, or (only when configured explicitly) an HMAC secret.
 *
 * @example
 * ```ts
 * verifier: {
 *   type: 'jwt',
 *   issuer: 'https://auth.example.com/',
 *   jwksUri: 'https://auth.example.com/.well-known/jwks.json',
 * }
 * ```
 * @publicApi
 */
export class JwtVerifierOptions {
  @IsIn(['jwt']) type!: 'jwt';

  /**
   * Accepted issuer(s), compared byte for byte with `iss` (no trailing-slash tolerance).
   * Several issuers sharing one key set (for example Entra v1 and v2 issuers) may be listed;
   * issuers with separate key sets need one verifier each inside a `chain`.
   * @see RFC 8725 §3.8
   */
  @IsStringOrStringArray() issuer!: string | string[];

  /** Remote JWKS URL. One of `jwksUri`, `publicKeys` or `secret` is required. */
  @IsOptional() @IsHttpUrl({ allowQuery: true }) jwksUri?: string;

  /**
   * Static verification keys: SPKI PEM strings, X.509 certificate PEMs or public JWKs. Give
   * several during a key rotation; tokens pick theirs by `kid`.
   */
  @IsOptional() @IsArray() @ArrayNotEmpty() publicKeys?: Array<string | JWK>;

  /**
   * Shared HMAC secret (at least 32 characters). Only HS256/HS384/HS512 are then accepted,
   * and it can never be combined with `jwksUri` or `publicKeys` (RFC 8725 §3.2).
   */
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters (256 bits)' })
  secret?: string;

  /**
   * Find the JWKS through the issuer's metadata (RFC 8414, else OpenID Connect discovery, at
   * the locations MCP clients use), on first use. Needs a single `issuer`; the metadata's
   * `issuer` must match it exactly.
   */
  @IsOptional() @IsBoolean() discovery?: boolean;

  /**
   * Accepted `alg` values.
   * @default every asymmetric algorithm for keys, every HS* algorithm for a secret
   * @see RFC 8725 §3.1
   */
  @IsOptional() @IsArray() @ArrayNotEmpty() @IsString({ each: true }) algorithms?: string[];

  /**
   * Accepted audience(s). A token must name one of them in `aud`.
   * @default the module's `resourceUrl` (RFC 8707 audience binding)
   */
  @IsOptional() @IsStringOrStringArray() audience?: string | string[];

  /**
   * Tolerance for `exp`, `nbf` and `iat` when the issuer's clock differs from ours.
   * @default 30
   */
  @IsOptional() @IsInt() @Min(0) @Max(600) clockToleranceSeconds?: number;

  /**
   * Refuse tokens whose `iat` is older than this many seconds (and require `iat`).
   * @default undefined (no age limit beyond `exp`)
   */
  @IsOptional() @IsInt() @Min(1) maxTokenAgeSeconds?: number;

  /**
   * Require this JWT `typ` header (compared as jose does: case-insensitive, `application/`
   * prefix optional), e.g. `at+jwt` for RFC 9068 access tokens. Without it, tokens with no
   * `typ`, `JWT` or `at+jwt` are accepted and any other declared type is refused.
   * @default undefined
   * @see RFC 9068 §2.1, RFC 8725 §3.11
   */
  @IsOptional() @IsString() requiredType?: string;

  /** Remote JWKS fetching (timeout, cooldown, cache age, size limit). */
  @IsOptional() @IsObject() jwks?: JwksFetchOptions;

  /**
   * Verification result cache, or `false` to verify every request from scratch.
   * @default { maxEntries: 10000, ttlSeconds: 60 }
   */
  @IsOptional() @Allow() cache?: VerifiedTokenCacheOptions | false;
}

/**
 * Level 1: verify opaque (or any) tokens through an RFC 7662 introspection endpoint.
 * @publicApi
 */
export class IntrospectionVerifierOptions {
  @IsIn(['introspection']) type!: 'introspection';

  /** The authorization server's introspection endpoint. */
  @IsHttpUrl({ allowQuery: true }) introspectionUrl!: string;

  /** Client id this resource server authenticates with. */
  @IsString() @MinLength(1) clientId!: string;

  /** Client secret this resource server authenticates with. */
  @IsString() @MinLength(1) clientSecret!: string;

  /**
   * How the client authenticates to the introspection endpoint.
   * @default 'client_secret_basic'
   */
  @IsOptional()
  @IsIn(['client_secret_basic', 'client_secret_post'])
  clientAuthMethod?: 'client_secret_basic' | 'client_secret_post';

  /**
   * Abort an introspection request after this many milliseconds (the token then gets a 503).
   * @default 5000
   */
  @IsOptional() @IsInt() @Min(100) @Max(60_000) timeoutMs?: number;

  /**
   * Accepted audience(s), checked against `aud` in the introspection response. `false`
   * disables the check (only for authorization servers that never return `aud`).
   * @default the module's `resourceUrl`
   */
  @IsOptional() @Allow() audience?: string | string[] | false;

  /** Accepted issuer(s), checked against `iss` when the response contains it. */
  @IsOptional() @IsStringOrStringArray() issuer?: string | string[];

  /**
   * Cache of positive results; an entry never outlives the token's `exp`. `false` introspects
   * every request.
   * @default { maxEntries: 10000, ttlSeconds: 60 }
   */
  @IsOptional() @Allow() cache?: VerifiedTokenCacheOptions | false;
}

/**
 * One static development token.
 * @publicApi
 */
export class StaticTokenDefinition {
  /** Subject the token stands for. */
  @IsString() @MinLength(1) sub!: string;
  /** Client id reported for the token. @default 'static-client' */
  @IsOptional() @IsString() clientId?: string;
  /** Scopes the token grants. @default [] */
  @IsOptional() @IsArray() @IsString({ each: true }) scopes?: string[];
  /** Expiry in epoch seconds; without it the token never expires. */
  @IsOptional() @IsInt() expiresAt?: number;
  /** Extra claims exposed through `@CurrentToken('claims')`. */
  @IsOptional() @IsObject() claims?: Record<string, unknown>;
}

/**
 * Level 1, development only: a fixed table of tokens. Refused when `production` is true
 * unless `allowInProduction` is set.
 * @publicApi
 */
export class StaticTokenVerifierOptions {
  @IsIn(['static']) type!: 'static';
  /** Map of token string to what it grants. */
  @IsObject() tokens!: Record<string, StaticTokenDefinition>;
  /** Permit this verifier when the module runs in production mode. @default false */
  @IsOptional() @IsBoolean() allowInProduction?: boolean;
}

/**
 * Level 1: your own verifier class, resolved through Nest dependency injection (it may
 * inject any provider visible to the module).
 * @publicApi
 */
export class CustomVerifierOptions {
  @IsIn(['custom']) type!: 'custom';
  /** A class implementing {@link McpTokenVerifier}. */
  @IsClass() useClass!: Type<McpTokenVerifier>;
}

/**
 * Level 1: several verifiers tried in order; the first that accepts the token wins. When
 * none accepts it and at least one could not judge it (dependency down), the request gets a
 * 503 instead of a 401.
 * @publicApi
 */
export class ChainVerifierOptions {
  @IsIn(['chain']) type!: 'chain';
  /** Verifiers, tried in order. */
  @IsArray() @ArrayNotEmpty() verifiers!: McpVerifierOptions[];
}

/**
 * Every verifier configuration, discriminated by `type`.
 * @publicApi
 */
export type McpVerifierOptions =
  | JwtVerifierOptions
  | IntrospectionVerifierOptions
  | StaticTokenVerifierOptions
  | CustomVerifierOptions
  | ChainVerifierOptions;
