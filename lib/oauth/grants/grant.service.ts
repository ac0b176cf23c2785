import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { McpAuthClock } from '../../core/clock.js';
import type { McpAuthStore } from '../../storage/mcp-auth-store.interface.js';
import { generateSecret } from '../../storage/secret-key.js';
import { secretKey } from '../../storage/secret-key.js';
import { invalidGrant, invalidScope, invalidTarget, temporarilyUnavailable } from '../oauth.errors.js';
import { verifyPkce } from '../pkce.js';
import {
  OAUTH_RECORDS,
  type AuthorizationCodeRecord,
  type GrantRecord,
  type RefreshTokenRecord,
  type UserGrantIndex,
} from './grant-records.js';

const logger = new Logger('McpAuth');

/** What a revocation ended: the grant's record, or the code burnt before it became a grant. */
export type RevokedAuthorization = Pick<GrantRecord, 'clientId' | 'subject' | 'upstream'>;

/**
 * Run after an authorization was revoked: a grant (with its id, and its record when it still
 * existed), or an authorization code burnt by a failed redemption (no grant id). The record
 * holds the proxy's sealed upstream tokens.
 */
export type GrantRevokedListener = (
  grantId: string | undefined,
  revoked: RevokedAuthorization | undefined,
) => void | Promise<void>;

/** Lifetimes the grant service applies. */
export interface GrantLifetimes {
  readonly codeTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  /** Window in which a replayed refresh token is treated as a lost response (policy P-9). */
  readonly refreshGraceSeconds: number;
  /** Longest access-token lifetime: a revocation record must outlive every token of the grant. */
  readonly accessTokenTtlSeconds: number;
}

/** What a successful code redemption or refresh yields, before access-token signing. */
export interface IssuedGrant {
  readonly grant: GrantRecord;
  /** The scopes of the access token to issue (a refresh may narrow them). */
  readonly scopes: readonly string[];
  readonly refreshToken: string;
}

/** What a code redemption yields: a refresh token only for clients that may refresh. */
export type RedeemedCode = Omit<IssuedGrant, 'refreshToken'> & { readonly refreshToken: string | undefined };

/** What the token endpoint checks a code against. */
export interface CodeRedemption {
  readonly clientId: string;
  readonly redirectUri: string | undefined;
  /** The PKCE verifier; a missing one fails like a wrong one (`invalid_grant`, code burnt). */
  readonly codeVerifier: string | undefined;
  /** Canonical resource requested at the token endpoint, if any (must equal the code's). */
  readonly resource: string | undefined;
  /**
   * Start a refresh-token family: only for clients registered for the `refresh_token` grant
   * (no one else could use it, so none is stored or handed out).
   * @default true
   */
  readonly issueRefreshToken?: boolean;
}

/**
 * Authorization codes, grants and refresh-token families, on the shared store. Every
 * multi-record change is one atomic `commit`, so a crash or a storage outage between steps can
 * never leave a code consumed without tokens, or a refresh token rotated without a successor
 * (F-14), and two instances racing on one code or refresh token produce exactly one winner
 * (TK-03, R-02).
 */
export class GrantService {
  private readonly revokedListeners: GrantRevokedListener[] = [];

  constructor(
    private readonly store: McpAuthStore,
    private readonly clock: McpAuthClock,
    private readonly lifetimes: GrantLifetimes,
  ) {}

  /** Stores a single-use authorization code (≥ 256 bits, only its hash is kept). */
  async createCode(record: AuthorizationCodeRecord): Promise<string> {
    const code = generateSecret();
    await this.store.set(OAUTH_RECORDS.codes.secret(code), record, this.lifetimes.codeTtlSeconds * 1000);
    return code;
  }

