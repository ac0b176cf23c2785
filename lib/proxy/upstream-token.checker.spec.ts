import { jest } from '@jest/globals';
import { InvalidTokenError, VerifierUnavailableError } from '../core/errors/token.errors.js';
import { UpstreamTokenChecker } from './upstream-token.checker.js';
import type { UpstreamOAuthClient } from './upstream/upstream-oauth.client.js';
import type { UpstreamProvider } from './upstream/upstream-provider.interface.js';
import { UpstreamProtocolError, UpstreamRejectedError, UpstreamTransientError } from './upstream/upstream.errors.js';
import type { UpstreamIdentity, UpstreamTokens } from './upstream/upstream-tokens.interface.js';

const NOW = 1_800_000_000_000;

function tokens(overrides: Partial<UpstreamTokens> = {}): UpstreamTokens {
  return {
    accessToken: 'gho_token',
    tokenType: 'Bearer',
    expiresAtSource: 'none',
    scopes: ['read:user', 'repo'],
    upstreamScopes: ['read:user', 'repo'],
    scopesReported: true,
    receivedAt: NOW / 1000,
    ...overrides,
  };
}

function setup(options: { seconds?: number; identity?: () => Promise<UpstreamIdentity>; verification?: boolean } = {}) {
  const clock = { now: () => NOW };
  const identity = jest.fn(
    options.identity ??
      (async (): Promise<UpstreamIdentity> => ({
        subject: '583231',
        claims: {},
        source: 'github',
        upstreamScopes: ['read:user'],
        scopes: ['read:user'],
      })),
  );
  const verifyAccessToken = jest.fn(async () => ({ subject: '583231', claims: {}, source: 'access_token' as const }));
  const provider = {
    tokenValidationSeconds: options.seconds ?? 60,
    ...(options.verification ? { accessTokenVerification: { issuers: [] } } : {}),
  } as unknown as UpstreamProvider;
  const upstream = { provider, identity, verifyAccessToken } as unknown as UpstreamOAuthClient;
  const revoke = jest.fn(async () => undefined);
  const checker = new UpstreamTokenChecker(upstream, clock as never, revoke);
  return { checker, identity, verifyAccessToken, revoke, clock };
}

const grant = { grantId: 'g1', subject: '583231' };

describe('UpstreamTokenChecker', () => {
  it('is off when tokenValidationSeconds is 0 or absent', () => {
    expect(setup({ seconds: 0 }).checker.enabled).toBe(false);
    expect(setup().checker.enabled).toBe(true);
  });

  it('asks the identity API once, caches the success per grant and reports the scopes it returned', async () => {
    const { checker, identity } = setup();
    const load = jest.fn(async () => tokens());
    expect(await checker.check(grant, load)).toEqual({ scopes: ['read:user'] });
    expect(await checker.check(grant, load)).toEqual({ scopes: ['read:user'] });
    expect(identity).toHaveBeenCalledTimes(1);
    expect(identity).toHaveBeenCalledWith({ accessToken: 'gho_token' });
    checker.forget('g1');
    await checker.check(grant, load);
    expect(identity).toHaveBeenCalledTimes(2);
  });

  it('shares one upstream call between concurrent checks of a grant', async () => {
    const { checker, identity } = setup();
    await Promise.all([1, 2, 3].map(() => checker.check(grant, async () => tokens())));
    expect(identity).toHaveBeenCalledTimes(1);
  });

  it('never trusts a success past the upstream token’s expiry', async () => {
    const { checker, identity, clock } = setup({ seconds: 600 });
    const expiring = async () => tokens({ expiresAt: NOW / 1000 + 5, expiresAtSource: 'upstream' });
    await checker.check(grant, expiring);
    let now = NOW + 6000;
    clock.now = () => now;
    await checker.check(grant, expiring);
    expect(identity).toHaveBeenCalledTimes(2);
    now += 1;
    await checker.check(grant, expiring);
    expect(identity).toHaveBeenCalledTimes(3);
  });

  it('uses local JWT verification where the provider configures it', async () => {
    const { checker, identity, verifyAccessToken } = setup({ verification: true });
    expect(await checker.check(grant, async () => tokens())).toEqual({});
    expect(verifyAccessToken).toHaveBeenCalledWith('gho_token');
    expect(identity).not.toHaveBeenCalled();
  });

  it('a refused token revokes the grant and is a 401, and is not cached as a success', async () => {
    const refused = new UpstreamRejectedError('refused', { operation: 'identity', reason: 'invalid_token' });
    const { checker, revoke, identity } = setup({ identity: async () => Promise.reject(refused) });
    const error = await checker.check(grant, async () => tokens()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(revoke).toHaveBeenCalledWith('g1');
    await checker.check(grant, async () => tokens()).catch(() => undefined);
    expect(identity).toHaveBeenCalledTimes(2);
  });

  it('a token of another user revokes the grant', async () => {
    const { checker, revoke } = setup({
      identity: async () => ({ subject: 'someone-else', claims: {}, source: 'github' }),
    });
    await expect(checker.check(grant, async () => tokens())).rejects.toBeInstanceOf(InvalidTokenError);
    expect(revoke).toHaveBeenCalledWith('g1');
  });

  it('an outage is rethrown as is (503 with Retry-After), nothing revoked, nothing cached', async () => {
    const outage = new UpstreamTransientError('down', { operation: 'identity', reason: 'unavailable' }, 42);
    let fail = true;
    const { checker, revoke, identity } = setup({
      identity: async () => {
        if (fail) throw outage;
        return { subject: '583231', claims: {}, source: 'github' };
      },
    });
    await expect(checker.check(grant, async () => tokens())).rejects.toBe(outage);
    expect(revoke).not.toHaveBeenCalled();
    fail = false;
    expect(await checker.check(grant, async () => tokens())).toEqual({});
    expect(identity).toHaveBeenCalledTimes(2);
  });

  it('an answer that cannot be understood is a 503, not a revocation', async () => {
    const garbled = new UpstreamProtocolError('garbled', { operation: 'identity', reason: 'malformed_response' });
    const { checker, revoke } = setup({ identity: async () => Promise.reject(garbled) });
    await expect(checker.check(grant, async () => tokens())).rejects.toBeInstanceOf(VerifierUnavailableError);
    expect(revoke).not.toHaveBeenCalled();
  });

  it('a grant whose upstream tokens are gone (refresh refused) is a 401', async () => {
    const gone = new UpstreamRejectedError('gone', { operation: 'refresh', reason: 'invalid_grant' });
    const { checker, identity } = setup();
    await expect(checker.check(grant, async () => Promise.reject(gone))).rejects.toBeInstanceOf(InvalidTokenError);
    expect(identity).not.toHaveBeenCalled();
  });
});
