import { approveAll, HeadlessBrowser } from './helpers/headless-browser.js';
import { startMcpApp, type RunningApp } from './helpers/mcp-app.js';
import { postMcp, toolCall } from './helpers/clients.js';
import {
  authorizeIn,
  basicAuth,
  exchangeCode,
  registerClient,
  tokenRequest,
  type RegisteredClient,
  type Tokens,
} from './support/code-flow.js';
import { ConnectedAppsService } from '../lib/oauth/grants/connected-apps.service.js';

const ADMIN_SECRET = 'a'.repeat(40);

/** The grant id (`gid`) of one of our access tokens. */
const grantIdOf = (token: string): string =>
  (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { gid: string }).gid;
const READER_SECRET = 'r'.repeat(40);

/**
 * Issue 6, item 4: the connected-apps service (list and revoke a user's grants) and the optional
 * admin routes over it, off by default and protected by a reserved scope.
 */
describe('connected apps and the admin routes (level 4)', () => {
  let app: RunningApp;
  let calendar: RegisteredClient;
  let notes: RegisteredClient;
  const users = [
    { username: 'alice', password: 'alice-pw' },
    { username: 'bob', password: 'bob-pw' },
  ];

  async function signIn(user: (typeof users)[number], client: RegisteredClient): Promise<Tokens> {
    const browser = new HeadlessBrowser(approveAll(user));
    return exchangeCode(app.origin, client, await authorizeIn(browser, app.origin, client));
  }

  async function clientToken(clientId: string, secret: string, scope: string) {
    return tokenRequest(
      app.origin,
      { grant_type: 'client_credentials', scope, resource: app.mcpUrl },
      basicAuth(clientId, secret),
    );
  }

  async function admin(method: string, path: string, token?: string): Promise<Response> {
    return fetch(`${app.origin}/ops${path}`, {
      method,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
  }

  let adminToken: string;

  beforeAll(async () => {
    app = await startMcpApp((origin) => ({
      resourceUrl: `${origin}/mcp`,
      scopesSupported: ['notes:read'],
      server: {
        users,
        adminRoutes: { path: '/ops' },
        clients: [
          {
            clientId: 'ops-console',
            clientSecret: ADMIN_SECRET,
            redirectUris: [],
            grantTypes: ['client_credentials'],
            scope: 'mcp-auth:admin',
          },
          {
            clientId: 'reporting',
            clientSecret: READER_SECRET,
            redirectUris: [],
            grantTypes: ['client_credentials'],
            scope: 'notes:read',
          },
        ],
      },
    }));
    calendar = await registerClient(app.origin, { client_name: 'Calendar Assistant' });
    notes = await registerClient(app.origin, { client_name: 'Notes Assistant' });
    const issued = await clientToken('ops-console', ADMIN_SECRET, 'mcp-auth:admin');
    if (issued.status !== 200) throw new Error(`no admin token: ${JSON.stringify(issued.body)}`);
    adminToken = issued.body.access_token as string;
  });
  afterAll(async () => app?.close());

  it("lists a user's grants with the client names, newest first, and nobody else's", async () => {
    await signIn(users[0], calendar);
    await signIn(users[0], notes);
    await signIn(users[1], notes);
    const response = await admin('GET', '/users/alice/grants', adminToken);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const { grants } = (await response.json()) as { grants: Array<Record<string, unknown>> };
    expect(grants.map((g) => g.clientName).sort()).toEqual(['Calendar Assistant', 'Notes Assistant']);
    for (const grant of grants) {
      expect(grant).toEqual({
        grantId: expect.any(String),
        clientId: expect.any(String),
        clientName: expect.any(String),
        scopes: ['notes:read'],
        resource: app.mcpUrl,
        createdAt: expect.any(Number),
      });
    }
    const service = app.app.get(ConnectedAppsService);
    expect((await service.list('bob')).map((g) => g.clientName)).toEqual(['Notes Assistant']);
    expect(await service.list('nobody')).toEqual([]);
  });

  it('DELETE one grant: its refresh token and access token stop working at once; other grants keep working', async () => {
    const revoked = await signIn(users[0], calendar);
    const kept = await signIn(users[0], notes);
    const service = app.app.get(ConnectedAppsService);
    const target = { grantId: grantIdOf(revoked.access_token) };
    expect((await service.list('alice')).map((g) => g.grantId)).toContain(target.grantId);
    expect(
      (await postMcp(app.mcpUrl, toolCall('whoami'), { authorization: `Bearer ${revoked.access_token}` })).status,
    ).toBe(200);

    const response = await admin('DELETE', `/users/alice/grants/${encodeURIComponent(target.grantId)}`, adminToken);
    expect(response.status).toBe(204);

    const mcp = await postMcp(app.mcpUrl, toolCall('whoami'), { authorization: `Bearer ${revoked.access_token}` });
    expect(mcp.status).toBe(401);
    expect(mcp.headers.get('www-authenticate')).toContain('error="invalid_token"');
    const refresh = await tokenRequest(app.origin, {
      grant_type: 'refresh_token',
      refresh_token: revoked.refresh_token as string,
      client_id: calendar.clientId,
    });
    expect(refresh).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(
      (await postMcp(app.mcpUrl, toolCall('whoami'), { authorization: `Bearer ${kept.access_token}` })).status,
    ).toBe(200);
    expect((await service.list('alice')).some((g) => g.grantId === target.grantId)).toBe(false);
  });

  it("DELETE with another user's subject or an unknown grant → 404 and nothing revoked", async () => {
    const bobTokens = await signIn(users[1], calendar);
    const service = app.app.get(ConnectedAppsService);
    const bobGrant = { grantId: grantIdOf(bobTokens.access_token) };
    expect((await service.list('bob')).map((g) => g.grantId)).toContain(bobGrant.grantId);
    expect((await admin('DELETE', `/users/alice/grants/${bobGrant.grantId}`, adminToken)).status).toBe(404);
    expect((await admin('DELETE', '/users/alice/grants/unknown-grant', adminToken)).status).toBe(404);
    expect(
      (await postMcp(app.mcpUrl, toolCall('whoami'), { authorization: `Bearer ${bobTokens.access_token}` })).status,
    ).toBe(200);
  });

  it("DELETE all of a user's grants, or only one client's", async () => {
    await signIn(users[1], calendar);
    await signIn(users[1], notes);
    const one = await admin('DELETE', `/users/bob/grants?client_id=${encodeURIComponent(notes.clientId)}`, adminToken);
    expect(one.status).toBe(200);
    expect(((await one.json()) as { revoked: number }).revoked).toBeGreaterThanOrEqual(1);
    const service = app.app.get(ConnectedAppsService);
    expect((await service.list('bob')).every((g) => g.clientId === calendar.clientId)).toBe(true);
    const all = await admin('DELETE', '/users/bob/grants', adminToken);
    expect(((await all.json()) as { revoked: number }).revoked).toBeGreaterThanOrEqual(1);
    expect(await service.list('bob')).toEqual([]);
  });

  it('without a token → 401 with a Bearer challenge naming the admin scope; a bad token → 401 invalid_token', async () => {
    const none = await admin('GET', '/users/alice/grants');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer scope="mcp-auth:admin"');
    const bad = await admin('GET', '/users/alice/grants', 'not.a.token');
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(await bad.text()).not.toMatch(/at .*\.ts|stack/i);
  });

  it("a user's token or a client token without the admin scope → 403 insufficient_scope", async () => {
    const user = await signIn(users[0], notes);
    const forUser = await admin('GET', '/users/alice/grants', user.access_token);
    expect(forUser.status).toBe(403);
    expect(forUser.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope", scope="mcp-auth:admin"');
    const reporting = await clientToken('reporting', READER_SECRET, 'notes:read');
    expect((await admin('GET', '/users/alice/grants', reporting.body.access_token as string)).status).toBe(403);
  });

  it('the admin scope is reserved: not advertised, not grantable to users, not to other clients', async () => {
    const metadata = (await (await fetch(`${app.origin}/.well-known/oauth-authorization-server`)).json()) as {
      scopes_supported: string[];
    };
    expect(metadata.scopes_supported).not.toContain('mcp-auth:admin');
    // Through a user's authorization: the authorize endpoint refuses the unknown scope.
    const browser = new HeadlessBrowser(approveAll(users[0]));
    const flow = await authorizeIn(browser, app.origin, notes, { scope: 'mcp-auth:admin' });
    expect(flow.callback.searchParams.get('error')).toBe('invalid_scope');
    expect(flow.callback.searchParams.get('code')).toBeNull();
    // A static client that does not list it.
    expect(await clientToken('reporting', READER_SECRET, 'mcp-auth:admin')).toMatchObject({
      status: 400,
      body: { error: 'invalid_scope' },
    });
    // A dynamically registered confidential client that asks for it at registration.
    const registered = await fetch(`${app.origin}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'sneaky',
        redirect_uris: ['http://127.0.0.1:9/cb'],
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: 'mcp-auth:admin',
      }),
    });
    if (registered.status === 201) {
      const body = (await registered.json()) as { client_id: string; client_secret: string };
      expect(await clientToken(body.client_id, body.client_secret, 'mcp-auth:admin')).toMatchObject({
        status: 400,
        body: { error: 'invalid_scope' },
      });
    } else {
      expect(registered.status).toBe(400);
    }
  });

  it('unknown admin paths → 404, wrong methods → 405 with Allow', async () => {
    expect((await admin('GET', '/users/alice', adminToken)).status).toBe(404);
    const post = await admin('POST', '/users/alice/grants', adminToken);
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, DELETE');
  });
});

describe('admin routes are off by default', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startMcpApp((origin) => ({
      resourceUrl: `${origin}/mcp`,
      server: { users: [{ username: 'alice', password: 'alice-pw' }] },
    }));
  });
  afterAll(async () => app?.close());

  it('mounts nothing at the default path, and the service is still injectable', async () => {
    expect((await fetch(`${app.origin}/mcp-auth/admin/users/alice/grants`)).status).toBe(404);
    expect(await app.app.get(ConnectedAppsService).list('alice')).toEqual([]);
  });
});
