import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { AuthorizationServerSettings } from '../authorization-server.settings.js';
import { MCP_AUTH_AS_SETTINGS } from '../authorization-server.tokens.js';
import { MCP_AUTH_FLOW, type AuthorizationFlow } from '../authorization-flow.js';
import { authorizationRedirect } from '../authorization/authorization-response.js';
import { MCP_AUTH_CLIENTS, type ClientDirectory } from '../client-directory.js';
import { hasOnlyLoopbackRedirectUris, redirectUriDisplayHost } from '../clients/redirect-uri-validation.util.js';
import { MCP_AUTH_PAGES, type McpAuthPages } from '../pages/pages.js';
import { ConsentMemory } from '../transactions/consent-memory.js';
import { TransactionService, type StoredTransaction } from '../transactions/transaction.service.js';
import { redirect, sendErrorPage, sendFailurePage, sendPage } from './endpoint-responses.js';

/**
 * `GET /consent?tx=…` shows the consent page of a transaction; `POST /consent` takes the
 * decision. The decision is read from the server-side transaction only (never from form
 * fields other than the decision), requires the browser that started the transaction and its
 * CSRF token (C-03), and consumes the transaction (a second submission fails, C-04). Deny sends
 * `access_denied` with `state` and `iss` (C-10). With `rememberConsentDays`, an approval can be
 * remembered and a later request skips the page under the conditions of {@link ConsentMemory}.
 */
@Injectable()
export class ConsentEndpoint implements NestMiddleware {
  constructor(
    @Inject(MCP_AUTH_AS_SETTINGS) private readonly settings: AuthorizationServerSettings,
    @Inject(MCP_AUTH_CLIENTS) private readonly clients: ClientDirectory,
    @Inject(MCP_AUTH_FLOW) private readonly flow: AuthorizationFlow,
    @Inject(MCP_AUTH_PAGES) private readonly pages: McpAuthPages,
    private readonly transactions: TransactionService,
    private readonly memory: ConsentMemory,
  ) {}

  async use(request: Request, response: Response): Promise<void> {
    try {
      if (request.method === 'GET') return await this.show(request, response);
      if (request.method === 'POST') return await this.decide(request, response);
      response.setHeader('Allow', 'GET, POST');
      sendErrorPage(response, this.pages, 405, 'invalid_request', 'Use GET or POST');
    } catch (error) {
      sendFailurePage(response, this.pages, error);
    }
  }

  /** Renders the consent page of a transaction started by this browser. */
  async render(response: Response, stored: StoredTransaction): Promise<void> {
    const client = await this.clients.find(stored.transaction.clientId);
    if (!client) return sendErrorPage(response, this.pages, 400, 'invalid_client', 'Unknown client: register it again');
    sendPage(
      response,
      200,
      this.pages.consent({
        clientName: client.clientName,
        clientId: client.clientId,
        redirectUri: stored.transaction.redirectUri,
        redirectHost: redirectUriDisplayHost(stored.transaction.redirectUri),
        scopes: stored.transaction.scopes,
        identityProvider: this.flow.identityProvider,
        resource: stored.transaction.resource,
        localhostOnlyWarning: client.source === 'metadata-document' && hasOnlyLoopbackRedirectUris(client.redirectUris),
        action: `${this.settings.urls.consent}?tx=${encodeURIComponent(stored.id)}`,
        csrfToken: stored.csrfToken,
        offerRemember: this.memory.enabled,
      }),
    );
  }

  private async show(request: Request, response: Response): Promise<void> {
    const stored = await this.transactions.find(request, request.query.tx);
    if (!stored)
      return sendErrorPage(
        response,
        this.pages,
        400,
        'invalid_request',
        'This authorization request expired or was started in another browser',
      );
    if (this.flow.beforeConsent && !(await this.flow.beforeConsent(request, response, stored))) return;
    if (await this.memory.recalls(request, stored.transaction)) {
      // Remembered approval (policy P-11): decided exactly as a submitted approval would be.
      const transaction = await this.transactions.consume(stored.id);
      if (!transaction) return this.alreadyAnswered(response);
      return this.flow.approved(request, response, { ...stored, transaction });
    }
    await this.render(response, stored);
  }

  private alreadyAnswered(response: Response): void {
    sendErrorPage(response, this.pages, 400, 'invalid_request', 'This authorization request was already answered');
  }

  private async decide(request: Request, response: Response): Promise<void> {
    const id = typeof request.query.tx === 'string' ? request.query.tx : undefined;
    const form = (request.body ?? {}) as Record<string, unknown>;
    const stored = await this.transactions.find(request, id);
    if (!stored || !this.transactions.csrfMatches(request, stored.id, form.csrf_token)) {
      // This browser's genuine form (its cookie, its CSRF token) for a transaction that is gone:
      // expired or already answered (C-04, C-13), not a forgery.
      if (!stored && id !== undefined && this.transactions.csrfMatches(request, id, form.csrf_token)) {
        return sendErrorPage(
          response,
          this.pages,
          400,
          'invalid_request',
          'This authorization request expired or was already answered',
        );
      }
      return sendErrorPage(
        response,
        this.pages,
        403,
        'access_denied',
        'This form was not submitted from the page that showed it',
      );
    }
    const transaction = await this.transactions.consume(stored.id);
    if (!transaction) return this.alreadyAnswered(response);
    if (form.decision !== 'approve') {
      this.transactions.release(response, stored.id);
      return redirect(
        request,
        response,
        authorizationRedirect(
          transaction.redirectUri,
          this.settings.issuer,
          { error: 'access_denied', errorDescription: 'The user denied the request' },
          transaction.state,
        ),
      );
    }
    if (form.remember === 'yes') await this.memory.remember(request, response, transaction);
    await this.flow.approved(request, response, { ...stored, transaction });
  }
}
