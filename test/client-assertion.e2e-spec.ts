import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { PrivateKeyJwtProvider as PrivateKeyJwtProviderV1 } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  Client as ClientV2,
  PrivateKeyJwtProvider as PrivateKeyJwtProviderV2,
  StreamableHTTPClientTransport as TransportV2,
} from '@modelcontextprotocol/client';
import {
  SignJWT,
  UnsecuredJWT,
  decodeJwt,
  exportJWK,
  generateKeyPair,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';
import { ClientJwksFetcher } from '../lib/oauth/clients/client-assertion-jwks.fetcher.js';
import { JwtClientAssertionVerifier } from '../lib/oauth/clients/client-assertion.verifier.js';
import type { CimdLookup } from '../lib/oauth/clients/cimd/cimd-fetcher.js';
import type { OAuthClient } from '../lib/oauth/clients/oauth-client.js';
import { MemoryStore } from '../lib/storage/memory-store.js';
import { connectV2 } from './helpers/clients.js';
import { RedisServer } from './helpers/redis-server.js';
import {
  MutableClock,
  basicAuth,
  postForm,
  registerClient,
  startServerApp,
  tokenRequest,
  type ServerApp,
} from './fixtures/server-app.js';

/*
 * private_key_jwt client authentication (RFC 7523 §2.2, OIDC Core §9) at level 4: a confidential
 * client proves itself with a JWT signed by its private key, against the public keys it
 * registered (inline `jwks`, or a `jwks_uri` fetched SSRF-safely). Security catalog AS-05.
 */

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const SECRET = 'a-client-secret-0123456789-abcdefghij';
const info = { name: 'client-assertion-e2e', version: '1.0.0' };

interface ClientKey {
  readonly privateKey: CryptoKey;
  readonly privateJwk: JWK;
  readonly publicJwk: JWK;
}

async function clientKey(kid: string): Promise<ClientKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return {
    privateKey,
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'ES256' },
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' },
  };
}

let counter = 0;
/** An assertion from `clientId` (valid claims unless `overrides` say otherwise; undefined removes). */
async function assertion(
  clientId: string,
  key: ClientKey,
  audience: string,
  overrides: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    iss: clientId,
    sub: clientId,
    aud: audience,
    iat: now,
    exp: now + 120,
    jti: `e2e-${process.pid}-${++counter}`,
    ...overrides,
  };
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
  return new SignJWT(claims as JWTPayload)
    .setProtectedHeader({ alg: 'ES256', kid: key.publicJwk.kid, ...header })
    .sign(key.privateKey);
}

const clientCredentials = (origin: string, clientAssertion: string, form: Record<string, string> = {}) =>
  tokenRequest(origin, {
    grant_type: 'client_credentials',
    client_assertion_type: ASSERTION_TYPE,
    client_assertion: clientAssertion,
    ...form,
  });

