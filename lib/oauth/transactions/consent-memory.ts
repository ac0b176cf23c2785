import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { McpAuthStore } from '../../storage/mcp-auth-store.interface.js';
import { generateSecret } from '../../storage/secret-key.js';
import { OAUTH_RECORDS, type AuthorizationTransaction } from '../grants/grant-records.js';
import { readCookie } from './browser-binding.js';

/** `Sec-Fetch-Site` values of a navigation the user started here: typed, bookmarked, or from this origin. */
const USER_INITIATED = new Set(['none', 'same-origin']);
const COOKIE_SECRET = /^[A-Za-z0-9_-]{16,128}$/;

/**
 * "Remember my decision" on the consent page (policy P-11; off unless `rememberConsentDays` > 0).
 *
 * A remembered approval lets a later authorization skip the consent page only when all of this
 * holds, and fails closed otherwise:
 * - the navigation was started by the user, not by another site: `Sec-Fetch-Site` is `none` or
 *   `same-origin` (a missing header, `same-site` or `cross-site` shows the page, C-12), so a
 *   malicious site or client metadata document cannot ride a silent approval;
 * - this browser presents the consent cookie (`__Host-` prefixed with https, HttpOnly,
 *   SameSite=Lax; only its hash is stored) whose hash the approval recorded (C-05);
 * - the same client, the exact same redirect URI and resource, and no scope beyond those
 *   approved; at level 4 also the same signed-in user;
 * - no grant of that client was revoked since (revocation bumps the client's generation).
 */
export class ConsentMemory {
  private readonly cookieName: string;

  constructor(
    private readonly store: McpAuthStore,
    private readonly days: number,
    private readonly secureCookies: boolean,
  ) {
    this.cookieName = `${secureCookies ? '__Host-' : ''}mcp_auth_consent`;
  }

  /** Whether the consent page offers "remember". */
  get enabled(): boolean {
    return this.days > 0;
  }

  /** Whether this request may skip the consent page for the transaction. */
  async recalls(request: Request, transaction: AuthorizationTransaction): Promise<boolean> {
    if (!this.enabled || !USER_INITIATED.has(String(request.headers['sec-fetch-site']))) return false;
    const browserHash = this.browserHash(request);
    if (!browserHash) return false;
    const record = await this.store.get(this.key(transaction, browserHash));
    if (!record || !sameHash(record.browserHash, browserHash)) return false;
    if (record.redirectUri !== transaction.redirectUri || record.resource !== transaction.resource) return false;
    if (!transaction.scopes.every((scope) => record.scopes.includes(scope))) return false;
    return record.generation === (await this.generation(transaction.clientId));
  }

  /** Records the approval of a transaction for this browser (and user), for `days`. */
  async remember(request: Request, response: Response, transaction: AuthorizationTransaction): Promise<void> {
    if (!this.enabled) return;
    let secret = readCookie(request, this.cookieName);
    if (!secret || !COOKIE_SECRET.test(secret)) secret = generateSecret();
    const ttlSeconds = this.days * 86_400;
    response.append(
      'Set-Cookie',
      `${this.cookieName}=${secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${ttlSeconds}${this.secureCookies ? '; Secure' : ''}`,
    );
    const browserHash = hash(secret);
    await this.store.set(
      this.key(transaction, browserHash),
      {
        browserHash,
        redirectUri: transaction.redirectUri,
        scopes: transaction.scopes,
        resource: transaction.resource,
        generation: await this.generation(transaction.clientId),
      },
      ttlSeconds * 1000,
    );
  }

  /** Forgets every remembered approval of a client (when one of its grants is revoked). */
  async forget(clientId: string): Promise<void> {
    if (!this.enabled) return;
    await this.store.increment(OAUTH_RECORDS.consentGenerations.key(clientId), this.days * 86_400_000);
  }

  private async generation(clientId: string): Promise<number> {
    return (await this.store.get(OAUTH_RECORDS.consentGenerations.key(clientId))) ?? 0;
  }

  private browserHash(request: Request): string | undefined {
    const secret = readCookie(request, this.cookieName);
    return secret && COOKIE_SECRET.test(secret) ? hash(secret) : undefined;
  }

  /** Level 4 remembers per user (known before consent); level 3 per browser (the user is not). */
  private key(transaction: AuthorizationTransaction, browserHash: string) {
    return OAUTH_RECORDS.rememberedConsents.key(
      JSON.stringify([transaction.clientId, transaction.subject ?? browserHash]),
    );
  }
}

function hash(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
