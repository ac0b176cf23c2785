import type { JwtVerifierOptions, McpVerifierOptions } from '../core/options/verifier-options.js';
import type { RemoteOAuthOptions } from '../core/options/remote-options.js';

/** What a remote (level 2) configuration resolves to. */
export interface RemoteLevel {
  /** The authorization server's issuer, advertised byte for byte in RFC 9728 metadata. */
  readonly authorizationServer: string;
  /** How its tokens are verified. */
  readonly verifier: McpVerifierOptions;
  /** Metadata mirror settings, when enabled. */
  readonly mirror?: { readonly issuer: string; readonly timeoutMs: number; readonly cacheSeconds: number };
}

const trimSlashes = (url: string) => url.replace(/\/+$/, '');

/**
 * Derives the issuer, key location and audience rules of a remote identity provider from its
 * preset. Every derived value can be overridden (`jwksUri`, `tokenIssuer`, `audience`).
 *
 * | Provider | Issuer (advertised) | JWKS | Default audience |
 * |---|---|---|---|
 * | authkit | `domain` | `{domain}/oauth2/jwks` | the MCP URL (RFC 8707) |
 * | descope | `issuer` | from the issuer's metadata | `projectId` |
 * | scalekit | `{environmentUrl}/resources/{resourceId}` | `{environmentUrl}/keys` | `resourceId` |
 * | supabase | `{projectUrl}{authRoute}` | `{issuer}/.well-known/jwks.json` | `authenticated` |
 * | auth0 | `{domain}/` | `{domain}/.well-known/jwks.json` | the MCP URL (RFC 8707) |
 * | keycloak | `realmUrl` | `{realmUrl}/protocol/openid-connect/certs` | the MCP URL (audience mapper) |
 * | generic | `issuer` | from the issuer's metadata | the MCP URL (RFC 8707) |
 */
export function resolveRemoteLevel(options: RemoteOAuthOptions, resourceUrl: string): RemoteLevel {
  const derived = derive(options, resourceUrl);
  const verifier: McpVerifierOptions =
    options.provider === 'generic' && options.introspection
      ? {
          type: 'introspection',
          ...options.introspection,
          audience: options.audience ?? resourceUrl,
          issuer: options.tokenIssuer ?? derived.issuer,
        }
      : jwtVerifier(options, derived, resourceUrl);
  return {
    authorizationServer: derived.issuer,
    verifier,
    mirror: options.mirrorMetadata
      ? {
          issuer: derived.issuer,
          timeoutMs: options.metadataTimeoutMs ?? 5000,
          cacheSeconds: options.metadataCacheSeconds ?? 300,
        }
      : undefined,
  };
}

interface Derived {
  issuer: string;
  jwksUri?: string;
  tokenIssuer?: string | string[];
  audience: string | string[];
}

function derive(options: RemoteOAuthOptions, resourceUrl: string): Derived {
  switch (options.provider) {
    case 'authkit': {
      const issuer = trimSlashes(options.domain);
      return { issuer, jwksUri: `${issuer}/oauth2/jwks`, audience: resourceUrl };
    }
    case 'descope':
      return { issuer: options.issuer, audience: options.projectId };
    case 'scalekit': {
      const environment = trimSlashes(options.environmentUrl);
      const issuer = `${environment}/resources/${options.resourceId}`;
      return {
        issuer,
        jwksUri: `${environment}/keys`,
        tokenIssuer: [environment, issuer],
        audience: options.resourceId,
      };
    }
    case 'supabase': {
      const route = `/${(options.authRoute ?? '/auth/v1').replace(/^\/+|\/+$/g, '')}`;
      const issuer = `${trimSlashes(options.projectUrl)}${route}`;
      return { issuer, jwksUri: `${issuer}/.well-known/jwks.json`, audience: 'authenticated' };
    }
    case 'auth0': {
      const issuer = `${trimSlashes(options.domain)}/`;
      return { issuer, jwksUri: `${issuer}.well-known/jwks.json`, audience: resourceUrl };
    }
    case 'keycloak': {
      const issuer = trimSlashes(options.realmUrl);
      return { issuer, jwksUri: `${issuer}/protocol/openid-connect/certs`, audience: resourceUrl };
    }
    case 'generic':
      return { issuer: options.issuer, audience: resourceUrl };
  }
}

function jwtVerifier(options: RemoteOAuthOptions, derived: Derived, resourceUrl: string): JwtVerifierOptions {
  const issuer = options.tokenIssuer ?? derived.tokenIssuer ?? derived.issuer;
  const jwksUri = options.jwksUri ?? derived.jwksUri;
  return {
    type: 'jwt',
    issuer,
    ...(jwksUri ? { jwksUri } : { discovery: true }),
    audience: options.audience ?? derived.audience ?? resourceUrl,
    ...(options.requiredType ? { requiredType: options.requiredType } : {}),
  };
}
