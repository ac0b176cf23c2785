import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../helpers/free-port.js';
import type { FailureKind } from '../expected-failures.js';
import type { InteropLevel } from '../levels.js';
import type { CheckContext, InteropCheck } from '../matrix.js';
import { describeExit, ManagedProcess, tail, type ProcessExit } from '../support/processes.js';
import { resolveNpxTool } from '../support/npx-tools.js';
import { authorizeInBrowser, type Authorization } from '../support/user-agent.js';
import { PINNED } from '../versions.js';
import { assertSignInFlow, pagesOf } from './checks.js';

const CLIENT = `Conformance suite ${PINNED.conformanceAlpha.version}`;
const RUN_TIMEOUT_MS = 2 * 60_000;
/** What the suite prints right before the authorization URL it wants a browser to open. */
const URL_PROMPT = /Access the following URL in your browser[^\n]*\n(\S+)\n/;

/** One check the suite made, as written to `checks.json`. */
interface SuiteCheck {
  readonly id: string;
  readonly status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED' | string;
  readonly errorMessage?: string;
}

export interface AuthorizationCheckResult {
  /** `<scenario>/<check id>`. */
  readonly check: string;
  readonly status: 'pass' | 'fail' | 'expected-fail' | 'stale-expectation';
  readonly suiteStatus: string;
  readonly kind?: FailureKind;
  readonly detail?: string;
}

/**
 * `conformance authorization` (0.2.0 alpha line): grades the authorization server this library
 * runs for the level (levels 3 and 4). It runs the suite's two scenarios in order:
 *
 * - `authorization-server-metadata-endpoint`: RFC 8414 metadata at the issuer's well-known URL
 *   (200, JSON, required fields, `issuer` equal to the `--url` given, S256), and whether it
 *   advertises Client ID Metadata Documents (a WARNING when not);
 * - `authorization-code-grant`: the authorization request (PKCE S256 and RFC 8707 `resource`),
 *   which the suite prints for a person to open in a browser, its redirect to the suite's
 *   listener on `http://127.0.0.1:<port>/callback` (code, `state`, RFC 9207 `iss`), and the token
 *   request (200, JSON, `Cache-Control: no-store`, `access_token`, `token_type`).
 *
 * The suite needs a client registered with that redirect URI; the check registers one the way an
 * MCP client does (dynamic registration, public client: the suite then authenticates with
 * `client_id` and PKCE only). The stand-in user opens the printed URL: signs in and approves on
 * the level's pages, and the redirect is delivered to the suite's listener.
 *
 * A check fails when the suite reports FAILURE or WARNING for it, unless `expected-failures.yml`
 * lists it (section `authorization`) for the level; a listed check that passes is stale.
 */
export function authorizationServerChecks(): InteropCheck[] {
  return [
    {
      id: 'conformance-authorization/authorization',
      client: CLIENT,
      title: '`authorization`: RFC 8414 metadata, authorization-code grant',
      notApplicable: (level: InteropLevel) =>
        level.authorizationServer === 'library'
          ? undefined
          : level.authorizationServer === 'external'
            ? 'the authorization server is the external identity provider, not this library'
            : 'no authorization server: the level verifies tokens issued elsewhere',
      async run(context) {
        const { target } = context;
        if (!target.issuer) throw new Error(`level ${context.level.level} reported no issuer`);
        const tool = await resolveNpxTool('conformanceAlpha');
        const callbackPort = await freePort();
        const redirectUri = `http://127.0.0.1:${callbackPort}/callback`;
        const clientId = await registerClient(target.issuer, redirectUri);
        const outDir = join(context.rawDir, 'conformance');
        await rm(outDir, { recursive: true, force: true });
        await mkdir(outDir, { recursive: true });
        const argv = [
          tool.script,
          'authorization',
          '--url',
          target.issuer,
          '--client-id',
          clientId,
          '--resource',
          target.mcpUrl,
          '--port',
          String(callbackPort),
          '-o',
          outDir,
        ];
        const suite = ManagedProcess.start('conformance authorization', tool.node, argv, {
          env: { PATH: process.env.PATH, HOME: context.workDir, NO_COLOR: '1' },
          cwd: context.workDir,
        });
        let exit: ProcessExit;
        let authorization: Authorization | undefined;
        let userError = '';
        try {
          // The suite prints the URL only once the metadata scenario gave it an endpoint; if that
          // failed it exits instead, and the results say why.
          let url: string | undefined;
          try {
            [, url] = await suite.waitForOutput(URL_PROMPT, RUN_TIMEOUT_MS, 'stdout');
          } catch (error) {
            if (!suite.hasExited) userError = (error as Error).message;
          }
          if (url) {
            try {
              authorization = await authorizeInBrowser(
                new URL(url),
                context.level.user ?? { username: 'demo', password: 'demo' },
                new URL(target.mcpUrl).origin,
              );
              assertSignInFlow('stand-in user', context.level, authorization.pages);
            } catch (error) {
              userError = (error as Error).message;
            }
          }
          // Without the callback the suite would wait five minutes for it: stop it right away.
          if (userError) await suite.stop();
          exit = await suite.waitForExit(RUN_TIMEOUT_MS);
        } finally {
          await suite.stop();
          await writeFile(
            join(context.rawDir, 'conformance-authorization.log'),
            `${argv.slice(1).join(' ')}\n${suite.stdout}\n${suite.stderr}\n`,
          );
        }
        const checks = await readChecks(outDir);
        if (checks.size === 0)
          throw new Error(
            `${CLIENT} wrote no results (${describeExit(exit)})${userError ? `; stand-in user: ${userError}` : ''}: ${tail(suite.stdout)} ${tail(suite.stderr)}`,
          );
        const results = grade(checks, context);
        const broken = results.filter((r) => r.status === 'fail' || r.status === 'stale-expectation');
        const passed = results.filter((r) => r.status === 'pass').length;
        const expectedFailures = results.filter((r) => r.status === 'expected-fail').length;
        const data = {
          checks: results,
          suiteExit: describeExit(exit),
          client: `dynamically registered public client ${clientId}, redirect ${redirectUri}`,
          ...(authorization
            ? { pages: pagesOf([authorization]), authorizationRequest: authorization.authorizeUrl.href }
            : {}),
        };
        if (broken.length > 0 || userError) {
          const lines = broken.map((r) => `${r.check} ${r.status}: ${r.detail}`);
          if (userError) lines.push(`stand-in user: ${userError}`);
          throw Object.assign(
            new Error(
              `${CLIENT}: ${lines.length} unexpected result(s), suite ${describeExit(exit)}\n${lines.join('\n')}`,
            ),
            { data },
          );
        }
        return {
          summary:
            `${passed}/${results.length} checks pass` +
            (expectedFailures ? `, ${expectedFailures} expected failure(s)` : '') +
            (authorization ? ` (pages: ${pagesOf([authorization])})` : ''),
          data,
        };
      },
    },
  ];
}

