import type { McpAuthClock } from '../../core/clock.js';
import type { McpAuthStore } from '../../storage/mcp-auth-store.interface.js';
import { MemoryStore } from '../../storage/memory-store.js';
import { StorageUnavailableError } from '../../storage/storage.errors.js';
import { OAuthEndpointError } from '../oauth.errors.js';
import { s256Challenge } from '../pkce.js';
import type { AuthorizationCodeRecord } from './grant-records.js';
import { OAUTH_RECORDS } from './grant-records.js';
import { GrantService } from './grant.service.js';

const VERIFIER = 'v'.repeat(43);
const RESOURCE = 'https://mcp.example.com/mcp';
const lifetimes = {
  codeTtlSeconds: 60,
  refreshTokenTtlSeconds: 3600,
  refreshGraceSeconds: 10,
  accessTokenTtlSeconds: 600,
};

const codeRecord = (overrides: Partial<AuthorizationCodeRecord> = {}): AuthorizationCodeRecord => ({
  clientId: 'pub1',
  redirectUri: 'http://127.0.0.1:5555/cb',
  redirectUriSent: true,
  codeChallenge: s256Challenge(VERIFIER),
  scopes: ['notes:read', 'notes:write'],
  resource: RESOURCE,
  subject: 'u1',
  ...overrides,
});

const redemption = {
  clientId: 'pub1',
  redirectUri: 'http://127.0.0.1:5555/cb',
  codeVerifier: VERIFIER,
  resource: RESOURCE,
};

async function oauthError(promise: Promise<unknown>): Promise<OAuthEndpointError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OAuthEndpointError);
  return error as OAuthEndpointError;
}

