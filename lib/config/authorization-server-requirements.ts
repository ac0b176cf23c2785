import type { McpAuthModuleOptions } from '../core/options/module-options.js';
import { isPasswordHash } from '../server/password-hash.js';
import type { EnvSchemaDefinition } from './env-schema.decorator.js';
import { PROVIDER_VARIABLE } from './environment-registry.js';
import type { McpAuthEnvironment } from './load-environment.js';
import { isPlainObject } from './option-paths.util.js';

/** What {@link authorizationServerRequirements} looks at. */
export interface AuthorizationServerRequirementsInput {
  /** Code and environment merged. */
  readonly merged: Partial<McpAuthModuleOptions>;
  /** What the environment set (to tell values from code apart: merging keeps their identity). */
  readonly fromEnvironment: Partial<McpAuthModuleOptions>;
  /** The provider schema `MCP_AUTH_PROVIDER` selected. */
  readonly provider: EnvSchemaDefinition;
  /** Every schema that was read. */
  readonly schemas: readonly EnvSchemaDefinition[];
  readonly env: McpAuthEnvironment;
  /** Variables already reported (a malformed key is not also reported missing). */
  readonly reported: ReadonlySet<string>;
}

/**
 * What the levels with an authorization server need beyond the shape of their options, named by
 * the variable that supplies it:
 *
 * - in production: signing keys (security catalog AS-02), the keys that encrypt stored upstream
 *   tokens (level 3, F-21), and hashed passwords in `MCP_AUTH_SERVER_USERS` (level 4). The
 *   module checks the same when it builds its providers, but later, one at a time and by option
 *   path; an application configured through the environment learns all of them at once, in the
 *   names it wrote;
 * - always: password hashes that start like a `hashPassword()` string but do not parse, which
 *   is what variable expansion (`expandVariables`, Docker Compose) makes of a hash whose `$…`
 *   parts it took for variables. The module would take such a value for a plain password, and
 *   nobody could sign in.
 */
export function authorizationServerRequirements(input: AuthorizationServerRequirementsInput): string[] {
  const { merged, fromEnvironment, provider, schemas, env, reported } = input;
  const section = provider.section;
  if (section !== 'proxy' && section !== 'server') return [];
  const level = (merged as Record<string, unknown>)[section];
  if (!isPlainObject(level)) return [];
  const production = merged.production ?? env.NODE_ENV === 'production';
  const problems: string[] = [];
  const variable = (optionPath: string) =>
    schemas.flatMap((schema) => schema.variables).find((v) => v.optionPath === optionPath)?.env;
  const selected = `${PROVIDER_VARIABLE}=${provider.provider}`;

  const signingKeys = variable(`${section}.signingKeys`);
  if (production && level.signingKeys === undefined && signingKeys && !reported.has(signingKeys)) {
    problems.push(
      `${signingKeys}: required in production with ${selected}: at least one private key (PKCS#8 PEM or JWK, e.g. from "npx nestjs-mcp-auth keys generate"); an ephemeral key would invalidate every token on restart and differ between instances`,
    );
  }
  const encryptionKeys = variable('storageEncryption.keys');
  if (production && section === 'proxy' && merged.storageEncryption === undefined && encryptionKeys) {
    if (!reported.has(encryptionKeys)) {
      problems.push(
        `${encryptionKeys}: required in production with ${selected}: the proxy stores upstream tokens encrypted`,
      );
    }
  }
  const users = level.users;
  const usersVariable = variable(`${section}.users`);
  const envUsers = (fromEnvironment as Record<string, Record<string, unknown> | undefined>)[section]?.users;
  if (Array.isArray(users) && users === envUsers && level.authenticator === undefined && usersVariable) {
    users.forEach((user: unknown, i) => {
      if (!isPlainObject(user) || typeof user.password !== 'string' || isPasswordHash(user.password)) return;
      const name = JSON.stringify(user.username);
      if (user.password.startsWith('scrypt$')) {
        problems.push(
          `${usersVariable}[${i}].password: the hashPassword() string of ${name} is malformed (was it cut at a "$" by variable expansion? Quote it, or write $$ where the tool expands)`,
        );
      } else if (production) {
        problems.push(
          `${usersVariable}[${i}].password: must be a hashPassword() string in production (the password of ${name} is plain text)`,
        );
      }
    });
  }
  return problems;
}
