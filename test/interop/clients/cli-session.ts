import type { InteropLevel } from '../levels.js';
import { authorizeInBrowser, type Authorization, type BrowserStandIn } from '../support/user-agent.js';
import { assertSignInFlow } from './checks.js';

/**
 * Plays the user for a CLI client while it runs: every URL the client opens in the
 * {@link BrowserStandIn} is signed in (as the level's user, in a fresh browser each time) and
 * approved, and the redirect delivered to the client's loopback listener. Each sign-in must go
 * through the level's pages ({@link InteropLevel.signInFlow}); `mcpUrl` tells the MCP server's
 * pages from an identity provider's. Call `stop()` when the client is done; it rethrows what went
 * wrong.
 */
export function serveAuthorizations(
  browser: BrowserStandIn,
  level: InteropLevel,
  mcpUrl: string,
): {
  readonly authorizations: Authorization[];
  stop(): Promise<Authorization[]>;
} {
  const authorizations: Authorization[] = [];
  let stopped = false;
  let failure: Error | undefined;
  const loop = (async () => {
    for (;;) {
      let url: URL;
      try {
        url = await browser.next(15 * 60_000, () => (stopped ? 'stopped' : undefined));
      } catch {
        return;
      }
      try {
        const authorization = await authorizeInBrowser(
          url,
          level.user ?? { username: 'demo', password: 'demo' },
          new URL(mcpUrl).origin,
        );
        authorizations.push(authorization);
        assertSignInFlow('stand-in user', level, authorization.pages);
        if (authorization.listenerStatus !== 200)
          throw new Error(
            `the client's callback listener answered HTTP ${authorization.listenerStatus} for ${authorization.callback.href}`,
          );
      } catch (error) {
        failure ??= error as Error;
      }
    }
  })();
  return {
    authorizations,
    async stop() {
      stopped = true;
      await loop;
      if (failure) throw new Error(`stand-in user: ${failure.message}`);
      return authorizations;
    },
  };
}

export const scopesOf = (authorizations: readonly Authorization[]): string[] =>
  authorizations.map((a) => a.authorizeUrl.searchParams.get('scope') ?? '(none)');
