import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  createUpstreamProvider,
  createUpstreamTransactionSecrets,
  UpstreamOAuthClient,
  UpstreamProtocolError,
  UpstreamRejectedError,
  UpstreamTransientError,
  type UpstreamTokens,
} from '../lib/proxy/upstream/index.js';
import { GitHubFake } from './fakes/github-fake.js';
import { SelfSignedHttpsServer } from './fakes/self-signed-https.js';
import { freePort } from './helpers/free-port.js';

/**
 * Upstream faults of security catalog §2 (F-07 … F-11, F-19) and the identity and revocation
 * rows they touch (CB-09 … CB-11, R-09, RV-07), against real local servers.
 */
describe('upstream faults', () => {
  let github: GitHubFake;
  let apps: GitHubFake;
  let tls: SelfSignedHttpsServer;
  let callback: string;

  beforeAll(async () => {
    callback = `http://127.0.0.1:${await freePort()}/oauth/callback`;
    [github, apps, tls] = await Promise.all([
      new GitHubFake({ callbackUrl: callback }).start(),
      new GitHubFake({ callbackUrl: callback, expiringTokens: true }).start(),
      new SelfSignedHttpsServer().start(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([github?.stop(), apps?.stop(), tls?.stop()]);
  });
  afterEach(() => {
    github.clear();
    apps.clear();
  });

  const client = (
    fake: { origin: string; apiBaseUrl: string; clientId: string; clientSecret: string } = github,
    timeoutMs = 2000,
  ) =>
    new UpstreamOAuthClient(
      createUpstreamProvider({
        provider: 'github',
        clientId: fake.clientId,
        clientSecret: fake.clientSecret,
        baseUrl: fake.origin,
        apiBaseUrl: fake.apiBaseUrl,
        timeoutMs,
      }),
      { redirectUri: callback },
    );

  /** Runs the flow up to the upstream code. */
  async function code(fake = github, upstream = client(fake)): Promise<{ code: string; codeVerifier: string }> {
    const secrets = createUpstreamTransactionSecrets();
    const response = await fetch(await upstream.authorizationUrl(secrets), { redirect: 'manual' });
    const location = new URL(response.headers.get('location')!);
    return { ...(await upstream.handleCallback(location.searchParams, secrets)), codeVerifier: secrets.codeVerifier };
  }

  async function tokens(fake = github): Promise<UpstreamTokens> {
    const upstream = client(fake);
    const grant = await code(fake, upstream);
    return upstream.exchangeCode(grant.code, grant.codeVerifier);
  }

  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected a failure');
      },
      (error: unknown) => error,
    );

  describe('F-07: upstream down during the code exchange', () => {
    it('a dropped connection is transient (503 temporarily_unavailable) and names no host', async () => {
      const grant = await code();
      github.set('access_token', { dropConnection: true });
      const error = await failure(client().exchangeCode(grant.code, grant.codeVerifier));
      expect(error).toBeInstanceOf(UpstreamTransientError);
      expect(error).toMatchObject({
        status: 503,
        error: 'temporarily_unavailable',
        reason: 'connection',
        operation: 'token',
      });
      expect((error as UpstreamTransientError).description).not.toMatch(/127\.0\.0\.1|login\/oauth/);
    });

    it('a stopped upstream (connection refused) is transient', async () => {
      const port = await freePort();
      const gone = {
        origin: `http://127.0.0.1:${port}`,
        apiBaseUrl: `http://127.0.0.1:${port}/api/v3`,
        clientId: 'c',
        clientSecret: 's',
      };
      const error = await failure(client(gone).exchangeCode('code', createUpstreamTransactionSecrets().codeVerifier));
      expect(error).toMatchObject({ retryable: true, reason: 'connection', retryAfterSeconds: 5 });
    });
  });

  it('F-08: a slow token endpoint hits the configured timeout first', async () => {
    const upstream = client(github, 300);
    const grant = await code(github, upstream);
    github.set('access_token', { delayMs: 5000 });
    const started = Date.now();
    const error = await failure(upstream.exchangeCode(grant.code, grant.codeVerifier));
    expect(error).toBeInstanceOf(UpstreamTransientError);
    expect(error).toMatchObject({ reason: 'timeout', operation: 'token' });
    // Generous bound: well below the upstream's 5 s delay.
    expect(Date.now() - started).toBeLessThan(4000);
  });

  describe('F-09 / R-09: refresh answered 5xx or 429', () => {
    it.each([
      [503, { 'retry-after': '60' }, 60],
      [429, { 'retry-after': '60' }, 60],
      [502, {}, 5],
    ])(
      '%i → transient with Retry-After %j; the same refresh token works once the upstream heals',
      async (status, headers, retryAfter) => {
        const issued = await tokens(apps);
        apps.set('access_token', { status, headers, body: '<html>unavailable</html>' });
        const error = await failure(client(apps).refresh(issued.refreshToken!));
        expect(error).toBeInstanceOf(UpstreamTransientError);
        expect(error).toMatchObject({ retryAfterSeconds: retryAfter, upstreamStatus: status, operation: 'refresh' });
        apps.clear();
        expect((await client(apps).refresh(issued.refreshToken!)).refreshTokenRotated).toBe(true);
      },
    );

    it('a timeout at refresh is transient as well', async () => {
      const issued = await tokens(apps);
      apps.set('access_token', { delayMs: 5000, status: 200, body: '{}' });
      await expect(client(apps, 300).refresh(issued.refreshToken!)).rejects.toMatchObject({ reason: 'timeout' });
    });
  });

  describe('F-10 / CB-09 / CB-10: "success" that is really an error', () => {
    it.each([
      [
        '200 with an error body',
        {
          status: 200,
          body: '{"error":"bad_verification_code","error_description":"The code passed is incorrect or expired."}',
        },
        UpstreamRejectedError,
      ],
      [
        '200 HTML',
        {
          status: 200,
          headers: { 'content-type': 'text/html' },
          body: '<!DOCTYPE html><html>Sign in to GitHub</html>',
        },
        UpstreamProtocolError,
      ],
      ['truncated JSON', { status: 200, body: '{"access_token":"gho_abc","scope":"re' }, UpstreamProtocolError],
      [
        'form encoding',
        {
          status: 200,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'access_token=gho_abc&scope=repo&token_type=bearer',
        },
        UpstreamProtocolError,
      ],
      [
        'JSON without access_token',
        { status: 200, body: '{"token_type":"bearer","scope":"repo"}' },
        UpstreamProtocolError,
      ],
      ['token_type mac', { status: 200, body: '{"access_token":"gho_abc","token_type":"mac"}' }, UpstreamProtocolError],
    ])('%s fails', async (_name, fault, type) => {
      const grant = await code();
      github.set('access_token', fault);
      expect(await failure(client().exchangeCode(grant.code, grant.codeVerifier))).toBeInstanceOf(type);
    });
  });

  describe('F-11 / CB-11: identity endpoint failures', () => {
    it('500 is transient; 401 means the token is invalid', async () => {
      const issued = await tokens();
      github.set('user', { status: 500, body: '{"message":"Server Error"}' });
      expect(await failure(client().identity(issued))).toBeInstanceOf(UpstreamTransientError);
      github.set('user', { status: 401, body: '{"message":"Bad credentials"}' });
      const invalid = await failure(client().identity(issued));
      expect(invalid).toBeInstanceOf(UpstreamRejectedError);
      expect(invalid).toMatchObject({ error: 'invalid_token', status: 401 });
      github.clear();
      expect((await client().identity(issued)).subject).toBe('583231');
    });

    it('a slow /user times out as transient', async () => {
      const issued = await tokens();
      github.set('user', { delayMs: 5000 });
      await expect(client(github, 300).identity(issued)).rejects.toMatchObject({
        reason: 'timeout',
        operation: 'identity',
      });
    });

    it('a rate-limited /user (403, X-RateLimit-Remaining: 0) is transient until the reset', async () => {
      const issued = await tokens();
      const reset = Math.floor(Date.now() / 1000) + 120;
      github.set('user', {
        status: 403,
        headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
        body: '{"message":"API rate limit exceeded"}',
      });
      const error = await failure(client().identity(issued));
      expect(error).toMatchObject({ reason: 'rate_limited', retryable: true });
      expect((error as UpstreamTransientError).retryAfterSeconds).toBeGreaterThan(100);
    });

    it.each([
      ['malformed JSON', '{"login":"octocat",', 'malformed_response'],
      ['no id', '{"login":"octocat"}', 'missing_subject'],
      ['a null id', '{"login":"octocat","id":null}', 'missing_subject'],
    ])('%s → no identity, never an empty subject', async (_name, body, reason) => {
      const issued = await tokens();
      github.set('user', { status: 200, body });
      expect(await failure(client().identity(issued))).toMatchObject({ reason });
    });
  });

  describe('RV-07: revocation failures never throw', () => {
    it.each([
      ['500', { status: 500 }, true],
      ['a dropped connection', { dropConnection: true }, true],
    ])('%s → failed outcome', async (_name, fault, retryable) => {
      const issued = await tokens();
      github.set('grant', fault);
      expect(await client().revoke(issued)).toMatchObject({ status: 'failed', retryable });
      expect(github.isValid(issued.accessToken)).toBe(true);
    });

    it('wrong client credentials → failed, not retryable', async () => {
      const issued = await tokens();
      const wrong = new UpstreamOAuthClient(
        createUpstreamProvider({
          provider: 'github',
          clientId: github.clientId,
          clientSecret: 'wrong',
          baseUrl: github.origin,
          apiBaseUrl: github.apiBaseUrl,
        }),
        { redirectUri: callback },
      );
      expect(await wrong.revoke(issued)).toMatchObject({ status: 'failed', retryable: false });
    });
  });

  describe('F-19: DNS and TLS failures', () => {
    const unreachable = (origin: string) => ({
      origin,
      apiBaseUrl: `${origin}/api/v3`,
      clientId: 'c',
      clientSecret: 's',
    });

    it('an unresolvable host (.invalid, RFC 6761) is transient and its name is not in the message', async () => {
      const upstream = client(unreachable('https://github.upstream.invalid'));
      const verifier = createUpstreamTransactionSecrets().codeVerifier;
      for (const attempt of [
        upstream.exchangeCode('code', verifier),
        upstream.refresh('rt'),
        upstream.identity({ accessToken: 'gho_x' }),
      ]) {
        const error = await failure(attempt);
        expect(error).toBeInstanceOf(UpstreamTransientError);
        expect(error).toMatchObject({ reason: 'dns' });
        expect((error as Error).message).not.toContain('invalid');
        expect((error as UpstreamTransientError).description).not.toContain('upstream.invalid');
      }
      expect(await upstream.revoke({ accessToken: 'gho_x' })).toMatchObject({ status: 'failed', retryable: true });
    });

    it('an https upstream with an untrusted self-signed certificate is refused as transient; nothing is sent', async () => {
      const upstream = client(unreachable(tls.origin));
      const error = await failure(upstream.exchangeCode('code', createUpstreamTransactionSecrets().codeVerifier));
      expect(error).toBeInstanceOf(UpstreamTransientError);
      expect(error).toMatchObject({ reason: 'tls', status: 503 });
      expect((error as Error).message).not.toContain('127.0.0.1');
      await expect(upstream.identity({ accessToken: 'gho_x' })).rejects.toMatchObject({ reason: 'tls' });
      expect(tls.hits).toBe(0);
    });

    it('certificate checks are never switched off in the upstream code', () => {
      const sources = (dir: string): string[] =>
        readdirSync(dir).flatMap((name) => {
          const path = join(dir, name);
          return statSync(path).isDirectory()
            ? sources(path)
            : path.endsWith('.ts') && !path.endsWith('.spec.ts')
              ? [path]
              : [];
        });
      const files = sources(join(process.cwd(), 'lib/proxy/upstream'));
      expect(files.length).toBeGreaterThan(10);
      for (const file of files) {
        expect(readFileSync(file, 'utf8')).not.toMatch(
          /rejectUnauthorized|NODE_TLS_REJECT_UNAUTHORIZED|checkServerIdentity/,
        );
      }
      expect(process.env.NODE_TLS_REJECT_UNAUTHORIZED).not.toBe('0');
    });
  });
});