describe('GrantService', () => {
  let now: number;
  let clock: McpAuthClock;
  let store: MemoryStore;
  let grants: GrantService;

  beforeEach(() => {
    now = 1_800_000_000_000;
    clock = { now: () => now };
    store = new MemoryStore({}, clock);
    grants = new GrantService(store, clock, lifetimes);
  });
  afterEach(() => store.close());

  describe('authorization codes', () => {
    it('redeems a code once into a grant and a refresh token', async () => {
      const code = await grants.createCode(codeRecord());
      expect(code).toMatch(/^[A-Za-z0-9_-]{43,}$/);
      const issued = await grants.redeemCode(code, redemption);
      expect(issued.grant).toMatchObject({
        clientId: 'pub1',
        subject: 'u1',
        resource: RESOURCE,
        scopes: ['notes:read', 'notes:write'],
      });
      expect(issued.refreshToken).not.toBe(code);
    });

    it('TK-01 a second redemption fails and revokes the grant of the first', async () => {
      const code = await grants.createCode(codeRecord());
      const first = await grants.redeemCode(code, redemption);
      expect((await oauthError(grants.redeemCode(code, redemption))).error).toBe('invalid_grant');
      expect(await grants.isRevoked(first.grant.grantId)).toBe(true);
      expect(
        (
          await oauthError(
            grants.rotateRefreshToken(first.refreshToken!, {
              clientId: 'pub1',
              scopes: undefined,
              resource: undefined,
            }),
          )
        ).error,
      ).toBe('invalid_grant');
    });

    it('TK-03 ten concurrent redemptions: exactly one succeeds', async () => {
      const code = await grants.createCode(codeRecord());
      const results = await Promise.allSettled(Array.from({ length: 10 }, () => grants.redeemCode(code, redemption)));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    });

    it('thirty concurrent redemptions of different codes by one user all succeed and are all indexed', async () => {
      const codes = await Promise.all(Array.from({ length: 30 }, () => grants.createCode(codeRecord())));
      const issued = await Promise.all(codes.map((code) => grants.redeemCode(code, redemption)));
      const index = await store.get(OAUTH_RECORDS.userGrants.key('u1'));
      expect(index?.grants.map((entry) => entry.grantId).sort()).toEqual(issued.map((i) => i.grant.grantId).sort());
    });

    it('TK-04 an expired code is refused', async () => {
      const code = await grants.createCode(codeRecord());
      now += 61_000;
      expect((await oauthError(grants.redeemCode(code, redemption))).error).toBe('invalid_grant');
    });

    it.each<[string, Partial<typeof redemption>, string]>([
      ['TK-05 another client', { clientId: 'pub2' }, 'invalid_grant'],
      ['TK-07 another redirect_uri', { redirectUri: 'http://127.0.0.1:5555/cb2' }, 'invalid_grant'],
      ['TK-07 redirect_uri omitted although sent at authorize', { redirectUri: undefined }, 'invalid_grant'],
      ['TK-08 wrong verifier', { codeVerifier: 'w'.repeat(43) }, 'invalid_grant'],
      [
        'TK-08 verifier equal to the challenge (plain downgrade)',
        { codeVerifier: s256Challenge(VERIFIER) },
        'invalid_grant',
      ],
      ['TK-11 another resource', { resource: 'https://other.example.com/mcp' }, 'invalid_target'],
    ])('%s fails and burns the code (P-13)', async (_name, change, error) => {
      const code = await grants.createCode(codeRecord());
      expect((await oauthError(grants.redeemCode(code, { ...redemption, ...change }))).error).toBe(error);
      // The right request now fails too: the code is gone.
      expect((await oauthError(grants.redeemCode(code, redemption))).error).toBe('invalid_grant');
    });

    it('accepts an omitted resource at the token endpoint (the code keeps its audience)', async () => {
      const code = await grants.createCode(codeRecord());
      expect((await grants.redeemCode(code, { ...redemption, resource: undefined })).grant.resource).toBe(RESOURCE);
    });

    it('F-14 a storage failure during redemption leaves the code redeemable', async () => {
      const code = await grants.createCode(codeRecord());
      const failing = Object.create(store) as McpAuthStore;
      failing.commit = () => Promise.reject(new StorageUnavailableError('down'));
      await expect(new GrantService(failing, clock, lifetimes).redeemCode(code, redemption)).rejects.toBeInstanceOf(
        StorageUnavailableError,
      );
      await expect(grants.redeemCode(code, redemption)).resolves.toHaveProperty('refreshToken');
    });
  });

  describe('refresh tokens', () => {
    const refresh = { clientId: 'pub1', scopes: undefined, resource: undefined };

    async function issued() {
      const redeemed = await grants.redeemCode(await grants.createCode(codeRecord()), redemption);
      return { ...redeemed, refreshToken: redeemed.refreshToken! };
    }

    it('R-01 rotates: the new token works, the old one (after the grace window) revokes the family', async () => {
      const first = await issued();
      const second = await grants.rotateRefreshToken(first.refreshToken, refresh);
      expect(second.refreshToken).not.toBe(first.refreshToken);
      now += 11_000;
      expect((await oauthError(grants.rotateRefreshToken(first.refreshToken, refresh))).error).toBe('invalid_grant');
      expect(await grants.isRevoked(first.grant.grantId)).toBe(true);
      expect((await oauthError(grants.rotateRefreshToken(second.refreshToken, refresh))).error).toBe('invalid_grant');
    });

    it('P-9 a replay within the grace window continues the chain and retires the lost successor', async () => {
      const first = await issued();
      const lost = await grants.rotateRefreshToken(first.refreshToken, refresh);
      now += 2_000;
      const retry = await grants.rotateRefreshToken(first.refreshToken, refresh);
      expect(retry.grant.grantId).toBe(first.grant.grantId);
      expect(await grants.isRevoked(first.grant.grantId)).toBe(false);
      await expect(grants.rotateRefreshToken(retry.refreshToken, refresh)).resolves.toHaveProperty('refreshToken');
      // The successor handed out before the retry is no longer active.
      now += 11_000;
      expect((await oauthError(grants.rotateRefreshToken(lost.refreshToken, refresh))).error).toBe('invalid_grant');
    });

    it('P-9 a replay after its successor was used is theft: the family is revoked', async () => {
      const first = await issued();
      const second = await grants.rotateRefreshToken(first.refreshToken, refresh);
      await grants.rotateRefreshToken(second.refreshToken, refresh);
      expect((await oauthError(grants.rotateRefreshToken(first.refreshToken, refresh))).error).toBe('invalid_grant');
      expect(await grants.isRevoked(first.grant.grantId)).toBe(true);
    });

    it('R-02 two concurrent refreshes with one token: exactly one rotation wins, the family survives', async () => {
      const first = await issued();
      const results = await Promise.allSettled([
        grants.rotateRefreshToken(first.refreshToken, refresh),
        grants.rotateRefreshToken(first.refreshToken, refresh),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect(await grants.isRevoked(first.grant.grantId)).toBe(false);
    });

    it('R-03 a refresh token of another client is refused', async () => {
      const first = await issued();
      expect(
        (await oauthError(grants.rotateRefreshToken(first.refreshToken, { ...refresh, clientId: 'pub2' }))).error,
      ).toBe('invalid_grant');
    });

    it('R-04 scopes can narrow the access token, never widen the grant', async () => {
      const first = await issued();
      expect(
        (
          await oauthError(
            grants.rotateRefreshToken(first.refreshToken, { ...refresh, scopes: ['notes:read', 'admin'] }),
          )
        ).error,
      ).toBe('invalid_scope');
      const narrower = await grants.rotateRefreshToken(first.refreshToken, { ...refresh, scopes: ['notes:read'] });
      expect(narrower.scopes).toEqual(['notes:read']);
      const next = await grants.rotateRefreshToken(narrower.refreshToken, refresh);
      expect(next.scopes).toEqual(['notes:read', 'notes:write']);
    });

    it('R-05 a refresh for another resource is invalid_target', async () => {
      const first = await issued();
      expect(
        (
          await oauthError(
            grants.rotateRefreshToken(first.refreshToken, { ...refresh, resource: 'https://x.example/mcp' }),
          )
        ).error,
      ).toBe('invalid_target');
    });

    it('R-06 an expired refresh token is refused', async () => {
      const first = await issued();
      now += 3_601_000;
      expect((await oauthError(grants.rotateRefreshToken(first.refreshToken, refresh))).error).toBe('invalid_grant');
    });

    it('RV-01 revoking the grant stops its refresh tokens', async () => {
      const first = await issued();
      expect(await grants.grantOfRefreshToken(first.refreshToken, 'pub1')).toBe(first.grant.grantId);
      expect(await grants.grantOfRefreshToken(first.refreshToken, 'pub2')).toBeUndefined();
      await grants.revokeGrant(first.grant.grantId);
      expect((await oauthError(grants.rotateRefreshToken(first.refreshToken, refresh))).error).toBe('invalid_grant');
    });
  });
});
