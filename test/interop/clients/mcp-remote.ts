import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { freePort } from '../../helpers/free-port.js';
import type { CheckContext, InteropCheck } from '../matrix.js';
import { ManagedProcess, tail } from '../support/processes.js';
import { ProcessStdioTransport } from '../support/process-stdio-transport.js';
import { resolveNpxTool } from '../support/npx-tools.js';
import { BrowserStandIn, type Authorization } from '../support/user-agent.js';
import { PINNED } from '../versions.js';
import {
  assertIdentity,
  assertListed,
  assertStepUpAnswer,
  assertSteppedUp,
  pagesOf,
  stepUpNotApplicable,
  stepUpOf,
} from './checks.js';
import { scopesOf, serveAuthorizations } from './cli-session.js';

const REQUEST_TIMEOUT_MS = 60_000;

type McpRemoteTool = 'mcpRemote' | 'mcpRemoteLegacy';

/**
 * Runs `mcp-remote <url> <callback port>` the way a desktop client does (as a child process that
 * speaks MCP on its stdio) and drives it with an SDK client over that stdio. Its credentials go
 * to a throwaway HOME (`MCP_REMOTE_CONFIG_DIR`); the URL it opens with `open`/`xdg-open` reaches
 * the stand-in user through `BROWSER`.
 */
async function withMcpRemote<T>(
  toolName: McpRemoteTool,
  context: CheckContext,
  name: string,
  use: (client: Client) => Promise<T>,
): Promise<{ value: T; authorizations: Authorization[] }> {
  const tool = await resolveNpxTool(toolName);
  const CLIENT = `mcp-remote ${tool.version}`;
  const browser = await BrowserStandIn.create(context.workDir);
  const argv = [tool.script, context.target.mcpUrl, String(await freePort()), '--auth-timeout', '60'];
  if (context.level.clientAuth === 'bearer')
    argv.push('--header', `Authorization:Bearer ${await context.target.token()}`);
  const env = {
    PATH: process.env.PATH,
    HOME: context.workDir,
    MCP_REMOTE_CONFIG_DIR: join(context.workDir, '.mcp-auth'),
    BROWSER: browser.command,
  };
  const bridge = ManagedProcess.start('mcp-remote', tool.node, argv, { env, cwd: context.workDir, rawStdout: true });
  const user = serveAuthorizations(browser, context.level, context.target.mcpUrl);
  const client = new Client({ name: 'nestjs-mcp-auth-interop', version: '1.0.0' });
  try {
    await client.connect(new ProcessStdioTransport(bridge), { timeout: REQUEST_TIMEOUT_MS });
    // mcp-remote only logs a remote HTTP error and leaves the stdio request unanswered: fail on
    // that log line rather than wait for the request timeout. An UnauthorizedError is not final
    // (0.15 logs it, then signs in again and retries).
    const remoteError = bridge
      .waitForOutput(
        /Error from remote server: (?!UnauthorizedError)([^\n]*)/,
        REQUEST_TIMEOUT_MS * 2,
        'stderr',
        bridge.stderr.length,
      )
      .then((match) => Promise.reject(new Error(`the stdio request got no answer; mcp-remote logged: ${match[1]}`)));
    const value = await Promise.race([use(client), remoteError]);
    return { value, authorizations: await user.stop() };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const userError = await user.stop().then(
      () => '',
      (failure: Error) => `\n${failure.message}`,
    );
    throw new Error(`${CLIENT}: ${message}${userError}\nmcp-remote stderr: ${tail(bridge.stderr, 2500)}`, {
      cause: error,
    });
  } finally {
    await client.close().catch(() => undefined);
    await bridge.stop();
    await user.stop().catch(() => undefined);
    await writeFile(join(context.rawDir, `${name}.log`), `${argv.slice(1).join(' ')}\n${bridge.stderr}\n`);
  }
}

/** `id` prefixes the rows (`<id>/connect`, `<id>/step-up`). */
export function mcpRemoteChecks(toolName: McpRemoteTool, id: string): InteropCheck[] {
  const CLIENT = `mcp-remote ${PINNED[toolName].version}`;
  const run = <T>(context: CheckContext, name: string, use: (client: Client) => Promise<T>) =>
    withMcpRemote(toolName, context, `${id}-${name}`, use);
  return [
    {
      id: `${id}/connect`,
      client: CLIENT,
      title: 'sign-in, tools/list, tools/call',
      async run(context) {
        const { level } = context;
        const { value: text, authorizations } = await run(context, 'connect', async (client) => {
          assertListed(
            CLIENT,
            level,
            (await client.listTools(undefined, { timeout: REQUEST_TIMEOUT_MS })).tools.map((t) => t.name),
          );
          const result = await client.callTool({ name: level.profile.identity, arguments: {} }, undefined, {
            timeout: REQUEST_TIMEOUT_MS,
          });
          return assertIdentity(CLIENT, level, result);
        });
        const expectedLogins = level.clientAuth === 'oauth' ? 1 : 0;
        if (authorizations.length !== expectedLogins)
          throw new Error(`${CLIENT}: expected ${expectedLogins} browser sign-in(s), saw ${authorizations.length}`);
        const how =
          level.clientAuth === 'bearer'
            ? 'static --header bearer token'
            : `OAuth (scope "${scopesOf(authorizations)[0]}", redirect ${authorizations[0].authorizeUrl.searchParams.get('redirect_uri')}; pages: ${pagesOf(authorizations)})`;
        return { summary: `${how}; ${text}` };
      },
    },
    {
      id: `${id}/step-up`,
      client: CLIENT,
      title: 'step-up: 403 insufficient_scope → re-authorize → retry',
      notApplicable: stepUpNotApplicable,
      async run(context) {
        const stepUp = stepUpOf(context.level);
        const { value: text, authorizations } = await run(context, 'step-up', async (client) =>
          assertStepUpAnswer(
            CLIENT,
            context.level,
            await client.callTool({ name: stepUp.tool, arguments: { ...stepUp.arguments } }, undefined, {
              timeout: REQUEST_TIMEOUT_MS,
            }),
          ),
        );
        const scope = assertSteppedUp(CLIENT, context.level, scopesOf(authorizations));
        return { summary: `re-authorized with "${scope}"; ${text}` };
      },
    },
  ];
}