/** RFC 7591 registration of a public client with the suite's redirect URI, as MCP clients register. */
async function registerClient(issuer: string, redirectUri: string): Promise<string> {
  const url = new URL(issuer);
  const metadataUrl = `${url.origin}/.well-known/oauth-authorization-server${url.pathname.replace(/\/$/, '')}`;
  const metadata = (await (await fetch(metadataUrl)).json()) as { registration_endpoint?: string };
  if (!metadata.registration_endpoint) throw new Error(`${metadataUrl} names no registration_endpoint`);
  const response = await fetch(metadata.registration_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'MCP conformance suite (authorization)',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    }),
  });
  const body = (await response.json()) as { client_id?: string };
  if (response.status !== 201 || !body.client_id)
    throw new Error(
      `registration at ${metadata.registration_endpoint} answered ${response.status}: ${JSON.stringify(body)}`,
    );
  return body.client_id;
}

/** scenario → checks of its result directory (`authorization-server-<scenario>-<timestamp>/checks.json`). */
async function readChecks(outDir: string): Promise<Map<string, SuiteCheck[]>> {
  const scenarios = new Map<string, SuiteCheck[]>();
  for (const entry of (await readdir(outDir)).sort()) {
    const match = /^authorization-server-(.+?)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/.exec(entry);
    if (!match) continue;
    scenarios.set(match[1], JSON.parse(await readFile(join(outDir, entry, 'checks.json'), 'utf8')) as SuiteCheck[]);
  }
  return scenarios;
}

function grade(scenarios: Map<string, SuiteCheck[]>, context: CheckContext): AuthorizationCheckResult[] {
  const level = context.level.level;
  const expected = context.expected.authorization.filter((e) => e.levels.includes(level));
  const results: AuthorizationCheckResult[] = [];
  const seen = new Set<string>();
  for (const [scenario, checks] of scenarios) {
    for (const suiteCheck of checks) {
      const check = `${scenario}/${suiteCheck.id}`;
      seen.add(check);
      const failed = suiteCheck.status === 'FAILURE' || suiteCheck.status === 'WARNING';
      const expectation = expected.find((e) => e.check === check);
      const base = { check, suiteStatus: suiteCheck.status };
      if (failed && expectation)
        results.push({ ...base, status: 'expected-fail', kind: expectation.kind, detail: expectation.reason });
      else if (failed) results.push({ ...base, status: 'fail', detail: suiteCheck.errorMessage ?? suiteCheck.status });
      else if (expectation)
        results.push({
          ...base,
          status: 'stale-expectation',
          detail: `passes now; remove it from expected-failures.yml (${expectation.reason})`,
        });
      else if (suiteCheck.status === 'SKIPPED')
        results.push({ ...base, status: 'fail', detail: `skipped: ${suiteCheck.errorMessage ?? ''}` });
      else results.push({ ...base, status: 'pass' });
    }
  }
  for (const expectation of expected)
    if (!seen.has(expectation.check))
      results.push({
        check: expectation.check,
        suiteStatus: '(not run)',
        status: 'stale-expectation',
        detail: 'listed in expected-failures.yml but not run by the suite',
      });
  return results;
}
