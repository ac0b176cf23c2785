import type { GitHubIdentityConfig } from '../upstream-provider.interface.js';
import type { UpstreamHttp } from '../upstream-http.js';
import type { UpstreamIdentity } from '../upstream-tokens.interface.js';
import { getIdentityJson, missingSubject, pickClaims } from './identity-response.util.js';

/** GitHub REST API version pinned on every call (GitHub "API versions"). */
export const GITHUB_API_VERSION = '2022-11-28';

/** Profile members of `GET /user` passed on as claims. */
const GITHUB_PROFILE = ['login', 'name', 'email', 'avatar_url', 'html_url', 'type', 'node_id', 'company'];

/**
 * GitHub identity: `GET {apiBaseUrl}/user` with the user's token. The subject is the numeric
 * `id` (a login can be renamed and then taken by someone else); a missing or non-numeric `id`
 * fails (security catalog CB-11). The token's current scopes come from the `X-OAuth-Scopes`
 * header ("Scopes for OAuth apps"); GitHub App user tokens have none, so the header is absent
 * and `upstreamScopes` is left undefined. 401 → invalid token, 5xx/429/rate-limit 403 → transient.
 *
 * @internal
 */
export async function resolveGitHubIdentity(
  config: GitHubIdentityConfig,
  accessToken: string,
  http: UpstreamHttp,
  now: () => number,
): Promise<Omit<UpstreamIdentity, 'scopes'>> {
  const { body, response } = await getIdentityJson(http, `${config.apiBaseUrl}/user`, accessToken, now, {
    accept: 'application/vnd.github+json',
    'x-github-api-version': GITHUB_API_VERSION,
  });
  const id = body.id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) throw missingSubject();
  const header = response.headers.get('x-oauth-scopes');
  return {
    subject: String(id),
    claims: { id, ...pickClaims(body, GITHUB_PROFILE) },
    source: 'github',
    ...(header !== null ? { upstreamScopes: header.split(/[\s,]+/).filter((scope) => scope !== '') } : {}),
  };
}
