import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { Request, Response } from 'express';
import { MCP_AUTH_CLIENTS, type ClientDirectory } from '../client-directory.js';
import { GrantService } from '../grants/grant.service.js';
import { OwnTokenVerifier } from '../tokens/own-token.verifier.js';
import { answeredUnlessPost, sendJson, sendOAuthError } from './endpoint-responses.js';
import { formParameters, single } from './request-parameters.js';

/**
 * `POST /revoke` (RFC 7009): authenticates the client, then revokes the grant behind a refresh
 * token or an access token issued to that client — its refresh tokens and its access tokens
 * stop working (policy P-10) and, for the proxy, the upstream token is revoked too (RV-07).
 * Unknown, expired or foreign tokens get the same 200 (no oracle, RV-02/RV-03); the hint is
 * only a hint (RV-05).
 */
@Injectable()
export class RevocationEndpoint implements NestMiddleware {
  constructor(
    @Inject(MCP_AUTH_CLIENTS) private readonly clients: ClientDirectory,
    private readonly grants: GrantService,
    private readonly ownTokens: OwnTokenVerifier,
  ) {}

  async use(request: Request, response: Response): Promise<void> {
    if (answeredUnlessPost(request, response)) return;
    try {
      const params = formParameters(request);
      const client = await this.clients.authenticate(params, request);
      const token = single(params, 'token', true);
      const grantId =
        (await this.grants.grantOfRefreshToken(token, client.clientId)) ??
        (await this.grantOfAccessToken(token, client.clientId));
      // Revoking runs the grant service's listeners: the verifier forgets the grant, the proxy
      // revokes the upstream token (RV-07).
      if (grantId) await this.grants.revokeGrant(grantId);
      sendJson(response, 200, {});
    } catch (error) {
      sendOAuthError(response, error, { basicChallenge: /^basic /i.test(request.headers.authorization ?? '') });
    }
  }

  /** An access token of ours issued to this client (its signature is checked, not its expiry). */
  private async grantOfAccessToken(token: string, clientId: string): Promise<string | undefined> {
    if (token.split('.').length !== 3) return undefined;
    const owner = await this.ownTokens.grantOf(token);
    return owner?.clientId === clientId ? owner.grantId : undefined;
  }
}
