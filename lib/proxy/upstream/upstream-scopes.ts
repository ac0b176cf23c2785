import { expandScopes } from '../../core/scopes.js';

/**
 * How the scopes MCP clients see translate to the upstream provider's scopes and back.
 * @publicApi
 */
export interface UpstreamScopeMapping {
  /** MCP scopes → upstream scopes, for the authorization (and, where sent, token) request. */
  toUpstream(scopes: readonly string[]): string[];
  /**
   * Upstream scopes (as granted or echoed) → MCP scopes. Upstream scopes without an MCP meaning
   * are dropped; scopes that imply others may be expanded.
   */
  fromUpstream(scopes: readonly string[]): string[];
}

/**
 * Which scopes the proxy asks the upstream for, and how it reads what was granted.
 * @publicApi
 */
export interface UpstreamScopePolicy {
  readonly mapping: UpstreamScopeMapping;
  /** MCP scopes requested when the MCP client asked for none. */
  readonly defaultScopes: readonly string[];
  /**
   * Upstream scopes added to every authorization request (`openid`, `offline_access`, Microsoft
   * Graph `User.Read`…); they are never reported back as MCP scopes unless they map to one.
   */
  readonly additionalScopes: readonly string[];
  /** Separator of the `scope` member in token responses (RFC 6749: space; GitHub: comma). */
  readonly separator: RegExp;
  /**
   * Send `scope` on code exchange and refresh requests too: the mapped MCP scopes plus these
   * upstream scopes (Entra needs one resource's scopes per token request, AADSTS28000). Without
   * it, token requests carry no `scope` and the grant's scopes apply (RFC 6749 §6).
   */
  readonly tokenRequest?: { readonly additionalScopes: readonly string[] };
}

/** What the upstream granted, in both vocabularies. @publicApi */
export interface GrantedScopes {
  /** MCP scopes granted: never more than requested, narrower when the upstream narrowed them. */
  readonly scopes: readonly string[];
  /** Upstream scopes as the upstream reported them (or as requested, when it reported none). */
  readonly upstreamScopes: readonly string[];
  /** Whether the upstream reported the granted scopes (token response `scope`). */
  readonly reported: boolean;
}

const unique = (scopes: Iterable<string>): string[] => [...new Set(scopes)];

/** MCP scope = upstream scope. @publicApi */
export const identityScopeMapping: UpstreamScopeMapping = {
  toUpstream: (scopes) => [...scopes],
  fromUpstream: (scopes) => [...scopes],
};

/** The OpenID Connect scopes Entra never prefixes. */
export const OIDC_SCOPES: ReadonlySet<string> = new Set(['openid', 'profile', 'email', 'offline_access']);

/**
 * Entra ID: MCP scope `notes.read` ↔ upstream `api://{client_id}/notes.read`. OpenID Connect
 * scopes and scopes that are already URIs pass unchanged outbound; on the way back the prefix
 * is removed and scopes of other resources (Microsoft Graph) are dropped.
 * @publicApi
 */
export function prefixedScopeMapping(identifierUri: string): UpstreamScopeMapping {
  const prefix = `${identifierUri.replace(/\/+$/, '')}/`;
  return {
    toUpstream: (scopes) =>
      scopes.map((scope) =>
        scope.startsWith(prefix) || OIDC_SCOPES.has(scope) || scope.includes('://') ? scope : `${prefix}${scope}`,
      ),
    fromUpstream: (scopes) =>
      scopes.flatMap((scope) => {
        if (scope.startsWith(prefix) && scope.length > prefix.length) return [scope.slice(prefix.length)];
        return OIDC_SCOPES.has(scope) ? [scope] : [];
      }),
  };
}

/**
 * Upstream scopes reported under another name than the one requested. Google echoes `email`
 * and `profile` as `https://www.googleapis.com/auth/userinfo.email` / `…userinfo.profile`.
 * @publicApi
 */
