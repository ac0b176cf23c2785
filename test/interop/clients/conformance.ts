import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ReverseProxy } from '../../helpers/reverse-proxy.js';
import type { FailureKind } from '../expected-failures.js';
import type { CheckContext, InteropCheck } from '../matrix.js';
import { describeExit, ManagedProcess, tail } from '../support/processes.js';
import { resolveNpxTool } from '../support/npx-tools.js';
import { PINNED } from '../versions.js';

const CLIENT = `Conformance suite ${PINNED.conformance.version}`;
const RUN_TIMEOUT_MS = 5 * 60_000;

/** One check the suite made, as written to `checks.json`. */
interface SuiteCheck {
  readonly id: string;
  readonly status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED' | string;
  readonly errorMessage?: string;
  readonly details?: unknown;
}

export type ScenarioStatus = 'pass' | 'fail' | 'expected-fail' | 'stale-expectation';

export interface ScenarioResult {
  readonly scenario: string;
  readonly status: ScenarioStatus;
  /** For `expected-fail`: the kind of the expected failure. */
  readonly kind?: FailureKind;
  /** Why it is expected to fail, or what failed. */
  readonly detail?: string;
  /** The suite's FAILURE and WARNING checks (`<check id> <status>: <message>`). */
  readonly failures?: string[];
}

/**
 * `conformance server --url <proxy>` (the suite's `active` server scenarios), through a
 * {@link ReverseProxy} on 127.0.0.1 that adds `Authorization: Bearer <token>` to every request
 * and forwards everything else, `Host` and `Origin` included, unchanged. The suite acts as an
 * MCP client (SDK v1) and cannot authenticate itself.
 *
 * A scenario fails when one of its checks is a FAILURE or a WARNING, as the suite's own baseline
 * grading (`--expected-failures`) has it; INFO checks are informational. Every
 * scenario must pass except those in `expected-failures.yml`, which must fail: a listed scenario
 * that now passes is a stale entry and fails the cell, as the suite's own `--expected-failures`
 * does.
 */
export function conformanceChecks(): InteropCheck[] {
  return [
    {
      id: 'conformance/server',
      client: CLIENT,
      title: 'server scenarios, through a token-injecting proxy',
      async run(context) {
        const tool = await resolveNpxTool('conformance');
        const token = await context.target.token();
        const proxy = await new ReverseProxy(context.target.appPort).start();
        proxy.rules = { addHeaders: { authorization: `Bearer ${token}` } };
        const outDir = join(context.rawDir, 'conformance');
        await rm(outDir, { recursive: true, force: true });
        await mkdir(outDir, { recursive: true });
        const baseline = join(context.workDir, 'expected-failures.cli.yml');
        const expected = context.expected.conformance;
        await writeFile(baseline, `server:\n${expected.map((e) => `  - ${e.scenario}\n`).join('')}`);
        const argv = [
          tool.script,
          'server',
          '--url',
          `${proxy.origin}/mcp`,
          '-o',
          outDir,
          '--expected-failures',
          baseline,
        ];
        const suite = ManagedProcess.start('conformance', tool.node, argv, {
          env: { PATH: process.env.PATH, HOME: context.workDir, NO_COLOR: '1' },
          cwd: context.workDir,
        });
        let exit;
        try {
          exit = await suite.waitForExit(RUN_TIMEOUT_MS);
        } finally {
          await suite.stop();
          await proxy.stop();
          await writeFile(
            join(context.rawDir, 'conformance.log'),
            `${argv.slice(1).join(' ')}\n${suite.stdout}\n${suite.stderr}\n`,
          );
        }
        const scenarios = await readScenarios(outDir);
        if (scenarios.size === 0)
          throw new Error(`${CLIENT} wrote no results (${describeExit(exit)}): ${tail(suite.stderr)}`);
        const results = grade(scenarios, context);
        const broken = results.filter((r) => r.status === 'fail' || r.status === 'stale-expectation');
        const passed = results.filter((r) => r.status === 'pass').length;
        const bugs = results.filter((r) => r.status === 'expected-fail' && r.kind === 'library-bug').length;
        const unimplemented = results.filter((r) => r.status === 'expected-fail').length - bugs;
        const data = {
          scenarios: results,
          suiteExit: describeExit(exit),
          proxy: 'adds Authorization: Bearer <token>; Host and Origin forwarded',
        };
        if (broken.length > 0 || exit.code !== 0) {
          const lines = broken.map((r) => `${r.scenario} ${r.status}: ${r.detail}`);
          throw Object.assign(
            new Error(
              `${CLIENT}: ${broken.length} unexpected result(s), suite ${describeExit(exit)}\n${lines.join('\n')}`,
            ),
            { data },
          );
        }
        return {
          summary: `${passed}/${results.length} scenarios pass; ${unimplemented} expected failures (not implemented); ${bugs} known library bugs`,
          data,
        };
      },
    },
  ];
}

/** scenario id → checks of its newest result directory (`server-<scenario>-<timestamp>/checks.json`). */
async function readScenarios(outDir: string): Promise<Map<string, SuiteCheck[]>> {
  const scenarios = new Map<string, SuiteCheck[]>();
  for (const entry of (await readdir(outDir)).sort()) {
    // `server-<scenario>-<ISO time with : and . replaced by ->`
    const match = /^server-(.+?)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/.exec(entry);
    if (!match) continue;
    const checks = JSON.parse(await readFile(join(outDir, entry, 'checks.json'), 'utf8')) as SuiteCheck[];
    scenarios.set(match[1], checks);
  }
  return scenarios;
}

function grade(scenarios: Map<string, SuiteCheck[]>, context: CheckContext): ScenarioResult[] {
  const expected = new Map(context.expected.conformance.map((e) => [e.scenario, e]));
  const results: ScenarioResult[] = [];
  for (const [scenario, checks] of [...scenarios].sort(([x], [y]) => x.localeCompare(y))) {
    const failures = checks
      .filter((c) => c.status === 'FAILURE' || c.status === 'WARNING')
      .map((c) => `${c.id} ${c.status}: ${c.errorMessage ?? JSON.stringify(c.details)}`);
    const expectation = expected.get(scenario);
    const extras = failures.length > 0 ? { failures } : {};
    if (failures.length > 0 && expectation) {
      results.push({
        scenario,
        status: 'expected-fail',
        kind: expectation.kind,
        detail: expectation.reason,
        ...extras,
      });
    } else if (failures.length > 0) {
      results.push({ scenario, status: 'fail', detail: failures.join('; '), ...extras });
    } else if (expectation) {
      results.push({
        scenario,
        status: 'stale-expectation',
        detail: `passes now; remove it from expected-failures.yml (${expectation.reason})`,
        ...extras,
      });
    } else {
      results.push({ scenario, status: 'pass', ...extras });
    }
  }
  for (const [scenario] of expected) {
    if (!scenarios.has(scenario))
      results.push({
        scenario,
        status: 'stale-expectation',
        detail: 'listed in expected-failures.yml but not run by the suite',
      });
  }
  return results;
}
