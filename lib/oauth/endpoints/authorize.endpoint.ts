import { Inject, Injectable, Optional, type NestMiddleware } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { AuthorizationServerSettings } from '../authorization-server.settings.js';
import { MCP_AUTH_AS_SETTINGS } from '../authorization-server.tokens.js';
import { MCP_AUTH_FLOW, type AuthorizationFlow } from '../authorization-flow.js';
import { isAuthorizationFailure, validateAuthorizationRequest } from '../authorization/authorization-request.js';
import { authorizationRedirect } from '../authorization/authorization-response.js';
import { MCP_AUTH_CLIENTS, type ClientDirectory } from '../client-directory.js';
import { MCP_AUTH_PAGES, type McpAuthPages } from '../pages/pages.js';
import { TransactionService } from '../transactions/transaction.service.js';
import type { RegistrationRateLimiter } from '../clients/registration-rate-limiter.js';
import { redirect, sendErrorPage, sendFailurePage } from './endpoint-responses.js';

/** DI token of the rate limiter of authorization requests (`undefined` when turned off). */
export const AUTHORIZATION_RATE_LIMITER = Symbol('MCP_AUTH:AUTHORIZATION_RATE_LIMITER');

/**
 * `GET|POST /authorize` (RFC 6749 §4.1.1): validates the request (client, redirect URI, PKCE
 * S256, scopes, RFC 8707 resource), stores it as a browser-bound transaction and hands over to
 * the level's flow (consent for the proxy, sign-in then consent for the server). Errors about the
 * client or redirect URI are pages, never redirects; other errors follow policy P-7. No CORS:
 * this is a browser navigation endpoint.
 */
@Injectable()
export class AuthorizeEndpoint implements NestMiddleware {
  constructor(
    @Inject(MCP_AUTH_AS_SETTINGS) private readonly settings: AuthorizationServerSettings,
    @Inject(MCP_AUTH_CLIENTS) private readonly clients: ClientDirectory,
    @Inject(MCP_AUTH_FLOW) private readonly flow: AuthorizationFlow,
    @Inject(MCP_AUTH_PAGES) private readonly pages: McpAuthPages,
    private readonly transactions: TransactionService,
    @Optional() @Inject(AUTHORIZATION_RATE_LIMITER) private readonly rateLimiter?: RegistrationRateLimiter,
  ) {}

  async use(request: Request, response: Response): Promise<void> {
    try {
      await this.handle(request, response);
    } catch (error) {
      sendFailurePage(response, this.pages, error);
    }
  }

  private async handle(request: Request, response: Response): Promise<void> {
    if (request.method !== 'GET' && request.method !== 'POST') {
      response.setHeader('Allow', 'GET, POST');
      return sendErrorPage(response, this.pages, 405, 'invalid_request', 'Use GET or POST');
    }
    if (this.rateLimiter) {
      const decision = await this.rateLimiter.hit(request.ip ?? request.socket.remoteAddress ?? 'unknown');
      if (!decision.allowed) {
        response.setHeader('Retry-After', String(decision.retryAfterSeconds));
        return sendErrorPage(
          response,
          this.pages,
          429,
          'temporarily_unavailable',
          `Too many authorization requests from this address; try again in ${decision.retryAfterSeconds} seconds`,
        );
      }
    }
    const params = this.parameters(request);
    if (params === undefined) {
      return sendErrorPage(
        response,
        this.pages,
        400,
        'invalid_request',
        'POST bodies must be application/x-www-form-urlencoded',
      );
    }
    const result = await validateAuthorizationRequest(params, {
      findClient: (id) => this.clients.find(id),
      redirectUriAllowed: (client, uri) => this.clients.redirectUriAllowed(client, uri),
      allowedScopes: new Set(this.settings.scopesSupported),
      defaultScopes: this.settings.defaultScopes,
      resources: this.settings.resources,
    });
    if (isAuthorizationFailure(result)) {
      if (result.delivery.kind === 'page')
        return sendErrorPage(response, this.pages, 400, result.error, result.description);
      return redirect(
        request,
        response,
        authorizationRedirect(
          result.delivery.redirectUri,
          this.settings.issuer,
          { error: result.error, errorDescription: result.description },
          result.delivery.state,
        ),
      );
    }
    const stored = await this.transactions.start(response, {
      clientId: result.client.clientId,
      redirectUri: result.redirectUri,
      redirectUriSent: result.redirectUriSent,
      state: result.state,
      codeChallenge: result.codeChallenge,
      scopes: result.scopes,
      resource: result.resource,
    });
    await this.flow.start(request, response, stored);
  }

  /** GET: the query; POST: the form body (JSON bodies are refused, A-18). */
  private parameters(request: Request): Record<string, unknown> | undefined {
    if (request.method === 'GET') return request.query as Record<string, unknown>;
    if (!/^application\/x-www-form-urlencoded\b/i.test(request.headers['content-type'] ?? '')) return undefined;
    return (request.body ?? {}) as Record<string, unknown>;
  }
}
