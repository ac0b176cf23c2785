import { EnvSchema, EnvVariable } from '../env-schema.decorator.js';
import { EnvTypes, type EnvValueType } from '../env-value-types.js';
import { AuthorizationServerEnvironment } from './authorization-server.environment.js';

/** `true` (the default path), `false`, or a base path such as `/admin/mcp-auth`. */
const adminRoutes: EnvValueType = {
  label: '`true`, `false` or a path',
  parse(raw) {
    if (raw.startsWith('/')) return { value: raw };
    const flag = EnvTypes.boolean.parse(raw);
    return 'value' in flag
      ? flag
      : { problem: `must be true, false or a path starting with / (got ${JSON.stringify(raw)})` };
  },
};

/**
 * Level 4: the module is the authorization server, with its own sign-in
 * (`MCP_AUTH_PROVIDER=server`).
 * @publicApi
 */
@EnvSchema({
  prefix: 'MCP_AUTH_SERVER_',
  provider: 'server',
  section: 'server',
  title: 'Authorization server with its own sign-in (level 4)',
  description:
    'The module is a complete authorization server: sign-in page, consent, tokens, introspection, `client_credentials`. Users come from `MCP_AUTH_SERVER_USERS` (or your `authenticator` class, set in code).',
})
export class ServerEnvironment extends AuthorizationServerEnvironment {
  @EnvVariable({
    name: 'USERS',
    option: 'users',
    type: EnvTypes.json,
    secret: true,
    description:
      'Users of the built-in sign-in as a JSON array: `[{"username":"alice","password":"scrypt$…","scopes":["notes:read"]}]` (optional `subject`, default the username, and `claims`). Passwords are `hashPassword()` strings; plain text is accepted, and hashed at start-up, outside production only.',
  })
  users?: unknown[];

  @EnvVariable({
    name: 'MAX_LOGIN_FAILURES',
    option: 'maxLoginFailures',
    type: EnvTypes.integer,
    default: '5',
    description: 'Failed sign-ins per username before it is locked for the window.',
  })
  maxLoginFailures?: number;

  @EnvVariable({
    name: 'LOGIN_FAILURE_WINDOW',
    option: 'loginFailureWindowSeconds',
    type: EnvTypes.seconds,
    default: '15m',
    description: 'Window in which failed sign-ins are counted, and how long a locked username stays locked.',
  })
  loginFailureWindow?: number;

  @EnvVariable({
    name: 'SESSION_TTL',
    option: 'sessionTtlSeconds',
    type: EnvTypes.seconds,
    default: '1h',
    description: 'Lifetime of a sign-in session.',
  })
  sessionTtl?: number;

  @EnvVariable({
    name: 'CLIENT_CREDENTIALS',
    option: 'clientCredentials',
    type: EnvTypes.boolean,
    default: 'true',
    description: 'Offer the `client_credentials` grant to confidential clients.',
  })
  clientCredentials?: boolean;

  @EnvVariable({
    name: 'DCR_ALLOW_CLIENT_CREDENTIALS',
    option: 'clientRegistration.allowClientCredentials',
    type: EnvTypes.boolean,
    default: 'false',
    description: 'Let dynamically registered confidential clients register the `client_credentials` grant.',
  })
  dcrAllowClientCredentials?: boolean;

  @EnvVariable({
    name: 'ADMIN_ROUTES',
    option: 'adminRoutes',
    type: adminRoutes,
    map: (value: boolean | string) => (value === true ? {} : value === false ? undefined : { path: value }),
    default: 'false',
    description:
      "Serve the routes that list and revoke users' grants: `true` at `/mcp-auth/admin`, or a base path of your choice.",
  })
  adminRoutes?: boolean | string;

  @EnvVariable({
    name: 'ADMIN_SCOPE',
    option: 'adminRoutes.scope',
    type: EnvTypes.string,
    requires: 'adminRoutes',
    default: '`mcp-auth:admin`',
    description:
      'Scope the admin routes require; only granted through `client_credentials` to a pre-registered client that lists it.',
  })
  adminScope?: string;
}
