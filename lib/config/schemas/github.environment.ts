import { EnvSchema, EnvVariable } from '../env-schema.decorator.js';
import { EnvTypes } from '../env-value-types.js';
import { UpstreamCommonEnvironment } from './upstream-common.environment.js';

/**
 * Level 3: the OAuth proxy in front of a GitHub OAuth app (`MCP_AUTH_PROVIDER=github`).
 * @publicApi
 */
@EnvSchema({
  prefix: 'MCP_AUTH_GITHUB_',
  provider: 'github',
  section: 'proxy',
  fixed: { upstream: { provider: 'github' } },
  title: 'GitHub OAuth proxy (level 3)',
  description:
    "The OAuth proxy in front of a GitHub OAuth app (or GitHub Enterprise Server). The app's authorization callback URL is the proxy's callback, `{issuer}/oauth/callback` by default.",
  overrides: {
    clientSecret: { required: true, description: 'Client secret of the OAuth app (GitHub requires it).' },
    tokenEndpointAuthMethod: { default: '`client_secret_post`' },
    defaultScopes: { default: '`read:user`' },
    additionalScopes: { default: 'none' },
    forwardResource: { default: 'false' },
    tokenValidation: { default: '1m' },
  },
})
export class GitHubEnvironment extends UpstreamCommonEnvironment {
  @EnvVariable({
    name: 'BASE_URL',
    option: 'upstream.baseUrl',
    type: EnvTypes.url(),
    default: '`https://github.com`',
    description: 'Web base URL (authorization and token endpoints); GitHub Enterprise Server: `https://HOST`.',
  })
  githubBaseUrl?: string;

  @EnvVariable({
    name: 'API_BASE_URL',
    option: 'upstream.apiBaseUrl',
    type: EnvTypes.url(),
    default: '`https://api.github.com`',
    description: 'REST API base URL (identity, revocation); GitHub Enterprise Server: `https://HOST/api/v3`.',
  })
  apiBaseUrl?: string;

  @EnvVariable({
    name: 'ALLOW_SIGNUP',
    option: 'upstream.allowSignup',
    type: EnvTypes.boolean,
    default: 'true',
    description: 'Offer people without a GitHub account to sign up during authorization.',
  })
  allowSignup?: boolean;
}
