/**
 * `npm run bench`: starts the bench JWKS server and every server program (pinned to CPU 0),
 * checks each answers correctly, then drives interleaved autocannon windows (pinned to CPU 1)
 * and reports medians, ratios, JWKS fetch counts, CPU per request and idle RSS. See bench/README.md.
 *
 * Exit code 0 whether targets pass or miss; 1 when the harness fails (a server crashes, a
 * response has a status it must not have).
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { CONNECTIONS } from './harness/load.js';
import { LOAD_CPU, ProcessGroup, residentMb, type RunningServer } from './harness/processes.js';
import { concurrentCalls, expectEcho, jwksHits, sleep } from './harness/probes.js';
import { loadWindow, runRounds, type LoadTarget } from './harness/rounds.js';
import { PROFILE_DIR, publish, resultsMarkdown } from './harness/report.js';
import { machineFacts, readSettings, type BenchSettings } from './harness/settings.js';
import { evaluate, summarize, type BenchReport, type JwksFindings } from './harness/summary.js';
import {
  generateBenchKeys,
  mintServerTokens,
  mintUnknownKidTokens,
  type BenchKeys,
  type ServerTokens,
} from './harness/tokens.js';
import { SCENARIOS, SERVERS, type Scenario, type ServerId } from './scenarios.js';

const UNKNOWN_KID_REQUESTS = 50;
/** Seconds after our server's first JWKS fetch by which the measured rounds should be over. */
const TIME_BUDGET_S = 570;

const say = (line: string) => process.stdout.write(`${line}\n`);

