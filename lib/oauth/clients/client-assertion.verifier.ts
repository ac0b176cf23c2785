import { Logger } from '@nestjs/common';
import {
  createLocalJWKSet,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyOptions,
  type JWTVerifyResult,
} from 'jose';
import { BoundedTtlCache } from '../../core/bounded-ttl-cache.js';
import { DEFAULT_ASYMMETRIC_ALGORITHMS } from '../../core/options/verifier-options.js';
import { systemClock, type McpAuthClock } from '../../core/clock.js';
import type { McpAuthStore } from '../../storage/mcp-auth-store.interface.js';
import { StoreNamespace } from '../../storage/store-key.js';
import { invalidClient } from '../oauth.errors.js';
import { ClientJwksFetcher, type ClientJwksSource } from './client-assertion-jwks.fetcher.js';
import type { ClientAssertionVerifier } from './client-assertion-verifier.interface.js';
import type { OAuthClient } from './oauth-client.js';

/**
 * Signature algorithms accepted for client assertions, advertised as
 * `token_endpoint_auth_signing_alg_values_supported`: asymmetric only. `none` is never
 * accepted, and neither are the HMAC algorithms (`client_secret_jwt` would need the client
 * secret in plain, which this server never stores). RSA keys must have at least 2048 bits.
 * @publicApi
 */
export const CLIENT_ASSERTION_ALGORITHMS = DEFAULT_ASYMMETRIC_ALGORITHMS;

/**
 * Settings of {@link JwtClientAssertionVerifier}.
 * @publicApi
 */
export interface JwtClientAssertionVerifierSettings {
  /** This authorization server's issuer identifier (RFC 8414 `issuer`): an accepted `aud`. */
  readonly issuer: string;
  /** The token endpoint URL, as advertised: the other accepted `aud`. */
  readonly tokenEndpoint: string;
  /** Where used `jti` values are remembered until the assertion expires (shared by instances). */
  readonly store: McpAuthStore;
  /** Time source. @default the system clock */
  readonly clock?: McpAuthClock;
  /**
   * Accepted algorithms: a subset of {@link CLIENT_ASSERTION_ALGORITHMS}.
   * @default CLIENT_ASSERTION_ALGORITHMS
   */
  readonly algorithms?: readonly (typeof CLIENT_ASSERTION_ALGORITHMS)[number][];
  /**
   * Longest accepted remaining lifetime of an assertion (`exp` − now), in seconds: assertions
   * are one-shot, so a long-lived one is a replay risk and a sign of a misbehaving client.
   * @default 300
   */
  readonly maxLifetimeSeconds?: number;
  /** Allowed clock difference with the client for `exp`, `nbf` and `iat`, in seconds. @default 30 */
  readonly clockToleranceSeconds?: number;
  /** Fetches `jwks_uri` key sets. @default a {@link ClientJwksFetcher} with its defaults */
  readonly jwksSource?: ClientJwksSource;
  /** Where refusals are logged (at debug level, with the reason). @default Nest's Logger('McpAuth') */
  readonly logger?: { debug(message: string): void };
}

/** A used `jti`, remembered until the assertion could no longer be accepted anyway. */
const USED_JTIS = new StoreNamespace<1>('client-assertion-jti');

/** Longest accepted assertion, in characters: nothing legitimate comes close. */
const MAX_ASSERTION_LENGTH = 16_384;

/** `typ` values an assertion may carry (compared without an `application/` prefix, any case). */
const ASSERTION_TYPES = new Set(['jwt', 'client-authentication+jwt']);

/** Why an assertion was refused: logged at debug, never sent. */
class AssertionRefused extends Error {}

