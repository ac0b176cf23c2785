import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { Request, Response } from 'express';
import { MCP_AUTH_CLIENTS, type ClientDirectory } from '../oauth/client-directory.js';
import { applyPublicCors, sendJson, sendOAuthError } from '../oauth/endpoints/endpoint-responses.js';
import { formParameters, single } from '../oauth/endpoints/request-parameters.js';
import { invalidClient } from '../oauth/oauth.errors.js';
import { OwnTokenVerifier } from '../oauth/tokens/own-token.verifier.js';

/**
 * `POST /introspect` (RFC 7662, level 4): for authenticated confidential clients (resource
 * servers), the state of one of this server's access tokens. Anything that is not a valid,
 * unrevoked, unexpired access token of ours is `{ "active": false }` — the same answer for
 * every reason, so the endpoint is no oracle.
 */
@Injectable()
export class IntrospectionEndpoint implements NestMiddleware {
  constructor(
    @Inject(MCP_AUTH_CLIENTS) private readonly clients: ClientDirectory,
    private readonly ownTokens: OwnTokenVerifier,
  ) {}

  async use(request: Request, response: Response): Promise<void> {
    if (applyPublicCors(request, response, 'POST, OPTIONS')) return;
    if (request.method !== 'POST') {
      return sendJson(
        response,
        405,
        { error: 'invalid_request', error_description: 'Use POST' },
        { Allow: 'POST, OPTIONS' },
      );
    }
    try {
      const params = formParameters(request);
      const client = await this.clients.authenticate(params, request);
      if (client.tokenEndpointAuthMethod === 'none') throw invalidClient('Introspection needs client authentication');
      const token = single(params, 'token', true);
      sendJson(response, 200, await this.introspect(token));
    } catch (error) {
      sendOAuthError(response, error, { basicChallenge: /^basic /i.test(request.headers.authorization ?? '') });
    }
  }

  private async introspect(token: string): Promise<Record<string, unknown>> {
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
      return { active: false };
    }
  }
}
