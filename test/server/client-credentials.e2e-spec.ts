import { randomUUID } from 'node:crypto';
import { SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import { testKey, type TestKey } from '../helpers/keys.js';
import { connectV2 } from '../helpers/clients.js';
import { NotesTools } from '../fixtures/notes.tools.js';
import {
  REDIRECT_URI,
  basicAuth,
  registerClient,
  startServerApp,
  tokenRequest,
  type ServerApp,
} from '../fixtures/server-app.js';

const BASIC_SECRET = 'basic-secret-0123456789-abcdefghij-KLMNOP';
const POST_SECRET = 'post-secret:with+special%chars 0123456789abcdef';
const WEB_SECRET = 'web-secret-0123456789-abcdefghij-klmnopq';

const structured = (result: unknown) => (result as { structuredContent?: Record<string, unknown> }).structuredContent;

/**
 * `grant_type=client_credentials` (RFC 6749 §4.4) at level 4: machine-to-machine tokens for
 * confidential clients acting for themselves, with `client_secret_basic` and
 * `client_secret_post`; public clients and bad secrets are `invalid_client`.
 */
describe('level 4: client_credentials for confidential clients', () => {
  let server: ServerApp;

  beforeAll(async () => {
    server = await startServerApp({
      server: () => ({
        clients: [
          {
            clientId: 'm2m-basic',
            clientSecret: BASIC_SECRET,
            redirectUris: [],
            grantTypes: ['client_credentials'],
            tokenEndpointAuthMethod: 'client_secret_basic',
            scope: 'notes:read notes:write',
          },
          {
            clientId: 'm2m-post',
            clientSecret: POST_SECRET,
            redirectUris: [],
            grantTypes: ['client_credentials'],
            tokenEndpointAuthMethod: 'client_secret_post',
            scope: 'notes:read',
          },
          // Confidential, but registered for the authorization-code flow only.
          { clientId: 'web-conf', clientSecret: WEB_SECRET, redirectUris: [REDIRECT_URI] },
          { clientId: 'pub-static', redirectUris: [REDIRECT_URI] },
        ],
      }),
    });
  });
  afterAll(async () => server?.close());

  const basic = (form: Record<string, string>, id = 'm2m-basic', secret = BASIC_SECRET) =>
    tokenRequest(
      server.origin,
      { grant_type: 'client_credentials', ...form },
      { authorization: basicAuth(id, secret) },
    );
  const post = (form: Record<string, string>) =>
    tokenRequest(server.origin, {
      grant_type: 'client_credentials',
      client_id: 'm2m-post',
      client_secret: POST_SECRET,
      ...form,
    });

  /** A rejected request changes nothing in the store (security catalog I-1). */
  async function expectRefused(
    request: () => Promise<{ status: number; headers: Headers; body: Record<string, unknown> }>,
    status: number,
    error: string,
  ) {
    const before = server.storeNamespaces();
    const answer = await request();
    expect({ status: answer.status, error: answer.body.error }).toEqual({ status, error });
    expect(answer.body.access_token).toBeUndefined();
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(String(answer.body.error_description)).not.toMatch(/\n|at .*\.ts|Error:/);
    expect(server.storeNamespaces()).toEqual(before);
    return answer;
  }

  describe.each([
    ['client_secret_basic', 'm2m-basic', (form: Record<string, string>) => basic(form), 'notes:read notes:write'],
    ['client_secret_post', 'm2m-post', (form: Record<string, string>) => post(form), 'notes:read'],
  ] as const)('%s', (_method, clientId, request, allowed) => {
    it('issues an access token for the client itself, without a refresh token', async () => {
      const answer = await request({});
      expect(answer.status).toBe(200);
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(answer.body).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 3600,
        scope: allowed,
      });
      expect(answer.body).not.toHaveProperty('refresh_token');
      const token = answer.body.access_token as string;
      expect(decodeProtectedHeader(token)).toMatchObject({ typ: 'at+jwt', kid: expect.any(String) });
      const claims = decodeJwt(token);
      expect(claims).toMatchObject({
        iss: server.origin,
        aud: server.mcpUrl,
        sub: clientId,
        client_id: clientId,
        scope: allowed,
      });
      expect((claims.exp as number) - (claims.iat as number)).toBe(3600);
    });

    it('the token works at /mcp as the client', async () => {
      const { body } = await request({ scope: 'notes:read' });
      const mcp = await connectV2(server.mcpUrl, body.access_token as string);
      try {
        expect(structured(await mcp.callTool({ name: 'whoami', arguments: {} }))).toMatchObject({
          sub: clientId,
          clientId,
          scopes: ['notes:read'],
        });
        expect(structured(await mcp.callTool({ name: 'list_notes', arguments: {} }))).toEqual({
          notes: expect.any(Array),
        });
      } finally {
        await mcp.close();
      }
    });

    it('a scope outside the client’s scopes is invalid_scope', async () => {
      await expectRefused(() => request({ scope: 'notes:read admin' }), 400, 'invalid_scope');
      if (clientId === 'm2m-post') {
        // Known to the server, but not registered for this client.
        await expectRefused(() => request({ scope: 'notes:write' }), 400, 'invalid_scope');
      }
    });

    it('a token for another resource is invalid_target (RFC 8707)', async () => {
      await expectRefused(() => request({ resource: 'http://127.0.0.1:1/mcp' }), 400, 'invalid_target');
    });
  });

  it('a client_credentials token with notes:write can call add_note', async () => {
    const { body } = await basic({ scope: 'notes:write' });
    const notes = server.app.get(NotesTools);
    const before = notes.notes.length;
    const mcp = await connectV2(server.mcpUrl, body.access_token as string);
    try {
      await mcp.callTool({ name: 'add_note', arguments: { text: 'from a machine' } });
    } finally {
      await mcp.close();
    }
    expect(notes.notes.slice(before)).toEqual(['from a machine']);
  });

  describe('client authentication failures are 401 invalid_client', () => {
    it('a wrong secret with Basic: 401 with a Basic WWW-Authenticate challenge (RFC 6749 §5.2)', async () => {
      const answer = await expectRefused(() => basic({}, 'm2m-basic', `${BASIC_SECRET}x`), 401, 'invalid_client');
      expect(answer.headers.get('www-authenticate')).toMatch(/^Basic realm="[^"]+"/);
    });

    it('an unknown client with Basic: 401 with the challenge', async () => {
      const answer = await expectRefused(() => basic({}, 'nobody', BASIC_SECRET), 401, 'invalid_client');
      expect(answer.headers.get('www-authenticate')).toMatch(/^Basic /);
    });

    it('a wrong secret in the body: 401', async () => {
      await expectRefused(
        () =>
          tokenRequest(server.origin, {
            grant_type: 'client_credentials',
            client_id: 'm2m-post',
            client_secret: `${POST_SECRET}x`,
          }),
        401,
        'invalid_client',
      );
    });

    it('the other method than the registered one: 401 (basic client posting its secret, post client using Basic)', async () => {
      await expectRefused(
        () =>
          tokenRequest(server.origin, {
            grant_type: 'client_credentials',
            client_id: 'm2m-basic',
            client_secret: BASIC_SECRET,
          }),
        401,
        'invalid_client',
      );
      const answer = await expectRefused(() => basic({}, 'm2m-post', POST_SECRET), 401, 'invalid_client');
      expect(answer.headers.get('www-authenticate')).toMatch(/^Basic /);
    });

    it('no client authentication at all: 401', async () => {
      await expectRefused(
        () => tokenRequest(server.origin, { grant_type: 'client_credentials' }),
        401,
        'invalid_client',
      );
    });

    it('a confidential client’s id without its secret: 401 (no fallback to a public client)', async () => {
      await expectRefused(
        () => tokenRequest(server.origin, { grant_type: 'client_credentials', client_id: 'm2m-basic' }),
        401,
        'invalid_client',
      );
    });

    it.each([
      ['a static public client', async () => 'pub-static'],
      ['a public client registered through DCR', async () => (await registerClient(server.origin)).client_id],
    ])('%s: 401 (client_credentials needs client authentication)', async (_name, clientId) => {
      const id = await clientId();
      await expectRefused(
        () => tokenRequest(server.origin, { grant_type: 'client_credentials', client_id: id }),
        401,
        'invalid_client',
      );
    });

    it('a public client trying Basic with a made-up secret: 401 with the challenge', async () => {
      const answer = await expectRefused(() => basic({}, 'pub-static', 'x'.repeat(40)), 401, 'invalid_client');
      expect(answer.headers.get('www-authenticate')).toMatch(/^Basic /);
    });
  });

  it('a confidential client not registered for client_credentials: 400 unauthorized_client', async () => {
    await expectRefused(() => basic({}, 'web-conf', WEB_SECRET), 400, 'unauthorized_client');
  });
});

