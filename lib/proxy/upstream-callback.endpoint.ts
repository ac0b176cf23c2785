import { Inject, Injectable, Logger, type NestMiddleware } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { AuthorizationServerSettings } from '../oauth/authorization-server.settings.js';
import { MCP_AUTH_AS_SETTINGS } from '../oauth/authorization-server.tokens.js';
import { authorizationRedirect } from '../oauth/authorization/authorization-response.js';
import { redirect, sendErrorPage } from '../oauth/endpoints/endpoint-responses.js';
import { GrantService } from '../oauth/grants/grant.service.js';
import { MCP_AUTH_PAGES, type McpAuthPages } from '../oauth/pages/pages.js';
import { TransactionService } from '../oauth/transactions/transaction.service.js';
import { MCP_AUTH_STORE, type McpAuthStore } from '../storage/mcp-auth-store.interface.js';
import { RecordCipher } from '../storage/record-cipher.js';
import { UPSTREAM_LEGS, type UpstreamLeg, type UpstreamLegSecrets } from './proxy-authorization.flow.js';
import { UpstreamTokenVault } from './upstream-token.accessor.js';
import { UpstreamOAuthClient } from './upstream/upstream-oauth.client.js';
import { UpstreamError, UpstreamRejectedError, UpstreamTransientError } from './upstream/upstream.errors.js';

/** Identity claims copied into this server's access tokens (never tokens, never secrets). */
const IDENTITY_CLAIMS = ['name', 'preferred_username', 'login', 'email', 'email_verified', 'picture', 'tid', 'oid'];

/**
 * `GET /oauth/callback` (level 3): where the upstream identity provider returns the user.
 *
 * - the `state` must name a pending upstream leg, used once (CB-01, CB-02, CB-04); the browser
 *   must be the one that approved (its transaction cookie, C-11/CB-03 → 403); a repeated
 *   parameter spends the leg with a 400 page (CB-05);
 * - the upstream's answer is checked (RFC 9207 `iss`, errors, CB-05 … CB-08), the code exchanged
 *   with the proxy's own PKCE verifier, and the user's identity established (CB-11);
 * - the upstream tokens are stored encrypted with a new authorization code of this server, and
 *   the MCP client receives only that code (with its `state` and this server's `iss`).
 * Upstream failures go back to the client as `access_denied` / `temporarily_unavailable` /
 * `server_error` redirects; nothing is stored for them (F-07 … F-11).
 */
@Injectable()
export class UpstreamCallbackEndpoint implements NestMiddleware {
  private readonly logger = new Logger('McpAuth');

  constructor(
    @Inject(MCP_AUTH_AS_SETTINGS) private readonly settings: AuthorizationServerSettings,
    @Inject(MCP_AUTH_PAGES) private readonly pages: McpAuthPages,
    @Inject(MCP_AUTH_STORE) private readonly store: McpAuthStore,
    private readonly transactions: TransactionService,
    private readonly grants: GrantService,
    private readonly upstream: UpstreamOAuthClient,
    private readonly vault: UpstreamTokenVault,
    private readonly cipher: RecordCipher,
  ) {}

  async use(request: Request, response: Response): Promise<void> {
    if (request.method !== 'GET') {
      response.setHeader('Allow', 'GET');
      return sendErrorPage(response, this.pages, 405, 'invalid_request', 'Use GET');
    }
    const state = request.query.state;
    if (typeof state !== 'string' || state.length === 0 || state.length > 512) {
      return sendErrorPage(response, this.pages, 400, 'invalid_request', 'The sign-in response has no valid state');
    }
    const key = UPSTREAM_LEGS.secret(state);
    const leg = await this.store.consume(key);
    if (!leg) {
      return sendErrorPage(
        response,
        this.pages,
        400,
        'invalid_request',
        'This sign-in expired or was already completed',
      );
    }
    if (!this.transactions.boundTo(request, leg.transactionId, leg.transaction)) {
      return sendErrorPage(response, this.pages, 403, 'access_denied', 'This sign-in was started in another browser');
    }
    this.transactions.release(response, leg.transactionId);
    if (Object.values(request.query).some((value) => typeof value !== 'string')) {
      // A repeated or nested parameter (CB-05): malformed, and the leg is spent.
      return sendErrorPage(response, this.pages, 400, 'invalid_request', 'The sign-in response repeats a parameter');
    }
    try {
      const secrets = await this.cipher.open(leg.secrets, key);
      const location = await this.complete(request, leg, secrets, state);
      redirect(request, response, location);
    } catch (error) {
      this.fail(request, response, leg, error);
    }
  }

  private async complete(
    request: Request,
    leg: UpstreamLeg,
    secrets: UpstreamLegSecrets,
    state: string,
  ): Promise<string> {
    const { code } = await this.upstream.handleCallback(request.query as never, { state });
    const tokens = await this.upstream.exchangeCode(code, secrets.codeVerifier, {
      scopes: leg.transaction.scopes,
      resource: leg.transaction.resource,
    });
    const identity = await this.upstream.identity(
      { accessToken: tokens.accessToken, idToken: tokens.idToken },
      { nonce: secrets.nonce },
    );
    const { transaction } = leg;
    const claims = Object.fromEntries(
      IDENTITY_CLAIMS.filter((name) => identity.claims[name] !== undefined).map((name) => [
        name,
        identity.claims[name],
      ]),
    );
    const authorizationCode = await this.grants.createCode({
      clientId: transaction.clientId,
      redirectUri: transaction.redirectUri,
      redirectUriSent: transaction.redirectUriSent,
      codeChallenge: transaction.codeChallenge,
      // What the upstream really granted (mapped back to MCP scopes), never more than asked
      // (CB-10); where the identity API reports the token's scopes (GitHub X-OAuth-Scopes), those.
      scopes: transaction.scopes.filter(
        (scope) => tokens.scopes.includes(scope) && (identity.scopes?.includes(scope) ?? true),
      ),
      resource: transaction.resource,
      subject: identity.subject,
      claims,
      upstream: await this.vault.seal(tokens, identity.subject, transaction.clientId),
    });
    return authorizationRedirect(
      transaction.redirectUri,
      this.settings.issuer,
      { code: authorizationCode },
      transaction.state,
    );
  }

  private fail(request: Request, response: Response, leg: UpstreamLeg, error: unknown): void {
    const { transaction } = leg;
    const failure =
      error instanceof UpstreamRejectedError
        ? { error: 'access_denied', errorDescription: 'The identity provider refused the sign-in' }
        : error instanceof UpstreamTransientError
          ? { error: 'temporarily_unavailable', errorDescription: 'The identity provider cannot be reached, try again' }
          : { error: 'server_error', errorDescription: 'The sign-in with the identity provider failed' };
    if (!(error instanceof UpstreamError))
      this.logger.error('Upstream callback failed', error instanceof Error ? error.stack : String(error));
    else this.logger.warn(`Upstream callback failed: ${error.message}`);
    redirect(
      request,
      response,
      authorizationRedirect(transaction.redirectUri, this.settings.issuer, failure, transaction.state),
    );
  }
}
