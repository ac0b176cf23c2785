import { Inject, Injectable } from '@nestjs/common';
import { load } from 'cheerio';
import { decodeJwt } from 'jose';
import { InjectMcpUserAuthenticator, type AuthenticatedUser, type McpUserAuthenticator } from 'nestjs-mcp-auth';
import {
  FlowBrowser,
  approve,
  obtainUserTokens,
  readForm,
  registerClient,
  signIn,
  startAuthorization,
  startServerApp,
  type Answer,
  type RegisteredClient,
  type ServerApp,
  type StartedAuthorization,
} from '../fixtures/server-app.js';

const MAX_FAILURES = 3;
const WINDOW_SECONDS = 120;

/** The login page of a fresh authorization: its URL and form (CSRF token included). */
async function loginForm(started: StartedAuthorization) {
  const url = started.answer.location!;
  expect(url.pathname).toBe('/login');
  const page = await started.browser.get(url);
  return { url, page, form: readForm(page, url) };
}

/** Headers that must be identical between two answers that must not be told apart. */
function comparableHeaders(answer: Answer): Record<string, string> {
  const headers: Record<string, string> = {};
  answer.headers.forEach((value, name) => {
    if (!['date', 'content-length', 'keep-alive', 'connection'].includes(name)) headers[name] = value;
  });
  return headers;
}

/**
 * Level 4 sign-in: the login endpoint in front of the user authenticator (security catalog
 * AS-06, C-14) and the login and consent pages themselves.
 */
