import type { McpAccessToken } from '../core/access-token.js';
import { InvalidTokenError, VerifierUnavailableError } from '../core/errors/token.errors.js';
import type { IntrospectionVerifierOptions } from '../core/options/verifier-options.js';
import { scopesFromClaims } from '../core/scopes.js';
import type { VerifierContext } from './jwt/jwt-token.strategy.js';
import { McpPassportStrategy } from './passport-bridge.js';
import { readCapped } from './read-capped.js';
import { VerificationCache } from './verification-cache.js';

/** Largest introspection response read; a bigger one means a misbehaving server. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * Level 1: asks the authorization server whether a token is active (RFC 7662).
 *
 * - authenticates with `client_secret_basic` (RFC 6749 §2.3.1 form-encoding inside Basic) or
 *   `client_secret_post`;
 * - requires `"active": true` and honours `exp` and `nbf` from the response;
 * - checks `aud` against the module's resource URL (RFC 8707) and `iss` when configured;
 * - caches positive answers, never past the token's `exp`, and coalesces concurrent lookups of
 *   the same token into one request;
 * - an unreachable, slow or garbled endpoint yields a 503, never a 401, so clients keep their
 *   tokens.
 *
 * @publicApi
 */
export class IntrospectionTokenStrategy extends McpPassportStrategy {
  name = 'mcp-introspection';

  private readonly cache: VerificationCache | undefined;
  private readonly inFlight = new Map<string, Promise<McpAccessToken>>();
  private readonly audiences: ReadonlySet<string> | undefined;
  private readonly issuers: ReadonlySet<string> | undefined;
  private readonly cacheTtlSeconds: number;

  constructor(
    private readonly options: IntrospectionVerifierOptions,
    private readonly context: VerifierContext,
  ) {
    super();
    const audience = options.audience ?? context.resourceUrl;
    this.audiences = audience === false ? undefined : new Set(Array.isArray(audience) ? audience : [audience]);
    const issuer = options.issuer;
    this.issuers = issuer === undefined ? undefined : new Set(Array.isArray(issuer) ? issuer : [issuer]);
    this.cacheTtlSeconds = options.cache ? (options.cache.ttlSeconds ?? 60) : 60;
    if (options.cache !== false) this.cache = new VerificationCache(options.cache ?? {}, () => context.clock.now());
  }

  async verify(token: string): Promise<McpAccessToken> {
    const cached = this.cache?.lookup(token);
    if (cached instanceof InvalidTokenError) throw cached;
    if (cached !== undefined) return cached;
    let pending = this.inFlight.get(token);
    if (pending === undefined) {
      pending = this.introspect(token).finally(() => this.inFlight.delete(token));
      this.inFlight.set(token, pending);
    }
    return pending;
  }

  private async introspect(token: string): Promise<McpAccessToken> {
    const claims = await this.request(token);
    const verified = this.toAccessToken(token, claims);
    this.cache?.accept(token, verified, verified.expiresAt * 1000);
    return verified;
  }

  private async request(token: string): Promise<Record<string, unknown>> {
    const { clientId, clientSecret } = this.options;
    const form = new URLSearchParams({ token, token_type_hint: 'access_token' });
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    if (this.options.clientAuthMethod === 'client_secret_post') {
      form.set('client_id', clientId);
      form.set('client_secret', clientSecret);
    } else {
      const credentials = `${formEncode(clientId)}:${formEncode(clientSecret)}`;
      headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
    }
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.options.introspectionUrl, {
        method: 'POST',
        headers,
        body: form,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
      });
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new VerifierUnavailableError(`The token introspection endpoint answered HTTP ${response.status}`);
      }
      // Fix: the body used to be read whole (response.text()) before its size was checked, so
      // a huge answer was buffered in memory first. It is now read with a byte cap.
      text = await readCapped(response, MAX_RESPONSE_BYTES);
    } catch (error) {
      if (error instanceof VerifierUnavailableError) throw error;
      throw new VerifierUnavailableError('The token introspection endpoint cannot be reached', { cause: error });
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw new VerifierUnavailableError('The token introspection endpoint answered with invalid JSON', {
        cause: error,
      });
    }
    if (body === null || typeof body !== 'object' || typeof (body as { active?: unknown }).active !== 'boolean') {
      throw new VerifierUnavailableError('The token introspection response has no boolean "active" member');
    }
    return body as Record<string, unknown>;
  }

  private toAccessToken(token: string, claims: Record<string, unknown>): McpAccessToken {
    if (claims.active !== true) throw new InvalidTokenError('The access token is not active', 'inactive');
    const nowSeconds = this.context.clock.now() / 1000;
    const exp = claims.exp;
    if (exp !== undefined && (typeof exp !== 'number' || exp <= nowSeconds)) {
      throw new InvalidTokenError('The access token has expired', 'expired');
    }
    if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf > nowSeconds)) {
      throw new InvalidTokenError('The access token is not valid yet', 'not_yet_valid');
    }
    if (this.issuers && claims.iss !== undefined && !this.issuers.has(claims.iss as string)) {
      throw new InvalidTokenError('The access token was issued by an untrusted issuer', 'issuer');
    }
    const resource = this.matchAudience(claims.aud);
    const clientId = typeof claims.client_id === 'string' && claims.client_id !== '' ? claims.client_id : undefined;
    const sub = [claims.sub, claims.username, clientId].find((v): v is string => typeof v === 'string' && v !== '');
    if (sub === undefined) throw new InvalidTokenError('The access token has no subject', 'claims');
    return {
      token,
      sub,
      clientId: clientId ?? sub,
      scopes: scopesFromClaims(claims),
      // RFC 7662 makes `exp` optional; without it the answer is trusted for one cache period.
      expiresAt: typeof exp === 'number' ? exp : Math.floor(nowSeconds) + this.cacheTtlSeconds,
      resource,
      issuer: typeof claims.iss === 'string' ? claims.iss : undefined,
      claims,
    };
  }

  /** `aud` must name this resource when the check is on; a response without `aud` passes. */
  private matchAudience(aud: unknown): string | undefined {
    if (this.audiences === undefined || aud === undefined) return undefined;
    const values = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
    const match = values.find((a): a is string => typeof a === 'string' && this.audiences!.has(a));
    if (match === undefined)
      throw new InvalidTokenError('The access token was not issued for this resource', 'audience');
    return match;
  }
}

/** RFC 6749 §2.3.1: client credentials are form-encoded before Basic encoding. */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}