describe('level 4: private_key_jwt client authentication', () => {
  let server: ServerApp;
  let m2mKey: ClientKey;
  let otherKey: ClientKey;

  beforeAll(async () => {
    m2mKey = await clientKey('m2m-1');
    otherKey = await clientKey('other-1');
    server = await startServerApp({
      server: () => ({
        clientRegistration: { allowClientCredentials: true, allowPrivateKeyJwt: true },
        clients: [
          {
            clientId: 'm2m-jwt',
            redirectUris: [],
            grantTypes: ['client_credentials'],
            tokenEndpointAuthMethod: 'private_key_jwt',
            jwks: { keys: [m2mKey.publicJwk as Record<string, unknown>] },
            scope: 'notes:read notes:write',
          },
          {
            clientId: 'm2m-secret',
            clientSecret: SECRET,
            redirectUris: [],
            grantTypes: ['client_credentials'],
          },
        ],
      }),
    });
  });
  afterAll(async () => server?.close());

  /** A refused token request: the generic 401 invalid_client, no token, nothing stored. */
  async function expectRefused(
    request: () => Promise<{ status: number; headers: Headers; body: Record<string, unknown> }>,
  ) {
    const before = server.storeNamespaces();
    const answer = await request();
    expect({ status: answer.status, body: answer.body }).toEqual({
      status: 401,
      body: { error: 'invalid_client', error_description: 'Client authentication failed' },
    });
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.headers.get('www-authenticate')).toBeNull();
    expect(server.storeNamespaces()).toEqual(before);
  }

  it('AS-05: the metadata advertises private_key_jwt and the assertion signing algorithms (RFC 8414 §2)', async () => {
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
      const metadata = (await (await fetch(`${server.origin}${path}`)).json()) as Record<string, string[]>;
      expect(metadata.token_endpoint_auth_methods_supported).toContain('private_key_jwt');
      expect(metadata.revocation_endpoint_auth_methods_supported).toContain('private_key_jwt');
      expect(metadata.introspection_endpoint_auth_methods_supported).toContain('private_key_jwt');
      for (const member of [
        'token_endpoint_auth_signing_alg_values_supported',
        'revocation_endpoint_auth_signing_alg_values_supported',
        'introspection_endpoint_auth_signing_alg_values_supported',
      ]) {
        expect(metadata[member]).toEqual(expect.arrayContaining(['RS256', 'PS256', 'ES256', 'EdDSA']));
        expect(metadata[member]).not.toEqual(expect.arrayContaining(['none']));
        expect(metadata[member]!.some((alg) => alg.startsWith('HS'))).toBe(false);
      }
    }
  });

  it('AS-05: client_credentials with an assertion addressed to the issuer; the token works at /mcp', async () => {
    const answer = await clientCredentials(server.origin, await assertion('m2m-jwt', m2mKey, server.origin), {
      client_id: 'm2m-jwt',
      scope: 'notes:read',
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'notes:read',
    });
    expect(decodeJwt(answer.body.access_token as string)).toMatchObject({
      iss: server.origin,
      aud: server.mcpUrl,
      sub: 'm2m-jwt',
      client_id: 'm2m-jwt',
    });
    const mcp = await connectV2(server.mcpUrl, answer.body.access_token as string);
    try {
      const result = (await mcp.callTool({ name: 'whoami', arguments: {} })) as {
        structuredContent?: Record<string, unknown>;
      };
      expect(result.structuredContent).toMatchObject({ sub: 'm2m-jwt', clientId: 'm2m-jwt', scopes: ['notes:read'] });
    } finally {
      await mcp.close();
    }
  });

  it('AS-05: an assertion addressed to the token endpoint URL, without client_id (taken from sub)', async () => {
    const answer = await clientCredentials(
      server.origin,
      await assertion('m2m-jwt', m2mKey, `${server.origin}/token`, { aud: [`${server.origin}/token`] }),
    );
    expect(answer.status).toBe(200);
    expect(decodeJwt(answer.body.access_token as string).sub).toBe('m2m-jwt');
  });

  it('AS-05: a replayed assertion is 401 invalid_client and issues nothing', async () => {
    const once = await assertion('m2m-jwt', m2mKey, server.origin);
    expect((await clientCredentials(server.origin, once)).status).toBe(200);
    await expectRefused(() => clientCredentials(server.origin, once));
  });

  describe('AS-05: refusals are one generic 401 invalid_client', () => {
    const now = () => Math.floor(Date.now() / 1000);
    it.each<[string, () => Promise<string>]>([
      [
        'alg none',
        async () =>
          new UnsecuredJWT({ iss: 'm2m-jwt', sub: 'm2m-jwt', aud: server.origin, jti: 'n1', exp: now() + 60 }).encode(),
      ],
      [
        'HS256 with a shared secret',
        async () =>
          new SignJWT({ iss: 'm2m-jwt', sub: 'm2m-jwt', aud: server.origin, jti: 'h1', exp: now() + 60 })
            .setProtectedHeader({ alg: 'HS256', kid: 'm2m-1' })
            .sign(new TextEncoder().encode(SECRET)),
      ],
      ['aud of another server', () => assertion('m2m-jwt', m2mKey, 'https://other.example/token')],
      ['aud = the MCP resource', () => assertion('m2m-jwt', m2mKey, server.mcpUrl)],
      [
        'expired 5 minutes ago',
        () => assertion('m2m-jwt', m2mKey, server.origin, { iat: now() - 400, exp: now() - 300 }),
      ],
      ['valid for a day', () => assertion('m2m-jwt', m2mKey, server.origin, { exp: now() + 86_400 })],
      ['no jti', () => assertion('m2m-jwt', m2mKey, server.origin, { jti: undefined })],
      ['no sub', () => assertion('m2m-jwt', m2mKey, server.origin, { sub: undefined })],
      ['iss different from sub', () => assertion('m2m-jwt', m2mKey, server.origin, { iss: 'someone-else' })],
      [
        'signed by another key under the registered kid',
        () => assertion('m2m-jwt', { ...otherKey, publicJwk: m2mKey.publicJwk }, server.origin),
      ],
      ['an unknown kid', () => assertion('m2m-jwt', otherKey, server.origin)],
      [
        'typ at+jwt (an access token passed off as an assertion)',
        () => assertion('m2m-jwt', m2mKey, server.origin, {}, { typ: 'at+jwt' }),
      ],
    ])('%s', async (_case, make) => {
      const value = await make();
      await expectRefused(() => clientCredentials(server.origin, value, { client_id: 'm2m-jwt' }));
    });

    it('an assertion for m2m-jwt presented as another client', async () => {
      const value = await assertion('m2m-jwt', m2mKey, server.origin);
      const before = server.storeNamespaces();
      const answer = await clientCredentials(server.origin, value, { client_id: 'm2m-secret' });
      expect({ status: answer.status, error: answer.body.error }).toEqual({ status: 401, error: 'invalid_client' });
      expect(server.storeNamespaces()).toEqual(before);
      // The assertion was not spent by the refusal: its client can still use it.
      expect((await clientCredentials(server.origin, value)).status).toBe(200);
    });

    it('a secret client cannot switch to an assertion, and the jwt client cannot use a secret', async () => {
      const value = await assertion('m2m-secret', m2mKey, server.origin);
      const refused = await clientCredentials(server.origin, value, { client_id: 'm2m-secret' });
      expect({ status: refused.status, error: refused.body.error }).toEqual({ status: 401, error: 'invalid_client' });
      const basic = await tokenRequest(
        server.origin,
        { grant_type: 'client_credentials' },
        { authorization: basicAuth('m2m-jwt', SECRET) },
      );
      expect({ status: basic.status, error: basic.body.error }).toEqual({ status: 401, error: 'invalid_client' });
    });

    it('a wrong client_assertion_type is invalid_request', async () => {
      const answer = await tokenRequest(server.origin, {
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer',
        client_assertion: await assertion('m2m-jwt', m2mKey, server.origin),
      });
      expect({ status: answer.status, error: answer.body.error }).toEqual({ status: 400, error: 'invalid_request' });
    });
  });

  it('a client registered through DCR with jwks authenticates with its key; no secret is issued', async () => {
    const dcrKey = await clientKey('dcr-1');
    const registered = await registerClient(server.origin, {
      client_name: 'machine',
      redirect_uris: [],
      grant_types: ['client_credentials'],
      response_types: [],
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [dcrKey.publicJwk] },
    });
    expect(registered).toMatchObject({
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [dcrKey.publicJwk] },
    });
    expect(registered.client_secret).toBeUndefined();
    const id = registered.client_id;
    const value = await assertion(id, dcrKey, server.origin);
    const answer = await clientCredentials(server.origin, value, { client_id: id });
    expect(answer.status).toBe(200);
    expect(decodeJwt(answer.body.access_token as string)).toMatchObject({ sub: id, client_id: id });
    await expectRefused(() => clientCredentials(server.origin, value, { client_id: id }));
    // Another client's key does not authenticate it.
    const foreign = await assertion(id, m2mKey, server.origin);
    await expectRefused(() => clientCredentials(server.origin, foreign, { client_id: id }));
  });

  it('introspection and revocation accept private_key_jwt too (as advertised)', async () => {
    const issued = await clientCredentials(server.origin, await assertion('m2m-jwt', m2mKey, server.origin));
    const token = issued.body.access_token as string;
    const auth = async () => ({
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: await assertion('m2m-jwt', m2mKey, server.origin),
    });
    const introspection = await postForm(`${server.origin}/introspect`, { token, ...(await auth()) });
    expect(introspection.status).toBe(200);
    expect(introspection.body).toMatchObject({ active: true, client_id: 'm2m-jwt', sub: 'm2m-jwt' });
    const revocation = await postForm(`${server.origin}/revoke`, { token, ...(await auth()) });
    expect(revocation.status).toBe(200);
  });

  it.each(['v1', 'v2'] as const)(
    'the official SDK %s PrivateKeyJwtProvider discovers the server, gets a token and calls a tool',
    async (version) => {
      const options = {
        clientId: 'm2m-jwt',
        privateKey: m2mKey.privateJwk as Record<string, unknown>,
        algorithm: 'ES256',
        expectedIssuer: server.origin,
        scope: 'notes:read',
      };
      const client = version === 'v1' ? new ClientV1(info) : new ClientV2(info);
      const transport =
        version === 'v1'
          ? new TransportV1(new URL(server.mcpUrl), { authProvider: new PrivateKeyJwtProviderV1(options) })
          : new TransportV2(new URL(server.mcpUrl), { authProvider: new PrivateKeyJwtProviderV2(options) });
      try {
        await (client as ClientV2).connect(transport as TransportV2);
        const result = (await (client as ClientV2).callTool({ name: 'whoami', arguments: {} })) as {
          structuredContent?: Record<string, unknown>;
        };
        expect(result.structuredContent).toMatchObject({ sub: 'm2m-jwt', clientId: 'm2m-jwt' });
      } finally {
        await (client as ClientV2).close();
      }
    },
  );
});

