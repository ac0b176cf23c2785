import { exportJWK, generateKeyPair, decodeJwt, decodeProtectedHeader } from 'jose';
import { parseBearerChallenge, postMcp, toolCall } from '../helpers/clients.js';
import { deploymentSecrets, startAsApp, type AsApp } from './support/as-app.js';
import { expectCleanBody } from './support/expectations.js';
import { authorizeCode, exchangeCode, registerClient } from './support/flow.js';
import { sendRaw } from './support/http.js';
import { AS_LEVELS } from './support/levels.js';
import { freePort } from '../helpers/free-port.js';

const PRM_PATH = '/.well-known/oauth-protected-resource/mcp';
const AS_PATH = '/.well-known/oauth-authorization-server';
const OIDC_PATH = '/.well-known/openid-configuration';

/** Private members of JWKs (RSA, EC, OKP) and symmetric key material (M-10). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

async function json(url: string): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const response = await fetch(url);
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

/**
 * Security catalog 1.3 (metadata) for the two levels that run an authorization server: RFC 9728
 * protected-resource metadata, RFC 8414 metadata at the path-inserted location plus the OpenID
 * Connect alias, the JWKS, and one issuer string everywhere.
 */
describe.each(AS_LEVELS)('metadata, %s', (_label, level) => {
  let app: AsApp;

  beforeAll(async () => {
    const secrets = await deploymentSecrets('active-es256');
    // A second key published ahead of use (rotation, AS-03): the JWKS lists both, public only.
    const { privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
    secrets.signingKeys.push({
      privateKey: await exportJWK(privateKey),
      kid: 'next-rs256',
      alg: 'RS256',
      activateAt: Math.floor(Date.now() / 1000) + 86_400,
    });
    app = await startAsApp({ level, secrets });
  });
  afterAll(() => app?.close());

  it('M-01: protected-resource metadata names the MCP URL and the issuer exactly', async () => {
    const { status, headers, body } = await json(app.url(PRM_PATH));
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^application\/json/);
    expect(body).toEqual({
      resource: app.mcpUrl,
      authorization_servers: [app.issuer],
      scopes_supported: ['notes:read'],
      bearer_methods_supported: ['header'],
      resource_name: 'AS e2e notes',
    });
    expect(body.scopes_supported).not.toContain('offline_access');
  });

  it('M-02: the root form serves the same document, and the URL in the 401 challenge resolves', async () => {
    const root = await json(app.url('/.well-known/oauth-protected-resource'));
    const suffixed = await json(app.url(PRM_PATH));
    expect(root.status).toBe(200);
    expect(root.body.resource).toBe(suffixed.body.resource);

    const unauthenticated = await postMcp(app.url('/mcp'), toolCall('whoami'));
    expect(unauthenticated.status).toBe(401);
    const challenge = parseBearerChallenge(unauthenticated.headers.get('www-authenticate'));
    expect(challenge).not.toHaveProperty('error');
    expect(challenge.resource_metadata).toBe(`${app.publicOrigin}${PRM_PATH}`);
    const advertised = await json(app.local(challenge.resource_metadata).href);
    expect(advertised.body).toEqual(suffixed.body);
  });

  it.each([
    ['Host', { host: 'evil.example' }],
    ['X-Forwarded-Host', { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http' }],
    ['X-Forwarded-Proto', { 'x-forwarded-proto': 'https' }],
    ['Forwarded', { forwarded: 'host=evil.example;proto=http' }],
    ['quote injection', { 'x-forwarded-host': 'a", error="insufficient_scope' }],
  ])('M-03: %s poisoning leaves every metadata document byte-identical', async (_name, headers) => {
    for (const path of [PRM_PATH, AS_PATH, OIDC_PATH, '/jwks']) {
      const baseline = await sendRaw(app.port, { path });
      const poisoned = await sendRaw(app.port, { path, headers });
      expect(poisoned.status).toBe(200);
      expect(poisoned.body).toBe(baseline.body);
      expect(poisoned.body).not.toContain('evil.example');
    }
  });

  it('M-04: RFC 8414 metadata at the issuer, with S256 only, code only, iss support, and own absolute endpoints', async () => {
    const { status, headers, body } = await json(app.url(AS_PATH));
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^application\/json/);
    expect(body.issuer).toBe(app.issuer);
    for (const endpoint of [
      'authorization_endpoint',
      'token_endpoint',
      'registration_endpoint',
      'revocation_endpoint',
      'jwks_uri',
    ]) {
      expect(new URL(body[endpoint] as string).origin).toBe(app.issuer);
    }
    expect(body).toMatchObject({
      authorization_endpoint: `${app.issuer}/authorize`,
      token_endpoint: `${app.issuer}/token`,
      registration_endpoint: `${app.issuer}/register`,
      revocation_endpoint: `${app.issuer}/revoke`,
      jwks_uri: `${app.issuer}/jwks`,
      code_challenge_methods_supported: ['S256'],
      response_types_supported: ['code'],
      authorization_response_iss_parameter_supported: true,
    });
    const grants =
      level === 'server'
        ? ['authorization_code', 'refresh_token', 'client_credentials']
        : ['authorization_code', 'refresh_token'];
    expect(body.grant_types_supported).toEqual(grants);
    expect(body.token_endpoint_auth_methods_supported).toContain('none');
    // CIMD is off by default (P-12): the member is absent rather than false.
    expect(body).not.toHaveProperty('client_id_metadata_document_supported');
  });

  it('M-05: the OpenID Connect alias reports the same issuer and endpoints; other locations are 404, not another document', async () => {
    const rfc8414 = await json(app.url(AS_PATH));
    const alias = await json(app.url(OIDC_PATH));
    expect(alias.status).toBe(200);
    for (const [member, value] of Object.entries(rfc8414.body)) expect(alias.body[member]).toEqual(value);
    for (const path of [`${AS_PATH}/mcp`, `${AS_PATH}/tenant`, `${OIDC_PATH}/tenant`]) {
      const other = await fetch(app.url(path));
      expect(other.status).toBe(404);
      expect(await other.text()).not.toContain('"issuer"');
    }
  });

  it('M-07: metadata and JWKS are read-only, readable cross-origin without credentials, and set no cookie', async () => {
    for (const path of [PRM_PATH, AS_PATH, OIDC_PATH, '/jwks']) {
      for (const method of ['POST', 'PUT', 'DELETE']) {
        const write = await fetch(app.url(path), {
          method,
          headers: { 'content-type': 'application/json' },
          body: '{}',
        });
        expect([404, 405]).toContain(write.status);
        expectCleanBody(await write.text());
      }
      const preflight = await fetch(app.url(path), {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
      expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
      const read = await fetch(app.url(path), { headers: { origin: 'https://evil.example' } });
      expect(read.headers.get('access-control-allow-origin')).toBe('*');
      expect(read.headers.get('access-control-allow-credentials')).toBeNull();
      expect(read.headers.get('set-cookie')).toBeNull();
    }
  });

  it('M-10: the JWKS holds public keys only, with unique kids, use sig and alg; RSA keys are at least 2048 bits', async () => {
    const { status, body } = await json(app.url('/jwks'));
    expect(status).toBe(200);
    const keys = body.keys as Array<Record<string, string>>;
    expect(keys.map((key) => key.kid).sort()).toEqual(['active-es256', 'next-rs256']);
    for (const key of keys) {
      for (const member of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(member);
      expect(key.use).toBe('sig');
      expect(key.alg).toEqual(expect.any(String));
      expect(key.kty).not.toBe('oct');
      if (key.kty === 'RSA') expect(Buffer.from(key.n, 'base64url').length * 8).toBeGreaterThanOrEqual(2048);
    }
  });

  it('issuer consistency: PRM authorization_servers[0], RFC 8414 issuer, OIDC alias, RFC 9207 iss and the token iss are one string', async () => {
    const prm = await json(app.url(PRM_PATH));
    const as = await json(app.url(AS_PATH));
    const alias = await json(app.url(OIDC_PATH));
    const client = await registerClient(app);
    const authorization = await authorizeCode(app, client);
    const exchanged = await exchangeCode(app, client, authorization.code, authorization.verifier);
    const accessToken = exchanged.body?.access_token as string;
    const issuers = new Set([
      (prm.body.authorization_servers as string[])[0],
      as.body.issuer,
      alias.body.issuer,
      authorization.redirect.searchParams.get('iss'),
      decodeJwt(accessToken).iss,
    ]);
    expect([...issuers]).toEqual([app.issuer]);
    // The token is signed by the active key, which the JWKS publishes (third parties can verify it).
    expect(decodeProtectedHeader(accessToken)).toMatchObject({ kid: 'active-es256', typ: 'at+jwt', alg: 'ES256' });
    expect(decodeJwt(accessToken).aud).toBe(app.mcpUrl);
  });

  if (level === 'proxy') {
    it("M-09: the proxy's metadata advertises only its own endpoints, never the upstream's or its client credentials", async () => {
      const upstream = app.upstream!;
      for (const path of [AS_PATH, OIDC_PATH, PRM_PATH]) {
        const text = await (await fetch(app.url(path))).text();
        expect(text).not.toContain(new URL(upstream.issuer).host);
        expect(text).not.toContain(upstream.clientId);
        expect(text).not.toContain(upstream.clientSecret);
      }
    });
  }
});

describe.each(AS_LEVELS)('metadata of an issuer with a path, %s', (_label, level) => {
  let app: AsApp;
  let issuer: string;

  beforeAll(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}/tenant`;
    app = await startAsApp({ level, port, as: { issuerUrl: issuer } });
  });
  afterAll(() => app?.close());

  it('M-05: every served variant (RFC 8414 path-inserted, OIDC inserted and appended) reports the same issuer and endpoints', async () => {
    const documents = await Promise.all(
      [`${AS_PATH}/tenant`, `${OIDC_PATH}/tenant`, `/tenant${OIDC_PATH}`].map((path) => json(app.url(path))),
    );
    for (const { status, body } of documents) {
      expect(status).toBe(200);
      expect(body.issuer).toBe(issuer);
      expect(body.authorization_endpoint).toBe(`${issuer}/authorize`);
      expect(body.token_endpoint).toBe(`${issuer}/token`);
    }
    const prm = await json(app.url(PRM_PATH));
    expect(prm.body.authorization_servers).toEqual([issuer]);
    // The root locations belong to another issuer (the origin): not served.
    for (const path of [AS_PATH, OIDC_PATH]) expect((await fetch(app.url(path))).status).toBe(404);
  });
});
