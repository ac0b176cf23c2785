import { envSchemaDefinition, type EnvSchemaDefinition } from './env-schema.decorator.js';
import { Auth0Environment } from './schemas/auth0.environment.js';
import { Auth0ProxyEnvironment } from './schemas/auth0-proxy.environment.js';
import { AzureEnvironment } from './schemas/azure.environment.js';
import { CognitoEnvironment } from './schemas/cognito.environment.js';
import { DiscordEnvironment } from './schemas/discord.environment.js';
import { GitHubEnvironment } from './schemas/github.environment.js';
import { GoogleEnvironment } from './schemas/google.environment.js';
import { OidcEnvironment } from './schemas/oidc.environment.js';
import { ServerEnvironment } from './schemas/server.environment.js';
import { AuthKitEnvironment } from './schemas/authkit.environment.js';
import { DescopeEnvironment } from './schemas/descope.environment.js';
import { IntrospectionEnvironment } from './schemas/introspection.environment.js';
import { JwtEnvironment } from './schemas/jwt.environment.js';
import { KeycloakEnvironment } from './schemas/keycloak.environment.js';
import { RemoteEnvironment } from './schemas/remote.environment.js';
import { ResourceServerEnvironment } from './schemas/resource-server.environment.js';
import { ScalekitEnvironment } from './schemas/scalekit.environment.js';
import { StaticEnvironment } from './schemas/static.environment.js';
import { StorageEnvironment } from './schemas/storage.environment.js';
import { SupabaseEnvironment } from './schemas/supabase.environment.js';

/** The variable that selects the provider schema. */
export const PROVIDER_VARIABLE = 'MCP_AUTH_PROVIDER';

/** Every environment variable of the module starts with this. */
export const VARIABLE_PREFIX = 'MCP_AUTH_';

/** Module options that choose the auth level (also those no environment schema fills). */
const LEVEL_OPTIONS = ['verifier', 'remote', 'proxy', 'server'];

/** Schemas read whatever the provider. */
const COMMON_SCHEMAS = [ResourceServerEnvironment, StorageEnvironment];

/**
 * The provider schemas, in the order of the reference. To add a provider (for example a new
 * proxy preset): write `schemas/<provider>.environment.ts`, a class decorated with
 * `@EnvSchema({ provider, prefix: 'MCP_AUTH_<PROVIDER>_', section: 'proxy',
 * fixed: { upstream: { provider } }, title, description, overrides })` that extends
 * `UpstreamCommonEnvironment` (client id and secret, scopes, …, and through it the shared
 * `AuthorizationServerEnvironment` group: `MCP_AUTH_SIGNING_KEYS`, …) and whose own properties
 * carry `@EnvVariable({ name: 'TENANT', option: 'upstream.tenant', … })`; list the class here.
 * Loading, validation, precedence, error messages and the generated reference then cover it.
 */
const PROVIDER_SCHEMAS = [
  JwtEnvironment,
  IntrospectionEnvironment,
  StaticEnvironment,
  RemoteEnvironment,
  AuthKitEnvironment,
  DescopeEnvironment,
  ScalekitEnvironment,
  SupabaseEnvironment,
  Auth0Environment,
  KeycloakEnvironment,
  GitHubEnvironment,
  GoogleEnvironment,
  AzureEnvironment,
  CognitoEnvironment,
  Auth0ProxyEnvironment,
  DiscordEnvironment,
  OidcEnvironment,
  ServerEnvironment,
];

/** The schemas read for every provider. */
export function commonEnvironmentSchemas(): EnvSchemaDefinition[] {
  return COMMON_SCHEMAS.map(envSchemaDefinition);
}

/** The provider schemas by `MCP_AUTH_PROVIDER` value, in reference order. */
export function providerEnvironmentSchemas(): ReadonlyMap<string, EnvSchemaDefinition> {
  return new Map(
    PROVIDER_SCHEMAS.map(envSchemaDefinition).map((definition) => [definition.provider as string, definition]),
  );
}

/** Module options that choose the auth level: `verifier`, `remote`, `proxy`, `server`. */
export function levelSections(): ReadonlySet<string> {
  const sections = [...providerEnvironmentSchemas().values()].map((definition) => definition.section as string);
  return new Set([...LEVEL_OPTIONS, ...sections]);
}

/** Every variable name the module reads, `MCP_AUTH_PROVIDER` included. */
export function environmentVariableNames(): string[] {
  const schemas = [...commonEnvironmentSchemas(), ...providerEnvironmentSchemas().values()];
  return [PROVIDER_VARIABLE, ...new Set(schemas.flatMap((schema) => schema.variables.map((v) => v.env)))];
}
