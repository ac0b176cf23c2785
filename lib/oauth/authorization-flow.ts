import type { Request, Response } from 'express';
import type { StoredTransaction } from './transactions/transaction.service.js';

/** DI token of the level-specific {@link AuthorizationFlow}. */
export const MCP_AUTH_FLOW = Symbol('MCP_AUTH:FLOW');

/**
 * The steps that differ between the OAuth proxy (level 3) and the full authorization server
 * (level 4) once an authorization request is valid.
 */
export interface AuthorizationFlow {
  /** Name of the identity provider shown on the consent page (proxy), if any. */
  readonly identityProvider?: string;
  /**
   * Right after `/authorize` stored the transaction: show consent (proxy), or sign the user in
   * first (server).
   */
  start(request: Request, response: Response, stored: StoredTransaction): Promise<void>;
  /**
   * Before the consent page is shown for a transaction: `false` when the flow answered the
   * request itself because consent cannot be asked yet (the server redirects to its sign-in page).
   */
  beforeConsent?(request: Request, response: Response, stored: StoredTransaction): Promise<boolean>;
  /**
   * The user approved on the consent page (the transaction is already consumed): continue to
   * the upstream identity provider (proxy) or issue the code (server).
   */
  approved(request: Request, response: Response, stored: StoredTransaction): Promise<void>;
}