/**
 * `private_key_jwt` client authentication (RFC 7523 §2.2 and §3, RFC 7521 §4.2, OIDC Core §9):
 * verifies the `client_assertion` JWT a client signed with its private key.
 *
 * - **Key**: from the client's registered `jwks`, or its `jwks_uri` fetched SSRF-safely and
 *   cached ({@link ClientJwksFetcher}); an unknown `kid` refetches the set once (key rotation).
 * - **Algorithm**: asymmetric, from {@link CLIENT_ASSERTION_ALGORITHMS}; the key must fit it.
 * - **`iss` = `sub` = `client_id`** of the authenticating client.
 * - **`aud`** (a string or an array) must contain this server's issuer identifier or its
 *   token endpoint URL. RFC 7523 §3 asks for a value identifying the authorization server and
 *   names the token endpoint URL as one; OIDC Core §9 says the token endpoint URL;
 *   draft-ietf-oauth-rfc7523bis (audience injection) makes the issuer identifier the one value,
 *   and the official MCP SDK clients send the issuer. Both are accepted so that every
 *   conforming client works; both name only this server, so an assertion made for another
 *   server is still refused.
 * - **`exp`** required, not past (with clock tolerance) and at most `maxLifetimeSeconds` (plus
 *   tolerance) ahead; **`nbf`** and **`iat`**, when present, not in the future.
 * - **`jti`** required and single-use: recorded with `setIfAbsent` in the store until the
 *   assertion expires, so a replay fails on every instance sharing the store.
 * - **`typ`**, when present, `JWT` or `client-authentication+jwt` (so another kind of JWT, such
 *   as an access token, cannot pass as an assertion).
 *
 * Every refusal is the same 401 `invalid_client` "Client authentication failed", whichever check
 * failed (the reason is logged at debug level). A client's unreachable or invalid `jwks_uri` is
 * also `invalid_client`, as for client ID metadata documents: it is the client's resource, and
 * a 503 would tell the client to retry what will not work. A store outage is 503
 * (`StorageUnavailableError`), as everywhere.
 *
 * @publicApi
 */
export class JwtClientAssertionVerifier implements ClientAssertionVerifier {
  private readonly clock: McpAuthClock;
  private readonly algorithms: readonly string[];
  private readonly maxLifetimeSeconds: number;
  private readonly toleranceSeconds: number;
  private readonly jwksSource: ClientJwksSource;
  private readonly logger: { debug(message: string): void };
  /** Inline key sets, by their JSON: jose caches imported keys per set. */
  private readonly inlineSets = new BoundedTtlCache<ReturnType<typeof createLocalJWKSet>>(1000, () => 0);

  constructor(private readonly settings: JwtClientAssertionVerifierSettings) {
    this.clock = settings.clock ?? systemClock;
    const algorithms = settings.algorithms ?? CLIENT_ASSERTION_ALGORITHMS;
    const unsafe = algorithms.filter((alg) => !(CLIENT_ASSERTION_ALGORITHMS as readonly string[]).includes(alg));
    if (unsafe.length > 0 || algorithms.length === 0) {
      throw new TypeError(`Client assertion algorithms must be among ${CLIENT_ASSERTION_ALGORITHMS.join(', ')}`);
    }
    this.algorithms = [...algorithms];
    this.maxLifetimeSeconds = settings.maxLifetimeSeconds ?? 300;
    this.toleranceSeconds = settings.clockToleranceSeconds ?? 30;
    this.jwksSource = settings.jwksSource ?? new ClientJwksFetcher({ clock: this.clock });
    this.logger = settings.logger ?? new Logger('McpAuth');
  }

  /**
   * Verifies `assertion` for `client` and spends its `jti`.
   * @throws OAuthEndpointError 401 `invalid_client` when the assertion is not valid for the
   *   client; StorageUnavailableError (503) when the replay record cannot be written.
   */
  async verify(client: OAuthClient, assertion: string): Promise<void> {
    let claims: JWTPayload & { exp: number; jti: string };
    try {
      claims = await this.check(client, assertion);
    } catch (error) {
      this.refuse(client, error);
    }
    const now = this.clock.now();
    const ttlMs = Math.max(1000, (claims.exp + this.toleranceSeconds) * 1000 - now);
    const key = USED_JTIS.secret(`${client.clientId}\n${claims.jti}`);
    if (!(await this.settings.store.setIfAbsent(key, 1, ttlMs))) {
      this.refuse(client, new AssertionRefused('the jti was already used'));
    }
  }

