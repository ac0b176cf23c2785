import {
  AdminRoutesOptions,
  ProxyLevelOptions,
  ServerLevelOptions,
  OAuthEndpointPaths,
  ServerUserOptions,
} from './core/options/authorization-server-options.js';
import type { McpAuthModuleOptions } from './core/options/module-options.js';
import type { LevelDerivation, LevelHooks } from './core/options/resolve-options.js';
import { validateSection } from './core/options/validate-section.js';
import { validateSigningKeyOptions } from './keys/validate-signing-key-options.js';
import { validateCimdOptions } from './oauth/clients/cimd/resolve-cimd-options.js';
import { validateClientRegistrationOptions } from './oauth/clients/resolve-client-registration-options.js';
import { validateStaticClientOptions } from './oauth/clients/static-clients.js';
import { RegistrationRateLimitOptions } from './oauth/clients/client-registration.options.js';
import { validateUpstreamOptions } from './proxy/upstream/create-upstream-provider.js';
import { resolveRemoteLevel } from './remote/remote-level.js';
import { Logger } from '@nestjs/common';

const logger = new Logger('McpAuth');

/**
 * How the module validates the level sections (`proxy`, `server`) and what the configured level
 * implies for the rest of the options. Lives here, above core, because it knows every level.
 */
export const levelHooks: LevelHooks = {
  validate(options, _context, problems) {
    if (options.proxy !== undefined && validateSection('proxy', ProxyLevelOptions, options.proxy, problems)) {
      validateAuthorizationServer('proxy', options.proxy, problems);
      problems.push(...validateUpstreamOptions(options.proxy.upstream, 'proxy.upstream'));
    }
    if (options.server !== undefined && validateSection('server', ServerLevelOptions, options.server, problems)) {
      validateAuthorizationServer('server', options.server, problems);
      if (Array.isArray(options.server.users)) {
        options.server.users.forEach((user, i) =>
          validateSection(`server.users[${i}]`, ServerUserOptions, user, problems),
        );
      }
      if (options.server.adminRoutes !== undefined) {
        validateSection('server.adminRoutes', AdminRoutesOptions, options.server.adminRoutes, problems);
      }
      if (options.server.authenticator !== undefined && typeof options.server.authenticator !== 'function') {
        problems.push('server.authenticator: must be a class implementing McpUserAuthenticator');
      }
    }
  },
  derive,
};

function validateAuthorizationServer(
  path: string,
  options: ProxyLevelOptions | ServerLevelOptions,
  problems: string[],
): void {
  if (options.paths !== undefined) validateSection(`${path}.paths`, OAuthEndpointPaths, options.paths, problems);
  if (options.signingKeys !== undefined)
    validateSigningKeyOptions(`${path}.signingKeys`, options.signingKeys, problems);
  if (options.clientRegistration !== undefined) {
    validateClientRegistrationOptions(`${path}.clientRegistration`, options.clientRegistration, problems);
  }
  if (options.clientIdMetadataDocuments !== undefined) {
    validateCimdOptions(`${path}.clientIdMetadataDocuments`, options.clientIdMetadataDocuments, problems);
  }
  if (options.clients !== undefined) validateStaticClientOptions(`${path}.clients`, options.clients, problems);
  const limit = options.authorizationRateLimit;
  if (limit !== undefined && limit !== false) {
    if (limit === null || typeof limit !== 'object' || Array.isArray(limit)) {
      problems.push(`${path}.authorizationRateLimit: must be { max, windowSeconds } or false`);
    } else {
      validateSection(`${path}.authorizationRateLimit`, RegistrationRateLimitOptions, limit, problems);
    }
  }
}

function derive(options: McpAuthModuleOptions): LevelDerivation {
  const level = options.proxy ?? options.server;
  if (level) return { authorizationServers: [issuerOf(level.issuerUrl, options.resourceUrl)] };
  if (!options.remote) return {};
  if (!options.scopesSupported?.length) {
    logger.warn(
      'remote: no scopesSupported. Clients then request no scope, and many identity providers issue tokens that are not meant for this resource.',
    );
  }
  const remote = resolveRemoteLevel(options.remote, options.resourceUrl);
  return {
    verifier: remote.verifier,
    authorizationServers: [remote.authorizationServer],
    metadataMirror: remote.mirror,
  };
}

/** The issuer of levels 3 and 4: as configured, else the MCP URL's origin (no trailing slash). */
export function issuerOf(issuerUrl: string | undefined, resourceUrl: string): string {
  return issuerUrl ?? new URL(resourceUrl).origin;
}
