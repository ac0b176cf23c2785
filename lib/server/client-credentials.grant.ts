import { randomBytes } from 'node:crypto';
import type { OAuthClient } from '../oauth/clients/oauth-client.js';
import type { ClientCredentialsGrant } from '../oauth/endpoints/token.endpoint.js';
import { invalidClient, invalidScope } from '../oauth/oauth.errors.js';
import type { TokenIssuer, TokenResponse } from '../oauth/tokens/token-issuer.js';

/**
 * `grant_type=client_credentials` (RFC 6749 §4.4) for confidential clients acting for
 * themselves (machine to machine): the token's `sub` is the client id, there is no refresh
 * token, and requested scopes must be ones the server supports and — when the client
 * registered a `scope` — ones it registered. The admin scope of `server.adminRoutes` is reserved
 * to pre-registered clients whose `scope` lists it.
 */
export class ServerClientCredentialsGrant implements ClientCredentialsGrant {
  constructor(
    private readonly issuer: TokenIssuer,
    /** Read per request: the server's scope list is only complete once tools are discovered. */
    private readonly settings: { readonly scopesSupported: readonly string[] },
    /** `server.adminRoutes` scope, when the admin routes are on. */
    private readonly adminScope?: string,
  ) {}

  async issue(client: OAuthClient, requested: readonly string[] | undefined, resource: string): Promise<TokenResponse> {
    // RFC 6749 §4.4.2 / §5.2: without client authentication this is invalid_client.
    if (client.tokenEndpointAuthMethod === 'none')
      throw invalidClient('client_credentials requires client authentication');
    const registered = client.scope ? client.scope.split(' ') : undefined;
    const supported = this.settings.scopesSupported;
    const allowed = registered ? supported.filter((s) => registered.includes(s)) : [...supported];
    // The reserved admin scope exists only for pre-registered clients that list it.
    if (this.adminScope && client.source === 'static' && registered?.includes(this.adminScope)) {
      allowed.push(this.adminScope);
    }
    const scopes = requested ?? allowed;
    const refused = scopes.filter((scope) => !allowed.includes(scope));
    if (refused.length > 0) throw invalidScope(`Scope not allowed for this client: ${refused.slice(0, 3).join(' ')}`);
    return this.issuer.issue(
      { grantId: randomBytes(16).toString('base64url'), clientId: client.clientId, subject: client.clientId, resource },
      scopes,
    );
  }
}
