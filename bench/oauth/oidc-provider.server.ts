/**
 * For comparison only: panva's oidc-provider as the upstream, as sample 04 bundles it (sign-in
 * and consent pages, PKCE, refresh tokens, userinfo, revocation). The flow driver signs in and
 * approves there on every flow, as a first-time user does. It shows what the upstream would
 * cost if the bench used a full provider; see bench/oauth/README.md.
 *
 * Environment: BENCH_PORT, BENCH_UPSTREAM_CLIENT_ID, BENCH_UPSTREAM_CLIENT_SECRET,
 * BENCH_UPSTREAM_REDIRECT_URIS (the one proxy callback), BENCH_USER_COUNT and BENCH_PASSWORD (users
 * `bench-user-<i>`).
 */
import { startBundledIdentityProvider } from '../../sample/04-oidc-proxy/identity-provider.js';
import { announceReady, exitWithRunner } from '../servers/server-env.js';

const port = Number(process.env.BENCH_PORT);
const idp = await startBundledIdentityProvider({
  redirectUri: (process.env.BENCH_UPSTREAM_REDIRECT_URIS ?? '').split(',')[0],
  port,
  clientId: process.env.BENCH_UPSTREAM_CLIENT_ID,
  clientSecret: process.env.BENCH_UPSTREAM_CLIENT_SECRET,
  users: Object.fromEntries(
    Array.from({ length: Number(process.env.BENCH_USER_COUNT ?? 1) }, (_, i) => [
      `bench-user-${i}`,
      process.env.BENCH_PASSWORD ?? 'demo',
    ]),
  ),
});
exitWithRunner(() => idp.close());
announceReady(port);
