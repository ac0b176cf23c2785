import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { AuthorizationServerSettings } from '../oauth/authorization-server.settings.js';
import { MCP_AUTH_AS_SETTINGS } from '../oauth/authorization-server.tokens.js';
import { MCP_AUTH_CLIENTS, type ClientDirectory } from '../oauth/client-directory.js';
import type { OAuthClient } from '../oauth/clients/oauth-client.js';
import { answeredUnlessPost, sendJson, sendOAuthError } from '../oauth/endpoints/endpoint-responses.js';
import { formParameters, single } from '../oauth/endpoints/request-parameters.js';
import { OAUTH_RECORDS } from '../oauth/grants/grant-records.js';
import { GrantService } from '../oauth/grants/grant.service.js';
import { invalidClient } from '../oauth/oauth.errors.js';
import { OwnTokenVerifier } from '../oauth/tokens/own-token.verifier.js';
import { MCP_AUTH_STORE, type McpAuthStore } from '../storage/mcp-auth-store.interface.js';

type Introspection = Record<string, unknown>;

const INACTIVE: Introspection = Object.freeze({ active: false });

/**
 * `POST /introspect` (RFC 7662, level 4): for authenticated confidential clients (resource
 * servers), the state of one of this server's tokens.
 *
 * - Access tokens: any authenticated client may ask (that is what resource servers do).
 * - Refresh tokens: only the client they were issued to (a resource server never holds one, and
 *   another client has no business learning about it).
 *
 * `token_type_hint` only decides which kind is looked up first (RFC 7662 §2.1). Anything that is
 * not a valid, unrevoked, unexpired token of ours is `{ "active": false }` and nothing else —
 * the same answer for every reason, so the endpoint is no oracle.
 */
@Injectable()
export class IntrospectionEndpoint implements NestMiddleware {
  constructor(
    @Inject(MCP_AUTH_AS_SETTINGS) private readonly settings: AuthorizationServerSettings,
    @Inject(MCP_AUTH_CLIENTS) private readonly clients: ClientDirectory,
    @Inject(MCP_AUTH_STORE) private readonly store: McpAuthStore,
    private readonly ownTokens: OwnTokenVerifier,
    private readonly grants: GrantService,
  ) {}

  async use(request: Request, response: Response): Promise<void> {
    if (answeredUnlessPost(request, response)) return;
    try {
      const params = formParameters(request);
      const client = await this.clients.authenticate(params, request);
      if (client.tokenEndpointAuthMethod === 'none') throw invalidClient('Introspection needs client authentication');
      const token = single(params, 'token', true);
      const hint = single(params, 'token_type_hint');
      const lookups =
        hint === 'refresh_token'
          ? [() => this.refreshToken(token, client), () => this.accessToken(token)]
          : [() => this.accessToken(token), () => this.refreshToken(token, client)];
      let answer: Introspection | undefined;
      for (const lookup of lookups) if ((answer = await lookup())) break;
      sendJson(response, 200, answer ?? INACTIVE);
    } catch (error) {
      sendOAuthError(response, error, { basicChallenge: /^basic /i.test(request.headers.authorization ?? '') });
    }
  }

  private async accessToken(token: string): Promise<Introspection | undefined> {
    if (token.split('.').length !== 3) return undefined;
    try {
      const verified = await this.ownTokens.verify(token);
      const claims = verified.claims;
      return {
        active: true,
        scope: verified.scopes.join(' '),
        client_id: verified.clientId,
        sub: verified.sub,
        exp: verified.expiresAt,
        iat: claims.iat,
        iss: claims.iss,
        aud: claims.aud,
        jti: claims.jti,
        token_type: 'Bearer',
      };
    } catch {
      return undefined;
    }
  }

  /** An unrotated refresh token of `client` whose grant is alive. */
  private async refreshToken(token: string, client: OAuthClient): Promise<Introspection | undefined> {
    const record = await this.store.get(OAUTH_RECORDS.refreshTokens.secret(token));
    if (!record || record.clientId !== client.clientId) return undefined;
    const grant = await this.grants.grant(record.grantId);
    if (!grant || (await this.grants.isRevoked(record.grantId))) return undefined;
    return {
      active: true,
      scope: record.scopes.join(' '),
      client_id: record.clientId,
      sub: grant.subject,
      // The grant's lifetime bounds every refresh token of it (rotation does not extend it).
      exp: grant.createdAt + this.settings.refreshTokenTtlSeconds,
      iss: this.settings.issuer,
      aud: record.resource,
    };
  }
}
