import { Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { StoreNamespace } from '../../storage/store-key.js';
import type { McpAuthStore } from '../../storage/mcp-auth-store.interface.js';
import { generateSecret } from '../../storage/secret-key.js';
import { OAUTH_RECORDS, type AuthorizationTransaction } from '../grants/grant-records.js';
import { BrowserBinding } from './browser-binding.js';

const logger = new Logger('McpAuth');

/** PKCE challenges seen per client, to notice constant ones (stored by hash only). */
const USED_CHALLENGES = new StoreNamespace<true>('oauth-pkce-seen');
const CHALLENGE_MEMORY_MS = 86_400_000;
const COOKIE_GRACE_SECONDS = 300;

/** A transaction together with its id. */
export interface StoredTransaction {
  readonly id: string;
  readonly transaction: AuthorizationTransaction;
  /** CSRF token for the transaction's forms (from this browser's cookie). */
  readonly csrfToken: string;
}

/**
 * Authorization transactions: created by `/authorize`, bound to the browser with a cookie,
 * single use, at most `ttlSeconds` old (MCP: state "short expiration, e.g. 10 minutes").
 */
export class TransactionService {
  private readonly binding: BrowserBinding;

  constructor(
    private readonly store: McpAuthStore,
    private readonly ttlSeconds: number,
    secureCookies: boolean,
  ) {
    // The cookie outlives the transaction a little, so that a form submitted just after it
    // expired is answered "expired" (400), not "sent from another browser" (403, C-13).
    this.binding = new BrowserBinding(secureCookies, ttlSeconds + COOKIE_GRACE_SECONDS);
  }

  /**
   * Stores a new transaction and binds it to this browser. A client that sends a PKCE challenge
   * it already used (within a day) is logged as a warning: it may be using a constant verifier,
   * which defeats PKCE (RFC 9700 §2.1.1, catalog A-11). The request still proceeds, because a
   * reloaded authorization page or a link previewer repeats a genuine one.
   */
  async start(
    response: Response,
    transaction: Omit<AuthorizationTransaction, 'bindingHash'>,
  ): Promise<StoredTransaction> {
    const challengeKey = USED_CHALLENGES.secret(`${transaction.clientId}\u0000${transaction.codeChallenge}`);
    if (!(await this.store.setIfAbsent(challengeKey, true, CHALLENGE_MEMORY_MS))) {
      logger.warn(
        `Client ${JSON.stringify(transaction.clientId)} reused a PKCE code_challenge: it may be using a constant code_verifier (RFC 9700 §2.1.1)`,
      );
    }
    const id = generateSecret();
    const { hash, csrfToken } = this.binding.bind(response, id, generateSecret());
    const stored = { ...transaction, bindingHash: hash };
    await this.store.set(OAUTH_RECORDS.transactions.key(id), stored, this.ttlSeconds * 1000);
    return { id, transaction: stored, csrfToken };
  }

  /** Reads a transaction if it exists and this browser started it. */
  async find(request: Request, id: unknown): Promise<StoredTransaction | undefined> {
    if (typeof id !== 'string' || id.length === 0 || id.length > 128) return undefined;
    const transaction = await this.store.get(OAUTH_RECORDS.transactions.key(id));
    if (!transaction || !this.binding.matches(request, id, transaction.bindingHash)) return undefined;
    return { id, transaction, csrfToken: this.binding.csrfToken(request, id) as string };
  }

  /** Whether a submitted form carries this browser's CSRF token for the transaction (C-03). */
  csrfMatches(request: Request, id: string, submitted: unknown): boolean {
    return this.binding.csrfMatches(request, id, submitted);
  }

  /** Replaces a transaction's record (keeping its expiry), e.g. once the user signed in. */
  async update(id: string, transaction: AuthorizationTransaction): Promise<boolean> {
    return this.store.update(OAUTH_RECORDS.transactions.key(id), transaction);
  }

  /** Takes a transaction out of the store, once (a second submission finds nothing, C-04). */
  async consume(id: string): Promise<AuthorizationTransaction | undefined> {
    return this.store.consume(OAUTH_RECORDS.transactions.key(id));
  }

  /** Expires the transaction's browser cookie. */
  release(response: Response, id: string): void {
    this.binding.clear(response, id);
  }

  /** Whether this browser started the transaction (for the proxy's callback, C-11). */
  boundTo(request: Request, id: string, transaction: AuthorizationTransaction): boolean {
    return this.binding.matches(request, id, transaction.bindingHash);
  }
}
