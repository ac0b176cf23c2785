import { approveAll } from '../helpers/headless-browser.js';
import { OAuthMcpClient } from '../helpers/oauth-clients.js';
import {
  approve,
  readForm,
  registerClient,
  signIn,
  startAuthorization,
  startServerApp,
  type ServerApp,
} from '../fixtures/server-app.js';

interface Metadata extends Record<string, unknown> {
  issuer: string;
}

async function getJson(url: string): Promise<{ status: number; headers: Headers; body: Metadata }> {
  const response = await fetch(url);
  return { status: response.status, headers: response.headers, body: (await response.json()) as Metadata };
}

const ENDPOINTS = [
  'authorization_endpoint',
  'token_endpoint',
  'registration_endpoint',
  'revocation_endpoint',
  'introspection_endpoint',
  'jwks_uri',
] as const;

/** RFC 8414 authorization-server metadata of the full authorization server (level 4). */
describe('level 4: authorization-server metadata', () => {
  describe('M-04: the document at the issuer’s well-known location', () => {
    let server: ServerApp;
    let metadata: Metadata;
    let headers: Headers;
    beforeAll(async () => {
      server = await startServerApp();
      ({ body: metadata, headers } = await getJson(`${server.origin}/.well-known/oauth-authorization-server`));
    });
    afterAll(async () => server?.close());

    it('M-04: issuer is exactly the configured issuer, and the protected resource names it byte for byte', async () => {
      expect(metadata.issuer).toBe(server.origin);
      expect(headers.get('content-type')).toMatch(/^application\/json/);
      expect(headers.get('access-control-allow-origin')).toBe('*');
      expect(headers.get('access-control-allow-credentials')).toBeNull();
      expect(headers.get('set-cookie')).toBeNull();
      const prm = await getJson(`${server.origin}/.well-known/oauth-protected-resource/mcp`);
      expect(prm.body.resource).toBe(server.mcpUrl);
      expect((prm.body.authorization_servers as string[])[0]).toBe(metadata.issuer);
    });

    it('M-04: every endpoint is absolute, on the issuer’s origin, and really served there', async () => {
      expect(Object.fromEntries(ENDPOINTS.map((name) => [name, metadata[name]]))).toEqual({
        authorization_endpoint: `${server.origin}/authorize`,
        token_endpoint: `${server.origin}/token`,
        registration_endpoint: `${server.origin}/register`,
        revocation_endpoint: `${server.origin}/revoke`,
        introspection_endpoint: `${server.origin}/introspect`,
        jwks_uri: `${server.origin}/jwks`,
      });
      for (const name of ENDPOINTS) {
        const url = metadata[name] as string;
        const response = await fetch(url, {
          method: name === 'authorization_endpoint' || name === 'jwks_uri' ? 'GET' : 'POST',
          redirect: 'manual',
        });
        await response.text();
        expect({ name, served: response.status !== 404 && response.status < 500 }).toEqual({ name, served: true });
      }
    });

    it('M-04: PKCE S256 only, code flow only, RFC 9207 iss announced', () => {
      expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
      expect(JSON.stringify(metadata)).not.toMatch(/"plain"/);
      expect(metadata.response_types_supported).toEqual(['code']);
      expect(metadata.authorization_response_iss_parameter_supported).toBe(true);
    });

    it('M-04: grant types are the code flow and refresh, plus client_credentials which level 4 offers (issue 6)', () => {
      // The catalog's generic row allows {authorization_code, refresh_token}; the full
      // authorization server adds machine-to-machine tokens by design, and only that.
      expect(metadata.grant_types_supported).toEqual(['authorization_code', 'refresh_token', 'client_credentials']);
      expect(metadata.grant_types_supported).not.toContain('implicit');
      expect(metadata.grant_types_supported).not.toContain('password');
    });

    it('M-04: client authentication methods, introspection for confidential clients only', () => {
      expect(metadata.token_endpoint_auth_methods_supported).toEqual(
        expect.arrayContaining(['none', 'client_secret_basic', 'client_secret_post']),
      );
      expect(metadata.introspection_endpoint_auth_methods_supported).toEqual(
        expect.arrayContaining(['client_secret_basic', 'client_secret_post']),
      );
      expect(metadata.introspection_endpoint_auth_methods_supported).not.toContain('none');
    });

    it('M-04: client_id_metadata_document_supported only when client ID metadata documents are enabled', async () => {
      expect(metadata).not.toHaveProperty('client_id_metadata_document_supported');
      const cimd = await startServerApp({ server: () => ({ clientIdMetadataDocuments: { enabled: true } }) });
      try {
        const { body } = await getJson(`${cimd.origin}/.well-known/oauth-authorization-server`);
        expect(body.client_id_metadata_document_supported).toBe(true);
      } finally {
        await cimd.close();
      }
    });

    it('M-04: the iss it announces is on the authorization responses (RFC 9207), approval and denial', async () => {
      const client = await registerClient(server.origin);
      const started = await startAuthorization(server, client);
      const signedIn = await signIn(started, { username: 'alice', password: 'wonderland' });
      const approved = await approve(started.browser, signedIn.location!);
      expect(approved.searchParams.get('iss')).toBe(metadata.issuer);

      const second = await startAuthorization(server, client, { browser: started.browser });
      const page = await second.browser.get(second.answer.location!);
      const form = readForm(page, second.answer.location!);
      const denied = await second.browser.post(form.action, { ...form.fields, decision: 'deny' });
      expect(denied.location?.searchParams.get('error')).toBe('access_denied');
      expect(denied.location?.searchParams.get('iss')).toBe(metadata.issuer);
      expect(denied.location?.searchParams.get('state')).toBe(second.state);
    });

    it('M-04: the OpenID discovery alias serves the same issuer and endpoints', async () => {
      const { status, body } = await getJson(`${server.origin}/.well-known/openid-configuration`);
      expect(status).toBe(200);
      expect(body.issuer).toBe(metadata.issuer);
      for (const name of ENDPOINTS) expect(body[name]).toBe(metadata[name]);
      expect(body.code_challenge_methods_supported).toEqual(['S256']);
    });

    it('M-07: the metadata is read-only', async () => {
      for (const method of ['POST', 'PUT', 'DELETE']) {
        const response = await fetch(`${server.origin}/.well-known/oauth-authorization-server`, { method });
        await response.text();
        expect({ method, status: response.status }).toEqual({ method, status: 405 });
      }
    });
  });

  describe('M-05: an issuer with a path (/tenant)', () => {
    let server: ServerApp;
    let issuer: string;
    beforeAll(async () => {
      server = await startServerApp({
        server: (origin) => ({
          issuerUrl: `${origin}/tenant`,
          // The endpoints live under the tenant path too (no path-rewriting proxy in front).
          baseUrl: origin,
          paths: {
            authorize: '/tenant/authorize',
            token: '/tenant/token',
            register: '/tenant/register',
            revoke: '/tenant/revoke',
            consent: '/tenant/consent',
            jwks: '/tenant/jwks',
            login: '/tenant/login',
            introspect: '/tenant/introspect',
          },
        }),
      });
      issuer = `${server.origin}/tenant`;
    });
    afterAll(async () => server?.close());

    it('M-05: every served variant reports the same issuer and endpoints', async () => {
      const variants = [
        '/.well-known/oauth-authorization-server/tenant',
        '/.well-known/openid-configuration/tenant',
        '/tenant/.well-known/openid-configuration',
      ];
      const documents = await Promise.all(variants.map((path) => getJson(`${server.origin}${path}`)));
      for (const [i, { status, body }] of documents.entries()) {
        expect({ path: variants[i], status, issuer: body.issuer }).toEqual({ path: variants[i], status: 200, issuer });
        for (const name of ENDPOINTS) expect(body[name]).toBe(documents[0].body[name]);
      }
      expect(documents[0].body.authorization_endpoint).toBe(`${server.origin}/tenant/authorize`);
      const prm = await getJson(`${server.origin}/.well-known/oauth-protected-resource/mcp`);
      expect(prm.body.authorization_servers).toEqual([issuer]);
    });

    it.each([
      '/.well-known/oauth-authorization-server',
      '/.well-known/openid-configuration',
      '/tenant/.well-known/oauth-authorization-server',
      '/.well-known/oauth-authorization-server/other',
      '/.well-known/oauth-authorization-server/tenant/extra',
    ])('M-05: %s is a 404, not another document', async (path) => {
      const response = await fetch(`${server.origin}${path}`);
      const text = await response.text();
      expect(response.status).toBe(404);
      expect(text).not.toContain('"issuer"');
    });

    it('M-05: an SDK v2 client discovers the path issuer and completes the flow; tokens carry it as iss', async () => {
      const client = new OAuthMcpClient('v2', server.mcpUrl, {
        policy: approveAll({ username: 'alice', password: 'wonderland' }),
      });
      try {
        await client.connect();
        expect(await client.listTools()).toContain('whoami');
        expect(client.provider.authorizationUrls[0].href).toMatch(new RegExp(`^${issuer}/authorize\\?`));
        const token = (client.provider.store.tokens as { access_token: string }).access_token;
        const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { iss: string };
        expect(payload.iss).toBe(issuer);
      } finally {
        await client.close();
      }
    });
  });
});