  /**
   * Redeems an authorization code (RFC 6749 §4.1.3, RFC 7636 §4.6, RFC 8707 §2.2).
   *
   * - Unknown or expired code → `invalid_grant`. A code that was already redeemed → `invalid_grant`
   *   and the grant issued from it is revoked (OAuth 2.1 §4.1.3, TK-01).
   * - Wrong client, redirect URI, PKCE verifier or resource → `invalid_grant` / `invalid_target`,
   *   and the code is burnt (policy P-13: no second guess, TK-10).
   */
  async redeemCode(code: string, redemption: CodeRedemption): Promise<RedeemedCode> {
    const codeKey = OAUTH_RECORDS.codes.secret(code);
    const record = await this.store.get(codeKey);
    if (record === undefined) {
      const used = await this.store.get(OAUTH_RECORDS.usedCodes.secret(code));
      if (used) await this.revokeGrant(used.grantId);
      throw invalidGrant('The authorization code is invalid, expired or already used');
    }
    const problem = this.checkRedemption(record, redemption);
    if (problem) {
      // Burnt (P-13); what it stood for is revoked like a grant, upstream tokens included.
      const burnt = await this.store.consume(codeKey);
      if (burnt) await this.notifyRevoked(undefined, burnt);
      throw problem;
    }
    const grant: GrantRecord = {
      grantId: newId(),
      clientId: record.clientId,
      subject: record.subject,
      scopes: record.scopes,
      resource: record.resource,
      createdAt: Math.floor(this.clock.now() / 1000),
      claims: record.claims,
      upstream: record.upstream,
    };
    const refreshToken = redemption.issueRefreshToken === false ? undefined : generateSecret();
    const refreshMs = this.lifetimes.refreshTokenTtlSeconds * 1000;
    // The user's grant index changes in the same commit, so a grant is never missing from the
    // list that "revoke all" uses; a concurrent change of the index (another redemption by the
    // same user) is retried, a consumed code is not.
    const indexKey = OAUTH_RECORDS.userGrants.key(grant.subject);
    for (let attempt = 1; ; attempt++) {
      const index = await this.store.get(indexKey);
      const result = await this.store.commit({
        consume: [codeKey] as const,
        check: [index === undefined ? { key: indexKey, exists: false } : { key: indexKey, equals: index }],
        set: [
          { key: OAUTH_RECORDS.grants.key(grant.grantId), value: grant, ttlMs: refreshMs },
          ...(refreshToken === undefined
            ? []
            : [
                {
                  key: OAUTH_RECORDS.refreshTokens.secret(refreshToken),
                  value: refreshRecord(grant),
                  ttlMs: refreshMs,
                },
              ]),
          {
            key: OAUTH_RECORDS.usedCodes.secret(code),
            value: { grantId: grant.grantId },
            ttlMs: Math.max(this.lifetimes.codeTtlSeconds, this.lifetimes.accessTokenTtlSeconds) * 1000,
          },
          { key: indexKey, value: withGrant(index, grant, this.lifetimes.refreshTokenTtlSeconds), ttlMs: refreshMs },
        ],
      });
      if (result.ok) break;
      if (result.failed.namespace !== indexKey.namespace) {
        throw invalidGrant('The authorization code is invalid, expired or already used');
      }
      if (attempt === MAX_INDEX_ATTEMPTS) throw temporarilyUnavailable('Too many concurrent authorizations', 1);
      // Spread the racing redemptions of one user apart (a few ms, growing), so they settle.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * attempt * 3));
    }
    return { grant, scopes: grant.scopes, refreshToken };
  }

  /**
   * Rotates a refresh token (OAuth 2.1 §4.3.1): the old one stops working and a new one is
   * returned. Reuse detection (R-01, policy P-9):
   * - replayed within `refreshGraceSeconds` of its rotation (a lost response, a retry): a fresh
   *   pair is issued and the successor handed out before is invalidated, so one chain survives;
   * - replayed later, or after the successor was itself used: the whole family is revoked.
   */
  async rotateRefreshToken(
    refreshToken: string,
    request: { clientId: string; scopes: readonly string[] | undefined; resource: string | undefined },
  ): Promise<IssuedGrant> {
    const key = OAUTH_RECORDS.refreshTokens.secret(refreshToken);
    const record = await this.store.get(key);
    if (record === undefined) return this.replayed(refreshToken, request);
    return this.rotate(key, secretKey(refreshToken), record, request);
  }