describe('level 4: client_credentials switched off', () => {
  let server: ServerApp;
  beforeAll(async () => {
    server = await startServerApp({
      server: () => ({
        clientCredentials: false,
        clients: [
          {
            clientId: 'm2m-basic',
            clientSecret: BASIC_SECRET,
            redirectUris: [],
            grantTypes: ['client_credentials'],
            scope: 'notes:read',
          },
        ],
      }),
    });
  });
  afterAll(async () => server?.close());

  it('is unsupported_grant_type and not advertised', async () => {
    const answer = await tokenRequest(
      server.origin,
      { grant_type: 'client_credentials' },
      { authorization: basicAuth('m2m-basic', BASIC_SECRET) },
    );
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('unsupported_grant_type');
    expect(answer.body.access_token).toBeUndefined();
    const metadata = (await (await fetch(`${server.origin}/.well-known/oauth-authorization-server`)).json()) as {
      grant_types_supported: string[];
    };
    expect(metadata.grant_types_supported).toEqual(['authorization_code', 'refresh_token']);
  });
});

/**
 * `private_key_jwt` (RFC 7523 §2.2) at level 4: cases that complement
 * test/client-assertion.e2e-spec.ts (which covers the AS-05 rows none/HS256, expired, long-lived,
 * replay, no sub, iss ≠ sub, foreign key, typ, introspection and metadata): audience arrays and
 * near misses, missing claims, a jti reused in a fresh assertion, no fallback.
 */
