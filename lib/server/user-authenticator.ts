import { Inject } from '@nestjs/common';

/** Who signed in. */
export interface AuthenticatedUser {
  /** Stable subject identifier (becomes the tokens' `sub`; never an email that may change). */
  readonly subject: string;
  /** Scopes this user may grant; `undefined` = any scope the server supports. */
  readonly scopes?: readonly string[];
  /** Extra claims copied into access tokens (e.g. `name`). */
  readonly claims?: Readonly<Record<string, unknown>>;
}

/**
 * Checks a user's credentials for the full authorization server (level 4). Bring your own (LDAP,
 * a database, an SSO bridge) as an `@Injectable()` class in `server.authenticator`: it is taken
 * from your application's providers when registered there (so it may inject your services),
 * otherwise the module instantiates it. Without one, the built-in authenticator reads
 * `server.users`.
 *
 * @example
 * ```ts
 * @Injectable()
 * export class LdapAuthenticator implements McpUserAuthenticator {
 *   constructor(private readonly ldap: LdapService) {}
 *   async authenticate(username: string, password: string) {
 *     const entry = await this.ldap.bind(username, password); // undefined when refused
 *     return entry && { subject: entry.uid, scopes: entry.mcpScopes, claims: { name: entry.cn } };
 *   }
 * }
 * // McpAuthModule.forRoot({ ..., server: { authenticator: LdapAuthenticator } }),
 * // with LdapAuthenticator and LdapService in the application module's providers.
 * ```
 *
 * Implementations must take the same time for an unknown user as for a wrong password, and
 * return `undefined` for both (no user enumeration, AS-06). Throttling of repeated failures is
 * done by the module before this is called.
 *
 * @publicApi
 */
export interface McpUserAuthenticator {
  authenticate(username: string, password: string): Promise<AuthenticatedUser | undefined>;
}

/** DI token of the {@link McpUserAuthenticator} in use (exported by `McpAuthModule`). @publicApi */
export const MCP_AUTH_USER_AUTHENTICATOR = Symbol('MCP_AUTH:USER_AUTHENTICATOR');

/** Injects the {@link McpUserAuthenticator}. @publicApi */
export const InjectMcpUserAuthenticator = (): ParameterDecorator => Inject(MCP_AUTH_USER_AUTHENTICATOR);
