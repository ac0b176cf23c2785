import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { load } from 'cheerio';
import { HeadlessBrowser, approveAll, type FormPolicy } from '../../helpers/headless-browser.js';
import type { SignIn } from '../levels.js';

/**
 * Stands in for the desktop browser of a CLI client. Inspector v2 and mcp-remote both open the
 * authorization URL with the `open` package, which on Linux runs `xdg-open`; without a desktop
 * session `xdg-open` hands the URL to the command named by `BROWSER`. This class writes such a
 * command (a two-line shell script recording its argument) and reads back what was "opened".
 */
export class BrowserStandIn {
  private consumed = 0;

  private constructor(
    readonly command: string,
    private readonly log: string,
  ) {}

  static async create(dir: string): Promise<BrowserStandIn> {
    const log = join(dir, 'opened-urls.txt');
    const command = join(dir, 'browser.sh');
    await writeFile(log, '');
    await writeFile(command, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${log}'\n`);
    await chmod(command, 0o755);
    return new BrowserStandIn(command, log);
  }

  /** Every URL opened so far. */
  async opened(): Promise<string[]> {
    return (await readFile(this.log, 'utf8')).split('\n').filter(Boolean);
  }

  /** The next URL the client opens, polling until `timeoutMs`; `abort` ends the wait early. */
  async next(timeoutMs: number, abort?: () => string | undefined): Promise<URL> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const urls = await this.opened();
      if (urls.length > this.consumed) return new URL(urls[this.consumed++]);
      const reason = abort?.();
      if (reason) throw new Error(`no authorization URL was opened: ${reason}`);
      if (Date.now() > deadline) throw new Error(`no authorization URL was opened within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * The stand-in user's form policy: signs in as `user` on any page with a password field (the
 * library's own login page at level 4, the identity provider's at levels 2 and 3) and approves
 * every consent page ({@link approveAll}); every page it acts on is recorded in `pages` as
 * `our sign-in`, `our consent` (served by the MCP server's origin) or `IdP sign-in`, `IdP
 * consent` (another origin), so the evidence shows which pages a flow really went through.
 */
export function signInPolicy(user: SignIn, ownOrigin: string, pages: string[]): FormPolicy {
  const approve = approveAll(user);
  return (page) => {
    const choice = approve(page);
    if (choice) {
      const kind = load(page.html)('input[type="password"]').length > 0 ? 'sign-in' : 'consent';
      pages.push(`${page.url.origin === ownOrigin ? 'our' : 'IdP'} ${kind}`);
    }
    return choice;
  };
}

/** What the stand-in user did with one authorization URL. */
export interface Authorization {
  readonly authorizeUrl: URL;
  /** The pages it acted on, in order (see {@link signInPolicy}). */
  readonly pages: readonly string[];
  /** The redirect the authorization server sent back to the client (code, state, iss). */
  readonly callback: URL;
  /** HTTP status of the client's loopback callback listener for that redirect. */
  readonly listenerStatus: number;
}

/**
 * Plays the user for one authorization URL: the {@link HeadlessBrowser} signs in as `user` and
 * approves ({@link signInPolicy}), stops at the redirect to the client's `redirect_uri`, and then
 * delivers it to the client's loopback callback listener, as the browser would.
 */
export async function authorizeInBrowser(authorizeUrl: URL, user: SignIn, ownOrigin: string): Promise<Authorization> {
  const redirectUri = authorizeUrl.searchParams.get('redirect_uri');
  if (!redirectUri) throw new Error(`authorization URL without redirect_uri: ${authorizeUrl.href}`);
  const pages: string[] = [];
  const callback = await new HeadlessBrowser(signInPolicy(user, ownOrigin, pages)).authorize(authorizeUrl, redirectUri);
  // `localhost` callbacks: the listeners bind 127.0.0.1, which is what a browser reaches first too.
  const target = new URL(callback);
  if (target.hostname === 'localhost') target.hostname = '127.0.0.1';
  const response = await deliver(target);
  await response.arrayBuffer();
  return { authorizeUrl, pages, callback, listenerStatus: response.status };
}

/**
 * GETs the callback URL, waiting (up to 15 s) for the listener to accept connections: mcp-remote
 * opens the browser before it starts its callback listener, a race only a browser that signs in
 * faster than a person can lose.
 */
async function deliver(target: URL): Promise<Response> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      return await fetch(target, { redirect: 'manual' });
    } catch (error) {
      const code = ((error as { cause?: { code?: string } }).cause ?? {}).code;
      if (code !== 'ECONNREFUSED' || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