describe('level 4 on Redis: a jti is single-use across instances', () => {
  let redis: RedisServer;
  let first: ServerApp;
  let second: ServerApp;
  let key: ClientKey;

  beforeAll(async () => {
    key = await clientKey('shared-1');
    redis = await RedisServer.start();
    const clock = new MutableClock();
    const config = () => ({
      clock,
      module: () => ({
        storage: { type: 'redis' as const, url: redis.url },
        // Both instances are one deployment: one public URL, hence one issuer.
        resourceUrl: 'http://127.0.0.1:1/mcp',
      }),
      server: () => ({
        clients: [
          {
            clientId: 'm2m-shared',
            redirectUris: [],
            grantTypes: ['client_credentials' as const],
            tokenEndpointAuthMethod: 'private_key_jwt' as const,
            jwks: { keys: [key.publicJwk as Record<string, unknown>] },
          },
        ],
      }),
    });
    first = await startServerApp(config());
    second = await startServerApp(config());
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
    await redis?.stop();
  });

  it('AS-05: accepted by one instance, the same assertion is refused by the other', async () => {
    const value = await assertion('m2m-shared', key, 'http://127.0.0.1:1');
    const accepted = await clientCredentials(first.origin, value);
    expect(accepted.status).toBe(200);
    const replayed = await clientCredentials(second.origin, value);
    expect({ status: replayed.status, body: replayed.body }).toEqual({
      status: 401,
      body: { error: 'invalid_client', error_description: 'Client authentication failed' },
    });
  });
});

