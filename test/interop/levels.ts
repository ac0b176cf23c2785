import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Module, type DynamicModule, type INestApplication, type Provider, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createNodeCliIo } from '../../lib/cli/cli-io.js';
import { runCli } from '../../lib/cli/run-cli.js';
import { AppModule as JwtResourceServerModule } from '../../sample/01-jwt-resource-server/app.module.js';
import { RemoteOAuthAppModule } from '../../sample/02-remote-oauth/app.module.js';
import { startDevIdentityProvider } from '../../sample/02-remote-oauth/dev-identity-provider.js';
import { OidcProxyAppModule } from '../../sample/04-oidc-proxy/app.module.js';
import { startBundledIdentityProvider } from '../../sample/04-oidc-proxy/identity-provider.js';
import { sampleSettings as sampleSettings04 } from '../../sample/04-oidc-proxy/settings.js';
import { AuthorizationServerAppModule, DEMO_USERS } from '../../sample/05-authorization-server/app.module.js';
import { sampleSettings as sampleSettings05 } from '../../sample/05-authorization-server/settings.js';
import { freePort } from '../helpers/free-port.js';
import { approveAll } from '../helpers/headless-browser.js';
import { OAuthMcpClient } from '../helpers/oauth-clients.js';
import { ConformanceTools } from './fixtures/conformance.tools.js';
import { UPSTREAM_DISCOVERY_URL, UpstreamEmailTools } from './fixtures/upstream-email.tools.js';

/**
 * What the client checks expect of a level's sample: which tools `tools/list` shows a client
 * holding the read scope (the list hides tools the caller may not call), what the identity tool
 * answers, and which tool needs a scope no client is granted at first (the 403 step-up).
 */
export interface SampleProfile {
  /** Tools a client granted {@link SampleProfile.readScope} must see (plus `test_simple_text`). */
  readonly listed: readonly string[];
  /** Any valid token may call it; it answers who the caller is. */
  readonly identity: string;
  /** What {@link SampleProfile.identity} must answer for the level's user with the read scope. */
  readonly identityAnswer: RegExp;
  /** The scope clients are granted first (the level's `scopes_supported`). */
  readonly readScope: string;
  /** The step-up tool; absent where the level cannot step up (a static token). */
  readonly stepUp?: {
    readonly tool: string;
    readonly scope: string;
    readonly arguments: Readonly<Record<string, string>>;
    /** What the tool answers once the client holds {@link scope}. */
    readonly answer: RegExp;
  };
}

/** The notes tools of samples 01, 02 and 05 (`sample/01-jwt-resource-server/notes.tools.ts`). */
const notesProfile = (subject: string): SampleProfile => ({
  listed: ['whoami', 'list_notes'],
  identity: 'whoami',
  identityAnswer: new RegExp(`^You are ${subject}, with scopes: (.* )?notes:read( |$)`),
  readScope: 'notes:read',
  stepUp: {
    tool: 'add_note',
    scope: 'notes:write',
    arguments: { text: 'interop' },
    answer: /^Saved\. You have \d+ note/,
  },
});

/** The user the stand-in browser signs in as, at every page that asks (ours or an upstream's). */
export interface SignIn {
  readonly username: string;
  readonly password: string;
}

/** A level's sample app, running on 127.0.0.1 with the conformance fixture tools added. */
export interface LevelTarget {
  /** The MCP endpoint (= the configured resource URL). */
  readonly mcpUrl: string;
  readonly appPort: number;
  /** The `sub` tools see: the minted subject, or the user the stand-in browser signs in as. */
  readonly subject: string;
  /**
   * The issuer of the authorization server this library runs for the level (levels 3 and 4),
   * exactly as its RFC 8414 metadata and the protected-resource metadata spell it.
   */
  readonly issuer?: string;
  /** A token this level accepts with the read scope, for the conformance proxy and bearer clients. */
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
  /**
   * Who runs the authorization server clients sign in at: `none` (level 1), `external` (an
   * identity provider, level 2), `library` (this library's own, levels 3 and 4: the conformance
   * suite's `authorization` check grades it).
   */
  readonly authorizationServer: 'none' | 'external' | 'library';
  /** The pages a sign-in goes through, in words (for the README). */
  readonly signInPages?: string;
  /**
   * The pages a sign-in in a fresh browser must go through, as the stand-in user records them
   * (`our …` = served by the MCP server's origin, `IdP …` = another origin; see
   * `support/user-agent.ts` `signInPolicy`): a flow that skips the consent page, or signs in
   * somewhere else, fails the cell.
   */
  readonly signInFlow?: string;
  readonly user?: SignIn;
  readonly profile: SampleProfile;
  /** Starts the sample; `workDir` is an empty directory it may use (keys, files). */
  start(workDir: string): Promise<LevelTarget>;
}

/**
 * The sample's root module plus the conformance fixture tools (discovered like any `@McpTool`),
 * and any level-specific fixture providers.
 */