describe('level 4: private_key_jwt client authentication (AS-05, complementary cases)', () => {
  const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
  let server: ServerApp;
  let clientKey: TestKey;
  let otherKey: TestKey;

  beforeAll(async () => {
    [clientKey, otherKey] = await Promise.all([testKey('client-key-1', 'ES256'), testKey('client-key-1', 'ES256')]);
    server = await startServerApp({
      server: () => ({
        clients: [
          {
            clientId: 'pkjwt',
            tokenEndpointAuthMethod: 'private_key_jwt',
            jwks: { keys: [clientKey.publicJwk as Record<string, unknown>] },
            redirectUris: [],
            grantTypes: ['client_credentials'],
            scope: 'notes:read',
          },
          {
            clientId: 'other-pkjwt',
            tokenEndpointAuthMethod: 'private_key_jwt',
            jwks: { keys: [otherKey.publicJwk as Record<string, unknown>] },
            redirectUris: [],
            grantTypes: ['client_credentials'],
          },
        ],
      }),
    });
  });
  afterAll(async () => server?.close());

  /** A client assertion for `pkjwt`, valid unless `changes` say otherwise. */
  async function assertion(
    changes: {
      claims?: Record<string, unknown>;
      omit?: string[];
      key?: TestKey;
    } = {},
  ): Promise<string> {
    const now = server.clock.seconds;
    const claims: Record<string, unknown> = {
      iss: 'pkjwt',
      sub: 'pkjwt',
      aud: server.origin,
      iat: now,
      exp: now + 60,
      jti: randomUUID(),
      ...changes.claims,
    };
    for (const name of changes.omit ?? []) delete claims[name];
    const key = changes.key ?? clientKey;
    return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' }).sign(key.privateKey);
  }

  const withAssertion = (clientAssertion: string, form: Record<string, string> = {}) =>
    tokenRequest(server.origin, {
      grant_type: 'client_credentials',
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: clientAssertion,
      ...form,
    });

  async function expectInvalidClient(clientAssertion: string, form: Record<string, string> = {}) {
    const before = server.storeNamespaces();
    const answer = await withAssertion(clientAssertion, form);
    expect({ status: answer.status, error: answer.body.error }).toEqual({ status: 401, error: 'invalid_client' });
    expect(answer.body.access_token).toBeUndefined();
    expect(server.storeNamespaces()).toEqual(before);
  }

  it('the client is named by the assertion’s sub, or by client_id when sent', async () => {
    expect((await withAssertion(await assertion(), { client_id: 'pkjwt' })).status).toBe(200);
    await expectInvalidClient(await assertion(), { client_id: 'other-pkjwt' });
  });

  it('AS-05: aud variants — the issuer or the token endpoint (string or in an array) pass; anything else fails', async () => {
    // Pinned choice (lib/oauth/clients/client-assertion.verifier.ts): both values that name this
    // server are accepted for interoperability (RFC 7523 §3, OIDC Core §9); the hardened
    // issuer-only rule of draft-ietf-oauth-rfc7523bis is not enforced.
    for (const aud of [
      server.origin,
      `${server.origin}/token`,
      [server.origin],
      [server.origin, 'https://other.example'],
    ]) {
      const answer = await withAssertion(await assertion({ claims: { aud } }));
      expect({ aud, status: answer.status }).toEqual({ aud, status: 200 });
    }
    for (const aud of [
      'https://other.example',
      `${server.origin}/`,
      `${server.origin}/introspect`,
      ['https://a.example'],
    ]) {
      await expectInvalidClient(await assertion({ claims: { aud } }));
    }
    await expectInvalidClient(await assertion({ omit: ['aud'] }));
  });

  it('AS-05: a replayed jti (the same assertion twice, or a new one reusing the jti)', async () => {
    const once = await assertion({ claims: { jti: 'jti-used-once' } });
    expect((await withAssertion(once)).status).toBe(200);
    await expectInvalidClient(once);
    await expectInvalidClient(await assertion({ claims: { jti: 'jti-used-once' } }));
  });

  it('AS-05: no iss, or no sub and no client_id to name the client', async () => {
    await expectInvalidClient(await assertion({ omit: ['iss'] }));
    await expectInvalidClient(await assertion({ omit: ['sub'] }));
  });

  it('AS-05: no jti, no exp', async () => {
    await expectInvalidClient(await assertion({ omit: ['jti'] }));
    await expectInvalidClient(await assertion({ omit: ['exp'] }));
  });

  it('a private_key_jwt client cannot fall back to no authentication or to a secret', async () => {
    const none = await tokenRequest(server.origin, { grant_type: 'client_credentials', client_id: 'pkjwt' });
    expect({ status: none.status, error: none.body.error }).toEqual({ status: 401, error: 'invalid_client' });
    const secret = await tokenRequest(
      server.origin,
      { grant_type: 'client_credentials' },
      { authorization: basicAuth('pkjwt', 'x'.repeat(40)) },
    );
    expect({ status: secret.status, error: secret.body.error }).toEqual({ status: 401, error: 'invalid_client' });
  });
});
