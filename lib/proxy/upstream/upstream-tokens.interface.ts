import type { UpstreamError } from './upstream.errors.js';

/**
 * Where an access token's expiry came from: the upstream's `expires_in`, the documented
 * fallback (missing or unusable `expires_in`), or nowhere (the upstream says nothing and gave
 * no refresh token: a token that lives until revoked, as GitHub OAuth apps' do).
 * @publicApi
 */
export type UpstreamExpirySource = 'upstream' | 'fallback' | 'none';

/**
 * An upstream token set, as received from the upstream token endpoint. Contains secrets: store
 * it encrypted and never hand it to MCP clients.
 * @publicApi
 */
export interface UpstreamTokens {
  readonly accessToken: string;
  /** Always `Bearer`: other token types are refused. */
  readonly tokenType: 'Bearer';
  readonly refreshToken?: string;
  /**
   * After a refresh: whether the upstream sent a new refresh token. When it did not, the
   * previous one is kept in `refreshToken` (security catalog R-10).
   */
  readonly refreshTokenRotated?: boolean;
  readonly idToken?: string;
  /** Epoch seconds; `undefined` when the token does not expire (`expiresAtSource: 'none'`). */
  readonly expiresAt?: number;
  readonly expiresAtSource: UpstreamExpirySource;
  /** Epoch seconds, from `refresh_token_expires_in` / `refresh_expires_in` (or kept from before). */
  readonly refreshTokenExpiresAt?: number;
  /** MCP scopes granted: never more than requested, narrower when the upstream narrowed them. */
  readonly scopes: readonly string[];
  /** Upstream scopes as reported by the upstream (or as requested when it reported none). */
  readonly upstreamScopes: readonly string[];
  /** Whether the upstream reported the granted scopes. */
  readonly scopesReported: boolean;
  /** Epoch seconds at which the response was received. */
  readonly receivedAt: number;
}

/**
 * Who the user is at the upstream.
 * @publicApi
 */
export interface UpstreamIdentity {
  /** Stable, non-empty subject (OIDC `sub`, GitHub numeric id, Discord user id). */
  readonly subject: string;
  /** Profile claims (`email`, `name`, `login`…), for the proxy's tokens and tool code. */
  readonly claims: Readonly<Record<string, unknown>>;
  /** Where the identity came from. */
  readonly source: 'id_token' | 'userinfo' | 'id_token+userinfo' | 'github' | 'discord' | 'access_token' | 'custom';
  /** Upstream scopes the access token holds right now, when the upstream says (GitHub `X-OAuth-Scopes`). */
  readonly upstreamScopes?: readonly string[];
  /** The same scopes as MCP scopes. */
  readonly scopes?: readonly string[];
  /** Epoch seconds, when the identity source states the token's expiry. */
  readonly expiresAt?: number;
}

/**
 * What an upstream revocation achieved. Revocation never throws (security catalog RV-07): the
 * caller revokes its own grant whatever this says, and may log or retry a failure.
 * @publicApi
 */
export type RevocationOutcome =
  | {
      readonly status: 'revoked';
      /** Which token was sent (revoking a refresh token revokes its grant, RFC 7009 §2.1). */
      readonly token: 'refresh_token' | 'access_token';
      /** The upstream said the token was already invalid. */
      readonly alreadyInvalid?: boolean;
    }
  /** The upstream has no revocation endpoint: just forget the tokens. */
  | { readonly status: 'unsupported' }
  /** No token was given. */
  | { readonly status: 'skipped' }
  | {
      readonly status: 'failed';
      readonly error: UpstreamError;
      readonly retryable: boolean;
      readonly retryAfterSeconds?: number;
    };
