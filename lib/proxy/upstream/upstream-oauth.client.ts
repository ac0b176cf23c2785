import { timingSafeEqual } from 'node:crypto';
import { systemClock, type McpAuthClock } from '../../core/clock.js';
import { verifyUpstreamAccessToken } from './identity/access-token.verifier.js';
import { resolveUpstreamIdentity, withMappedScopes } from './identity/resolve-identity.js';
import { UpstreamJwks } from './identity/upstream-jwt.js';
import { parseTokenResponse, toUpstreamTokens, type ParsedTokenResponse } from './token-response.parser.js';
import { authenticatedForm, MAX_TOKEN_RESPONSE_BYTES } from './token-request.js';
import { UpstreamHttp, type UpstreamFetch } from './upstream-http.js';
import { UpstreamMetadataResolver, type ResolvedUpstreamEndpoints } from './upstream-metadata.js';
import { codeChallengeS256, isCodeVerifier } from './upstream-pkce.js';
import type { UpstreamEndpoints, UpstreamProvider } from './upstream-provider.interface.js';
import { revokeUpstream } from './upstream-revocation.js';
import { readCallback, type UpstreamCallbackQuery } from './upstream-callback.js';
import { authorizationScopes, effectiveScopes, tokenRequestScopes } from './upstream-scopes.js';
import type { RevocationOutcome, UpstreamIdentity, UpstreamTokens } from './upstream-tokens.interface.js';

/** Construction options of {@link UpstreamOAuthClient}. @publicApi */
export interface UpstreamOAuthClientOptions {
  /**
   * The proxy's fixed callback URL, registered at the upstream app (sent as `redirect_uri` on
   * authorization and code exchange requests).
   */
  readonly redirectUri: string;
  /** Source of time for expiries and JWT checks. @default the system clock */
  readonly clock?: McpAuthClock;
  /** Replaces the global `fetch` (tests; an undici dispatcher for egress through a proxy). */
  readonly fetch?: UpstreamFetch;
  /** `User-Agent` of upstream requests. @default 'nestjs-mcp-auth' */
  readonly userAgent?: string;
}

/** One upstream authorization request, as stored in the proxy's transaction. @publicApi */
export interface UpstreamAuthorizationRequest {
  /** The upstream `state` (the proxy's transaction handle, never the MCP client's state). */
  readonly state: string;
  /** The proxy's own PKCE verifier for this leg; only its S256 challenge is sent. */
  readonly codeVerifier: string;
  /** MCP scopes; the provider's default scopes when empty or absent. */
  readonly scopes?: readonly string[];
  /** The MCP client's RFC 8707 `resource`, forwarded when the provider says so. */
  readonly resource?: string;
  /** OpenID Connect `nonce`, sent to OIDC providers; pass it again to {@link UpstreamOAuthClient.identity}. */
  readonly nonce?: string;
}

/** Options of a code exchange. @publicApi */
export interface UpstreamExchangeOptions {
  /** The MCP scopes of the authorization request (to record the granted ones). */
  readonly scopes?: readonly string[];
  /** The `resource` of the authorization request (forwarded when the provider says so). */
  readonly resource?: string;
}

/** Options of a refresh. @publicApi */
export interface UpstreamRefreshOptions {
  /** The MCP scopes of the grant; the upstream may narrow them. */
  readonly scopes?: readonly string[];
  readonly resource?: string;
  /** Expiry of the refresh token being used, kept when the upstream does not rotate it. */
  readonly refreshTokenExpiresAt?: number;
}

const MAX_CODE_LENGTH = 8192;

/**
 * Everything the OAuth proxy says to the upstream identity provider, through the one app
 * registered there: the authorization URL (with the proxy's own PKCE pair), callback
 * validation, code exchange, refresh, revocation and the user's identity.
 *
 * Stateless across requests apart from caches (discovered metadata, JWKS), so any instance can
 * handle any step of a flow. Every method either returns a complete result or throws an
 * {@link UpstreamTransientError}, {@link UpstreamRejectedError} or {@link UpstreamProtocolError}
 * (`revoke` never throws). Messages never contain upstream host names, tokens or codes.
 *
 * @example
 * ```ts
 * const upstream = new UpstreamOAuthClient(createUpstreamProvider({ provider: 'github', clientId, clientSecret }), {
 *   redirectUri: 'https://mcp.example.com/oauth/callback',
 * });
 * const { state, codeVerifier, nonce } = createUpstreamTransactionSecrets();
 * const url = await upstream.authorizationUrl({ state, codeVerifier, nonce, scopes: ['read:user'] });
 * // … later, at the callback:
 * const { code } = await upstream.handleCallback(request.query, { state });
 * const tokens = await upstream.exchangeCode(code, codeVerifier, { scopes: ['read:user'] });
 * const user = await upstream.identity(tokens, { nonce });
 * ```
 * @publicApi
 */
