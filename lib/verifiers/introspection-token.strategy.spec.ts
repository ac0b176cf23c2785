import { InvalidTokenError, VerifierUnavailableError } from '../core/errors/token.errors.js';
import type { IntrospectionVerifierOptions } from '../core/options/verifier-options.js';
import { freePort } from '../../test/helpers/free-port.js';
import { IntrospectionServer } from '../../test/helpers/introspection-server.js';
import { SinkServer } from '../../test/helpers/sink-server.js';
import { IntrospectionTokenStrategy } from './introspection-token.strategy.js';
import { ResponseTooLargeError } from './read-capped.js';

const RESOURCE = 'https://mcp.example.com/mcp';
const ISSUER = 'https://as.example.com';
const NOW_MS = 1_800_000_000_000;
const NOW = NOW_MS / 1000;

describe('IntrospectionTokenStrategy', () => {
  let server: IntrospectionServer;
  let sink: SinkServer;
  let now: number;

  const create = (options: Partial<IntrospectionVerifierOptions> = {}) =>
    new IntrospectionTokenStrategy(
      {
        type: 'introspection',
        introspectionUrl: server.url,
        clientId: server.client.id,
        clientSecret: server.client.secret,
        ...options,
      },
      { resourceUrl: RESOURCE, clock: { now: () => now } },
    );

  const activeToken = (token: string, claims: Record<string, unknown> = {}) =>
    server.tokens.set(token, {
      sub: 'u1',
      client_id: 'c1',
      scope: 'notes:read notes:write',
      aud: RESOURCE,
      iss: ISSUER,
      exp: NOW + 300,
      ...claims,
    });

  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) => error,
    );

  beforeAll(async () => {
    server = await new IntrospectionServer().start();
    sink = await new SinkServer().start();
  });
  afterAll(async () => {
    await server.stop();
    await sink.stop();
  });
  beforeEach(() => {
    now = NOW_MS;
    server.hits = 0;
    server.calls.length = 0;
    server.tokens.clear();
    server.behaviour = {};
    server.client = { id: 'resource-server', secret: 'resource-server-secret' };
  });

  describe('client authentication', () => {
    it('client_secret_basic (default) form-encodes special characters inside Basic (RFC 6749 §2.3.1)', async () => {
      server.client = { id: 'rs client:1/é', secret: 'p@ss word:+%&=/?é' };
      activeToken('tok-basic');
      await expect(create().verify('tok-basic')).resolves.toMatchObject({ sub: 'u1' });
      const [call] = server.calls;
      expect(call).toMatchObject({
        auth: 'basic',
        clientId: 'rs client:1/é',
        clientSecret: 'p@ss word:+%&=/?é',
        token: 'tok-basic',
        tokenTypeHint: 'access_token',
        contentType: 'application/x-www-form-urlencoded',
        accept: 'application/json',
      });
      const encoded = 'rs+client%3A1%2F%C3%A9:p%40ss+word%3A%2B%25%26%3D%2F%3F%C3%A9';
      expect(call.authorization).toBe(`Basic ${Buffer.from(encoded).toString('base64')}`);
    });

    it('client_secret_post sends the credentials in the form and no Authorization header', async () => {
      server.client = { id: 'rs&client=1', secret: 's3cret +&=' };
      activeToken('tok-post');
      await expect(create({ clientAuthMethod: 'client_secret_post' }).verify('tok-post')).resolves.toMatchObject({
        sub: 'u1',
      });
      expect(server.calls[0]).toMatchObject({
        auth: 'post',
        authorization: undefined,
        clientId: 'rs&client=1',
        clientSecret: 's3cret +&=',
        token: 'tok-post',
      });
    });

    it('wrong client credentials (the endpoint answers 401) are a dependency failure: 503, not a token refusal', async () => {
      activeToken('tok');
      const error = await failure(create({ clientSecret: 'wrong' }).verify('tok'));
      expect(error).toBeInstanceOf(VerifierUnavailableError);
      expect(error).toMatchObject({ status: 503, error: 'temporarily_unavailable' });
    });
  });

  describe('response checks', () => {
    it('maps an active response to the access token', async () => {
      activeToken('tok', { username: 'alice' });
      await expect(create().verify('tok')).resolves.toEqual({
        token: 'tok',
        sub: 'u1',
        clientId: 'c1',
        scopes: ['notes:read', 'notes:write'],
        expiresAt: NOW + 300,
        resource: RESOURCE,
        issuer: ISSUER,
        claims: {
          active: true,
          sub: 'u1',
          client_id: 'c1',
          scope: 'notes:read notes:write',
          aud: RESOURCE,
          iss: ISSUER,
          exp: NOW + 300,
          username: 'alice',
        },
      });
    });

    it('refuses inactive and unknown tokens with 401 inactive', async () => {
      server.behaviour = { body: '{"active":false,"sub":"u1"}' };
      await expect(create().verify('revoked')).rejects.toMatchObject({ reason: 'inactive', status: 401 });
      server.behaviour = {};
      await expect(create().verify('never-issued')).rejects.toMatchObject({ reason: 'inactive' });
    });

    it.each([
      ['no "active"', '{"sub":"u1","exp":1900000000}'],
      ['string "active"', '{"active":"true","sub":"u1"}'],
      ['numeric "active"', '{"active":1,"sub":"u1"}'],
      ['null "active"', '{"active":null,"sub":"u1"}'],
    ])('requires a boolean "active": %s → 503', async (_name, body) => {
      server.behaviour = { body };
      await expect(create().verify('tok')).rejects.toBeInstanceOf(VerifierUnavailableError);
    });

    it.each([
      ['exp in the past', { exp: NOW - 1 }, 'expired'],
      ['exp equal to now', { exp: NOW }, 'expired'],
      ['exp as a string', { exp: String(NOW + 300) }, 'expired'],
      ['nbf in the future', { nbf: NOW + 1 }, 'not_yet_valid'],
      ['nbf as a string', { nbf: String(NOW - 10) }, 'not_yet_valid'],
      ['audience of another resource', { aud: 'https://other.example.com/mcp' }, 'audience'],
      ['audience near miss (trailing slash)', { aud: `${RESOURCE}/` }, 'audience'],
      ['audience array without the resource', { aud: ['https://other.example.com/mcp'] }, 'audience'],
      ['audience of a wrong type', { aud: 5 }, 'audience'],
      ['no subject, username or client_id', { sub: undefined, client_id: undefined }, 'claims'],
    ])('refuses %s', async (_name, claims, reason) => {
      activeToken('tok', claims);
      const error = await failure(create({ issuer: ISSUER }).verify('tok'));
      expect(error).toBeInstanceOf(InvalidTokenError);
      expect((error as InvalidTokenError).reason).toBe(reason);
    });

    it('accepts nbf now and exp one second ahead (no clock tolerance)', async () => {
      activeToken('tok', { nbf: NOW, exp: NOW + 1 });
      await expect(create().verify('tok')).resolves.toMatchObject({ expiresAt: NOW + 1 });
    });

    it('checks iss only when an issuer is configured and the response carries iss', async () => {
      activeToken('evil', { iss: 'https://evil.example.com' });
      await expect(create({ issuer: [ISSUER, 'https://other-as.example.com'] }).verify('evil')).rejects.toMatchObject({
        reason: 'issuer',
      });
      await expect(create().verify('evil')).resolves.toMatchObject({ issuer: 'https://evil.example.com' });
      activeToken('no-iss', { iss: undefined });
      await expect(create({ issuer: ISSUER }).verify('no-iss')).resolves.toMatchObject({ issuer: undefined });
    });

    it('matches aud arrays, accepts a response without aud, and honours audience: false and custom audiences', async () => {
      activeToken('array', { aud: ['https://other.example.com', RESOURCE] });
      await expect(create().verify('array')).resolves.toMatchObject({ resource: RESOURCE });
      activeToken('none', { aud: undefined });
      await expect(create().verify('none')).resolves.toMatchObject({ resource: undefined });
      activeToken('other', { aud: 'https://other.example.com/mcp' });
      await expect(create({ audience: false }).verify('other')).resolves.toMatchObject({ resource: undefined });
      await expect(
        create({ audience: ['https://x.example.com', 'https://other.example.com/mcp'] }).verify('other'),
      ).resolves.toMatchObject({ resource: 'https://other.example.com/mcp' });
    });

    it('falls back to username, then client_id, for the subject', async () => {
      activeToken('user', { sub: undefined, username: 'alice' });
      await expect(create().verify('user')).resolves.toMatchObject({ sub: 'alice', clientId: 'c1' });
      activeToken('m2m', { sub: undefined, client_id: 'svc' });
      await expect(create().verify('m2m')).resolves.toMatchObject({ sub: 'svc', clientId: 'svc' });
      activeToken('noclient', { client_id: undefined });
      await expect(create().verify('noclient')).resolves.toMatchObject({ sub: 'u1', clientId: 'u1' });
    });

    it('without exp, reports an expiry one cache period ahead', async () => {
      activeToken('tok', { exp: undefined });
      await expect(create().verify('tok')).resolves.toMatchObject({ expiresAt: NOW + 60 });
      await expect(create({ cache: { ttlSeconds: 5 } }).verify('tok')).resolves.toMatchObject({ expiresAt: NOW + 5 });
    });
  });

  describe('cache', () => {
    it('reuses a positive answer without asking again', async () => {
      activeToken('tok');
      const strategy = create();
      const first = await strategy.verify('tok');
      now += 30_000;
      expect(await strategy.verify('tok')).toBe(first);
      expect(server.hits).toBe(1);
    });

    it('never keeps an answer past the token exp, even inside the cache TTL', async () => {
      activeToken('tok', { exp: NOW + 10 });
      const strategy = create({ cache: { ttlSeconds: 60 } });
      await strategy.verify('tok');
      now = (NOW + 10) * 1000 - 1;
      await strategy.verify('tok');
      expect(server.hits).toBe(1);
      now = (NOW + 10) * 1000;
      await expect(strategy.verify('tok')).rejects.toMatchObject({ reason: 'expired' });
      expect(server.hits).toBe(2);
    });

    it('asks again after the cache TTL', async () => {
      activeToken('tok');
      const strategy = create({ cache: { ttlSeconds: 5 } });
      await strategy.verify('tok');
      now += 4_999;
      await strategy.verify('tok');
      expect(server.hits).toBe(1);
      now += 1;
      server.tokens.delete('tok'); // revoked meanwhile
      await expect(strategy.verify('tok')).rejects.toMatchObject({ reason: 'inactive' });
      expect(server.hits).toBe(2);
    });

    it('does not cache refusals, so a token activated later is accepted', async () => {
      const strategy = create();
      await expect(strategy.verify('later')).rejects.toMatchObject({ reason: 'inactive' });
      activeToken('later');
      await expect(strategy.verify('later')).resolves.toMatchObject({ sub: 'u1' });
      expect(server.hits).toBe(2);
    });

    it('is bounded: the oldest answer is dropped first', async () => {
      for (const t of ['a', 'b', 'c']) activeToken(t);
      const strategy = create({ cache: { maxEntries: 2 } });
      for (const t of ['a', 'b', 'c']) await strategy.verify(t);
      expect(server.hits).toBe(3);
      await strategy.verify('c');
      await strategy.verify('b');
      expect(server.hits).toBe(3);
      await strategy.verify('a');
      expect(server.hits).toBe(4);
    });

    it('cache: false asks every time', async () => {
      activeToken('tok');
      const strategy = create({ cache: false });
      await strategy.verify('tok');
      await strategy.verify('tok');
      expect(server.hits).toBe(2);
    });
  });

  describe('coalescing', () => {
    it('sends one request for concurrent lookups of the same token', async () => {
      activeToken('tok');
      server.behaviour = { delayMs: 100 };
      const strategy = create({ cache: false });
      const results = await Promise.all(Array.from({ length: 20 }, () => strategy.verify('tok')));
      expect(server.hits).toBe(1);
      expect(new Set(results).size).toBe(1);
      // once settled, the next lookup asks again (cache disabled)
      server.behaviour = {};
      await strategy.verify('tok');
      expect(server.hits).toBe(2);
    });

    it('shares a failure with every concurrent waiter, and does not merge different tokens', async () => {
      server.behaviour = { delayMs: 50, status: 500, body: 'oops' };
      const strategy = create();
      const outcomes = await Promise.all(Array.from({ length: 10 }, () => failure(strategy.verify('tok'))));
      expect(server.hits).toBe(1);
      for (const outcome of outcomes) expect(outcome).toBeInstanceOf(VerifierUnavailableError);
      server.behaviour = {};
      activeToken('x');
      activeToken('y');
      await Promise.all([strategy.verify('x'), strategy.verify('y')]);
      expect(server.hits).toBe(3);
    });
  });

  describe('faults answer 503 (policy P-1)', () => {
    it('connection refused', async () => {
      const port = await freePort();
      const strategy = create({ introspectionUrl: `http://127.0.0.1:${port}/introspect` });
      const error = await failure(strategy.verify('tok'));
      expect(error).toBeInstanceOf(VerifierUnavailableError);
      expect(error).toMatchObject({ retryAfterSeconds: 5 });
    });

    it('connection dropped without an answer', async () => {
      server.behaviour = { drop: true };
      await expect(create().verify('tok')).rejects.toBeInstanceOf(VerifierUnavailableError);
    });

    it('slow endpoint: fails within the configured timeout', async () => {
      activeToken('tok');
      server.behaviour = { delayMs: 1500 };
      const started = Date.now();
      await expect(create({ timeoutMs: 150 }).verify('tok')).rejects.toBeInstanceOf(VerifierUnavailableError);
      expect(Date.now() - started).toBeLessThan(1200);
    });

    it.each([
      ['HTML', '<html><body>maintenance</body></html>'],
      ['empty body', ''],
      ['null', 'null'],
      ['an array', '[{"active":true}]'],
      ['a string', '"active"'],
      ['truncated JSON', '{"active":true,"sub":'],
    ])('garbage body: %s', async (_name, body) => {
      server.behaviour = { body };
      await expect(create().verify('tok')).rejects.toBeInstanceOf(VerifierUnavailableError);
    });

    it.each([500, 503, 400, 401, 404, 204])('non-200 status %s', async (status) => {
      server.behaviour = { status, body: status === 204 ? '' : '{"active":true,"sub":"u1"}' };
      await expect(create().verify('tok')).rejects.toBeInstanceOf(VerifierUnavailableError);
    });

    it('a redirect is not followed (0 hits on the target)', async () => {
      sink.body = '{"active":true,"sub":"attacker"}';
      server.behaviour = { status: 302, headers: { location: `${sink.origin}/introspect` } };
      await expect(create().verify('tok')).rejects.toBeInstanceOf(VerifierUnavailableError);
      expect(sink.hits()).toBe(0);
    });

    it('an oversized answer is refused', async () => {
      server.behaviour = { body: JSON.stringify({ active: true, sub: 'u1', padding: 'x'.repeat(70 * 1024) }) };
      await expect(create().verify('tok')).rejects.toBeInstanceOf(VerifierUnavailableError);
    });

    it('an endless answer is cut at the size cap, not buffered until the timeout', async () => {
      server.behaviour = { endless: true };
      const error = await failure(create({ timeoutMs: 30_000 }).verify('tok'));
      expect(error).toBeInstanceOf(VerifierUnavailableError);
      expect((error as VerifierUnavailableError).cause).toBeInstanceOf(ResponseTooLargeError);
    });

    it('recovers on the next request once the endpoint is back', async () => {
      activeToken('tok');
      server.behaviour = { status: 503 };
      const strategy = create();
      await expect(strategy.verify('tok')).rejects.toBeInstanceOf(VerifierUnavailableError);
      server.behaviour = {};
      await expect(strategy.verify('tok')).resolves.toMatchObject({ sub: 'u1' });
    });
  });

  it('is a Passport strategy named mcp-introspection', () => {
    expect(create().name).toBe('mcp-introspection');
  });
});
