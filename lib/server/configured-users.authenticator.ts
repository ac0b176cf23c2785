import { Logger } from '@nestjs/common';
import type { AuthenticatedUser, McpUserAuthenticator } from './user-authenticator.js';
import { hashPassword, isPasswordHash, passwordHashParameters, verifyPassword } from './password-hash.js';

/** One user of the built-in authenticator. */
export interface ConfiguredUser {
  readonly username: string;
  /** A `hashPassword()` string (`scrypt$…`), or — development only — a plain password hashed at start-up. */
  readonly password: string;
  /** Token subject. @default the username */
  readonly subject?: string;
  /** Scopes the user may grant. @default any */
  readonly scopes?: readonly string[];
  readonly claims?: Readonly<Record<string, unknown>>;
}

/**
 * The built-in {@link McpUserAuthenticator}: users from the module options, passwords kept only
 * as scrypt hashes. An unknown user is checked against a dummy hash with the same cost
 * parameters as the users' own, so it costs the same time as a wrong password (AS-06). Give all
 * users hashes of the same cost (raise it for all at once).
 */
export class ConfiguredUsersAuthenticator implements McpUserAuthenticator {
  private constructor(
    private readonly users: ReadonlyMap<string, ConfiguredUser & { password: string }>,
    private readonly dummyHash: string,
  ) {}

  /**
   * Prepares the users (hashing plain passwords, refused in production).
   * @throws Error naming the user whose password is plain in production.
   */
  static async create(users: readonly ConfiguredUser[], production: boolean): Promise<ConfiguredUsersAuthenticator> {
    const prepared = new Map<string, ConfiguredUser & { password: string }>();
    for (const user of users) {
      let password = user.password;
      if (!isPasswordHash(password)) {
        if (production)
          throw new Error(
            `server.users: the password of "${user.username}" must be a hashPassword() string in production`,
          );
        new Logger('McpAuth').warn(`server.users: "${user.username}" has a plain-text password (development only)`);
        // Development passwords get a lower cost: start-up stays fast; production requires real hashes.
        password = await hashPassword(password, { N: 2 ** 14 });
      }
      prepared.set(user.username, { ...user, password });
    }
    // The dummy costs what the users' hashes cost: an unknown name must take as long as a wrong
    // password (a cheaper or dearer dummy would tell which names exist).
    const first = prepared.values().next().value;
    const cost = first ? passwordHashParameters(first.password) : undefined;
    return new ConfiguredUsersAuthenticator(prepared, await hashPassword('never-matches', cost));
  }

  async authenticate(username: string, password: string): Promise<AuthenticatedUser | undefined> {
    const user = this.users.get(username);
    const matches = await verifyPassword(password, user?.password ?? this.dummyHash);
    if (!user || !matches) return undefined;
    return { subject: user.subject ?? user.username, scopes: user.scopes, claims: user.claims };
  }
}
