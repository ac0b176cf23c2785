import { EnvSchema, EnvVariable } from '../env-schema.decorator.js';
import { EnvTypes } from '../env-value-types.js';
import { UpstreamCommonEnvironment } from './upstream-common.environment.js';

/**
 * Level 3: the OAuth proxy in front of an Amazon Cognito user pool (`MCP_AUTH_PROVIDER=cognito`).
 * @publicApi
 */
@EnvSchema({
  prefix: 'MCP_AUTH_COGNITO_',
  provider: 'cognito',
  section: 'proxy',
  fixed: { upstream: { provider: 'cognito' } },
  title: 'Amazon Cognito OAuth proxy (level 3)',
  description: 'The OAuth proxy in front of a Cognito user pool app client (OpenID Connect through discovery).',
  overrides: {
    tokenEndpointAuthMethod: { default: '`client_secret_basic`' },
    defaultScopes: { default: '`openid email profile`' },
    additionalScopes: { default: '`openid`' },
    forwardResource: { default: 'true' },
  },
})
export class CognitoEnvironment extends UpstreamCommonEnvironment {
  @EnvVariable({
    name: 'REGION',
    option: 'upstream.region',
    type: EnvTypes.string,
    required: true,
    description: 'AWS region of the user pool, e.g. `eu-central-1`.',
  })
  region?: string;

  @EnvVariable({
    name: 'USER_POOL_ID',
    option: 'upstream.userPoolId',
    type: EnvTypes.string,
    required: true,
    description: 'User pool id, e.g. `eu-central-1_AbCdEf123`.',
  })
  userPoolId?: string;

  @EnvVariable({
    name: 'IDP_BASE_URL',
    option: 'upstream.idpBaseUrl',
    type: EnvTypes.url(),
    default: '`https://cognito-idp.{region}.amazonaws.com`',
    description: "Base of the pool's issuer.",
  })
  idpBaseUrl?: string;

  @EnvVariable({
    name: 'DOMAIN',
    option: 'upstream.domain',
    type: EnvTypes.url(),
    default: 'from discovery',
    description: 'Hosted UI / managed login domain, e.g. `https://auth.example.com`.',
  })
  domain?: string;
}