export class UpstreamOAuthClient {
  private readonly clock: McpAuthClock;
  private readonly http: UpstreamHttp;
  private readonly metadata: UpstreamMetadataResolver;
  private readonly jwks: UpstreamJwks;

  constructor(
    readonly provider: UpstreamProvider,
    private readonly options: UpstreamOAuthClientOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.http = new UpstreamHttp({
      timeoutMs: provider.timeoutMs,
      userAgent: options.userAgent ?? 'nestjs-mcp-auth',
      fetch: options.fetch,
    });
    this.metadata = new UpstreamMetadataResolver(provider, this.clock);
    this.jwks = new UpstreamJwks(provider.timeoutMs);
  }

  /**
   * The endpoints in effect: static, or completed from the upstream's metadata on first use
   * (also when one of `needs` is not configured).
   * @throws UpstreamTransientError when the metadata cannot be loaded right now.
   */
  endpoints(needs: ReadonlyArray<keyof UpstreamEndpoints> = []): Promise<ResolvedUpstreamEndpoints> {
    return this.metadata.resolve(needs);
  }

  /**
   * The URL to send the user's browser to: `response_type=code`, our `client_id`, the fixed
   * `redirect_uri`, the mapped scopes, `state`, the S256 challenge of the proxy's own verifier,
   * `nonce` for OIDC providers, `resource` when forwarded, and the provider's extra parameters
   * (which can never replace those). Query parameters already in the endpoint URL are kept.
   * @throws TypeError when `state` is empty or `codeVerifier` is not an RFC 7636 verifier.
   */
  async authorizationUrl(request: UpstreamAuthorizationRequest): Promise<URL> {
    if (typeof request.state !== 'string' || request.state === '')
      throw new TypeError('state must be a non-empty string');
    if (!isCodeVerifier(request.codeVerifier)) throw new TypeError('codeVerifier must be an RFC 7636 code verifier');
    const { provider } = this;
    const endpoints = await this.endpoints();
    const url = new URL(endpoints.authorization);
    for (const [name, value] of Object.entries(provider.extraAuthorizeParams)) {
      if (value !== '') url.searchParams.set(name, value);
    }
    const scopes = authorizationScopes(provider.scopes, effectiveScopes(provider.scopes, request.scopes));
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', provider.clientId);
    url.searchParams.set('redirect_uri', this.options.redirectUri);
    if (scopes.length > 0) url.searchParams.set('scope', scopes.join(' '));
    url.searchParams.set('state', request.state);
    url.searchParams.set('code_challenge', codeChallengeS256(request.codeVerifier));
    url.searchParams.set('code_challenge_method', 'S256');
    if (request.nonce !== undefined && provider.identity.kind === 'oidc') url.searchParams.set('nonce', request.nonce);
    if (provider.forwardResource && request.resource !== undefined) url.searchParams.set('resource', request.resource);
    return url;
  }

  /**
   * Validates the upstream's redirect to the callback (see {@link readCallback}): single
   * parameters, our `state`, RFC 9207 `iss`, then `error` or `code`.
   * @throws UpstreamRejectedError `access_denied` when the user or the upstream refused.
   * @throws UpstreamTransientError for an upstream `temporarily_unavailable` / `server_error`.
   * @throws UpstreamProtocolError for a foreign state, a wrong or missing `iss`, no code, or an
   * upstream error that points at our configuration.
   */
  async handleCallback(query: UpstreamCallbackQuery, expected: { readonly state: string }): Promise<{ code: string }> {
    const endpoints = await this.endpoints();
    const { provider } = this;
    const issuers = provider.issuer ? [provider.issuer, ...(provider.issuerAliases ?? [])] : undefined;
    return readCallback(query, {
      state: expected.state,
      issuers,
      issRequired: endpoints.authorizationResponseIss,
      maxCodeLength: MAX_CODE_LENGTH,
      sameState: constantTimeEquals,
    });
  }

  /**
   * Exchanges the upstream authorization code (RFC 6749 §4.1.3) with the proxy's verifier.
   * @throws UpstreamRejectedError `invalid_grant` for a bad, expired or used code (also GitHub's
   * HTTP 200 `bad_verification_code`).
   * @throws UpstreamTransientError when the upstream is down, slow, rate limiting or failing.
   * @throws UpstreamProtocolError for any malformed or unacceptable answer.
   */
  async exchangeCode(
    code: string,
    codeVerifier: string,
    options: UpstreamExchangeOptions = {},
  ): Promise<UpstreamTokens> {
    const { provider } = this;
    const scopes = effectiveScopes(provider.scopes, options.scopes);
    const parsed = await this.tokenRequest('token', {
      grant_type: 'authorization_code',
      code,
      redirect_uri: this.options.redirectUri,
      code_verifier: codeVerifier,
      scope: tokenRequestScopes(provider.scopes, scopes)?.join(' '),
      resource: provider.forwardResource ? options.resource : undefined,
    });
    return this.toTokens(parsed, scopes);
  }

