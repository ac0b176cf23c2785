import { IsIn, IsOptional, IsString, MinLength } from 'class-validator';
import { IsHttpUrl } from '../../../core/options/validators.js';
import type { UpstreamProvider } from '../upstream-provider.interface.js';
import { identityScopeMapping } from '../upstream-scopes.js';
import { commonProviderParts, trimSlashes, UpstreamCommonOptions } from './upstream-common.options.js';

/**
 * Discord.
 *
 * | Option | Default |
 * |---|---|
 * | `baseUrl` | `https://discord.com` (`/oauth2/authorize`) |
 * | `apiBaseUrl` | `{baseUrl}/api` (`/oauth2/token`, `/oauth2/token/revoke`, `/oauth2/@me`) |
 * | `defaultScopes` | `['identify']` |
 * | `tokenEndpointAuthMethod` | `client_secret_basic` |
 * | `forwardResource` | `false` |
 * | `tokenValidationSeconds` | `60` (`GET /oauth2/@me` on MCP requests, cached per grant) |
 *
 * Identity: `GET {apiBaseUrl}/oauth2/@me`; the token must belong to this application and carry
 * a user (`identify`). Revocation per RFC 7009.
 * @publicApi
 */
export class DiscordUpstreamOptions extends UpstreamCommonOptions {
  /** Selects the `discord` preset. */
  @IsIn(['discord']) provider!: 'discord';

  /** Client secret of the application. */
  @IsString() @MinLength(1) clientSecret!: string;

  /** Web base URL (authorization page). @default 'https://discord.com' */
  @IsOptional() @IsHttpUrl() baseUrl?: string;

  /** API base URL (token, revocation, `@me`). @default `{baseUrl}/api` */
  @IsOptional() @IsHttpUrl() apiBaseUrl?: string;
}

/** The {@link UpstreamProvider} of the `discord` preset. @publicApi */
export function discordUpstream(options: DiscordUpstreamOptions): UpstreamProvider {
  const base = trimSlashes(options.baseUrl ?? 'https://discord.com');
  const api = trimSlashes(options.apiBaseUrl ?? `${base}/api`);
  return {
    name: 'discord',
    ...commonProviderParts(options, {
      authMethod: 'client_secret_basic',
      forwardResource: false,
      // Opaque tokens: only `@me` knows whether one still works.
      tokenValidationSeconds: 60,
    }),
    endpoints: {
      authorization: `${base}/oauth2/authorize`,
      token: `${api}/oauth2/token`,
      revocation: `${api}/oauth2/token/revoke`,
    },
    discovery: false,
    authorizationResponseIss: false,
    scopes: {
      mapping: identityScopeMapping,
      defaultScopes: options.defaultScopes ?? ['identify'],
      additionalScopes: options.additionalScopes ?? [],
      separator: / +/,
    },
    revocation: { kind: 'rfc7009' },
    identity: { kind: 'discord', apiBaseUrl: api },
  };
}
