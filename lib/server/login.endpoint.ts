import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { Request, Response } from 'express';
import { MCP_AUTH_AS_SETTINGS } from '../oauth/authorization-server.tokens.js';
import type { AuthorizationServerSettings } from '../oauth/authorization-server.settings.js';
import { MCP_AUTH_CLIENTS, type ClientDirectory } from '../oauth/client-directory.js';
import { redirect, sendErrorPage, sendFailurePage, sendPage } from '../oauth/endpoints/endpoint-responses.js';
import { MCP_AUTH_PAGES, type McpAuthPages } from '../oauth/pages/pages.js';
import { TransactionService, type StoredTransaction } from '../oauth/transactions/transaction.service.js';
import { MCP_AUTH_CLOCK, type McpAuthClock } from '../core/clock.js';
import { LoginSessions } from './login-sessions.js';
import { LoginThrottle } from './login-throttle.js';
import { MCP_AUTH_USER_AUTHENTICATOR, type McpUserAuthenticator } from './user-authenticator.js';

const GENERIC_FAILURE = 'The username or password is incorrect, or too many attempts were made. Try again later.';

/**
 * `GET|POST /login?tx=…` (level 4): the sign-in page of an authorization transaction. The form
 * needs this browser's CSRF token (C-14), failures get one generic message whether or not the
 * user exists and are throttled per username (AS-06), and a successful sign-in starts a new
 * session id (no fixation) and continues to the consent page.
 */
@Injectable()
export class LoginEndpoint implements NestMiddleware {
  constructor(
    @Inject(MCP_AUTH_AS_SETTINGS) private readonly settings: AuthorizationServerSettings,
    @Inject(MCP_AUTH_CLIENTS) private readonly clients: ClientDirectory,
    @Inject(MCP_AUTH_PAGES) private readonly pages: McpAuthPages,
    @Inject(MCP_AUTH_USER_AUTHENTICATOR) private readonly authenticator: McpUserAuthenticator,
    @Inject(MCP_AUTH_CLOCK) private readonly clock: McpAuthClock,
    private readonly transactions: TransactionService,
    private readonly sessions: LoginSessions,
    private readonly throttle: LoginThrottle,
  ) {}

  async use(request: Request, response: Response): Promise<void> {
    try {
      const stored = await this.transactions.find(request, request.query.tx);
      if (!stored) {
        return sendErrorPage(
          response,
          this.pages,
          400,
          'invalid_request',
          'This sign-in expired or was started in another browser',
        );
      }
      if (request.method === 'GET') return await this.show(response, stored);
      if (request.method === 'POST') return await this.signIn(request, response, stored);
      response.setHeader('Allow', 'GET, POST');
      sendErrorPage(response, this.pages, 405, 'invalid_request', 'Use GET or POST');
    } catch (error) {
      sendFailurePage(response, this.pages, error);
    }
  }

  private async show(
    response: Response,
    stored: StoredTransaction,
    status = 200,
    error?: string,
    username?: string,
  ): Promise<void> {
    const client = await this.clients.find(stored.transaction.clientId);
    sendPage(
      response,
      status,
      this.pages.login({
        action: `${this.settings.urls.login}?tx=${encodeURIComponent(stored.id)}`,
        csrfToken: stored.csrfToken,
        clientName: client?.clientName,
        username,
        error,
      }),
    );
  }

  private async signIn(request: Request, response: Response, stored: StoredTransaction): Promise<void> {
    const form = (request.body ?? {}) as Record<string, unknown>;
    if (!this.transactions.csrfMatches(request, stored.id, form.csrf_token)) {
      return sendErrorPage(
        response,
        this.pages,
        403,
        'access_denied',
        'This form was not submitted from the page that showed it',
      );
    }
    const username = typeof form.username === 'string' ? form.username.slice(0, 200) : '';
    const password = typeof form.password === 'string' ? form.password.slice(0, 1000) : '';
    if (!username || !password || !(await this.throttle.attempt(username))) {
      return this.show(response, stored, 401, GENERIC_FAILURE, username);
    }
    const user = await this.authenticator.authenticate(username, password);
    if (!user) return this.show(response, stored, 401, GENERIC_FAILURE, username);
    await this.throttle.succeeded(username);
    await this.sessions.start(request, response, user, this.clock.now());
    const scopes = user.scopes
      ? stored.transaction.scopes.filter((scope) => user.scopes!.includes(scope))
      : stored.transaction.scopes;
    await this.transactions.update(stored.id, {
      ...stored.transaction,
      subject: user.subject,
      scopes,
      claims: user.claims,
    });
    redirect(request, response, `${this.settings.urls.consent}?tx=${encodeURIComponent(stored.id)}`);
  }
}
