import { EnvVariable } from '../env-schema.decorator.js';
import { EnvTypes } from '../env-value-types.js';
import { AuthorizationServerEnvironment } from './authorization-server.environment.js';

/**
 * Variables every level-3 preset takes under its own prefix (`MCP_AUTH_GITHUB_CLIENT_ID`,
 * `MCP_AUTH_OIDC_DEFAULT_SCOPES`, …): the app registered at the upstream provider and how the
 * proxy talks to it (`UpstreamCommonOptions`). Presets change what is required and the
 * documented defaults through `overrides`.
 */
export abstract class UpstreamCommonEnvironment extends AuthorizationServerEnvironment {
  @EnvVariable({
    name: 'CLIENT_ID',
    option: 'upstream.clientId',
    type: EnvTypes.string,
    required: true,
    description: 'Client id of the app registered at the provider.',
  })
  clientId?: string;

  @EnvVariable({
    name: 'CLIENT_SECRET',
    option: 'upstream.clientSecret',
    type: EnvTypes.string,
    secret: true,
    description: 'Client secret of that app (leave it out for a public client that uses PKCE only).',
  })
  clientSecret?: string;

  @EnvVariable({
    name: 'TOKEN_ENDPOINT_AUTH_METHOD',
    option: 'upstream.tokenEndpointAuthMethod',
    type: EnvTypes.oneOf(['client_secret_basic', 'client_secret_post', 'none']),
    default: "the preset's; `none` without a secret",
    description: 'How the proxy authenticates at the upstream token and revocation endpoints.',
  })
  tokenEndpointAuthMethod?: string;

  @EnvVariable({
    name: 'DEFAULT_SCOPES',
    option: 'upstream.defaultScopes',
    type: EnvTypes.list,
    default: 'per preset',
    description: 'Scopes requested upstream when an MCP client asks for none.',
  })
  defaultScopes?: string[];

  @EnvVariable({
    name: 'ADDITIONAL_SCOPES',
    option: 'upstream.additionalScopes',
    type: EnvTypes.list,
    default: 'per preset',
    description: 'Upstream scopes added to every authorization request, never reported back as MCP scopes.',
  })
  additionalScopes?: string[];

  @EnvVariable({
    name: 'EXTRA_AUTHORIZE_PARAMS',
    option: 'upstream.extraAuthorizeParams',
    type: EnvTypes.json,
    description:
      'Extra authorization request parameters as a JSON object of strings, e.g. `{"prompt":"select_account"}`; `""` removes a preset parameter.',
  })
  extraAuthorizeParams?: Record<string, string>;

  @EnvVariable({
    name: 'EXTRA_TOKEN_PARAMS',
    option: 'upstream.extraTokenParams',
    type: EnvTypes.json,
    description: 'Extra parameters of code-exchange and refresh requests, as a JSON object of strings.',
  })
  extraTokenParams?: Record<string, string>;

  @EnvVariable({
    name: 'FORWARD_RESOURCE',
    option: 'upstream.forwardResource',
    type: EnvTypes.boolean,
    default: 'per preset',
    description: "Forward the MCP client's RFC 8707 `resource` to the provider.",
  })
  forwardResource?: boolean;

  @EnvVariable({
    name: 'TIMEOUT',
    option: 'upstream.timeoutMs',
    type: EnvTypes.milliseconds,
    default: '10s',
    description: 'Deadline of each request to the provider (at most 10s).',
  })
  timeout?: number;

  @EnvVariable({
    name: 'FALLBACK_EXPIRES_IN',
    option: 'upstream.fallbackExpiresInSeconds',
    type: EnvTypes.seconds,
    default: '1h, or no expiry without `expires_in` and refresh token',
    description: 'Upstream access-token lifetime assumed when the provider sends no usable `expires_in`.',
  })
  fallbackExpiresIn?: number;

  @EnvVariable({
    name: 'TOKEN_VALIDATION',
    option: 'upstream.tokenValidationSeconds',
    type: EnvTypes.seconds,
    default: '0 (off)',
    description:
      "Check the user's upstream token with the provider on MCP requests, trusting a success this long (at most 1h); `0` turns the check off.",
  })
  tokenValidation?: number;
}
