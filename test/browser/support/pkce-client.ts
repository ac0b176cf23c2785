import { createHash, randomBytes } from 'node:crypto';

/** The parts of RFC 8414 metadata the client uses. */
export interface AuthorizationServerMetadata {
  readonly issuer: string;
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
  readonly registration_endpoint: string;
}

/** One authorization request: what the client keeps to check the response and redeem the code. */
export interface PendingAuthorization {
  readonly url: URL;
  readonly state: string;
  readonly codeVerifier: string;
}

export interface TokenResponse {
  readonly access_token: string;
  readonly token_type: string;
  readonly expires_in?: number;
  readonly refresh_token?: string;
  readonly scope?: string;
}

/**
 * A public MCP client done by hand over HTTP, the way native clients do it: RFC 8414 discovery
 * from the issuer, RFC 7591 registration with a loopback redirect URI, PKCE S256 authorization
 * requests with RFC 8707 `resource`, and the code exchange. The browser part is the test's.
 */
export class PkceClient {
  private constructor(
    readonly metadata: AuthorizationServerMetadata,
    readonly clientId: string,
    readonly redirectUri: string,
    readonly resource: string,
  ) {}

  /**
   * Discovers the authorization server of `issuer` (RFC 8414, then OpenID Connect discovery, as
   * MCP clients do) and registers a client named `clientName`.
   */
  static async register(options: {
    issuer: string;
    resource: string;
    redirectUri: string;
    clientName: string;
  }): Promise<PkceClient> {
    const metadata = await discover(options.issuer);
    const registration = await fetch(metadata.registration_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: options.clientName,
        redirect_uris: [options.redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      }),
    });
    const body = (await registration.json()) as { client_id?: string };
    if (registration.status !== 201 || !body.client_id) {
      throw new Error(`registration: HTTP ${registration.status} ${JSON.stringify(body)}`);
    }
    return new PkceClient(metadata, body.client_id, options.redirectUri, options.resource);
  }

  /** A fresh authorization request (new state and verifier each time). */
  authorization(scopes: readonly string[]): PendingAuthorization {
    const state = randomBytes(16).toString('base64url');
    const codeVerifier = randomBytes(32).toString('base64url');
    const url = new URL(this.metadata.authorization_endpoint);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: this.clientId,
      redirect_uri: this.redirectUri,
      scope: scopes.join(' '),
      state,
      code_challenge: createHash('sha256').update(codeVerifier).digest('base64url'),
      code_challenge_method: 'S256',
      resource: this.resource,
    }).toString();
    return { url, state, codeVerifier };
  }

  /** Redeems a code; returns the HTTP status and body as they came. */
  async exchange(code: string, codeVerifier: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(this.metadata.token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: this.redirectUri,
        client_id: this.clientId,
        code_verifier: codeVerifier,
        resource: this.resource,
      }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }
}

/** RFC 8414 metadata at the path-inserted location, else the OpenID Connect discovery document. */
async function discover(issuer: string): Promise<AuthorizationServerMetadata> {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/$/, '');
  for (const location of [
    `/.well-known/oauth-authorization-server${path}`,
    `${path}/.well-known/openid-configuration`,
  ]) {
    const response = await fetch(new URL(location, url));
    if (!response.ok) continue;
    const metadata = (await response.json()) as AuthorizationServerMetadata;
    if (metadata.issuer !== issuer) throw new Error(`metadata of ${issuer} names issuer ${metadata.issuer}`);
    return metadata;
  }
  throw new Error(`no authorization server metadata for ${issuer}`);
}