export function aliasedScopeMapping(aliases: Readonly<Record<string, string>>): UpstreamScopeMapping {
  return {
    toUpstream: (scopes) => [...scopes],
    fromUpstream: (scopes) => unique(scopes.map((scope) => (Object.hasOwn(aliases, scope) ? aliases[scope] : scope))),
  };
}

/**
 * Upstream scopes that include others. GitHub stores a token's scopes normalized, dropping the
 * ones another requested scope already includes (asking for `user,user:email` yields `user`), so
 * a granted `user` must count as `read:user`, `user:email` and `user:follow`.
 * @publicApi
 */
export function impliedScopeMapping(implied: Readonly<Record<string, readonly string[]>>): UpstreamScopeMapping {
  return {
    toUpstream: (scopes) => [...scopes],
    fromUpstream: (scopes) => [...expandScopes(scopes, implied)],
  };
}

/** GitHub OAuth app scopes that include others ("Scopes for OAuth apps"). */
export const GITHUB_IMPLIED_SCOPES: Readonly<Record<string, readonly string[]>> = {
  repo: ['repo:status', 'repo_deployment', 'public_repo', 'repo:invite', 'security_events'],
  'admin:repo_hook': ['write:repo_hook'],
  'write:repo_hook': ['read:repo_hook'],
  'admin:org': ['write:org'],
  'write:org': ['read:org'],
  'admin:public_key': ['write:public_key'],
  'write:public_key': ['read:public_key'],
  user: ['read:user', 'user:email', 'user:follow'],
  'write:packages': ['read:packages'],
  'admin:gpg_key': ['write:gpg_key'],
  'write:gpg_key': ['read:gpg_key'],
  project: ['read:project'],
  'admin:ssh_signing_key': ['write:ssh_signing_key'],
  'write:ssh_signing_key': ['read:ssh_signing_key'],
  'write:discussion': ['read:discussion'],
  codespace: ['codespace:secrets'],
  'admin:enterprise': ['manage_runners:enterprise', 'manage_billing:enterprise', 'read:enterprise'],
};

/** The MCP scopes a request stands for: the requested ones, or the defaults when none. */
export function effectiveScopes(policy: UpstreamScopePolicy, requested: readonly string[] | undefined): string[] {
  return unique(requested && requested.length > 0 ? requested : policy.defaultScopes);
}

/** The upstream `scope` of an authorization request. */
export function authorizationScopes(policy: UpstreamScopePolicy, mcpScopes: readonly string[]): string[] {
  return unique([...policy.mapping.toUpstream(mcpScopes), ...policy.additionalScopes]);
}

/** The upstream `scope` of a token or refresh request, or `undefined` when none is sent. */
export function tokenRequestScopes(policy: UpstreamScopePolicy, mcpScopes: readonly string[]): string[] | undefined {
  if (!policy.tokenRequest || mcpScopes.length === 0) return undefined;
  return unique([...policy.mapping.toUpstream(mcpScopes), ...policy.tokenRequest.additionalScopes]);
}

/** Splits a `scope` value with the provider's separator. */
export function splitScopes(policy: UpstreamScopePolicy, value: string): string[] {
  return unique(value.split(policy.separator).filter((scope) => scope.length > 0));
}

/**
 * What was granted. With a reported `scope`, the MCP scopes are the requested ones that the
 * reported scopes cover (RFC 6749 §3.3: the upstream may narrow them); without one, the
 * request was granted as asked (RFC 6749 §5.1).
 */
export function grantedScopes(
  policy: UpstreamScopePolicy,
  reported: readonly string[] | undefined,
  requested: readonly string[] | undefined,
): GrantedScopes {
  if (reported === undefined) {
    const scopes = requested ?? [];
    return { scopes, upstreamScopes: policy.mapping.toUpstream(scopes), reported: false };
  }
  const covered = new Set(policy.mapping.fromUpstream(reported));
  return {
    scopes: requested ? requested.filter((scope) => covered.has(scope)) : [...covered],
    upstreamScopes: [...reported],
    reported: true,
  };
}
