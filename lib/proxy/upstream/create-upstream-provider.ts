import { McpAuthConfigurationError } from '../../core/errors/configuration.error.js';
import { validateSection } from '../../core/options/validate-section.js';
import { auth0Upstream, Auth0UpstreamOptions } from './presets/auth0.preset.js';
import { azureUpstream, AzureUpstreamOptions } from './presets/azure.preset.js';
import { cognitoUpstream, CognitoUpstreamOptions } from './presets/cognito.preset.js';
import { discordUpstream, DiscordUpstreamOptions } from './presets/discord.preset.js';
import { githubUpstream, GitHubUpstreamOptions } from './presets/github.preset.js';
import { googleUpstream, GoogleUpstreamOptions } from './presets/google.preset.js';
import { oidcUpstream, OidcUpstreamOptions } from './presets/oidc.preset.js';
import type { UpstreamProvider } from './upstream-provider.interface.js';

/**
 * Options of one upstream identity provider, discriminated by `provider`.
 * @publicApi
 */
export type UpstreamProviderOptions =
  | GitHubUpstreamOptions
  | GoogleUpstreamOptions
  | AzureUpstreamOptions
  | CognitoUpstreamOptions
  | Auth0UpstreamOptions
  | DiscordUpstreamOptions
  | OidcUpstreamOptions;

/** Option schemas by `provider`, for validation. @publicApi */
export const UPSTREAM_PROVIDER_SCHEMAS = {
  github: GitHubUpstreamOptions,
  google: GoogleUpstreamOptions,
  azure: AzureUpstreamOptions,
  cognito: CognitoUpstreamOptions,
  auth0: Auth0UpstreamOptions,
  discord: DiscordUpstreamOptions,
  oidc: OidcUpstreamOptions,
} as const;

/** The preset names. @publicApi */
export type UpstreamPresetName = keyof typeof UPSTREAM_PROVIDER_SCHEMAS;

/**
 * Validates upstream options and returns one line per problem, each starting with the option
 * path (`upstream.clientId: …`). Unknown options are problems too.
 * @publicApi
 */
export function validateUpstreamOptions(options: unknown, path = 'upstream'): string[] {
  const problems: string[] = [];
  const provider = (options as { provider?: unknown } | null)?.provider;
  if (typeof provider !== 'string' || !Object.hasOwn(UPSTREAM_PROVIDER_SCHEMAS, provider)) {
    problems.push(`${path}.provider: must be one of ${Object.keys(UPSTREAM_PROVIDER_SCHEMAS).join(', ')}`);
    return problems;
  }
  if (!validateSection(path, UPSTREAM_PROVIDER_SCHEMAS[provider as UpstreamPresetName], options, problems)) {
    return problems;
  }
  const typed = options as UpstreamProviderOptions;
  const method = typed.tokenEndpointAuthMethod;
  if (method !== undefined && method !== 'none' && typed.clientSecret === undefined) {
    problems.push(`${path}.tokenEndpointAuthMethod: ${method} needs a clientSecret`);
  }
  if (typed.provider === 'azure' && typed.forwardResource === true) {
    problems.push(`${path}.forwardResource: Entra v2 endpoints refuse the resource parameter; it is always stripped`);
  }
  return problems;
}

/**
 * Builds the {@link UpstreamProvider} of a preset from validated options.
 *
 * | `provider` | Endpoints | Identity | Revocation |
 * |---|---|---|---|
 * | `github` | `github.com/login/oauth/*` | `GET api.github.com/user` + `X-OAuth-Scopes` | `DELETE /applications/{client_id}/grant` |
 * | `google` | Google's, JWKS by discovery | ID token (userinfo after refresh) | RFC 7009 |
 * | `azure` | `{authority}/{tenant}/oauth2/v2.0/*` | ID token, per-tenant issuer | none |
 * | `cognito` | discovery from region + pool id | ID token (`token_use: id`) | RFC 7009 |
 * | `auth0` | discovery from `domain` | ID token | RFC 7009 |
 * | `discord` | `discord.com/api/oauth2/*` | `GET /oauth2/@me` | RFC 7009 |
 * | `oidc` | discovery from `issuer` | ID token and/or userinfo | RFC 7009 (from discovery) |
 *
 * @throws McpAuthConfigurationError naming every invalid option.
 * @publicApi
 */
export function createUpstreamProvider(options: UpstreamProviderOptions, path = 'upstream'): UpstreamProvider {
  const problems = validateUpstreamOptions(options, path);
  if (problems.length > 0) throw new McpAuthConfigurationError(problems);
  switch (options.provider) {
    case 'github':
      return githubUpstream(options);
    case 'google':
      return googleUpstream(options);
    case 'azure':
      return azureUpstream(options);
    case 'cognito':
      return cognitoUpstream(options);
    case 'auth0':
      return auth0Upstream(options);
    case 'discord':
      return discordUpstream(options);
    case 'oidc':
      return oidcUpstream(options);
  }
}
