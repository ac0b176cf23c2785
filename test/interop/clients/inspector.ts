import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../helpers/free-port.js';
import type { InteropLevel } from '../levels.js';
import type { CheckContext, InteropCheck } from '../matrix.js';
import { describeExit, ManagedProcess, tail } from '../support/processes.js';
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

const CLIENT = `MCP Inspector ${PINNED.inspector.version} (CLI mode)`;
const RUN_TIMEOUT_MS = 120_000;

interface InspectorRun {
  readonly result: unknown;
  readonly authorizations: Authorization[];
  readonly stderr: string;
}

/**
 * One `mcp-inspector --cli <url> --method …` invocation, as its docs run it headlessly: a
 * throwaway HOME, secrets in memory, `MCP_AUTO_OPEN_ENABLED=true` (no TTY), its loopback callback
 * listener on a free port, and the URL it opens handled by the stand-in user. A step-up prompt
 * ("Proceed with step-up authorization? [y/N]") is answered `y`, as a user would.
 */
async function runInspector(context: CheckContext, args: string[], bearer?: string): Promise<InspectorRun> {
  const tool = await resolveNpxTool('inspector');
  const browser = await BrowserStandIn.create(context.workDir);
  const callbackUrl = `http://127.0.0.1:${await freePort()}/oauth/callback`;
  const argv = [
    tool.script,
    '--cli',
    context.target.mcpUrl,
    ...args,
    '--format',
    'json',
    '--callback-url',
    callbackUrl,
  ];
  if (bearer) argv.push('--header', `Authorization: Bearer ${bearer}`);
  const env = {
    PATH: process.env.PATH,
    HOME: context.workDir,
    MCP_INSPECTOR_SECRET_STORE: 'memory',
    MCP_AUTO_OPEN_ENABLED: 'true',
    BROWSER: browser.command,
    NO_COLOR: '1',
  };
  const inspector = ManagedProcess.start('mcp-inspector', tool.node, argv, { env, cwd: context.workDir });
  const user = serveAuthorizations(browser, context.level, context.target.mcpUrl);
  let answered = 0;
  const answerStepUp = setInterval(() => {
    const prompts = inspector.stderr.split('Proceed with step-up authorization?').length - 1;
    if (prompts > answered) {
      answered = prompts;
      inspector.child.stdin?.write('y\n');
    }
  }, 50);
  try {
    const exit = await inspector.waitForExit(RUN_TIMEOUT_MS);
    let authorizations: Authorization[] = [];
    let userError = '';
    try {
      authorizations = await user.stop();
    } catch (error) {
      userError = `; ${(error as Error).message}`;
    }
    const log = `${describeExit(exit)}${userError}; stdout: ${tail(inspector.stdout)}; stderr: ${tail(inspector.stderr)}`;
    await writeFile(
      join(context.rawDir, `inspector-${args.join('_').replace(/[^\w.-]+/g, '-')}.log`),
      `${argv.slice(1).join(' ')}\n${log}\n`,
    );
    if (exit.code !== 0 || userError) throw new Error(`${CLIENT} exited with ${log}`);
    const output = JSON.parse(inspector.stdout) as { result?: unknown; error?: unknown };
    if (output.result === undefined) throw new Error(`${CLIENT} printed no result: ${log}`);
    return { result: output.result, authorizations, stderr: inspector.stderr };
  } finally {
    clearInterval(answerStepUp);
    await inspector.stop();
    await user.stop().catch(() => undefined);
  }
}

const describeAuth = (level: InteropLevel, authorizations: readonly Authorization[]): string =>
  level.clientAuth === 'bearer'
    ? 'static --header bearer token'
    : `OAuth (scopes ${JSON.stringify(scopesOf(authorizations))}; pages: ${pagesOf(authorizations)})`;

export function inspectorChecks(): InteropCheck[] {
  return [
    {
      id: 'inspector/connect',
      client: CLIENT,
      title: 'sign-in, tools/list, tools/call',
      async run(context) {
        const { target, level } = context;
        const bearer = level.clientAuth === 'bearer' ? await target.token() : undefined;
        const listed = await runInspector(context, ['--method', 'tools/list'], bearer);
        assertListed(
          CLIENT,
          level,
          ((listed.result as { tools?: Array<{ name: string }> }).tools ?? []).map((t) => t.name),
        );
        const called = await runInspector(
          context,
          ['--method', 'tools/call', '--tool-name', level.profile.identity],
          bearer,
        );
        const text = assertIdentity(CLIENT, level, called.result);
        const authorizations = [...listed.authorizations, ...called.authorizations];
        const expectedLogins = level.clientAuth === 'oauth' ? 2 : 0;
        if (authorizations.length !== expectedLogins)
          throw new Error(
            `${CLIENT}: expected ${expectedLogins} browser sign-ins (one per invocation), saw ${authorizations.length}`,
          );
        return { summary: `${describeAuth(level, authorizations)}; ${text}` };
      },
    },
    {
      id: 'inspector/step-up',
      client: CLIENT,
      title: 'step-up: 403 insufficient_scope → re-authorize → retry',
      notApplicable: stepUpNotApplicable,
      async run(context) {
        const stepUp = stepUpOf(context.level);
        const run = await runInspector(context, [
          '--method',
          'tools/call',
          '--tool-name',
          stepUp.tool,
          ...Object.entries(stepUp.arguments).flatMap(([name, value]) => ['--tool-arg', `${name}=${value}`]),
        ]);
        const text = assertStepUpAnswer(CLIENT, context.level, run.result);
        const scope = assertSteppedUp(CLIENT, context.level, scopesOf(run.authorizations));
        return { summary: `re-authorized with "${scope}"; ${text}` };
      },
    },
  ];
}
