import { RequestMethod, type MiddlewareConsumer, type Type } from '@nestjs/common';
import { IntrospectionEndpoint } from '../server/introspection.endpoint.js';
import { LoginEndpoint } from '../server/login.endpoint.js';
import { ADMIN_ROUTE_DEFAULTS, ConnectedAppsAdminEndpoint } from '../server/connected-apps-admin.endpoint.js';
import type { AdminRoutesOptions } from '../core/options/authorization-server-options.js';
import type { AuthorizationServerSettings } from './authorization-server.settings.js';
import { AuthorizeEndpoint } from './endpoints/authorize.endpoint.js';
import { ConsentEndpoint } from './endpoints/consent.endpoint.js';
import { JwksEndpoint } from './endpoints/jwks.endpoint.js';
import { AuthorizationServerMetadataEndpoint, OpenIdDiscoveryEndpoint } from './endpoints/metadata.endpoint.js';
import { RegistrationEndpoint } from './endpoints/registration.endpoint.js';
import { RevocationEndpoint } from './endpoints/revocation.endpoint.js';
import { TokenEndpoint } from './endpoints/token.endpoint.js';
import { metadataRoutes } from './metadata/authorization-server-metadata.js';
import { PROXY_ENDPOINTS } from '../proxy/proxy-endpoints.js';

/**
 * The authorization server's URL → endpoint table (levels 3 and 4). Each endpoint is a Nest
 * middleware mounted at its configured path only when the level is configured, so it does not
 * exist otherwise and application-wide guards never block it.
 */
export function mountOAuthEndpoints(
  consumer: MiddlewareConsumer,
  settings: AuthorizationServerSettings,
  admin?: AdminRoutesOptions,
): void {
  const { routes } = settings;
  const metadata = metadataRoutes(settings.issuer);
  const table: Array<[string, Type<unknown>]> = [
    [metadata.rfc8414, AuthorizationServerMetadataEndpoint],
    ...metadata.openId.map((path): [string, Type<unknown>] => [path, OpenIdDiscoveryEndpoint]),
    [routes.authorize, AuthorizeEndpoint],
    [routes.consent, ConsentEndpoint],
    [routes.token, TokenEndpoint],
    [routes.revoke, RevocationEndpoint],
    [routes.jwks, JwksEndpoint],
  ];
  if (settings.dynamicRegistration) table.push([routes.register, RegistrationEndpoint]);
  if (routes.login) table.push([routes.login, LoginEndpoint]);
  if (routes.introspect) table.push([routes.introspect, IntrospectionEndpoint]);
  if (routes.callback) table.push([routes.callback, PROXY_ENDPOINTS.callback]);
  if (admin) table.push([`${admin.path ?? ADMIN_ROUTE_DEFAULTS.path}/users/*rest`, ConnectedAppsAdminEndpoint]);
  for (const [path, endpoint] of table) {
    consumer.apply(endpoint).forRoutes({ path, method: RequestMethod.ALL });
  }
}