  /**
   * Registers work to run after any revocation of a grant — by `/revoke`, reuse detection, a
   * second redemption of a code, the connected-apps service or an upstream refusal — and after a
   * failed redemption burns a code, such as forgetting the grant in a verifier's cache, revoking
   * the proxy's upstream token, or forgetting remembered consent.
   */
  onGrantRevoked(listener: GrantRevokedListener): void {
    this.revokedListeners.push(listener);
  }

  /** Revokes a grant: its refresh tokens and access tokens stop working everywhere. */
  async revokeGrant(grantId: string): Promise<GrantRecord | undefined> {
    const ttlMs = Math.max(this.lifetimes.refreshTokenTtlSeconds, this.lifetimes.accessTokenTtlSeconds) * 1000;
    await this.store.set(OAUTH_RECORDS.revokedGrants.key(grantId), { revokedAt: this.clock.now() }, ttlMs);
    const grant = await this.store.consume(OAUTH_RECORDS.grants.key(grantId));
    await this.notifyRevoked(grantId, grant);
    return grant;
  }

  private async notifyRevoked(grantId: string | undefined, revoked: RevokedAuthorization | undefined): Promise<void> {
    for (const listener of this.revokedListeners) {
      // The revocation itself has happened: a failing listener is logged, never reported as its failure.
      await Promise.resolve()
        .then(() => listener(grantId, revoked))
        .catch((error: unknown) =>
          logger.warn(`After revoking a grant: ${error instanceof Error ? error.message : String(error)}`),
        );
    }
  }

  /** Whether a grant (hence every token of it) was revoked. */
  async isRevoked(grantId: string): Promise<boolean> {
    return (await this.store.get(OAUTH_RECORDS.revokedGrants.key(grantId))) !== undefined;
  }

  /**
   * Finds the grant behind a refresh token presented for revocation; `undefined` when the token
   * is unknown or belongs to another client (RFC 7009 §2.1: revoke only the caller's tokens).
   */
  async grantOfRefreshToken(refreshToken: string, clientId: string): Promise<string | undefined> {
    const record = await this.store.get(OAUTH_RECORDS.refreshTokens.secret(refreshToken));
    if (record) return record.clientId === clientId ? record.grantId : undefined;
    const marker = await this.store.get(OAUTH_RECORDS.rotatedRefreshTokens.secret(refreshToken));
    if (!marker) return undefined;
    const grant = await this.store.get(OAUTH_RECORDS.grants.key(marker.grantId));
    return grant?.clientId === clientId ? marker.grantId : undefined;
  }

  async grant(grantId: string): Promise<GrantRecord | undefined> {
    return this.store.get(OAUTH_RECORDS.grants.key(grantId));
  }

  /** Replaces a grant's record (e.g. refreshed upstream tokens) without extending its lifetime. */
  async updateGrant(grant: GrantRecord): Promise<boolean> {
    return this.store.update(OAUTH_RECORDS.grants.key(grant.grantId), grant);
  }

  private checkRedemption(record: AuthorizationCodeRecord, redemption: CodeRedemption) {
    if (record.clientId !== redemption.clientId)
      return invalidGrant('The authorization code was issued to another client');
    if (record.redirectUriSent && redemption.redirectUri !== record.redirectUri) {
      return invalidGrant('redirect_uri does not match the authorization request');
    }
    if (
      !record.redirectUriSent &&
      redemption.redirectUri !== undefined &&
      redemption.redirectUri !== record.redirectUri
    ) {
      return invalidGrant('redirect_uri does not match the authorization request');
    }
    if (redemption.codeVerifier === undefined || !verifyPkce(redemption.codeVerifier, record.codeChallenge)) {
      return invalidGrant('PKCE verification failed');
    }
    if (redemption.resource !== undefined && redemption.resource !== record.resource) {
      return invalidTarget('The resource differs from the authorization request');
    }
    return undefined;
  }

