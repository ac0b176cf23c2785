import { ArrayNotEmpty, IsArray, IsIn, IsOptional, IsString, Matches, MinLength, ValidateIf } from 'class-validator';
import { IsHttpUrl, IsScopeList } from '../../../core/options/validators.js';
import type { UpstreamProvider } from '../upstream-provider.interface.js';
import { prefixedScopeMapping } from '../upstream-scopes.js';
import { commonProviderParts, trimSlashes, UpstreamCommonOptions } from './upstream-common.options.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TENANT = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|organizations|common|consumers)$/i;

/**
 * Microsoft Entra ID (v2 endpoints).
 *
 * | Option | Default |
 * |---|---|
 * | `tenant` | required: a tenant GUID, `organizations`, `common` or `consumers` |
 * | `authority` | `https://login.microsoftonline.com` (US Gov: `https://login.microsoftonline.us`) |
 * | `identifierUri` | `api://{clientId}` (the app's Application ID URI) |
 * | `defaultScopes` | required: this API's scopes, unprefixed (`notes.read`) |
 * | `additionalScopes` | `[]` (e.g. Graph `User.Read`; sent on authorization only) |
 * | `tokenEndpointAuthMethod` | `client_secret_post` |
 * | `extraAuthorizeParams` | `prompt=select_account` |
 * | `forwardResource` | always `false`: v2 endpoints refuse `resource` |
 *
 * MCP scopes become `{identifierUri}/{scope}` upstream and are unprefixed on the way back;
 * `openid profile offline_access` are always added. Token and refresh requests send only this
 * API's scopes plus OpenID Connect scopes (one resource per token request, AADSTS28000).
 * Identity: the ID token (JWKS `{authority}/{tenant}/discovery/v2.0/keys`); for multi-tenant
 * values the issuer must be `{authority}/{tid}/v2.0` for the token's own `tid`, restricted to
 * `allowedTenants` when set. Entra has no revocation endpoint.
 * @publicApi
 */
export class AzureUpstreamOptions extends UpstreamCommonOptions {
  /** Selects the `azure` preset. */
  @IsIn(['azure']) provider!: 'azure';

  /** Client secret of the app registration (omit it for a public client). */
  @IsOptional() @IsString() @MinLength(1) clientSecret?: string;

  /** Directory (tenant) id, or `organizations`, `common`, `consumers`. */
  @Matches(TENANT, { message: 'must be a tenant GUID, organizations, common or consumers' }) tenant!: string;

  /** Sign-in authority. @default 'https://login.microsoftonline.com' */
  @IsOptional() @IsHttpUrl() authority?: string;

  /** Application ID URI that prefixes this API's scopes. @default `api://{clientId}` */
  @IsOptional() @IsString() @MinLength(1) identifierUri?: string;

  /** This API's scopes (unprefixed) requested when an MCP client asks for none; at least one. */
  // ValidateIf replaces the inherited IsOptional (class-validator keeps one conditional per property).
  @ValidateIf(() => true) @IsScopeList() @ArrayNotEmpty() declare defaultScopes: string[];

  /** With a multi-tenant `tenant`: the tenant ids allowed to sign in (default: any it admits). */
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @Matches(GUID, { each: true, message: 'must be tenant GUIDs' })
  allowedTenants?: string[];
}

/** The {@link UpstreamProvider} of the `azure` preset. @publicApi */
export function azureUpstream(options: AzureUpstreamOptions): UpstreamProvider {
  const authority = trimSlashes(options.authority ?? 'https://login.microsoftonline.com');
  const tenant = options.tenant;
  const identifierUri = trimSlashes(options.identifierUri ?? `api://${options.clientId}`);
  const base = `${authority}/${tenant}`;
  return {
    name: 'azure',
    ...commonProviderParts(options, {
      authMethod: 'client_secret_post',
      forwardResource: false,
      extraAuthorizeParams: { prompt: 'select_account' },
    }),
    forwardResource: false,
    endpoints: {
      authorization: `${base}/oauth2/v2.0/authorize`,
      token: `${base}/oauth2/v2.0/token`,
      jwksUri: `${base}/discovery/v2.0/keys`,
    },
    ...(GUID.test(tenant) ? { issuer: `${base}/v2.0` } : {}),
    discovery: false,
    authorizationResponseIss: false,
    scopes: {
      mapping: prefixedScopeMapping(identifierUri),
      defaultScopes: options.defaultScopes,
      additionalScopes: [...new Set(['openid', 'profile', 'offline_access', ...(options.additionalScopes ?? [])])],
      separator: / +/,
      tokenRequest: { additionalScopes: ['openid', 'profile', 'offline_access'] },
    },
    revocation: { kind: 'none' },
    identity: {
      kind: 'oidc',
      mode: 'id_token',
      entra: { authority, tenant, ...(options.allowedTenants ? { allowedTenants: options.allowedTenants } : {}) },
      algorithms: ['RS256'],
      clockToleranceSeconds: 60,
    },
  };
}
