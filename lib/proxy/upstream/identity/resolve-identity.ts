import type { ResolvedUpstreamEndpoints } from '../upstream-metadata.js';
import type { UpstreamEndpoints, UpstreamProvider } from '../upstream-provider.interface.js';
import type { UpstreamHttp } from '../upstream-http.js';
import type { UpstreamIdentity, UpstreamTokens } from '../upstream-tokens.interface.js';
import { resolveDiscordIdentity } from './discord.identity.js';
import { resolveGitHubIdentity } from './github.identity.js';
import { missingSubject } from './identity-response.util.js';
import { resolveOidcIdentity } from './oidc.identity.js';
import type { UpstreamJwks } from './upstream-jwt.js';

/** What identity resolution needs from the client. @internal */
export interface IdentityContext {
  readonly provider: UpstreamProvider;
  readonly http: UpstreamHttp;
  readonly jwks: UpstreamJwks;
  /** Epoch milliseconds. */
  readonly now: () => number;
}

/**
 * Dispatches to the provider's identity source (OIDC, GitHub, Discord or custom), then makes
 * sure the subject is a non-empty string (security catalog CB-11) and maps the upstream scopes
 * the source reported to MCP scopes.
 * @internal
 */
export async function resolveUpstreamIdentity(
  context: IdentityContext,
  endpoints: (needs: ReadonlyArray<keyof UpstreamEndpoints>) => Promise<ResolvedUpstreamEndpoints>,
  tokens: Pick<UpstreamTokens, 'accessToken' | 'idToken'>,
  nonce: string | undefined,
): Promise<UpstreamIdentity> {
  const { provider, http, now } = context;
  const config = provider.identity;
  let identity: UpstreamIdentity;
  switch (config.kind) {
    case 'oidc': {
      const resolved = await endpoints(config.mode === 'userinfo' ? ['userinfo'] : ['jwksUri']);
      identity = await resolveOidcIdentity(
        { provider, config, endpoints: resolved, http, jwks: context.jwks, now },
        tokens,
        nonce,
      );
      break;
    }
    case 'github':
      identity = await resolveGitHubIdentity(config, tokens.accessToken, http, now);
      break;
    case 'discord':
      identity = await resolveDiscordIdentity(config, provider.clientId, tokens.accessToken, http, now);
      break;
    case 'custom':
      identity = await config.resolve(tokens, { provider, http, now: now() });
      break;
  }
  return withMappedScopes(provider, identity);
}

/** Checks the subject and adds `scopes` (MCP) for the reported `upstreamScopes`. @internal */
export function withMappedScopes(provider: UpstreamProvider, identity: UpstreamIdentity): UpstreamIdentity {
  if (typeof identity?.subject !== 'string' || identity.subject === '') throw missingSubject();
  if (!identity.upstreamScopes) return identity;
  return { ...identity, scopes: provider.scopes.mapping.fromUpstream(identity.upstreamScopes) };
}
