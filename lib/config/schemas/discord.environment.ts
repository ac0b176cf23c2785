import { EnvSchema, EnvVariable } from '../env-schema.decorator.js';
import { EnvTypes } from '../env-value-types.js';
import { UpstreamCommonEnvironment } from './upstream-common.environment.js';

/**
 * Level 3: the OAuth proxy in front of a Discord application (`MCP_AUTH_PROVIDER=discord`).
 * @publicApi
 */
@EnvSchema({
  prefix: 'MCP_AUTH_DISCORD_',
  provider: 'discord',
  section: 'proxy',
  fixed: { upstream: { provider: 'discord' } },
  title: 'Discord OAuth proxy (level 3)',
  description: 'The OAuth proxy in front of a Discord application (identity from `GET /oauth2/@me`).',
  overrides: {
    clientSecret: { required: true, description: 'Client secret of the application (Discord requires it).' },
    tokenEndpointAuthMethod: { default: '`client_secret_basic`' },
    defaultScopes: { default: '`identify`' },
    additionalScopes: { default: 'none' },
    forwardResource: { default: 'false' },
    tokenValidation: { default: '1m' },
  },
})
export class DiscordEnvironment extends UpstreamCommonEnvironment {
  @EnvVariable({
    name: 'BASE_URL',
    option: 'upstream.baseUrl',
    type: EnvTypes.url(),
    default: '`https://discord.com`',
    description: 'Web base URL (authorization page).',
  })
  discordBaseUrl?: string;

  @EnvVariable({
    name: 'API_BASE_URL',
    option: 'upstream.apiBaseUrl',
    type: EnvTypes.url(),
    default: '`{base URL}/api`',
    description: 'API base URL (token, revocation, `@me`).',
  })
  apiBaseUrl?: string;
}
