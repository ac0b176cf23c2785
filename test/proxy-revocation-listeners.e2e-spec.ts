import { startOidcUpstream, type OidcUpstream } from './fakes/oidc-upstream.js';
import { postMcp, toolCall } from './helpers/clients.js';
import { freePort } from './helpers/free-port.js';
import { approveAll, HeadlessBrowser } from './helpers/headless-browser.js';
import { startMcpApp, type RunningApp } from './helpers/mcp-app.js';
import { authorizeIn, exchangeCode, registerClient, tokenRequest, type RegisteredClient } from './support/code-flow.js';

const REVOCATION = '/token/revocation';

/**
 * RV-07 whatever revokes the grant: besides `/revoke`, reuse detection of a refresh token
 * and a second redemption of a code (TK-01) revoke the proxy's upstream token at the provider,
 * and the access tokens fail at once on the instance that detected it.
 */
describe('level 3: every grant revocation reaches the upstream provider', () => {
  let upstream: OidcUpstream;
  let app: RunningApp;
  let client: RegisteredClient;

  beforeAll(async () => {
    const port = await freePort();
    upstream = await startOidcUpstream({ redirectUri: `http://127.0.0.1:${port}/oauth/callback` });
    app = await startMcpApp(
      (origin) => ({
        resourceUrl: `${origin}/mcp`,
        scopesSupported: ['openid'],
        proxy: {
          // No grace: a replayed refresh token is reuse at once.
          refreshGraceSeconds: 0,
          upstream: {
            provider: 'oidc',
            issuer: upstream.issuer,
            clientId: upstream.clientId,
            clientSecret: upstream.clientSecret,
          },
        },
      }),
      { port },
    );
    client = await registerClient(app.origin);
  });
  afterAll(async () => {
    await app?.close();
    await upstream?.close();
  });

  const signIn = async () => {
    const browser = new HeadlessBrowser(approveAll({ username: 'alice', password: 'wonderland' }));
    return authorizeIn(browser, app.origin, client);
  };
  const revocations = () => upstream.hits.get(REVOCATION) ?? 0;
  const whoami = (token: string) => postMcp(app.mcpUrl, toolCall('whoami'), { authorization: `Bearer ${token}` });

  it('R-01 reuse of a rotated refresh token: grant revoked, access token fails at once, upstream token revoked', async () => {
    const tokens = await exchangeCode(app.origin, client, await signIn());
    const refresh = (token: string) =>
      tokenRequest(app.origin, { grant_type: 'refresh_token', refresh_token: token, client_id: client.clientId });
    const rotated = await refresh(tokens.refresh_token as string);
    expect(rotated.status).toBe(200);
    const current = rotated.body.access_token as string;
    expect((await whoami(current)).status).toBe(200);

    const before = revocations();
    expect(await refresh(tokens.refresh_token as string)).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
    expect((await whoami(current)).status).toBe(401);
    expect(revocations()).toBeGreaterThan(before);
  });

  it('P-13 a failed redemption burns the code and revokes the upstream tokens it held', async () => {
    const flow = await signIn();
    const before = revocations();
    const wrongVerifier = await tokenRequest(app.origin, {
      grant_type: 'authorization_code',
      code: flow.callback.searchParams.get('code') as string,
      code_verifier: 'x'.repeat(43),
      client_id: client.clientId,
      redirect_uri: client.redirectUri,
    });
    expect(wrongVerifier).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(revocations()).toBeGreaterThan(before);
    await expect(exchangeCode(app.origin, client, flow)).rejects.toThrow(/invalid_grant/);
  });

  it('TK-01 second redemption of a code: the grant it issued is revoked here and upstream', async () => {
    const flow = await signIn();
    const tokens = await exchangeCode(app.origin, client, flow);
    expect((await whoami(tokens.access_token)).status).toBe(200);
    const before = revocations();
    await expect(exchangeCode(app.origin, client, flow)).rejects.toThrow(/invalid_grant/);
    expect((await whoami(tokens.access_token)).status).toBe(401);
    expect(revocations()).toBeGreaterThan(before);
  });
});