  /**
   * Refreshes the upstream access token (RFC 6749 §6). When the upstream sends no new refresh
   * token (or echoes the one used) that one is kept with its expiry (`refreshTokenRotated: false`,
   * security catalog R-10).
   * @throws UpstreamRejectedError `invalid_grant` when the refresh token is dead.
   * @throws UpstreamTransientError on 5xx, 429, network failure or timeout, with the upstream's
   * `Retry-After`: keep every credential and retry later.
   * @throws UpstreamProtocolError for a malformed or unacceptable answer.
   */
  async refresh(refreshToken: string, options: UpstreamRefreshOptions = {}): Promise<UpstreamTokens> {
    const { provider } = this;
    const parsed = await this.tokenRequest('refresh', {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      scope: options.scopes ? tokenRequestScopes(provider.scopes, options.scopes)?.join(' ') : undefined,
      resource: provider.forwardResource ? options.resource : undefined,
    });
    const tokens = this.toTokens(parsed, options.scopes && options.scopes.length > 0 ? options.scopes : undefined);
    // Some providers (oidc-provider) echo the refresh token they did not rotate.
    const rotated = parsed.refreshToken !== undefined && parsed.refreshToken !== refreshToken;
    const refreshTokenExpiresAt = parsed.refreshTokenExpiresAt ?? (rotated ? undefined : options.refreshTokenExpiresAt);
    const result: UpstreamTokens = {
      ...tokens,
      refreshToken: parsed.refreshToken ?? refreshToken,
      refreshTokenRotated: rotated,
      refreshTokenExpiresAt,
    };
    if (refreshTokenExpiresAt === undefined)
      delete (result as { refreshTokenExpiresAt?: number }).refreshTokenExpiresAt;
    return result;
  }

  /** Revokes the upstream grant; never throws (see {@link RevocationOutcome}). */
  revoke(tokens: Partial<Pick<UpstreamTokens, 'accessToken' | 'refreshToken'>>): Promise<RevocationOutcome> {
    return revokeUpstream(
      this.provider,
      () => this.endpoints(['revocation']),
      this.http,
      tokens,
      () => this.clock.now(),
    );
  }

  /**
   * Who the user is, by the provider's identity source. Pass the `nonce` of the authorization
   * request at the callback; leave it out after a refresh.
   * @throws UpstreamRejectedError `invalid_token` when the identity API refuses the token (401).
   * @throws UpstreamTransientError when it is down, slow or rate limiting (security catalog F-11).
   * @throws UpstreamProtocolError for an invalid ID token or an identity without a subject (CB-11).
   */
  async identity(
    tokens: Pick<UpstreamTokens, 'accessToken' | 'idToken'>,
    options: { readonly nonce?: string } = {},
  ): Promise<UpstreamIdentity> {
    const now = () => this.clock.now();
    const context = { provider: this.provider, http: this.http, jwks: this.jwks, now };
    return resolveUpstreamIdentity(context, (needs) => this.endpoints(needs), tokens, options.nonce);
  }

  /**
   * Verifies an upstream JWT access token locally, for providers with
   * `accessTokenVerification` (Auth0 with an `audience`, Cognito, OIDC with an access-token
   * audience).
   * @throws UpstreamRejectedError `invalid_token` when it is not valid (or cannot be verified locally).
   * @throws UpstreamTransientError when the signing keys cannot be loaded.
   */
  async verifyAccessToken(accessToken: string): Promise<UpstreamIdentity> {
    const endpoints = await this.endpoints(['jwksUri']);
    return withMappedScopes(
      this.provider,
      await verifyUpstreamAccessToken(this.provider, endpoints, this.jwks, accessToken, this.clock.now()),
    );
  }

  private async tokenRequest(
    operation: 'token' | 'refresh',
    params: Record<string, string | undefined>,
  ): Promise<ParsedTokenResponse> {
    const endpoints = await this.endpoints();
    const request = authenticatedForm(this.provider, params, this.provider.extraTokenParams);
    const response = await this.http.request(
      operation,
      endpoints.token,
      { method: 'POST', ...request },
      MAX_TOKEN_RESPONSE_BYTES,
    );
    return parseTokenResponse(response, {
      operation,
      now: this.clock.now(),
      fallbackExpiresInSeconds: this.provider.fallbackExpiresInSeconds,
    });
  }

  private toTokens(parsed: ParsedTokenResponse, requested: readonly string[] | undefined): UpstreamTokens {
    return toUpstreamTokens(this.provider.scopes, parsed, requested, this.clock.now());
  }
}

function constantTimeEquals(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
