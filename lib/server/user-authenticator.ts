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
 * Checks a user's credentials for the full authorization server (level 4). Provide your own
 * (LDAP, a database, an SSO bridge) under {@link MCP_AUTH_USER_AUTHENTICATOR}; the built-in one
 * reads users from the module options.
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

/** DI token of the {@link McpUserAuthenticator}. @publicApi */
export const MCP_AUTH_USER_AUTHENTICATOR = Symbol('MCP_AUTH:USER_AUTHENTICATOR');

/** Injects the {@link McpUserAuthenticator}. @publicApi */
export const InjectMcpUserAuthenticator = (): ParameterDecorator => Inject(MCP_AUTH_USER_AUTHENTICATOR);
