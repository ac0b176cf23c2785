import { IsBoolean, IsIn, IsOptional, IsString, MinLength } from 'class-validator';
import { IsHttpUrl } from '../../../core/options/validators.js';
import type { UpstreamProvider } from '../upstream-provider.interface.js';
import { GITHUB_IMPLIED_SCOPES, impliedScopeMapping } from '../upstream-scopes.js';
import { commonProviderParts, trimSlashes, UpstreamCommonOptions } from './upstream-common.options.js';

/**
 * GitHub OAuth app (also GitHub Enterprise Server, and GitHub Apps' user authorization).
 *
 * | Option | Default |
 * |---|---|
 * | `baseUrl` | `https://github.com` (`/login/oauth/authorize`, `/login/oauth/access_token`) |
 * | `apiBaseUrl` | `https://api.github.com` (GHES: `https://HOST/api/v3`) |
 * | `defaultScopes` | `['read:user']` |
 * | `tokenEndpointAuthMethod` | `client_secret_post` |
 * | `forwardResource` | `false` (GitHub tokens are not audience-bound) |
 * | `tokenValidationSeconds` | `60` (`GET /user` on MCP requests, cached per grant) |
 *
 * Identity: `GET {apiBaseUrl}/user` (numeric id as subject, scopes from `X-OAuth-Scopes`).
 * Revocation: `DELETE {apiBaseUrl}/applications/{client_id}/grant`. Token responses are read
 * as JSON only, with errors in HTTP 200 bodies; OAuth app tokens carry no `expires_in` and do
 * not expire. Granted scopes are GitHub's normalized list (`user` covers `read:user`).
 * @publicApi
 */
export class GitHubUpstreamOptions extends UpstreamCommonOptions {
  /** Selects the `github` preset. */
  @IsIn(['github']) provider!: 'github';

  /** OAuth app client secret (GitHub requires it at the token endpoint). */
  @IsString() @MinLength(1) clientSecret!: string;

  /** Web base URL. @default 'https://github.com' */
  @IsOptional() @IsHttpUrl() baseUrl?: string;

  /** REST API base URL. @default 'https://api.github.com' */
  @IsOptional() @IsHttpUrl() apiBaseUrl?: string;

  /**
   * Whether people without a GitHub account are offered to sign up during authorization
   * (`allow_signup`).
   * @default true
   */
  @IsOptional() @IsBoolean() allowSignup?: boolean;
}

/** The {@link UpstreamProvider} of the `github` preset. @publicApi */
export function githubUpstream(options: GitHubUpstreamOptions): UpstreamProvider {
  const base = trimSlashes(options.baseUrl ?? 'https://github.com');
  const api = trimSlashes(options.apiBaseUrl ?? 'https://api.github.com');
  return {
    name: 'github',
    ...commonProviderParts(options, {
      authMethod: 'client_secret_post',
      forwardResource: false,
      // Opaque tokens: only the REST API knows whether one still works (and its scopes).
      tokenValidationSeconds: 60,
      extraAuthorizeParams: options.allowSignup === false ? { allow_signup: 'false' } : {},
    }),
    endpoints: { authorization: `${base}/login/oauth/authorize`, token: `${base}/login/oauth/access_token` },
    discovery: false,
    authorizationResponseIss: false,
    scopes: {
      mapping: impliedScopeMapping(GITHUB_IMPLIED_SCOPES),
      defaultScopes: options.defaultScopes ?? ['read:user'],
      additionalScopes: options.additionalScopes ?? [],
      // The token response says `"scope":"repo,gist"`; X-OAuth-Scopes says `repo, gist`.
      separator: /[\s,]+/,
    },
    revocation: { kind: 'github-grant', url: `${api}/applications/${encodeURIComponent(options.clientId)}/grant` },
    identity: { kind: 'github', apiBaseUrl: api },
  };
}