describe('level 4: sign-in', () => {
  let server: ServerApp;
  let client: RegisteredClient;

  beforeAll(async () => {
    server = await startServerApp({
      server: () => ({ maxLoginFailures: MAX_FAILURES, loginFailureWindowSeconds: WINDOW_SECONDS }),
    });
    client = await registerClient(server.origin);
  });
  afterAll(async () => server?.close());

  const start = (browser?: FlowBrowser) => startAuthorization(server, client, { browser });

  describe('AS-06: no user enumeration, lock-out after repeated failures', () => {
    it('AS-06: a wrong password and an unknown user get the same answer, and neither starts a session', async () => {
      const started = await start();
      const { form } = await loginForm(started);
      const before = server.storeNamespaces();
      // Same length on purpose: the page echoes the username back into the form.
      const wrongPassword = await started.browser.post(form.action, {
        ...form.fields,
        username: 'bob',
        password: 'not-his-password',
      });
      const unknownUser = await started.browser.post(form.action, {
        ...form.fields,
        username: 'eve',
        password: 'not-his-password',
      });
      for (const answer of [wrongPassword, unknownUser]) {
        expect(answer.status).toBe(401);
        expect(answer.location).toBeUndefined();
        expect(answer.setCookies.size).toBe(0);
      }
      expect(comparableHeaders(unknownUser)).toEqual(comparableHeaders(wrongPassword));
      expect(unknownUser.text.replace('value="eve"', 'value="bob"')).toBe(wrongPassword.text);
      expect(load(wrongPassword.text)('[role=alert]').text()).toMatch(/username or password is incorrect/);
      // Only the failure counters were written (I-1): no session, no grant, no code.
      expect(server.storeNamespaces()).toEqual([...before, 'oauth-login-failures', 'oauth-login-failures'].sort());
    });

    it(`AS-06: after ${MAX_FAILURES} failures the right password is refused with the same generic answer until the window ends`, async () => {
      const started = await start();
      const { form } = await loginForm(started);
      const attempt = (password: string) =>
        started.browser.post(form.action, { ...form.fields, username: 'alice', password });
      const failures: Answer[] = [];
      for (let i = 0; i < MAX_FAILURES; i++) failures.push(await attempt(`guess-${i}`));
      expect(failures.map((f) => f.status)).toEqual(Array(MAX_FAILURES).fill(401));

      const locked = await attempt('wonderland');
      expect(locked.status).toBe(401);
      expect(locked.location).toBeUndefined();
      expect(locked.setCookies.size).toBe(0);
      // The lock is not announced: the same page as a wrong password (no lock oracle either).
      expect(locked.text).toBe(failures[0].text);

      // Another user is not affected.
      const other = await start();
      expect((await signIn(other, { username: 'bob', password: 'builder-pw' })).status).toBe(303);

      // Once the window has passed on the module clock, the right password works again.
      server.clock.advance(WINDOW_SECONDS + 1);
      const unlocked = await attempt('wonderland');
      expect(unlocked.status).toBe(303);
      expect(unlocked.location?.pathname).toBe('/consent');
    });

    it('AS-06: unknown usernames lock exactly like real ones (the lock reveals nothing)', async () => {
      const started = await start();
      const { form } = await loginForm(started);
      const answers: Answer[] = [];
      for (const username of ['mallory', 'bob']) {
        for (let i = 0; i <= MAX_FAILURES; i++) {
          answers.push(await started.browser.post(form.action, { ...form.fields, username, password: `nope-${i}` }));
        }
      }
      const normalized = answers.map((a) => `${a.status} ${a.text.replace(/value="(mallory|bob)"/, '')}`);
      expect(new Set(normalized).size).toBe(1);
      // bob is now locked for the window: even his password fails.
      expect((await signIn(await start(), { username: 'bob', password: 'builder-pw' })).status).toBe(401);
      server.clock.advance(WINDOW_SECONDS + 1);
    });

    it('AS-06: the username is matched case-insensitively for the lock (no bypass by changing case)', async () => {
      const started = await start();
      const { form } = await loginForm(started);
      for (const username of ['Alice', 'ALICE', 'aLiCe']) {
        await started.browser.post(form.action, { ...form.fields, username, password: 'wrong' });
      }
      const locked = await started.browser.post(form.action, {
        ...form.fields,
        username: 'alice',
        password: 'wonderland',
      });
      expect(locked.status).toBe(401);
      server.clock.advance(WINDOW_SECONDS + 1);
    });

    it('empty fields are refused without a session', async () => {
      const started = await start();
      const { form } = await loginForm(started);
      for (const fields of [
        { username: '', password: 'wonderland' },
        { username: 'alice', password: '' },
      ]) {
        const answer = await started.browser.post(form.action, { ...form.fields, ...fields });
        expect(answer.status).toBe(401);
        expect(answer.setCookies.size).toBe(0);
      }
    });
  });

  describe('C-14: CSRF on the login form', () => {
    it.each([
      ['no csrf_token', (fields: Record<string, string>) => ({ ...fields, csrf_token: '' })],
      ['a wrong csrf_token', (fields: Record<string, string>) => ({ ...fields, csrf_token: 'A'.repeat(43) })],
      [
        'the csrf_token of the login page with one character changed',
        (fields: Record<string, string>) => ({
          ...fields,
          csrf_token: `${fields.csrf_token.slice(0, -1)}${fields.csrf_token.endsWith('A') ? 'B' : 'A'}`,
        }),
      ],
    ])('C-14: %s → 403, nothing signed in, the password is not even checked', async (_name, tamper) => {
      const started = await start();
      const { form } = await loginForm(started);
      const before = server.storeNamespaces();
      const answer = await started.browser.post(form.action, {
        ...tamper(form.fields),
        username: 'alice',
        password: 'wonderland',
      });
      expect(answer.status).toBe(403);
      expect(answer.location).toBeUndefined();
      expect(answer.setCookies.size).toBe(0);
      expect(answer.text).not.toContain('wonderland');
      // Not even a failure counter: the credentials were never looked at.
      expect(server.storeNamespaces()).toEqual(before);
    });

    it('C-14: the CSRF token of another transaction of the same browser → 403', async () => {
      const browser = new FlowBrowser();
      const first = await start(browser);
      const firstForm = (await loginForm(first)).form;
      const second = await start(browser);
      const secondForm = (await loginForm(second)).form;
      expect(secondForm.fields.csrf_token).not.toBe(firstForm.fields.csrf_token);
      const answer = await browser.post(secondForm.action, {
        ...secondForm.fields,
        csrf_token: firstForm.fields.csrf_token,
        username: 'alice',
        password: 'wonderland',
      });
      expect(answer.status).toBe(403);
      expect(answer.setCookies.size).toBe(0);
    });

    it('C-14: a login posted from another browser (no transaction cookie, as a cross-site form post) is refused', async () => {
      const started = await start();
      const { form } = await loginForm(started);
      const attacker = new FlowBrowser();
      const answer = await attacker.post(form.action, { ...form.fields, username: 'alice', password: 'wonderland' });
      expect(answer.status).toBe(400);
      expect(answer.location).toBeUndefined();
      expect(answer.setCookies.size).toBe(0);
    });
  });

  describe('no code without a signed-in user', () => {
    it('approving the consent page without signing in issues no code', async () => {
      const started = await start();
      const tx = started.answer.location!.searchParams.get('tx')!;
      const consentUrl = new URL(`/consent?tx=${encodeURIComponent(tx)}`, server.origin);
      // The consent page is not even shown before sign-in: it sends to the login page.
      const page = await started.browser.get(consentUrl);
      expect(page.status).toBe(302);
      expect(page.location?.pathname).toBe('/login');
      // A consent decision posted anyway, with the transaction's CSRF token, issues no code.
      const { form } = await loginForm(started);
      const before = server.storeNamespaces();
      const answer = await started.browser.post(consentUrl, {
        csrf_token: form.fields.csrf_token,
        decision: 'approve',
      });
      expect(answer.status).toBe(400);
      expect(answer.location).toBeUndefined();
      expect(answer.text).not.toMatch(/code=/);
      expect(server.storeNamespaces().filter((n) => n.startsWith('oauth-code'))).toEqual(
        before.filter((n) => n.startsWith('oauth-code')),
      );
    });

    it.each([
      ['no transaction', '/login'],
      ['a made-up transaction', '/login?tx=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
      ['a repeated tx parameter', '/login?tx=a&tx=b'],
    ])('the login page with %s is an error page (400, no redirect)', async (_name, path) => {
      const browser = new FlowBrowser();
      for (const answer of [
        await browser.get(new URL(path, server.origin)),
        await browser.post(new URL(path, server.origin), { username: 'alice', password: 'wonderland' }),
      ]) {
        expect(answer.status).toBe(400);
        expect(answer.location).toBeUndefined();
        expect(answer.setCookies.size).toBe(0);
        expect(answer.headers.get('x-frame-options')).toBe('DENY');
      }
    });
  });

  describe('C-14: session fixation', () => {
    const SESSION = 'mcp_auth_session';

    it('C-14: a session id planted before sign-in is replaced by a new random one and never becomes valid', async () => {
      const browser = new FlowBrowser();
      const planted = 'planted-by-the-attacker-0123456789abcdefghijk';
      browser.cookies.set(SESSION, planted);
      const started = await start(browser);
      // The planted id is no session: the user is asked to sign in.
      expect(started.answer.location?.pathname).toBe('/login');
      const signedIn = await signIn(started, { username: 'alice', password: 'wonderland' });
      expect(signedIn.status).toBe(303);
      const issued = signedIn.setCookies.get(SESSION);
      expect(issued).toMatch(/^[A-Za-z0-9_-]{43,}$/);
      expect(issued).not.toBe(planted);
      const attributes = signedIn.headers
        .getSetCookie()
        .find((c) => c.startsWith(`${SESSION}=`))!
        .split(';')
        .map((a) => a.trim().toLowerCase());
      expect(attributes).toEqual(expect.arrayContaining(['path=/', 'httponly', 'samesite=lax']));
      expect(attributes.some((a) => a.startsWith('domain='))).toBe(false);

      // The attacker's copy of the planted id still leads to the login page.
      const attacker = new FlowBrowser();
      attacker.cookies.set(SESSION, planted);
      expect((await start(attacker)).answer.location?.pathname).toBe('/login');
      // The user's new session skips the login page.
      expect((await start(browser)).answer.location?.pathname).toBe('/consent');
    });

    it('C-14: signing in again issues another id and the previous one stops working', async () => {
      const browser = new FlowBrowser();
      const first = await signIn(await start(browser), { username: 'alice', password: 'wonderland' });
      const firstId = first.setCookies.get(SESSION)!;
      const copy = browser.clone();

      // A second sign-in in the same browser (a transaction's login page posted again).
      const again = await start(browser);
      expect(again.answer.location?.pathname).toBe('/consent');
      const tx = again.answer.location!.searchParams.get('tx')!;
      const loginUrl = new URL(`/login?tx=${encodeURIComponent(tx)}`, server.origin);
      const page = await browser.get(loginUrl);
      const form = readForm(page, loginUrl);
      const second = await browser.post(form.action, { ...form.fields, username: 'bob', password: 'builder-pw' });
      expect(second.status).toBe(303);
      const secondId = second.setCookies.get(SESSION)!;
      expect(secondId).toMatch(/^[A-Za-z0-9_-]{43,}$/);
      expect(secondId).not.toBe(firstId);

      // The copied first id was dropped server-side.
      expect(copy.cookies.get(SESSION)).toBe(firstId);
      expect((await start(copy)).answer.location?.pathname).toBe('/login');
    });

    it('a signed-in session issues codes for its user only, narrowed to the user’s scopes', async () => {
      const browser = new FlowBrowser();
      await obtainUserTokens(server, { username: 'bob', password: 'builder-pw', browser });
      // bob (notes:read only) asks for notes:write without signing in again.
      const { tokens } = await obtainUserTokens(server, { browser, scope: 'notes:read notes:write' });
      expect(decodeJwt(tokens.access_token)).toMatchObject({ sub: 'bob', scope: 'notes:read' });
    });
  });

  describe('the login and consent pages', () => {
    async function pages(): Promise<Array<[string, Answer]>> {
      const started = await start();
      const { page: login, url: loginUrl } = await loginForm(started);
      const form = readForm(login, loginUrl);
      const failed = await started.browser.post(form.action, { ...form.fields, username: 'alice', password: 'x' });
      const signedIn = await signIn(started, { username: 'alice', password: 'wonderland' });
      const consent = await started.browser.get(signedIn.location!);
      const error = await new FlowBrowser().get(loginUrl);
      return [
        ['login', login],
        ['login after a failure', failed],
        ['consent', consent],
        ['error (expired or foreign transaction)', error],
      ];
    }

    it('C-09/A-20: strict CSP, frame denial and no caching on every page', async () => {
      for (const [name, page] of await pages()) {
        const csp = page.headers.get('content-security-policy') ?? '';
        const directives = Object.fromEntries(
          csp.split(';').map((d) => {
            const [key, ...values] = d.trim().split(/\s+/);
            return [key, values.join(' ')];
          }),
        );
        expect({ name, directives }).toEqual({
          name,
          directives: expect.objectContaining({
            'default-src': "'none'",
            'frame-ancestors': "'none'",
            'base-uri': "'none'",
          }),
        });
        // No script source at all (default-src 'none' covers it); form-action is left out on
        // purpose (page-layout.ts: browsers apply it to the redirects after the consent form).
        expect(directives['script-src']).toBeUndefined();
        expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*|https?:/);
        expect(page.headers.get('x-frame-options')).toBe('DENY');
        expect(page.headers.get('x-content-type-options')).toBe('nosniff');
        expect(page.headers.get('cache-control')).toBe('no-store');
        expect(page.headers.get('referrer-policy')).toBe('no-referrer');
        expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      }
    });

    it('no external assets, no scripts: nothing on the pages loads from anywhere', async () => {
      for (const [name, page] of await pages()) {
        const $ = load(page.text);
        expect({
          name,
          scripts: $('script, link, img, iframe, object, embed, svg, video, audio, source').length,
        }).toEqual({
          name,
          scripts: 0,
        });
        expect({ name, refs: $('[src], [href], [srcset], [style]').length }).toEqual({ name, refs: 0 });
        expect(page.text).not.toMatch(/url\(|@import|https?:\/\/(?!127\.0\.0\.1)/);
        // Forms post to this server only.
        $('form').each((_, f) => {
          expect(new URL($(f).attr('action')!, server.origin).origin).toBe(server.origin);
        });
      }
    });

    it('accessible: language, title, one main landmark, every field labelled, errors announced', async () => {
      for (const [name, page] of await pages()) {
        const $ = load(page.text);
        expect({ name, lang: $('html').attr('lang') }).toEqual({ name, lang: 'en' });
        expect($('title').text().trim()).not.toBe('');
        expect($('main').length).toBe(1);
        expect($('h1').length).toBe(1);
        $('input:not([type=hidden]), select, textarea').each((_, input) => {
          const id = $(input).attr('id');
          const labelled =
            (id !== undefined && $(`label[for="${id}"]`).text().trim() !== '') ||
            $(input).closest('label').text().trim() !== '' ||
            $(input).attr('aria-label') !== undefined;
          expect({ name, field: $(input).attr('name'), labelled }).toEqual({
            name,
            field: $(input).attr('name'),
            labelled: true,
          });
        });
        $('button').each((_, button) => expect($(button).text().trim()).not.toBe(''));
      }
      const [, login] = (await pages())[0];
      const $ = load(login.text);
      expect($('label[for=username]').text()).toBe('Username');
      expect($('#username').attr('autocomplete')).toBe('username');
      expect($('label[for=password]').text()).toBe('Password');
      expect($('#password').attr('type')).toBe('password');
      expect($('#password').attr('autocomplete')).toBe('current-password');
      // Focus order follows the document: username, password, then the submit button.
      expect(
        $('input:not([type=hidden]), button')
          .toArray()
          .map((e) => $(e).attr('name') ?? $(e).attr('type')),
      ).toEqual(['username', 'password', 'submit']);
      expect($('[tabindex]').length).toBe(0);
    });

    it('the password is never echoed back into the page', async () => {
      const started = await start();
      const { form } = await loginForm(started);
      const failed = await started.browser.post(form.action, {
        ...form.fields,
        username: 'alice',
        password: 'my-secret-guess',
      });
      expect(failed.text).not.toContain('my-secret-guess');
      expect(load(failed.text)('#username').attr('value')).toBe('alice');
    });

    it('C-07: a hostile username is escaped when echoed back', async () => {
      const started = await start();
      const { form } = await loginForm(started);
      const failed = await started.browser.post(form.action, {
        ...form.fields,
        username: '"><script>alert(1)</script>',
        password: 'x',
      });
      const $ = load(failed.text);
      expect($('script').length).toBe(0);
      expect($('#username').attr('value')).toBe('"><script>alert(1)</script>');
    });

    it('approving after sign-in sends the code to the registered redirect URI with iss (RFC 9207)', async () => {
      const started = await start();
      const signedIn = await signIn(started, { username: 'alice', password: 'wonderland' });
      const callback = await approve(started.browser, signedIn.location!);
      expect(callback.origin + callback.pathname).toBe(client.redirect_uris[0]);
      expect(callback.searchParams.get('iss')).toBe(server.origin);
      expect(callback.searchParams.get('state')).toBe(started.state);
      expect(callback.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    });
  });
});

/** A user directory the custom authenticator depends on (to prove it is built by Nest DI). */
@Injectable()
class UserDirectory {
  readonly calls: string[] = [];
  private readonly users = new Map([['carol', { password: 'directory-pw', id: 'dir-0001' }]]);

  async lookup(username: string): Promise<{ password: string; id: string } | undefined> {
    this.calls.push(username);
    // A directory answers after a network round trip: requests overlap like in production.
    await new Promise((resolve) => setTimeout(resolve, 20));
    return this.users.get(username);
  }
}

@Injectable()
class DirectoryAuthenticator implements McpUserAuthenticator {
  constructor(@Inject(UserDirectory) private readonly directory: UserDirectory) {}

  async authenticate(username: string, password: string): Promise<AuthenticatedUser | undefined> {
    const entry = await this.directory.lookup(username);
    if (!entry || entry.password !== password) return undefined;
    return { subject: entry.id, scopes: ['notes:read'], claims: { name: 'Carol from the directory' } };
  }
}

/** An application service that uses the module's authenticator (e.g. to re-check a password). */
@Injectable()
class PasswordCheck {
  constructor(@InjectMcpUserAuthenticator() readonly authenticator: McpUserAuthenticator) {}
}

/** An authenticator without dependencies that the application did not register as a provider. */
@Injectable()
class FixedAuthenticator implements McpUserAuthenticator {
  async authenticate(username: string, password: string): Promise<AuthenticatedUser | undefined> {
    return username === 'fixed' && password === 'fixed-pw' ? { subject: 'fixed-subject' } : undefined;
  }
}

describe('level 4: an authenticator class the application did not register', () => {
  let server: ServerApp;
  beforeAll(async () => {
    server = await startServerApp({ server: () => ({ authenticator: FixedAuthenticator }) });
  });
  afterAll(async () => server?.close());

  it('is instantiated by the module and used', async () => {
    const { tokens } = await obtainUserTokens(server, { username: 'fixed', password: 'fixed-pw' });
    expect(decodeJwt(tokens.access_token).sub).toBe('fixed-subject');
  });
});

describe('level 4: a custom UserAuthenticator provided through DI', () => {
  let server: ServerApp;
  let directory: UserDirectory;

  beforeAll(async () => {
    server = await startServerApp({
      // The configured users (SERVER_USERS) are ignored once an authenticator is given.
      server: () => ({ authenticator: DirectoryAuthenticator, maxLoginFailures: MAX_FAILURES }),
      providers: [UserDirectory, DirectoryAuthenticator, PasswordCheck],
    });
    directory = server.app.get(UserDirectory);
  });
  afterAll(async () => server?.close());

  it('signs users in with it: subject, scopes and claims come from it', async () => {
    const { tokens } = await obtainUserTokens(server, {
      username: 'carol',
      password: 'directory-pw',
      scope: 'notes:read notes:write',
    });
    expect(decodeJwt(tokens.access_token)).toMatchObject({
      sub: 'dir-0001',
      scope: 'notes:read',
      name: 'Carol from the directory',
    });
    expect(directory.calls).toContain('carol');
  });

  it('is the instance the application registered, exported under MCP_AUTH_USER_AUTHENTICATOR', () => {
    expect(server.app.get(PasswordCheck).authenticator).toBe(server.app.get(DirectoryAuthenticator));
  });

  it('the configured users are not consulted', async () => {
    const client = await registerClient(server.origin);
    const started = await startAuthorization(server, client);
    const answer = await signIn(started, { username: 'alice', password: 'wonderland' });
    expect(answer.status).toBe(401);
    expect(directory.calls.at(-1)).toBe('alice');
  });

  it(`AS-06: ${MAX_FAILURES * 4} parallel guesses reach the authenticator at most ${MAX_FAILURES} times`, async () => {
    const client = await registerClient(server.origin);
    const started = await startAuthorization(server, client);
    const { form } = await loginForm(started);
    const before = directory.calls.length;
    const answers = await Promise.all(
      Array.from({ length: MAX_FAILURES * 4 }, (_, i) =>
        started.browser.post(form.action, { ...form.fields, username: 'carol', password: `guess-${i}` }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(MAX_FAILURES * 4).fill(401));
    expect(directory.calls.length - before).toBe(MAX_FAILURES);
    // And carol is locked now, right password or not.
    const locked = await started.browser.post(form.action, {
      ...form.fields,
      username: 'carol',
      password: 'directory-pw',
    });
    expect(locked.status).toBe(401);
    expect(directory.calls.length - before).toBe(MAX_FAILURES);
  });
});
