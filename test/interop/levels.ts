import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Module, type DynamicModule, type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createNodeCliIo } from '../../lib/cli/cli-io.js';
import { runCli } from '../../lib/cli/run-cli.js';
import { AppModule as JwtResourceServerModule } from '../../sample/01-jwt-resource-server/app.module.js';
import { RemoteOAuthAppModule } from '../../sample/02-remote-oauth/app.module.js';
import { startDevIdentityProvider } from '../../sample/02-remote-oauth/dev-identity-provider.js';
import { freePort } from '../helpers/free-port.js';
import { OAuthMcpClient } from '../helpers/oauth-clients.js';
import { ConformanceTools } from './fixtures/conformance.tools.js';

/**
 * The tools of the samples (`sample/01-jwt-resource-server/notes.tools.ts`, shared by the later
 * samples) that the client checks call, and the scopes they need.
 */
export const SAMPLE_TOOLS = {
  /** Any valid token; answers `You are <sub>, with scopes: …`. */
  identity: 'whoami',
  /** Needs {@link SAMPLE_TOOLS.readScope}; hidden from `tools/list` without it. */
  read: 'list_notes',
  readScope: 'notes:read',
  /** Needs {@link SAMPLE_TOOLS.writeScope}, which no client is granted at first: a 403 step-up. */
  write: 'add_note',
  writeScope: 'notes:write',
} as const;

/** A level's sample app, running on 127.0.0.1 with the conformance fixture tools added. */
export interface LevelTarget {
  /** The MCP endpoint (= the configured resource URL). */
  readonly mcpUrl: string;
  readonly appPort: number;
  /** The `sub` tools see: the minted subject, or the user the stand-in browser signs in as. */
  readonly subject: string;
  /** A token this level accepts with {@link SAMPLE_TOOLS.readScope}, for the conformance proxy and bearer clients. */
  token(): Promise<string>;
  close(): Promise<void>;
}

/** One column of the matrix. Adding a level = adding an entry to {@link LEVELS}. */
export interface InteropLevel {
  readonly level: number;
  readonly title: string;
  /** The sample the level runs, relative to the repository root. */
  readonly sample: string;
  /**
   * How clients authenticate: `bearer` = they are given a token (level 1 verifies tokens issued
   * elsewhere and sends no one anywhere to get one); `oauth` = they discover the authorization
   * server from the 401 and sign in.
   */
  readonly clientAuth: 'bearer' | 'oauth';
  /** Starts the sample; `workDir` is an empty directory it may use (keys, files). */
  start(workDir: string): Promise<LevelTarget>;
}

/** The sample's root module plus the conformance fixture tools (discovered like any `@McpTool`). */
function withFixtureTools(sample: DynamicModule): Type<unknown> {
  @Module({ imports: [sample], providers: [ConformanceTools] })
  class InteropAppModule {}
  return InteropAppModule;
}

async function listen(module: Type<unknown>, port: number): Promise<INestApplication> {
  const app = await NestFactory.create(module, { logger: ['error'], abortOnError: false });
  await app.listen(port, '127.0.0.1');
  return app;
}

/** Runs the library's CLI in-process (as `npx nestjs-mcp-auth …` would) and returns its stdout. */
async function cli(cwd: string, ...argv: string[]): Promise<string> {
  let out = '';
  let err = '';
  const io = createNodeCliIo({
    cwd,
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t) => (err += t) },
  });
  const code = await runCli(argv, io);
  if (code !== 0) throw new Error(`nestjs-mcp-auth ${argv.join(' ')} exited ${code}: ${err}`);
  return out.trim();
}

export const LEVELS: readonly InteropLevel[] = [
  {
    level: 1,
    title: 'Token verification',
    sample: 'sample/01-jwt-resource-server',
    clientAuth: 'bearer',
    async start(workDir) {
      // The sample README's walk-through: generate keys, start, mint a token with the CLI.
      await cli(workDir, 'keys', 'generate', '--out', '.dev-keys');
      const jwks = JSON.parse(await readFile(join(workDir, '.dev-keys/jwks.json'), 'utf8')) as { keys: [] };
      const appPort = await freePort();
      const mcpUrl = `http://127.0.0.1:${appPort}/mcp`;
      const issuer = `http://127.0.0.1:${appPort}/dev-issuer`;
      const module = JwtResourceServerModule.forConfig({ resourceUrl: mcpUrl, issuer, publicKeys: jwks.keys });
      const app = await listen(withFixtureTools(module), appPort);
      return {
        mcpUrl,
        appPort,
        subject: 'dev-user',
        token: () =>
          cli(
            workDir,
            'token',
            'mint',
            '--key',
            '.dev-keys/private-key.jwk.json',
            '--iss',
            issuer,
            '--aud',
            mcpUrl,
            '--scope',
            SAMPLE_TOOLS.readScope,
          ),
        close: () => app.close(),
      };
    },
  },
  {
    level: 2,
    title: 'Remote OAuth',
    sample: 'sample/02-remote-oauth',
    clientAuth: 'oauth',
    async start() {
      const appPort = await freePort();
      const mcpUrl = `http://127.0.0.1:${appPort}/mcp`;
      // The sample's bundled development identity provider (oidc-provider, user demo/demo).
      const idp = await startDevIdentityProvider({ resources: [mcpUrl] });
      try {
        const module = RemoteOAuthAppModule.forConfig(mcpUrl, {
          provider: 'generic',
          issuer: idp.issuer,
          mirrorMetadata: true,
        });
        const app = await listen(withFixtureTools(module), appPort);
        return {
          mcpUrl,
          appPort,
          subject: 'demo',
          async token() {
            // A real authorization-code flow (SDK v2 client, stand-in browser signing in as demo).
            const client = new OAuthMcpClient('v2', mcpUrl);
            await client.connect();
            await client.close();
            return (client.provider.store.tokens as { access_token: string }).access_token;
          },
          async close() {
            await app.close();
            await idp.close();
          },
        };
      } catch (error) {
        await idp.close();
        throw error;
      }
    },
  },
];
