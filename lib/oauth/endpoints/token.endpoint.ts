import { Inject, Injectable, Optional, type NestMiddleware } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { AuthorizationServerSettings } from '../authorization-server.settings.js';
import { MCP_AUTH_AS_SETTINGS } from '../authorization-server.tokens.js';
import { MCP_AUTH_CLIENTS, type ClientDirectory } from '../client-directory.js';
import type { OAuthClient } from '../clients/oauth-client.js';
import { GrantService } from '../grants/grant.service.js';
import {
  invalidClient,
  invalidRequest,
  invalidTarget,
  unauthorizedClient,
  unsupportedGrantType,
} from '../oauth.errors.js';
import { isPkceValue } from '../pkce.js';
import { resolveResourceIndicator } from '../resource-indicator.js';
import { TokenIssuer, type TokenResponse } from '../tokens/token-issuer.js';
import { answeredUnlessPost, sendJson, sendOAuthError } from './endpoint-responses.js';
import { formParameters, single } from './request-parameters.js';

/** DI token of the optional `client_credentials` handler (level 4). */
export const MCP_AUTH_CLIENT_CREDENTIALS = Symbol('MCP_AUTH:CLIENT_CREDENTIALS');

/** Issues tokens to a confidential client for itself (level 4). */
export interface ClientCredentialsGrant {
  issue(client: OAuthClient, scopes: readonly string[] | undefined, resource: string): Promise<TokenResponse>;
}

/**
 * `POST /token` (RFC 6749 §3.2): form bodies only, client authentication per registration, then
 * `authorization_code` (PKCE S256, single use, bound to client, redirect URI and resource),
 * `refresh_token` (rotation with reuse detection) or `client_credentials` (level 4). Answers
 * are `no-store` JSON; errors follow RFC 6749 §5.2 with 401 `invalid_client` for unknown or
 * stale clients, so MCP clients register again. CORS allows browser-based clients.
 */
@Injectable()
export class TokenEndpoint implements NestMiddleware {
  constructor(
    @Inject(MCP_AUTH_AS_SETTINGS) private readonly settings: AuthorizationServerSettings,
    @Inject(MCP_AUTH_CLIENTS) private readonly clients: ClientDirectory,
    private readonly grants: GrantService,
    private readonly issuer: TokenIssuer,
    @Optional()
    @Inject(MCP_AUTH_CLIENT_CREDENTIALS)
    private readonly clientCredentials: ClientCredentialsGrant | undefined,
  ) {}

  async use(request: Request, response: Response): Promise<void> {
    if (answeredUnlessPost(request, response)) return;
    try {
      const params = formParameters(request);
      const client = await this.clients.authenticate(params, request);
      sendJson(response, 200, await this.grant(client, params));
    } catch (error) {
      sendOAuthError(response, error, { basicChallenge: /^basic /i.test(request.headers.authorization ?? '') });
    }
  }

  private async grant(client: OAuthClient, params: Record<string, unknown>): Promise<TokenResponse> {
    const grantType = single(params, 'grant_type', true);
    if (!this.settings.grantTypes.includes(grantType as never)) {
      throw unsupportedGrantType(`grant_type ${grantType.slice(0, 40)} is not supported`);
    }
    // client_credentials needs client authentication (RFC 6749 §4.4.2): a public client sent
    // none, which RFC 6749 §5.2 answers with invalid_client, not unauthorized_client.
    if (grantType === 'client_credentials' && client.tokenEndpointAuthMethod === 'none') {
      throw invalidClient('client_credentials requires client authentication');
    }
    if (!(client.grantTypes as readonly string[]).includes(grantType)) {
      throw unauthorizedClient(`This client is not allowed to use ${grantType}`);
    }
    const resource = this.resource(params);
    switch (grantType) {
      case 'authorization_code':
        return this.authorizationCode(client, params, resource);
      case 'refresh_token':
        return this.refreshToken(client, params, resource);
      default: {
        if (!this.clientCredentials) throw unsupportedGrantType('client_credentials is not supported');
        return this.clientCredentials.issue(client, this.scopes(params), resource ?? this.settings.resources[0]);
      }
    }
  }

  private async authorizationCode(client: OAuthClient, params: Record<string, unknown>, resource: string | undefined) {
    const code = single(params, 'code', true);
    // A missing verifier fails PKCE like a wrong one (invalid_grant, and the code is burnt,
    // P-13); a malformed one is a malformed request and never reaches the store (TK-08).
    const codeVerifier = single(params, 'code_verifier');
    if (codeVerifier !== undefined && !isPkceValue(codeVerifier)) throw invalidRequest('code_verifier is malformed');
    const issued = await this.grants.redeemCode(code, {
      clientId: client.clientId,
      redirectUri: single(params, 'redirect_uri'),
      codeVerifier,
      resource,
      issueRefreshToken: (client.grantTypes as readonly string[]).includes('refresh_token'),
    });
    return this.issuer.issue(this.subjectOf(issued.grant), issued.scopes, issued.refreshToken);
  }

  private async refreshToken(client: OAuthClient, params: Record<string, unknown>, resource: string | undefined) {
    const refreshToken = single(params, 'refresh_token', true);
    const issued = await this.grants.rotateRefreshToken(refreshToken, {
      clientId: client.clientId,
      scopes: this.scopes(params),
      resource,
    });
    return this.issuer.issue(this.subjectOf(issued.grant), issued.scopes, issued.refreshToken);
  }

  private subjectOf(grant: {
    grantId: string;
    clientId: string;
    subject: string;
    resource: string;
    claims?: Readonly<Record<string, unknown>>;
  }) {
    return {
      grantId: grant.grantId,
      clientId: grant.clientId,
      subject: grant.subject,
      resource: grant.resource,
      claims: grant.claims,
    };
  }

  private scopes(params: Record<string, unknown>): string[] | undefined {
    const scope = single(params, 'scope');
    return scope === undefined
      ? undefined
      : [...new Set(scope.split(' ').filter((s) => s !== '' && s !== 'offline_access'))];
  }

  /** RFC 8707 at the token endpoint: one resource at most, and one this server serves (TK-11). */
  private resource(params: Record<string, unknown>): string | undefined {
    const value = Object.hasOwn(params, 'resource') ? params.resource : undefined;
    try {
      return resolveResourceIndicator(value, this.settings.resources);
    } catch (error) {
      throw invalidTarget((error as Error).message);
    }
  }
}