  private async rotate(
    key: ReturnType<typeof OAUTH_RECORDS.refreshTokens.secret>,
    hash: string,
    record: RefreshTokenRecord,
    request: { clientId: string; scopes: readonly string[] | undefined; resource: string | undefined },
  ): Promise<IssuedGrant> {
    if (record.clientId !== request.clientId) throw invalidGrant('The refresh token was issued to another client');
    if (request.resource !== undefined && request.resource !== record.resource) {
      throw invalidTarget('The resource differs from the grant');
    }
    const scopes = request.scopes ?? record.scopes;
    if (!scopes.every((scope) => record.scopes.includes(scope))) {
      throw invalidScope('A refresh cannot add scopes to the grant');
    }
    const grant = await this.store.get(OAUTH_RECORDS.grants.key(record.grantId));
    if (!grant) throw invalidGrant('The grant of this refresh token no longer exists');
    const successor = generateSecret();
    const result = await this.store.commit({
      consume: [key] as const,
      check: [
        { key: OAUTH_RECORDS.revokedGrants.key(record.grantId), exists: false },
        { key: OAUTH_RECORDS.grants.key(record.grantId), exists: true },
      ],
      set: [
        { key: OAUTH_RECORDS.refreshTokens.secret(successor), value: record, ttlMs: this.refreshMs() },
        {
          key: OAUTH_RECORDS.rotatedRefreshTokens.key(hash),
          value: { grantId: record.grantId, rotatedAt: this.clock.now(), successorHash: secretKey(successor) },
          ttlMs: this.refreshMs(),
        },
      ],
    });
    if (!result.ok) throw invalidGrant('The refresh token is invalid, expired or revoked');
    return { grant, scopes, refreshToken: successor };
  }

  private async replayed(
    refreshToken: string,
    request: { clientId: string; scopes: readonly string[] | undefined; resource: string | undefined },
  ): Promise<IssuedGrant> {
    const markerKey = OAUTH_RECORDS.rotatedRefreshTokens.secret(refreshToken);
    const marker = await this.store.get(markerKey);
    if (!marker) throw invalidGrant('The refresh token is invalid, expired or revoked');
    const withinGrace = this.clock.now() - marker.rotatedAt <= this.lifetimes.refreshGraceSeconds * 1000;
    if (withinGrace) {
      const successorKey = OAUTH_RECORDS.refreshTokens.key(marker.successorHash);
      const successor = await this.store.get(successorKey);
      if (successor && successor.clientId === request.clientId) {
        // Benign retry: continue the chain from the successor, which stops working.
        const issued = await this.rotate(successorKey, marker.successorHash, successor, request).catch(() => undefined);
        if (issued) {
          await this.store.update(markerKey, { ...marker, successorHash: secretKey(issued.refreshToken) });
          return issued;
        }
      }
    }
    // A rotated token came back after its window, or after its successor was used: stolen.
    await this.revokeGrant(marker.grantId);
    throw invalidGrant('The refresh token was already used; the grant has been revoked');
  }

  private refreshMs(): number {
    return this.lifetimes.refreshTokenTtlSeconds * 1000;
  }
}

function refreshRecord(grant: GrantRecord): RefreshTokenRecord {
  return { grantId: grant.grantId, clientId: grant.clientId, scopes: grant.scopes, resource: grant.resource };
}

/** Attempts to add a grant to a user's index while other redemptions of the same user race. */
const MAX_INDEX_ATTEMPTS = 20;

/** Most grants listed per user; the oldest are dropped from the list (not revoked) beyond it. */
export const MAX_GRANTS_PER_USER = 500;

/** The index with `grant` added and entries older than the grant lifetime removed. */
function withGrant(index: UserGrantIndex | undefined, grant: GrantRecord, lifetimeSeconds: number): UserGrantIndex {
  const live = (index?.grants ?? []).filter((entry) => entry.createdAt + lifetimeSeconds > grant.createdAt);
  const grants = [...live, { grantId: grant.grantId, clientId: grant.clientId, createdAt: grant.createdAt }];
  return { grants: grants.slice(-MAX_GRANTS_PER_USER) };
}

/** Grant ids: 128 random bits, URL-safe. */
function newId(): string {
  return randomBytes(16).toString('base64url');
}