  /** Every check but the replay one; resolves with the verified claims. */
  private async check(client: OAuthClient, assertion: string): Promise<JWTPayload & { exp: number; jti: string }> {
    if (client.tokenEndpointAuthMethod !== 'private_key_jwt') {
      throw new AssertionRefused('the client is not registered for private_key_jwt');
    }
    if (typeof assertion !== 'string' || assertion.length > MAX_ASSERTION_LENGTH) {
      throw new AssertionRefused('the assertion is too long');
    }
    const nowSeconds = Math.floor(this.clock.now() / 1000);
    const options: JWTVerifyOptions = {
      algorithms: [...this.algorithms],
      issuer: client.clientId,
      subject: client.clientId,
      audience: [this.settings.issuer, this.settings.tokenEndpoint],
      requiredClaims: ['exp', 'jti'],
      clockTolerance: this.toleranceSeconds,
      currentDate: new Date(nowSeconds * 1000),
    };
    const { payload, protectedHeader } = await this.verifySignature(client, assertion, options);
    const typ = protectedHeader.typ;
    if (typ !== undefined && !ASSERTION_TYPES.has(typ.toLowerCase().replace(/^application\//, ''))) {
      throw new AssertionRefused(`unexpected typ ${JSON.stringify(typ.slice(0, 40))}`);
    }
    const { exp, iat, jti } = payload;
    if (typeof exp !== 'number' || exp - nowSeconds > this.maxLifetimeSeconds + this.toleranceSeconds) {
      throw new AssertionRefused(`exp is more than ${this.maxLifetimeSeconds} s ahead`);
    }
    if (iat !== undefined && iat > nowSeconds + this.toleranceSeconds)
      throw new AssertionRefused('iat is in the future');
    if (typeof jti !== 'string' || jti === '') throw new AssertionRefused('jti must be a non-empty string');
    return { ...payload, exp, jti };
  }

  /** Verifies with the client's keys: inline `jwks`, or `jwks_uri` refetched once on an unknown `kid`. */
  private async verifySignature(
    client: OAuthClient,
    assertion: string,
    options: JWTVerifyOptions,
  ): Promise<JWTVerifyResult> {
    if (client.jwks !== undefined) return verifyWithSet(assertion, this.inlineSet(client.jwks), options);
    if (client.jwksUri === undefined) throw new AssertionRefused('the client has neither jwks nor jwks_uri');
    const jwks = await this.jwksSource.get(client.jwksUri);
    try {
      return await verifyWithSet(assertion, createLocalJWKSet(jwks), options);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      const refreshed = await this.jwksSource.refresh(client.jwksUri);
      if (refreshed === undefined) throw error;
      return verifyWithSet(assertion, createLocalJWKSet(refreshed), options);
    }
  }

  private inlineSet(jwks: NonNullable<OAuthClient['jwks']>): ReturnType<typeof createLocalJWKSet> {
    const id = JSON.stringify(jwks);
    let set = this.inlineSets.get(id);
    if (set === undefined) {
      set = createLocalJWKSet(jwks as JSONWebKeySet);
      this.inlineSets.set(id, set, Number.POSITIVE_INFINITY);
    }
    return set;
  }

  private refuse(client: OAuthClient, error: unknown): never {
    const reason = error instanceof Error ? error.message : String(error);
    this.logger.debug(
      `private_key_jwt refused for client ${JSON.stringify(client.clientId.slice(0, 100))}: ${reason.slice(0, 200)}`,
    );
    throw invalidClient('Client authentication failed');
  }
}

/**
 * `jwtVerify` against a key set. When several keys fit (no `kid`, several keys of the type),
 * each is tried: jose leaves that to the caller.
 */
async function verifyWithSet(
  assertion: string,
  keys: ReturnType<typeof createLocalJWKSet>,
  options: JWTVerifyOptions,
): Promise<JWTVerifyResult> {
  try {
    return await jwtVerify(assertion, keys, options);
  } catch (error) {
    if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw error;
    for await (const key of error) {
      try {
        return await jwtVerify(assertion, key, options);
      } catch (inner) {
        if (!(inner instanceof errors.JWSSignatureVerificationFailed)) throw inner;
      }
    }
    throw new errors.JWSSignatureVerificationFailed();
  }
}
