import type { McpAccessToken } from '../core/access-token.js';
import { InvalidTokenError, VerifierUnavailableError, type InvalidTokenReason } from '../core/errors/token.errors.js';
import type { McpTokenVerifier } from '../core/token-verifier.js';
import { ChainTokenStrategy } from './chain-token.strategy.js';
import { StaticTokenStrategy } from './static-token.strategy.js';

function accessToken(sub: string): McpAccessToken {
  return { token: 't', sub, clientId: sub, scopes: [], expiresAt: 2_000_000_000, claims: {} };
}

/** A verifier with a fixed outcome that counts its calls. */
class Fixed implements McpTokenVerifier {
  calls = 0;
  constructor(private readonly outcome: McpAccessToken | Error) {}
  async verify(): Promise<McpAccessToken> {
    this.calls += 1;
    if (this.outcome instanceof Error) throw this.outcome;
    return this.outcome;
  }
}

const accepts = (sub: string) => new Fixed(accessToken(sub));
const refuses = (reason: InvalidTokenReason) => new Fixed(new InvalidTokenError(`refused: ${reason}`, reason));
const down = (message = 'down') => new Fixed(new VerifierUnavailableError(message));

describe('ChainTokenStrategy', () => {
  it('returns the first acceptance and does not ask the later members', async () => {
    const [a, b, c] = [refuses('unknown_key'), accepts('b'), accepts('c')];
    await expect(new ChainTokenStrategy([a, b, c]).verify('t')).resolves.toMatchObject({ sub: 'b' });
    expect([a.calls, b.calls, c.calls]).toEqual([1, 1, 0]);
  });

  it('accepts through a later member when an earlier one is unavailable', async () => {
    const first = down();
    await expect(new ChainTokenStrategy([first, accepts('second')]).verify('t')).resolves.toMatchObject({
      sub: 'second',
    });
    expect(first.calls).toBe(1);
  });

  it('answers 503 when no member accepts and one could not judge the token, whatever the order', async () => {
    const unavailable = new VerifierUnavailableError('jwks down');
    for (const members of [
      [refuses('expired'), new Fixed(unavailable)],
      [new Fixed(unavailable), refuses('signature')],
    ]) {
      const error = await new ChainTokenStrategy(members).verify('t').catch((e: unknown) => e);
      expect(error).toBe(unavailable);
    }
  });

  it('keeps the first unavailability when several members are down', async () => {
    const error = await new ChainTokenStrategy([down('first'), down('second')]).verify('t').catch((e: unknown) => e);
    expect(error).toMatchObject({ message: 'first', status: 503 });
  });

  it('treats an unexpected exception of a member as unavailability (503), never a 500 or a 401', async () => {
    const boom = new TypeError('bug in a custom verifier');
    const error = await new ChainTokenStrategy([new Fixed(boom), refuses('unknown_key')])
      .verify('t')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VerifierUnavailableError);
    expect((error as VerifierUnavailableError).cause).toBe(boom);
  });

  it.each<[string, InvalidTokenReason[], InvalidTokenReason]>([
    ['a specific refusal wins over "not mine"', ['unknown_key', 'expired'], 'expired'],
    ['the first specific refusal wins', ['audience', 'signature'], 'audience'],
    ['specific after several not-mine', ['malformed', 'issuer', 'unknown', 'inactive', 'type'], 'type'],
    ['only not-mine refusals: the first one', ['issuer', 'unknown_key'], 'issuer'],
    ['only not-mine refusals: the first one (other order)', ['inactive', 'malformed'], 'inactive'],
  ])('when every member refuses, reports the most specific refusal: %s', async (_name, reasons, expected) => {
    const error = await new ChainTokenStrategy(reasons.map(refuses)).verify('t').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect((error as InvalidTokenError).reason).toBe(expected);
  });

  it('refuses everything when it has no members', async () => {
    await expect(new ChainTokenStrategy([]).verify('t')).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('chains real strategies: each token is accepted by the member that knows it', async () => {
    const context = { resourceUrl: 'https://mcp.example.com/mcp', clock: { now: () => 1_800_000_000_000 } };
    const chain = new ChainTokenStrategy([
      new StaticTokenStrategy({ type: 'static', tokens: { 'first-token-0123456789': { sub: 'one' } } }, context),
      new StaticTokenStrategy({ type: 'static', tokens: { 'second-token-012345678': { sub: 'two' } } }, context),
    ]);
    await expect(chain.verify('first-token-0123456789')).resolves.toMatchObject({ sub: 'one' });
    await expect(chain.verify('second-token-012345678')).resolves.toMatchObject({ sub: 'two' });
    await expect(chain.verify('third-token-0123456789')).rejects.toMatchObject({ reason: 'unknown', status: 401 });
    expect(chain.name).toBe('mcp-chain');
  });
});
