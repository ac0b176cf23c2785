import { InvalidTokenError } from '../core/errors/token.errors.js';
import { StaticTokenStrategy } from './static-token.strategy.js';

const RESOURCE = 'https://mcp.example.com/mcp';
const NOW_MS = 1_800_000_000_000;
const NOW = NOW_MS / 1000;
const ALICE = 'dev-token-alice-0123456789';
const BOT = 'dev-token-bot-0123456789abc';
const OLD = 'dev-token-expired-012345678';

describe('StaticTokenStrategy', () => {
  let now: number;
  let strategy: StaticTokenStrategy;

  beforeEach(() => {
    now = NOW_MS;
    strategy = new StaticTokenStrategy(
      {
        type: 'static',
        tokens: {
          [ALICE]: { sub: 'alice', scopes: ['notes:read', 'notes:write'], claims: { email: 'a@example.com' } },
          [BOT]: { sub: 'bot', clientId: 'ci', expiresAt: NOW + 100 },
          [OLD]: { sub: 'old', expiresAt: NOW },
        },
      },
      { resourceUrl: RESOURCE, clock: { now: () => now } },
    );
  });

  it('accepts a configured token and describes it', async () => {
    await expect(strategy.verify(ALICE)).resolves.toEqual({
      token: ALICE,
      sub: 'alice',
      clientId: 'static-client',
      scopes: ['notes:read', 'notes:write'],
      expiresAt: NOW + 3600,
      resource: RESOURCE,
      claims: { sub: 'alice', client_id: 'static-client', scope: 'notes:read notes:write', email: 'a@example.com' },
    });
  });

  it('reports a rolling expiry one hour ahead for tokens without expiresAt', async () => {
    now += 10_000;
    expect((await strategy.verify(ALICE)).expiresAt).toBe(NOW + 10 + 3600);
  });

  it('uses the configured client id, expiry and empty scopes', async () => {
    const token = await strategy.verify(BOT);
    expect(token).toMatchObject({ sub: 'bot', clientId: 'ci', scopes: [], expiresAt: NOW + 100 });
    expect(token.claims).toEqual({ sub: 'bot', client_id: 'ci', scope: '' });
  });

  it('refuses a token at and after its expiresAt', async () => {
    await expect(strategy.verify(OLD)).rejects.toMatchObject({ reason: 'expired', status: 401 });
    now = (NOW + 99) * 1000;
    await expect(strategy.verify(BOT)).resolves.toMatchObject({ sub: 'bot' });
    now = (NOW + 100) * 1000;
    await expect(strategy.verify(BOT)).rejects.toMatchObject({ reason: 'expired' });
  });

  it.each([
    ['unknown', 'dev-token-mallory-0123456789'],
    ['prefix', ALICE.slice(0, -1)],
    ['extended', `${ALICE}0`],
    ['case changed', ALICE.toUpperCase()],
    ['padded', ` ${ALICE}`],
    ['empty', ''],
  ])('refuses a token that is not configured exactly (%s)', async (_name, token) => {
    const error = await strategy.verify(token).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(error).toMatchObject({ reason: 'unknown', error: 'invalid_token', status: 401 });
  });

  it('does not keep the configured tokens in memory, only their hashes', () => {
    const table = (strategy as unknown as { tokens: Map<string, unknown> }).tokens;
    expect(table.size).toBe(3);
    for (const key of table.keys()) {
      expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect([ALICE, BOT, OLD]).not.toContain(key);
    }
  });

  it('is a Passport strategy named mcp-static', () => {
    expect(strategy.name).toBe('mcp-static');
    expect(typeof strategy.authenticate).toBe('function');
  });
});
