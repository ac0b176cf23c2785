import { EnvSchema, EnvVariable } from '../env-schema.decorator.js';
import { EnvTypes } from '../env-value-types.js';
import { UpstreamCommonEnvironment } from './upstream-common.environment.js';

/**
 * Level 3: the OAuth proxy in front of Microsoft Entra ID (`MCP_AUTH_PROVIDER=azure`).
 * @publicApi
 */
@EnvSchema({
  prefix: 'MCP_AUTH_AZURE_',
  provider: 'azure',
  section: 'proxy',
  fixed: { upstream: { provider: 'azure' } },
  title: 'Microsoft Entra ID OAuth proxy (level 3)',
  description:
    'The OAuth proxy in front of an Entra ID (Azure AD) app registration, v2 endpoints. MCP scopes become `{identifierUri}/{scope}` upstream; `resource` is never forwarded (Entra refuses it).',
  overrides: {
    defaultScopes: {
      required: true,
      default: '',
      description: "This API's scopes, unprefixed (`notes.read`), requested when an MCP client asks for none.",
    },
    additionalScopes: {
      default: 'none',
      description:
        'Other scopes sent on authorization only (e.g. Graph `User.Read`); `openid profile offline_access` are always added.',
    },
    tokenEndpointAuthMethod: { default: '`client_secret_post`' },
    forwardResource: { default: 'false (always)' },
  },
})
export class AzureEnvironment extends UpstreamCommonEnvironment {
  @EnvVariable({
    name: 'TENANT',
    option: 'upstream.tenant',
    type: EnvTypes.string,
    required: true,
    description: 'Directory (tenant) id, or `organizations`, `common`, `consumers`.',
  })
  tenant?: string;

  @EnvVariable({
    name: 'AUTHORITY',
    option: 'upstream.authority',
    type: EnvTypes.url(),
    default: '`https://login.microsoftonline.com`',
    description: 'Sign-in authority (US Government: `https://login.microsoftonline.us`).',
  })
  authority?: string;

  @EnvVariable({
    name: 'IDENTIFIER_URI',
    option: 'upstream.identifierUri',
    type: EnvTypes.string,
    default: '`api://{client id}`',
    description: "The app's Application ID URI, which prefixes this API's scopes.",
  })
  identifierUri?: string;

  @EnvVariable({
    name: 'ALLOWED_TENANTS',
    option: 'upstream.allowedTenants',
    type: EnvTypes.list,
    default: 'any the tenant value admits',
    description: 'With a multi-tenant `MCP_AUTH_AZURE_TENANT`: the tenant ids allowed to sign in.',
  })
  allowedTenants?: string[];
}
