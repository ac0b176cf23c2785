import type { Request } from 'express';
import type { McpAccessToken } from '../core/access-token.js';
import { InvalidTokenError, VerifierUnavailableError } from '../core/errors/token.errors.js';
import type { McpTokenVerifier } from '../core/token-verifier.js';
import { authenticateWithVerifier, McpPassportStrategy } from './passport-bridge.js';

const TOKEN: McpAccessToken = { token: 'abc', sub: 'u1', clientId: 'c1', scopes: [], expiresAt: 2e9, claims: {} };

type Report =
  | { kind: 'success'; user: McpAccessToken }
  | { kind: 'fail'; challenge: string; status: number }
  | { kind: 'error'; error: Error & { statusCode?: number; expose?: boolean } };

/** Runs the bridge and resolves with the one Passport action it reported. */
function run(verifier: McpTokenVerifier, authorization?: string): Promise<Report> {
  return new Promise((resolve) => {
    authenticateWithVerifier(
      {
        success: (user) => resolve({ kind: 'success', user }),
        fail: (challenge, status) => resolve({ kind: 'fail', challenge, status }),
        error: (error) => resolve({ kind: 'error', error }),
      },
      verifier,
      { headers: authorization === undefined ? {} : { authorization } } as Request,
    );
  });
}

class Recording implements McpTokenVerifier {
  readonly seen: string[] = [];
  constructor(private readonly outcome: () => Promise<McpAccessToken>) {}
  verify(token: string): Promise<McpAccessToken> {
    this.seen.push(token);
    return this.outcome();
  }
}

describe('authenticateWithVerifier', () => {
  it('reports success with the verified token', async () => {
    const verifier = new Recording(async () => TOKEN);
    await expect(run(verifier, 'Bearer abc')).resolves.toEqual({ kind: 'success', user: TOKEN });
    expect(verifier.seen).toEqual(['abc']);
  });

  it.each([
    ['no header', undefined],
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['a bare token', 'abc'],
    ['"Bearer" alone', 'Bearer'],
    ['"Bearer " with nothing after', 'Bearer '],
    ['a space inside the token', 'Bearer a b'],
    ['a newline inside the token', 'Bearer a\nb'],
    ['an oversized token', `Bearer ${'a'.repeat(8193)}`],
  ])('fails with 401 and never calls the verifier: %s', async (_name, header) => {
    const verifier = new Recording(async () => TOKEN);
    const report = await run(verifier, header);
    expect(report).toMatchObject({ kind: 'fail', status: 401, challenge: expect.any(String) });
    expect(verifier.seen).toEqual([]);
  });

  it('fails with 401 and the client-safe description when the verifier refuses the token', async () => {
    const verifier = new Recording(async () => {
      throw new InvalidTokenError('The access token has "expired"\r\n', 'expired');
    });
    await expect(run(verifier, 'Bearer abc')).resolves.toEqual({
      kind: 'fail',
      status: 401,
      challenge: 'The access token has  expired   ',
    });
  });

  it('reports a dependency outage as an error with HTTP status 503 (never a bare 500)', async () => {
    const outage = new VerifierUnavailableError('jwks down');
    const report = await run(new Recording(() => Promise.reject(outage)), 'Bearer abc');
    expect(report.kind).toBe('error');
    const { error } = report as Extract<Report, { kind: 'error' }>;
    expect(error).toBe(outage);
    expect({ status: outage.status, statusCode: error.statusCode, expose: error.expose }).toEqual({
      status: 503,
      statusCode: 503,
      expose: false,
    });
    expect(Object.keys(error)).not.toContain('statusCode');
  });

  it.each([
    ['an Error', new TypeError('bug')],
    ['a string', 'bug'],
  ])('turns an unexpected rejection (%s) into a 503 VerifierUnavailableError', async (_name, thrown) => {
    const report = await run(new Recording(() => Promise.reject(thrown)), 'Bearer abc');
    const { error } = report as Extract<Report, { kind: 'error' }>;
    expect(error).toBeInstanceOf(VerifierUnavailableError);
    expect(error.cause).toBe(thrown);
    expect(error.statusCode).toBe(503);
  });
});

describe('McpPassportStrategy', () => {
  class Demo extends McpPassportStrategy {
    name = 'demo';
    async verify(token: string): Promise<McpAccessToken> {
      if (token !== 'abc') throw new InvalidTokenError('Unknown access token', 'unknown');
      return TOKEN;
    }
  }

  it('authenticates through verify() with the Passport actions of the instance', async () => {
    const outcomes = await Promise.all(
      ['Bearer abc', 'Bearer xyz'].map(
        (authorization) =>
          new Promise<string>((resolve) => {
            const strategy = Object.assign(new Demo(), {
              success: (user: McpAccessToken) => resolve(`success:${user.sub}`),
              fail: (_challenge: string, status: number) => resolve(`fail:${status}`),
              error: () => resolve('error'),
            });
            strategy.authenticate({ headers: { authorization } } as Request);
          }),
      ),
    );
    expect(outcomes).toEqual(['success:u1', 'fail:401']);
  });
});
