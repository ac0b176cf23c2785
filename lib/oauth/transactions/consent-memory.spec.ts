import type { Request, Response } from 'express';
import type { McpAuthClock } from '../../core/clock.js';
import { MemoryStore } from '../../storage/memory-store.js';
import type { AuthorizationTransaction } from '../grants/grant-records.js';
import { ConsentMemory } from './consent-memory.js';

const transaction: AuthorizationTransaction = {
  clientId: 'client-1',
  redirectUri: 'http://127.0.0.1:9/cb',
  redirectUriSent: true,
  codeChallenge: 'x'.repeat(43),
  scopes: ['notes:read'],
  resource: 'https://mcp.example.com/mcp',
  subject: 'alice',
};

function request(headers: Record<string, string>): Request {
  return { headers } as unknown as Request;
}

function response(): Response & { cookies: string[] } {
  const cookies: string[] = [];
  return { cookies, append: (_: string, value: string) => cookies.push(value) } as unknown as Response & {
    cookies: string[];
  };
}

describe('ConsentMemory', () => {
  let store: MemoryStore;
  let clock: McpAuthClock;
  beforeEach(() => {
    clock = { now: () => 1_800_000_000_000 };
    store = new MemoryStore({}, clock);
  });
  afterEach(() => store.close());

  async function remembered(memory: ConsentMemory) {
    const res = response();
    await memory.remember(request({}), res, transaction);
    const cookie = res.cookies[0].split(';')[0];
    return { cookie, headers: { cookie, 'sec-fetch-site': 'none' } };
  }

  it('recalls an approval for the same browser, client, user, redirect URI, resource and scopes', async () => {
    const memory = new ConsentMemory(store, 30, false);
    const { headers } = await remembered(memory);
    expect(await memory.recalls(request(headers), transaction)).toBe(true);
    expect(await memory.recalls(request(headers), { ...transaction, scopes: [] })).toBe(true);
    for (const change of [
      { redirectUri: 'http://127.0.0.1:9/other' },
      { resource: 'https://mcp.example.com/other' },
      { scopes: ['notes:read', 'notes:write'] },
      { subject: 'bob' },
      { clientId: 'client-2' },
    ]) {
      expect(await memory.recalls(request(headers), { ...transaction, ...change })).toBe(false);
    }
  });

  it('stores only a hash of the cookie secret, never the secret', async () => {
    const memory = new ConsentMemory(store, 30, false);
    const { cookie } = await remembered(memory);
    const secret = cookie.split('=')[1];
    const dump = JSON.stringify([...(store as unknown as { entries: Map<string, unknown> }).entries]);
    expect(dump).not.toContain(secret);
    expect(dump).toContain('client-1');
  });

  it('uses a __Host- Secure cookie with an https issuer', async () => {
    const memory = new ConsentMemory(store, 1, true);
    const res = response();
    await memory.remember(request({}), res, transaction);
    expect(res.cookies[0]).toMatch(
      /^__Host-mcp_auth_consent=[A-Za-z0-9_-]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=86400; Secure$/,
    );
  });

  it('forgets every approval of a client when asked (revocation)', async () => {
    const memory = new ConsentMemory(store, 30, false);
    const { headers } = await remembered(memory);
    await memory.forget('client-1');
    expect(await memory.recalls(request(headers), transaction)).toBe(false);
    // A new approval after the revocation is remembered again.
    const again = response();
    await memory.remember(request({ cookie: headers.cookie }), again, transaction);
    expect(await memory.recalls(request(headers), transaction)).toBe(true);
  });

  it('does nothing when disabled (rememberConsentDays 0)', async () => {
    const memory = new ConsentMemory(store, 0, false);
    const res = response();
    await memory.remember(request({}), res, transaction);
    expect(res.cookies).toEqual([]);
    expect(memory.enabled).toBe(false);
    expect(await memory.recalls(request({ 'sec-fetch-site': 'none' }), transaction)).toBe(false);
  });

  it('ignores malformed cookie values', async () => {
    const memory = new ConsentMemory(store, 30, false);
    await remembered(memory);
    const forged = { cookie: 'mcp_auth_consent=../../etc', 'sec-fetch-site': 'none' };
    expect(await memory.recalls(request(forged), transaction)).toBe(false);
  });
});
