/**
 * A level-3 (OAuth proxy) or level-4 (authorization server) Nest app with the bench's `echo` tool,
 * configured as documented, plus what a benchmark needs to be repeatable:
 *
 * - signing key (RS256, the level-1 bench's algorithm) and storage-encryption key from the runner,
 *   so nothing is ephemeral and no development warning is printed per run;
 * - the per-address limits of `register` (30 per minute by default) and `authorize` (120 per
 *   minute) raised to 1 000 000 per minute: every flow of the load generator comes from one
 *   address. The limiters still count every request, as in a default deployment;
 * - `requiredScopes: ['mcp:tools']`, the scope of the level-1 bench tokens.
 *
 * Environment: BENCH_PORT; BENCH_LEVEL `proxy` | `server`; BENCH_STORE `memory` | `redis`
 * (BENCH_REDIS_URL); BENCH_SIGNING_JWK (private JWK JSON) and BENCH_SIGNING_ALG (`RS256` default,
 * `ES256`); BENCH_ENCRYPTION_KEY (base64url, 32
 * bytes); proxy: BENCH_UPSTREAM_ISSUER, BENCH_UPSTREAM_CLIENT_ID, BENCH_UPSTREAM_CLIENT_SECRET;
 * server: BENCH_PASSWORD, BENCH_LOGIN `scrypt` (built-in authenticator with BENCH_USER_COUNT users
 * `bench-user-<i>`; BENCH_PASSWORD is then a `hashPassword()` string) | `direct` (an authenticator
 * that compares the password held in memory, to isolate the authorization server from password
 * hashing; any `bench-user-…` name).
 */
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { timingSafeEqual } from 'node:crypto';
import {
  McpAuthModule,
  type AuthenticatedUser,
  type ClientRegistrationOptions,
  type McpAuthModuleOptions,
  type McpUserAuthenticator,
  type SigningKeyOptions,
} from '../../lib/index.js';
import { BENCH_SCOPE } from '../bench.constants.js';
import { EchoTools } from '../servers/echo.tools.js';
import { announceReady, exitWithRunner } from '../servers/server-env.js';

const env = process.env;
const port = Number(env.BENCH_PORT);
if (!Number.isInteger(port) || port <= 0) throw new Error('BENCH_PORT must be a port number');
const origin = `http://127.0.0.1:${port}`;
const level = env.BENCH_LEVEL === 'server' ? 'server' : 'proxy';
const required = (name: string): string => {
  const value = env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

/**
 * Level-4 sign-in without password hashing, standing for a user directory: every
 * `bench-user-<anything>` exists, with the one password held in memory.
 */
@Injectable()
class DirectPasswordAuthenticator implements McpUserAuthenticator {
  private readonly password = Buffer.from(required('BENCH_PASSWORD'));

  async authenticate(username: string, password: string): Promise<AuthenticatedUser | undefined> {
    const given = Buffer.from(password);
    const matches = given.length === this.password.length && timingSafeEqual(given, this.password);
    return /^bench-user-[\w-]{1,64}$/.test(username) && matches
      ? { subject: username, scopes: [BENCH_SCOPE] }
      : undefined;
  }
}

/** Built-in users `bench-user-0` … `bench-user-<BENCH_USER_COUNT - 1>`, all with BENCH_PASSWORD. */
const configuredUsers = () =>
  Array.from({ length: Number(env.BENCH_USER_COUNT ?? 1) }, (_, i) => ({
    username: `bench-user-${i}`,
    password: required('BENCH_PASSWORD'),
    scopes: [BENCH_SCOPE],
  }));

/** Per-address limits raised out of the way of a one-address load generator, but still counted. */
const LOAD_GENERATOR_LIMIT = { max: 1_000_000, windowSeconds: 60 };

const shared: {
  signingKeys: SigningKeyOptions[];
  clientRegistration: ClientRegistrationOptions;
  authorizationRateLimit: typeof LOAD_GENERATOR_LIMIT;
} = {
  signingKeys: [
    {
      privateKey: JSON.parse(required('BENCH_SIGNING_JWK')) as Record<string, string>,
      alg: env.BENCH_SIGNING_ALG === 'ES256' ? 'ES256' : 'RS256',
    },
  ],
  clientRegistration: { rateLimit: LOAD_GENERATOR_LIMIT },
  authorizationRateLimit: LOAD_GENERATOR_LIMIT,
};

const options: McpAuthModuleOptions = {
  resourceUrl: `${origin}/mcp`,
  scopesSupported: [BENCH_SCOPE],
  requiredScopes: [BENCH_SCOPE],
  storage: env.BENCH_STORE === 'redis' ? { type: 'redis', url: required('BENCH_REDIS_URL') } : { type: 'memory' },
  storageEncryption: { keys: [{ id: 'bench-1', key: required('BENCH_ENCRYPTION_KEY') }] },
  ...(level === 'proxy'
    ? {
        proxy: {
          ...shared,
          upstream: {
            provider: 'oidc',
            issuer: required('BENCH_UPSTREAM_ISSUER'),
            clientId: required('BENCH_UPSTREAM_CLIENT_ID'),
            clientSecret: required('BENCH_UPSTREAM_CLIENT_SECRET'),
            // As sample 04: the upstream does not implement RFC 8707; our tokens carry the audience.
            forwardResource: false,
          },
        },
      }
    : {
        server: {
          ...shared,
          ...(env.BENCH_LOGIN === 'direct'
            ? { authenticator: DirectPasswordAuthenticator }
            : { users: configuredUsers() }),
        },
      }),
} as McpAuthModuleOptions;

@Module({
  imports: [McpAuthModule.forRoot(options)],
  providers: [EchoTools, ...(level === 'server' && env.BENCH_LOGIN === 'direct' ? [DirectPasswordAuthenticator] : [])],
})
class BenchAuthorizationServerModule {}

const app = await NestFactory.create(BenchAuthorizationServerModule, { logger: ['error', 'warn'] });
await app.listen(port, '127.0.0.1');
exitWithRunner(() => app.close());
announceReady(port);