interface Target {
  server: RunningServer;
  url: string;
  tokens: ServerTokens;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

function libraryState(): BenchReport['library'] {
  const git = (...args: string[]) => spawnSync('git', args, { encoding: 'utf8' }).stdout ?? '';
  const changed = git('status', '--porcelain', '--', 'lib')
    .split('\n')
    .map((line) => line.slice(3).trim())
    .filter((path) => path !== '' && !path.endsWith('.spec.ts'));
  return { commit: git('rev-parse', '--short', 'HEAD').trim() || 'unknown', uncommittedLibFiles: changed };
}

/** Starts the JWKS server and the servers the scenarios need; mints each server's tokens. */
async function startServers(
  group: ProcessGroup,
  settings: BenchSettings,
  keys: BenchKeys,
  needed: Set<ServerId>,
): Promise<{ issuer: string; targets: Map<ServerId, Target> }> {
  const jwks = await group.startServer(
    'jwks',
    fileURLToPath(new URL('./servers/jwks.server.js', import.meta.url)),
    { BENCH_PORT: String(await freePort()), BENCH_JWKS_JSON: JSON.stringify(keys.jwks) },
    { cpu: LOAD_CPU },
  );
  const issuer = `http://127.0.0.1:${jwks.port}`;
  const targets = new Map<ServerId, Target>();
  for (const spec of SERVERS.filter((s) => needed.has(s.id))) {
    const profiled = settings.profile.includes(spec.id);
    const nodeArgs = profiled
      ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=${spec.id}.cpuprofile`]
      : [];
    const env = {
      ...spec.env,
      BENCH_PORT: String(await freePort()),
      BENCH_ISSUER: issuer,
      BENCH_JWKS_URI: `${issuer}/jwks/${spec.id}`,
    };
    const server = await group.startServer(spec.id, fileURLToPath(new URL(spec.script, import.meta.url)), env, {
      nodeArgs,
    });
    const url = `http://127.0.0.1:${server.port}/mcp`;
    targets.set(spec.id, { server, url, tokens: await mintServerTokens(keys, { issuer, audience: url }) });
    say(`  started ${spec.id} (pid ${server.pid}, port ${server.port})${profiled ? ' with --cpu-prof' : ''}`);
  }
  return { issuer, targets };
}

async function main(group: ProcessGroup): Promise<number> {
  const settings = readSettings();
  const machine = machineFacts();
  const library = libraryState();
  const active = SCENARIOS.filter((s) => settings.scenarios.length === 0 || settings.scenarios.includes(s.id));
  const complete = active.length === SCENARIOS.length;
  say(`nestjs-mcp-auth bench — Node ${machine.node}, ${machine.cores} cores, pinning: ${machine.pinning}`);
  say(
    `${settings.rounds} round(s) × ${active.length} windows of ${settings.warmupS} s warm-up + ${settings.durationS} s`,
  );

  const keys = await generateBenchKeys();
  const needed = new Set<ServerId>([...active.map((s) => s.server), 'ours-protected']);
  const { issuer, targets } = await startServers(group, settings, keys, needed);
  const target = (id: ServerId) => targets.get(id)!;

  // Correctness first: every stack answers the tool call; protection is really on (or off).
  const firstFetchAt = Date.now();
  for (const id of targets.keys()) {
    const { url, tokens } = target(id);
    const isProtected = SERVERS.find((s) => s.id === id)!.protected;
    await expectEcho(`${id} valid token`, url, tokens.valid, 200);
    await expectEcho(`${id} bad-signature token`, url, tokens.badSignature, isProtected ? 401 : 200);
  }
  say('  every stack answers "hi:bench-client"; protected ones refuse a bad signature, unprotected ones do not check');

  const targetOf = (scenario: Scenario): LoadTarget => {
    const { url, tokens, server } = target(scenario.server);
    return { url, token: tokens[scenario.token], pid: server.pid };
  };

  const startupRssMb: BenchReport['startupRssMb'] = {};
  for (const [id, { server }] of targets) startupRssMb[id] = await residentMb(server.pid);

  // Warm every scenario once, let the servers idle, then read their RSS.
  for (const scenario of active) await loadWindow(group, scenario, targetOf(scenario), settings.warmupS, false);
  await sleep(settings.idleS * 1000);
  const idleRssMb: BenchReport['idleRssMb'] = {};
  for (const [id, { server }] of targets) idleRssMb[id] = await residentMb(server.pid);

  // Waits for a quiet machine and repeated windows only spend slack: the rounds end before jose's
  // JWKS cache (10 min, the library default) expires, so the fetch count can stay 1.
  const { results, discarded, quietness } = await runRounds(
    group,
    settings,
    active,
    targetOf,
    firstFetchAt + TIME_BUDGET_S * 1000,
    say,
  );

  // JWKS: fetches so far, then a burst of unknown-kid tokens at our protected server.
  const fetches = await jwksHits(issuer);
  const secondsSinceFirstFetch = (Date.now() - firstFetchAt) / 1000;
  const ours = target('ours-protected');
  const unknownKid = await mintUnknownKidTokens(keys, { issuer, audience: ours.url }, UNKNOWN_KID_REQUESTS);
  const statuses = await concurrentCalls(ours.url, unknownKid);
  const after = await jwksHits(issuer);
  const jwks: JwksFindings = {
    fetches: Object.fromEntries(
      [...targets.keys()]
        .filter((id) => SERVERS.find((s) => s.id === id)!.protected)
        .map((id) => [id, fetches[id] ?? 0]),
    ),
    unknownKid: {
      tokens: UNKNOWN_KID_REQUESTS,
      extraFetches: (after['ours-protected'] ?? 0) - (fetches['ours-protected'] ?? 0),
      statuses,
      secondsSinceFirstFetch,
    },
  };

  const scenarios: BenchReport['scenarios'] = {};
  for (const scenario of active) scenarios[scenario.id] = summarize(scenario.id, results.get(scenario.id)!);
  const { ratios, cpuDeltasUs, targets: goals } = evaluate(scenarios, jwks);
  const problems: string[] = [];
  for (const [id, s] of Object.entries(scenarios)) {
    if (s.unexpected > 0 || s.errors > 0) {
      problems.push(`${id}: ${s.unexpected} responses without status ${s.expectStatus}, ${s.errors} errors`);
    }
  }
  if (statuses['401'] !== UNKNOWN_KID_REQUESTS) problems.push(`unknown-kid burst answered ${JSON.stringify(statuses)}`);

  const report: BenchReport = {
    generatedAt: new Date().toISOString(),
    command: settings.quick ? 'BENCH_QUICK=1 npm run bench' : 'npm run bench',
    machine,
    library,
    settings: { ...settings, connections: CONNECTIONS },
    scenarios,
    ratios,
    cpuDeltasUs,
    jwks,
    startupRssMb,
    idleRssMb,
    discarded,
    quietness,
    targets: goals,
    valid: problems.length === 0,
    problems,
  };
  const markdown = resultsMarkdown(report);
  say('');
  say(markdown);
  say('');
  if (complete) {
    await publish(report, markdown);
    say('Wrote bench/results/latest.json and the results section of bench/README.md.');
  } else {
    say('Partial run (BENCH_SCENARIOS): nothing written.');
  }
  if (problems.length > 0) {
    process.stderr.write(`Harness failure: ${problems.join('; ')}\n`);
    return 1;
  }
  return 0;
}

const group = new ProcessGroup();
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    process.stderr.write(`\n${signal}: stopping every bench process\n`);
    void group.stopAll().finally(() => process.exit(130));
  });
}

let exitCode = 1;
try {
  exitCode = await main(group);
} catch (error) {
  if (!interrupted) process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
} finally {
  await group.stopAll();
}
process.exitCode = exitCode;
