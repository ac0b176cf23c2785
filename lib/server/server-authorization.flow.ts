import { Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { AuthorizationFlow } from '../oauth/authorization-flow.js';
import type { AuthorizationServerSettings } from '../oauth/authorization-server.settings.js';
import { MCP_AUTH_AS_SETTINGS } from '../oauth/authorization-server.tokens.js';
import { authorizationRedirect } from '../oauth/authorization/authorization-response.js';
import { redirect, sendErrorPage } from '../oauth/endpoints/endpoint-responses.js';
import { GrantService } from '../oauth/grants/grant.service.js';
import { MCP_AUTH_PAGES, type McpAuthPages } from '../oauth/pages/pages.js';
import { TransactionService, type StoredTransaction } from '../oauth/transactions/transaction.service.js';
import { LoginSessions } from './login-sessions.js';

/**
 * Level 4: after `/authorize`, the user signs in (unless this browser has a session), then
 * consents; on approval the server issues the authorization code itself.
 */
@Injectable()
export class ServerAuthorizationFlow implements AuthorizationFlow {
  constructor(
    @Inject(MCP_AUTH_AS_SETTINGS) private readonly settings: AuthorizationServerSettings,
    @Inject(MCP_AUTH_PAGES) private readonly pages: McpAuthPages,
    private readonly transactions: TransactionService,
    private readonly sessions: LoginSessions,
    private readonly grants: GrantService,
  ) {}

  async start(request: Request, response: Response, stored: StoredTransaction): Promise<void> {
    const session = await this.sessions.current(request);
    const next = session ? this.settings.urls.consent : (this.settings.urls.login as string);
    if (session) {
      const allowed = session.user.scopes;
      const scopes = allowed ? stored.transaction.scopes.filter((s) => allowed.includes(s)) : stored.transaction.scopes;
      await this.transactions.update(stored.id, {
        ...stored.transaction,
        subject: session.user.subject,
        scopes,
        claims: session.user.claims,
      });
    }
    redirect(request, response, `${next}?tx=${encodeURIComponent(stored.id)}`);
  }

  /** Nobody signed in for this transaction yet: the sign-in page comes first. */
  async beforeConsent(request: Request, response: Response, stored: StoredTransaction): Promise<boolean> {
    if (stored.transaction.subject) return true;
    redirect(request, response, `${this.settings.urls.login as string}?tx=${encodeURIComponent(stored.id)}`);
    return false;
  }

  async approved(request: Request, response: Response, stored: StoredTransaction): Promise<void> {
    const { transaction } = stored;
    this.transactions.release(response, stored.id);
    if (!transaction.subject) {
      return sendErrorPage(response, this.pages, 400, 'invalid_request', 'Sign in before approving');
    }
    const code = await this.grants.createCode({
      clientId: transaction.clientId,
      redirectUri: transaction.redirectUri,
      redirectUriSent: transaction.redirectUriSent,
      codeChallenge: transaction.codeChallenge,
      scopes: transaction.scopes,
      resource: transaction.resource,
      subject: transaction.subject,
      claims: transaction.claims,
    });
    redirect(
      request,
      response,
      authorizationRedirect(transaction.redirectUri, this.settings.issuer, { code }, transaction.state),
    );
  }
}
