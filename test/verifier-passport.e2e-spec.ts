import { Controller, Get, Req, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { CurrentToken, McpProtected, type McpAccessToken } from 'nestjs-mcp-auth';
import { freePort } from './helpers/free-port.js';
import { JwksServer } from './helpers/jwks-server.js';
import { mint, rawJwt } from './helpers/jwt.js';
import { testKey, type TestKey } from './helpers/keys.js';
import { startMcpApp, type RunningApp } from './helpers/mcp-app.js';

const ISS = 'http://127.0.0.1:4000';

/** The same resource behind @nestjs/passport's AuthGuard('mcp-auth') and behind the module's guard. */
@Controller()
class PassportParityController {
  @UseGuards(AuthGuard('mcp-auth'))
  @Get('passport')
  passport(@Req() request: { user: McpAccessToken }): { sub: string; clientId: string; scopes: readonly string[] } {
    const { sub, clientId, scopes } = request.user;
    return { sub, clientId, scopes };
  }

  @McpProtected()
  @Get('guarded')
  guarded(@CurrentToken() token: McpAccessToken): { sub: string; clientId: string; scopes: readonly string[] } {
    const { sub, clientId, scopes } = token;
    return { sub, clientId, scopes };
  }
}

async function get(url: string, authorization: string | undefined): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { headers: authorization === undefined ? {} : { authorization } });
  return { status: res.status, body: await res.text() };
}

describe('passport bridge: AuthGuard("mcp-auth") accepts and refuses exactly like McpAuthGuard', () => {
  let key: TestKey;
  let attacker: TestKey;
  let jwks: JwksServer;
  let running: RunningApp;
  let aud: string;

  beforeAll(async () => {
    [key, attacker] = await Promise.all([testKey('k1'), testKey('kx')]);
    jwks = await new JwksServer().start([key.publicJwk]);
    running = await startMcpApp(
      (origin) => ({
        resourceUrl: `${origin}/mcp`,
        authorizationServers: [ISS],
        verifier: { type: 'jwt', issuer: ISS, jwksUri: jwks.url },
      }),
      { controllers: [PassportParityController] },
    );
    aud = running.mcpUrl;
  });
  afterAll(async () => {
    await running.close();
    await jwks.stop();
  });

  const good = (extra: Record<string, unknown> = {}, k: TestKey = key) =>
    mint({ iss: ISS, aud, sub: 'u1', client_id: 'c1', scope: 'notes:read', ...extra }, { key: k });

  const cases: Array<[string, () => Promise<string | undefined> | string | undefined, boolean]> = [
    ['a good token', async () => `Bearer ${await good()}`, true],
    ['a good token, lower-case scheme', async () => `bearer ${await good()}`, true],
    ['no Authorization header', () => undefined, false],
    ['Basic credentials', () => 'Basic dXNlcjpwYXNz', false],
    ['a bare token', async () => good(), false],
    ['"Bearer" without token', () => 'Bearer', false],
    ['a token with a space inside', () => 'Bearer abc def', false],
    ['an oversized token', () => `Bearer ${'a'.repeat(9000)}`, false],
    ['garbage', () => 'Bearer not-a-jwt', false],
    ['alg none', () => `Bearer ${rawJwt({ alg: 'none' }, { iss: ISS, aud, sub: 'u1', exp: 9_999_999_999 })}`, false],
    ['expired', async () => `Bearer ${await good({ exp: Math.floor(Date.now() / 1000) - 3600 })}`, false],
    ['another audience', async () => `Bearer ${await good({ aud: 'http://127.0.0.1:1/mcp' })}`, false],
    ['another issuer', async () => `Bearer ${await good({ iss: 'http://127.0.0.1:4001' })}`, false],
    ['an unknown key', async () => `Bearer ${await good({}, attacker)}`, false],
  ];

  it.each(cases)('%s', async (_name, authorization, accepted) => {
    const header = await authorization();
    const [viaPassport, viaGuard] = await Promise.all([
      get(`${running.origin}/passport`, header),
      get(`${running.origin}/guarded`, header),
    ]);
    expect(viaGuard.status).toBe(accepted ? 200 : 401);
    expect(viaPassport.status).toBe(viaGuard.status);
    if (accepted) {
      expect(JSON.parse(viaPassport.body)).toEqual({ sub: 'u1', clientId: 'c1', scopes: ['notes:read'] });
      expect(viaPassport.body).toBe(viaGuard.body);
    }
  });

  it('P-1: a verifier whose key source is down refuses through Passport too (503, not 500)', async () => {
    const port = await freePort();
    const down = await startMcpApp(
      (origin) => ({
        resourceUrl: `${origin}/mcp`,
        verifier: { type: 'jwt', issuer: ISS, jwksUri: `http://127.0.0.1:${port}/jwks` },
      }),
      { controllers: [PassportParityController] },
    );
    try {
      const token = await mint({ iss: ISS, aud: down.mcpUrl, sub: 'u1' }, { key });
      const viaGuard = await get(`${down.origin}/guarded`, `Bearer ${token}`);
      const viaPassport = await get(`${down.origin}/passport`, `Bearer ${token}`);
      expect(viaGuard.status).toBe(503);
      expect(viaPassport.status).toBe(503);
      expect(viaPassport.body).not.toContain(token);
    } finally {
      await down.close();
    }
  });
});