function withFixtureTools(sample: DynamicModule, extra: Provider[] = []): Type<unknown> {
  @Module({ imports: [sample], providers: [ConformanceTools, ...extra] })
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

/** Discovers the level's authorization server as clients do: RFC 9728 metadata of the MCP URL. */
async function authorizationServerOf(mcpUrl: string): Promise<string> {
  const url = new URL(mcpUrl);
  const response = await fetch(`${url.origin}/.well-known/oauth-protected-resource${url.pathname}`);
  const metadata = (await response.json()) as { authorization_servers?: string[] };
  const issuer = metadata.authorization_servers?.[0];
  if (!response.ok || !issuer) throw new Error(`no authorization server in ${mcpUrl}'s protected-resource metadata`);
  return issuer;
}

/** An access token from a real authorization-code flow (SDK v2 client, the stand-in user signing in). */
async function signedInToken(mcpUrl: string, user: SignIn): Promise<string> {
  const client = new OAuthMcpClient('v2', mcpUrl, { policy: approveAll(user) });
  try {
    await client.connect();
  } finally {
    await client.close();
  }
  return (client.provider.store.tokens as { access_token: string }).access_token;
}

const DEMO: SignIn = { username: 'demo', password: 'demo' };

export const LEVELS: readonly InteropLevel[] = [
  {
    level: 1,
    title: 'Token verification',
    sample: 'sample/01-jwt-resource-server',
    clientAuth: 'bearer',
    authorizationServer: 'none',
    profile: { ...notesProfile('dev-user'), stepUp: undefined },
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
            'notes:read',
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
    authorizationServer: 'external',
    signInPages: "the dev IdP's (oidc-provider) sign-in and consent pages",
    signInFlow: 'IdP sign-in → IdP consent',
    user: DEMO,
    profile: notesProfile('demo'),
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
          token: () => signedInToken(mcpUrl, DEMO),
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
  {
    level: 3,
    title: 'OIDC proxy',
    sample: 'sample/04-oidc-proxy',
    clientAuth: 'oauth',
    authorizationServer: 'library',
    signInPages:
      "the library's consent page, then the bundled identity provider's (oidc-provider, no DCR) sign-in and consent pages",
    signInFlow: 'our consent → IdP sign-in → IdP consent',
    // The bundled identity provider's user (sample 04 prints it at start-up).
    user: DEMO,
    profile: {
      listed: ['whoami', 'upstream_userinfo'],
      identity: 'whoami',
      identityAnswer: /^You are demo \(Demo User\), client \S+, with scopes: (.* )?profile( |$)/,
      readScope: 'profile',
      // The interop fixture (fixtures/upstream-email.tools.ts): sample 04 has no tool beyond `profile`.
      stepUp: {
        tool: 'upstream_email',
        scope: 'email',
        arguments: {},
        answer: /^Your e-mail at the identity provider: demo@example\.com$/,
      },
    },
    async start() {
      // What `npm run sample:04` runs (sample/04-oidc-proxy/main.ts), on free ports.
      const appPort = await freePort();
      const settings = sampleSettings04({ PORT: String(appPort), IDP_PORT: '0' });
      const idp = await startBundledIdentityProvider({ redirectUri: settings.callbackUrl, port: settings.idpPort });
      if (idp.users[DEMO.username] !== DEMO.password) {
        await idp.close();
        throw new Error(
          `the bundled identity provider's users are ${Object.keys(idp.users).join(', ')}, not demo/demo`,
        );
      }
      let app: INestApplication | undefined;
      try {
        const module = OidcProxyAppModule.forUpstream(settings, {
          issuer: idp.issuer,
          clientId: idp.clientId,
          clientSecret: idp.clientSecret,
        });
        app = await listen(
          withFixtureTools(module, [
            { provide: UPSTREAM_DISCOVERY_URL, useValue: `${idp.issuer}/.well-known/openid-configuration` },
            UpstreamEmailTools,
          ]),
          appPort,
        );
        const started = app;
        return {
          mcpUrl: settings.resourceUrl,
          appPort,
          subject: 'demo',
          issuer: await authorizationServerOf(settings.resourceUrl),
          token: () => signedInToken(settings.resourceUrl, DEMO),
          async close() {
            await started.close();
            await idp.close();
          },
        };
      } catch (error) {
        await app?.close();
        await idp.close();
        throw error;
      }
    },
  },
  {
    level: 4,
    title: 'Authorization server',
    sample: 'sample/05-authorization-server',
    clientAuth: 'oauth',
    authorizationServer: 'library',
    signInPages: "the library's own sign-in page, then its consent page",
    signInFlow: 'our sign-in → our consent',
    // One of the sample's demo users (DEMO_USERS: demo/demo may read and write notes).
    user: DEMO,
    profile: notesProfile('demo'),
    async start() {
      // What `npm start` runs (sample/05-authorization-server/main.ts), on a free port.
      if (!DEMO_USERS.some((u) => u.username === DEMO.username && u.password === DEMO.password))
        throw new Error(`sample 05's demo users are ${DEMO_USERS.map((u) => u.username).join(', ')}, not demo/demo`);
      const appPort = await freePort();
      const settings = sampleSettings05({ PORT: String(appPort) });
      const app = await listen(withFixtureTools(AuthorizationServerAppModule.forSettings(settings)), appPort);
      try {
        return {
          mcpUrl: settings.resourceUrl,
          appPort,
          subject: 'demo',
          issuer: await authorizationServerOf(settings.resourceUrl),
          token: () => signedInToken(settings.resourceUrl, DEMO),
          close: () => app.close(),
        };
      } catch (error) {
        await app.close();
        throw error;
      }
    },
  },
];