/*
 * Keys from jwks_uri, fetched over real HTTPS (security catalog D-24 … D-26 applied to
 * jwks_uri). As in the CIMD suite: one HTTPS server on 127.0.0.1 with a throwaway certificate for
 * *.keys.test (trusted through the fetcher's `tls.ca`), a DNS stub, and an egress guard on
 * net.Socket.prototype.connect that routes the stand-in public address PUBLIC_IP:443 to the local
 * server and fails every other destination without a packet leaving the machine.
 */
describe('private_key_jwt with jwks_uri (SSRF-safe fetch)', () => {
  const PUBLIC_IP = '93.184.215.14';
  const ISSUER = 'https://as.example';
  type Route = (req: IncomingMessage, res: ServerResponse) => void;

  let dir: string;
  let cert: string;
  let https: Server;
  let httpsPort: number;
  const routes = new Map<string, Route>();
  const hits: string[] = [];
  const connects: string[] = [];
  const originalConnect = net.Socket.prototype.connect;
  const hanging = new Set<ServerResponse>();
  let dns: Map<string, string[]>;
  let clock: MutableClock;
  let store: MemoryStore;
  let key: ClientKey;

  const lookup = jest.fn<CimdLookup>(async (hostname) => {
    const addresses = dns.get(hostname);
    if (addresses === undefined) throw Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: net.isIP(address) as 4 | 6 }));
  });
  const jwksRoute =
    (keys: unknown, headers: Record<string, string> = {}): Route =>
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/jwk-set+json', ...headers }).end(JSON.stringify({ keys }));
    };
  const uriClient = (jwksUri: string): OAuthClient => ({
    clientId: 'uri-client',
    source: 'static',
    clientIdIssuedAt: 0,
    redirectUris: [],
    grantTypes: ['client_credentials'],
    responseTypes: [],
    tokenEndpointAuthMethod: 'private_key_jwt',
    applicationType: 'web',
    jwksUri,
  });
  /** Why each refusal happened (the verifier logs it at debug; the client only sees invalid_client). */
  const reasons: string[] = [];
  const verifierWith = (settings: ConstructorParameters<typeof ClientJwksFetcher>[0] = {}) =>
    new JwtClientAssertionVerifier({
      issuer: ISSUER,
      tokenEndpoint: `${ISSUER}/token`,
      store,
      clock,
      logger: { debug: (message) => void reasons.push(message) },
      jwksSource: new ClientJwksFetcher({ lookup, tls: { ca: cert }, clock, ...settings }),
    });
  const sign = (k: ClientKey) =>
    new SignJWT({
      iss: 'uri-client',
      sub: 'uri-client',
      aud: ISSUER,
      jti: `uri-${++counter}`,
      iat: clock.seconds,
      exp: clock.seconds + 60,
    })
      .setProtectedHeader({ alg: 'ES256', kid: k.publicJwk.kid })
      .sign(k.privateKey);
  async function expectJwksRefusal(verification: Promise<void>, reason: RegExp): Promise<void> {
    await expect(verification).rejects.toMatchObject({
      error: 'invalid_client',
      status: 401,
      message: 'Client authentication failed',
    });
    expect(reasons.at(-1)).toMatch(reason);
  }

  beforeAll(async () => {
    key = await clientKey('uri-1');
    dir = mkdtempSync(join(tmpdir(), 'jwks-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=keys.test',
        '-addext',
        'subjectAltName=DNS:*.keys.test',
      ],
      { stdio: 'ignore' },
    );
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    https = createServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (req, res) => {
      hits.push(req.url ?? '');
      const route = routes.get(req.url ?? '');
      if (route === undefined) res.writeHead(404).end();
      else route(req, res);
    });
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
    httpsPort = (https.address() as net.AddressInfo).port;
    net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
      const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
      const options = (typeof first === 'object' && first !== null ? first : {}) as { host?: string; port?: number };
      connects.push(`${String(options.host)}:${Number(options.port)}`);
      if (options.host === PUBLIC_IP && Number(options.port) === 443) {
        options.host = '127.0.0.1';
        options.port = httpsPort;
        return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
      }
      process.nextTick(() => this.destroy(Object.assign(new Error('blocked by the egress guard'), { code: 'EGRESS' })));
      return this;
    } as typeof net.Socket.prototype.connect;
  });

  afterAll(async () => {
    net.Socket.prototype.connect = originalConnect;
    for (const res of hanging) res.destroy();
    https.closeAllConnections();
    await new Promise<void>((resolve) => https.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    routes.clear();
    hits.length = 0;
    connects.length = 0;
    lookup.mockClear();
    reasons.length = 0;
    dns = new Map([
      ['good.keys.test', [PUBLIC_IP]],
      ['internal.keys.test', ['10.0.0.7']],
      ['mixed.keys.test', [PUBLIC_IP, '127.0.0.1']],
    ]);
    clock = new MutableClock();
    store = new MemoryStore({}, clock);
  });
  afterEach(async () => store.close());

  it('verifies with the keys at jwks_uri, through the validated address, with SNI and Host set to the name', async () => {
    routes.set('/jwks.json', jwksRoute([key.publicJwk]));
    await expect(
      verifierWith().verify(uriClient('https://good.keys.test/jwks.json'), await sign(key)),
    ).resolves.toBeUndefined();
    expect(hits).toEqual(['/jwks.json']);
    expect(connects).toEqual([`${PUBLIC_IP}:443`]);
    expect(lookup.mock.calls).toEqual([['good.keys.test']]);
  });

  it('caches the set for its max-age (clamped to 60 … 600 s), then fetches again', async () => {
    routes.set('/jwks.json', jwksRoute([key.publicJwk], { 'cache-control': 'max-age=86400' }));
    const verifier = verifierWith();
    const client = uriClient('https://good.keys.test/jwks.json');
    await verifier.verify(client, await sign(key));
    clock.advance(599);
    await verifier.verify(client, await sign(key));
    expect(hits).toHaveLength(1);
    clock.advance(2);
    await verifier.verify(client, await sign(key));
    expect(hits).toHaveLength(2);
  });

  it('refetches once on an unknown kid (key rotation), and not again within the 30 s cooldown', async () => {
    routes.set('/jwks.json', jwksRoute([key.publicJwk], { 'cache-control': 'max-age=600' }));
    const verifier = verifierWith();
    const client = uriClient('https://good.keys.test/jwks.json');
    await verifier.verify(client, await sign(key));
    clock.advance(31);
    const rotated = await clientKey('uri-2');
    routes.set('/jwks.json', jwksRoute([key.publicJwk, rotated.publicJwk], { 'cache-control': 'max-age=600' }));
    await expect(verifier.verify(client, await sign(rotated))).resolves.toBeUndefined();
    expect(hits).toHaveLength(2);
    // A kid nobody published: at most one more fetch per cooldown, whatever the attempts.
    const stranger = await clientKey('uri-x');
    for (let i = 0; i < 3; i += 1)
      await expectJwksRefusal(verifier.verify(client, await sign(stranger)), /no applicable key/);
    expect(hits).toHaveLength(2);
    clock.advance(31);
    await expectJwksRefusal(verifier.verify(client, await sign(stranger)), /no applicable key/);
    expect(hits).toHaveLength(3);
  });

  it.each([
    ['a host resolving to a private address', 'https://internal.keys.test/jwks.json', /non-public address/],
    ['a host with one private address among public ones', 'https://mixed.keys.test/jwks.json', /non-public address/],
    ['an unresolvable host', 'https://nowhere.keys.test/jwks.json', /could not be resolved/],
  ])('D-24: %s is invalid_client with no connection', async (_case, uri, reason) => {
    await expectJwksRefusal(verifierWith().verify(uriClient(uri), await sign(key)), reason);
    expect(connects).toEqual([]);
  });

  it.each([
    ['an IP literal', 'https://93.184.215.14/jwks.json', /host name, not an IP address/],
    ['http', 'http://good.keys.test/jwks.json', /must be an https URL/],
    ['user information', 'https://u:p@good.keys.test/jwks.json', /must be an https URL/],
  ])('%s jwks_uri is refused before any lookup', async (_case, uri, reason) => {
    await expectJwksRefusal(verifierWith().verify(uriClient(uri), await sign(key)), reason);
    expect(lookup).not.toHaveBeenCalled();
    expect(connects).toEqual([]);
  });

  it.each<[string, Route, RegExp]>([
    [
      'a redirect (never followed)',
      (_q, s) => void s.writeHead(302, { location: 'https://good.keys.test/other' }).end(),
      /redirects are not followed/,
    ],
    ['HTTP 500', (_q, s) => void s.writeHead(500).end(), /HTTP 500/],
    ['not JSON', (_q, s) => void s.writeHead(200).end('<html>'), /not valid JSON/],
    ['a JSON array', (_q, s) => void s.writeHead(200).end('[]'), /not a JWK Set/],
    ['an empty set', (_q, s) => void s.writeHead(200).end('{"keys":[]}'), /must be a JWK Set with 1 to 10 keys/],
    [
      'an oversized body',
      (_q, s) => void s.writeHead(200).end(JSON.stringify({ keys: [], pad: 'x'.repeat(70_000) })),
      /larger than 65536 bytes/,
    ],
  ])('D-26: %s is invalid_client', async (_case, route, reason) => {
    routes.set('/jwks.json', route);
    routes.set('/other', jwksRoute([key.publicJwk]));
    await expectJwksRefusal(
      verifierWith().verify(uriClient('https://good.keys.test/jwks.json'), await sign(key)),
      reason,
    );
    expect(hits).toEqual(['/jwks.json']);
  });

  it('a set with private key material is refused whole', async () => {
    routes.set('/jwks.json', jwksRoute([key.privateJwk]));
    await expectJwksRefusal(
      verifierWith().verify(uriClient('https://good.keys.test/jwks.json'), await sign(key)),
      /public keys only/,
    );
  });

  it('an untrusted certificate is invalid_client', async () => {
    routes.set('/jwks.json', jwksRoute([key.publicJwk]));
    const verifier = verifierWith({ tls: undefined });
    await expectJwksRefusal(
      verifier.verify(uriClient('https://good.keys.test/jwks.json'), await sign(key)),
      /TLS certificate could not be verified/,
    );
    expect(connects).toEqual([`${PUBLIC_IP}:443`]);
    expect(hits).toEqual([]);
  });

  it('a server that never answers times out: invalid_client, and the failure is remembered for the cooldown', async () => {
    routes.set('/slow.json', (_req, res) => void hanging.add(res));
    const verifier = verifierWith({ timeoutMs: 200 });
    const client = uriClient('https://good.keys.test/slow.json');
    await expectJwksRefusal(verifier.verify(client, await sign(key)), /timed out/);
    await expectJwksRefusal(verifier.verify(client, await sign(key)), /timed out/);
    expect(hits).toEqual(['/slow.json']);
    // After the cooldown the URL is tried again.
    clock.advance(31);
    await expectJwksRefusal(verifier.verify(client, await sign(key)), /timed out/);
    expect(hits).toEqual(['/slow.json', '/slow.json']);
  });
});
