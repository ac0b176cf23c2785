import type { McpAuthModuleOptions } from 'nestjs-mcp-auth';
import type { UpstreamProviderOptions } from '../../../lib/proxy/upstream/create-upstream-provider.js';
import type { GitHubFake } from '../../fakes/github-fake.js';
import type { OidcUpstream } from '../../fakes/oidc-upstream.js';

/** Demo users of the upstream oidc-provider in the proxy suites. */
export const ALICE = { username: 'alice', password: 'wonderland' };
export const BOB = { username: 'bob', password: 'builder' };

/**
 * The `oidc` preset against the suite's oidc-provider: refresh tokens through `offline_access`
 * (oidc-provider issues them only with `prompt=consent`), a short upstream timeout, no RFC 8707
 * forwarding (the upstream has no resource indicators here, and userinfo wants an opaque token).
 */
export function oidcUpstreamOptions(
  idp: OidcUpstream,
  overrides: Partial<Record<string, unknown>> = {},
): UpstreamProviderOptions {
  return {
    provider: 'oidc',
    issuer: idp.issuer,
    clientId: idp.clientId,
    clientSecret: idp.clientSecret,
    additionalScopes: ['openid', 'offline_access'],
    extraAuthorizeParams: { prompt: 'consent' },
    forwardResource: false,
    timeoutMs: 1500,
    ...overrides,
  } as UpstreamProviderOptions;
}

/** Module options of a level-3 app in front of the oidc-provider upstream. */
export function oidcProxyModuleOptions(
  origin: string,
  idp: OidcUpstream,
  proxy: Record<string, unknown> = {},
  upstream: Partial<Record<string, unknown>> = {},
): McpAuthModuleOptions {
  return {
    resourceUrl: `${origin}/mcp`,
    scopesSupported: ['openid', 'email', 'profile'],
    proxy: { upstream: oidcUpstreamOptions(idp, upstream), ...proxy },
  } as McpAuthModuleOptions;
}

/** Module options of a level-3 app in front of the GitHub fake (base URLs overridden). */
export function githubProxyModuleOptions(
  origin: string,
  github: GitHubFake,
  proxy: Record<string, unknown> = {},
  upstream: Partial<Record<string, unknown>> = {},
): McpAuthModuleOptions {
  return {
    resourceUrl: `${origin}/mcp`,
    scopesSupported: ['read:user', 'repo'],
    proxy: {
      upstream: {
        provider: 'github',
        clientId: github.clientId,
        clientSecret: github.clientSecret,
        baseUrl: github.origin,
        apiBaseUrl: github.apiBaseUrl,
        timeoutMs: 1500,
        ...upstream,
      },
      ...proxy,
    },
  } as McpAuthModuleOptions;
}
