/** The two levels that run an authorization server: the OAuth proxy (3) and the full server (4). */
export type AsLevel = 'proxy' | 'server';

/** `describe.each` rows: every shared catalog row runs against both levels. */
export const AS_LEVELS: ReadonlyArray<readonly [string, AsLevel]> = [
  ['level 3 (OAuth proxy)', 'proxy'],
  ['level 4 (authorization server)', 'server'],
];

/**
 * The one user of both levels: signs in at the upstream oidc-provider (level 3, its default
 * demo user) or at the server's own login page (level 4, a configured user), with subject `alice`.
 */
export const USER = { username: 'alice', password: 'wonderland', subject: 'alice' } as const;

/** The MCP scopes of the test tools (`notes:read` is the advertised default). */
export const SCOPES = { read: 'notes:read', write: 'notes:write' } as const;
