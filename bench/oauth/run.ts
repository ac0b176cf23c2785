/**
 * `npm run bench:oauth`: the level-3 and level-4 benchmarks (issues 4, 5 and 6), as ratios
 * against baselines measured in the same run. See bench/oauth/README.md.
 *
 * 1. Complete OAuth flows per second through our authorization server: level 3 (register →
 *    authorize → consent → upstream authorize → callback → token, against a local upstream) and
 *    level 4 (register → authorize → sign-in → consent → token), on the memory store and on a
 *    real redis-server.
 * 2. `tools/call` with one of our own access tokens (levels 3 and 4) against the level-1 JWT
 *    path: same tool, same load, interleaved windows.
 * 3. Redis round trips per verified MCP request with our own tokens, counted with MONITOR (and
 *    INFO commandstats) over a continuous window.
 *
 * Exit code 0 whether targets pass or miss; 1 when the harness fails (a process crashes, a flow
 * fails, a response has a status it must not have).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair } from 'jose';
import { hashPassword } from '../../lib/index.js';
import { BENCH_SCOPE } from '../bench.constants.js';
import { CONNECTIONS, runLoad, type LoadResult } from '../harness/load.js';
import { cpuSeconds, LOAD_CPU, ProcessGroup, type RunningServer } from '../harness/processes.js';
import { callEcho } from '../harness/probes.js';
import { waitForQuiet } from '../harness/quiet.js';
import { PROFILE_DIR } from '../harness/report.js';
import { machineFacts } from '../harness/settings.js';
import { generateBenchKeys, mintServerTokens } from '../harness/tokens.js';
import { HttpClient, runFlow, type FlowTarget } from './flow-client.js';
import type { DriverUsers } from './flow-driver.js';
import { flowWindow, stopDrivers, type FlowWindowResult } from './flow-window.js';
import { BenchRedis, redisVersion } from './redis.js';
import { publishOAuthReport, oauthResultsMarkdown, type OAuthBenchReport } from './report.js';
import { analyzeRoundTrips, type RoundTripFindings } from './round-trips.js';
import {
  FLOW_SCENARIOS,
  OAUTH_SERVERS,
  TOOL_SCENARIOS,
  type FlowScenario,
  type OAuthServerId,
  type OAuthServerSpec,
  type ToolScenario,
} from './scenarios.js';
import { readOAuthSettings, type OAuthBenchSettings } from './settings.js';
import { summarizeFlows, summarizeTools, evaluateOAuth } from './summary.js';

const MAX_RETRIES_PER_WINDOW = 2;
const PASSWORD = 'bench-password-0123456789';
/** The user of the correctness checks and the tools/call tokens (configured on every server). */
const USER = { username: 'bench-user-0', password: PASSWORD };
const UPSTREAM_CLIENT = { id: 'bench-proxy', secret: randomBytes(24).toString('base64url') };

const say = (line: string) => process.stdout.write(`${line}\n`);
const script = (path: string) => fileURLToPath(new URL(path, import.meta.url));

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

/** A started server with what the runner needs to drive it. */
interface Target {
  readonly spec: OAuthServerSpec;
  readonly server: RunningServer;
  readonly origin: string;
  readonly mcpUrl: string;
  readonly redis?: BenchRedis;
  /** PIDs whose CPU a flow window reads. */
  readonly watch: Record<string, number>;
  /** Access token for tools/call windows and the text the tool answers with it. */
  token?: string;
  expectedText?: string;
}

interface Infrastructure {
  targets: Map<OAuthServerId, Target>;
  /** Origin of the local upstream, when a level-3 server uses it. */
  upstreamOrigin: string | undefined;
}

/** Every redis-server of the run, stopped by PID in the end (and on Ctrl-C). */
const redises: BenchRedis[] = [];

async function start(
  group: ProcessGroup,
  settings: OAuthBenchSettings,
  needed: Set<OAuthServerId>,
): Promise<Infrastructure> {
  const specs = OAUTH_SERVERS.filter((s) => needed.has(s.id));
  const ports = new Map<OAuthServerId, number>();
  for (const spec of specs) ports.set(spec.id, await freePort());
  const callback = (id: OAuthServerId) => `http://127.0.0.1:${ports.get(id)}/oauth/callback`;
  const upstreamEnv = (redirects: string[]) => ({
    BENCH_UPSTREAM_CLIENT_ID: UPSTREAM_CLIENT.id,
    BENCH_UPSTREAM_CLIENT_SECRET: UPSTREAM_CLIENT.secret,
    BENCH_UPSTREAM_REDIRECT_URIS: redirects.join(','),
  });

  // Everything that serves our server sits on the load CPU: the upstreams, the JWKS, Redis.
  const localProxies = specs.filter((s) => s.level === 3 && s.upstream === 'local').map((s) => s.id);
  const upstream = localProxies.length
    ? await group.startServer(
        'upstream',
        script('./upstream.server.js'),
        { BENCH_PORT: String(await freePort()), ...upstreamEnv(localProxies.map(callback)) },
        { cpu: LOAD_CPU },
      )
    : undefined;
  const oidcProvider = needed.has('l3-oidc-provider')
    ? await group.startServer(
        'oidc-provider',
        script('./oidc-provider.server.js'),
        {
          BENCH_PORT: String(await freePort()),
          BENCH_USER_COUNT: String(settings.flowConcurrency),
          BENCH_PASSWORD: PASSWORD,
          ...upstreamEnv([callback('l3-oidc-provider')]),
        },
        { cpu: LOAD_CPU },
      )
    : undefined;
  const benchKeys = await generateBenchKeys();
  const jwks = needed.has('l1-jwt')
    ? await group.startServer(
        'jwks',
        script('../servers/jwks.server.js'),
        { BENCH_PORT: String(await freePort()), BENCH_JWKS_JSON: JSON.stringify(benchKeys.jwks) },
        { cpu: LOAD_CPU },
      )
    : undefined;

  const signingAlg = settings.signingAlgorithm;
  const { privateKey } = await generateKeyPair(signingAlg, { extractable: true });
  const signingJwk = JSON.stringify({ ...(await exportJWK(privateKey)), kid: 'bench-as-1' });
  const encryptionKey = randomBytes(32).toString('base64url');
  // What `hashPassword()` produces with its defaults: what a production configuration holds.
  const needsScrypt = specs.some((s) => s.login === 'scrypt');
  const passwordHash = needsScrypt ? await hashPassword(PASSWORD) : '';

  const targets = new Map<OAuthServerId, Target>();
  for (const spec of specs) {
    const port = ports.get(spec.id)!;
    const origin = `http://127.0.0.1:${port}`;
    const nodeArgs = settings.profile.includes(spec.id)
      ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=oauth-${spec.id}.cpuprofile`]
      : [];
    let redis: BenchRedis | undefined;
    if (spec.store === 'redis') {
      redis = await BenchRedis.start(spec.id, await freePort(), LOAD_CPU);
      redises.push(redis);
    }
    let server: RunningServer;
    if (spec.level === 1) {
      server = await group.startServer(
        spec.id,
        script('../servers/nest-mcp.server.js'),
        {
          BENCH_PORT: String(port),
          BENCH_AUTH: 'jwt',
          BENCH_ISSUER: `http://127.0.0.1:${jwks!.port}`,
          BENCH_JWKS_URI: `http://127.0.0.1:${jwks!.port}/jwks/${spec.id}`,
        },
        { nodeArgs },
      );
    } else {
      const upstreamServer = spec.upstream === 'oidc-provider' ? oidcProvider : upstream;
      server = await group.startServer(
        spec.id,
        script('./as.server.js'),
        {
          BENCH_PORT: String(port),
          BENCH_LEVEL: spec.level === 3 ? 'proxy' : 'server',
          BENCH_STORE: spec.store,
          ...(redis ? { BENCH_REDIS_URL: redis.url } : {}),
          BENCH_SIGNING_JWK: signingJwk,
          BENCH_SIGNING_ALG: signingAlg,
          BENCH_ENCRYPTION_KEY: encryptionKey,
          ...(spec.level === 3
            ? {
                BENCH_UPSTREAM_ISSUER: `http://127.0.0.1:${upstreamServer!.port}`,
                BENCH_UPSTREAM_CLIENT_ID: UPSTREAM_CLIENT.id,
                BENCH_UPSTREAM_CLIENT_SECRET: UPSTREAM_CLIENT.secret,
              }
            : {
                BENCH_USER_COUNT: String(settings.flowConcurrency),
                BENCH_PASSWORD: spec.login === 'scrypt' ? passwordHash : PASSWORD,
                BENCH_LOGIN: spec.login ?? 'direct',
              }),
        },
        { nodeArgs },
      );
    }
    const watch: Record<string, number> = { server: server.pid };
    if (spec.level === 3) watch.upstream = (spec.upstream === 'oidc-provider' ? oidcProvider : upstream)!.pid;
    if (redis) watch.redis = redis.pid;
    const target: Target = { spec, server, origin, mcpUrl: `${origin}/mcp`, redis, watch };
    if (spec.level === 1) {
      const tokens = await mintServerTokens(benchKeys, {
        issuer: `http://127.0.0.1:${jwks!.port}`,
        audience: target.mcpUrl,
      });
      target.token = tokens.valid;
      target.expectedText = 'hi:bench-client';
    }
    targets.set(spec.id, target);
    say(`  started ${spec.id} (pid ${server.pid}, port ${port})${nodeArgs.length ? ' with --cpu-prof' : ''}`);
  }
  return { targets, upstreamOrigin: upstream ? `http://127.0.0.1:${upstream.port}` : undefined };
}

/**
 * Who signs in during flows: a new user per flow where any name exists (our direct-check
 * directory), one user per flow slot where users are configured (built-in users, oidc-provider).
 */
function driverUsers(spec: OAuthServerSpec): DriverUsers | undefined {
  if (spec.level === 4) return { password: PASSWORD, usernames: spec.login === 'direct' ? 'per-flow' : 'per-worker' };
  if (spec.upstream === 'oidc-provider') return { password: PASSWORD, usernames: 'per-worker' };
  return undefined;
}

function flowTarget(target: Target): FlowTarget {
  return {
    issuer: target.origin,
    resource: target.mcpUrl,
    scope: BENCH_SCOPE,
    // Signs in on our level-4 page, or on the upstream's (oidc-provider) at level 3.
    user: USER,
  };
}

/** Correctness first: one flow per server, and a tools/call with its token (a tampered one fails). */
async function check(targets: Map<OAuthServerId, Target>): Promise<void> {
  const http = new HttpClient(2);
  try {
    for (const target of targets.values()) {
      if (target.spec.level !== 1) {
        const flow = await runFlow(http, flowTarget(target)).catch((error: unknown) => {
          throw new Error(`${target.spec.id}: ${String(error)}\n${target.server.output.join('\n')}`);
        });
        target.token = flow.accessToken;
        target.expectedText = `hi:${flow.clientId}`;
      }
      // oidc-provider grants only the scopes it knows: that server is measured on flows only.
      if (!TOOL_SCENARIOS.some((scenario) => scenario.server === target.spec.id)) continue;
      const ok = await callEcho(target.mcpUrl, target.token!);
      if (ok.status !== 200 || ok.text !== target.expectedText)
        throw new Error(`${target.spec.id}: tools/call answered ${ok.status} "${ok.text}"`);
      const tampered = `${target.token!.slice(0, -4)}${target.token!.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
      const refused = await callEcho(target.mcpUrl, tampered);
      if (refused.status !== 401) throw new Error(`${target.spec.id}: a tampered token got ${refused.status}`);
    }
  } finally {
    http.close();
  }
  say(
    '  every server completed a flow; those measured on tools/call answer it with their token and refuse a tampered one',
  );
}

interface Quietness {
  waitedS: number;
  windowsStartedBusy: number;
}

async function quiet(settings: OAuthBenchSettings, quietness: Quietness): Promise<void> {
  if (settings.quietWaitS <= 0) return;
  const { waitedMs, quiet: isQuiet } = await waitForQuiet(settings.quietWaitS * 1000);
  quietness.waitedS += waitedMs / 1000;
  if (!isQuiet) quietness.windowsStartedBusy += 1;
}

const rotate = <T>(items: readonly T[], round: number): T[] => items.map((_, i) => items[(i + round) % items.length]);

/**
 * One unrecorded window per scenario before the rounds, so that the first round does not measure
 * code V8 has not optimised yet (the first window of each server ran ~15% slower without it).
 */
async function warmUp(
  group: ProcessGroup,
  settings: OAuthBenchSettings,
  flows: readonly FlowScenario[],
  tools: readonly ToolScenario[],
  targets: Map<OAuthServerId, Target>,
): Promise<void> {
  for (const scenario of flows) {
    const target = targets.get(scenario.server)!;
    const warm = await flowWindow(
      {
        target: flowTarget(target),
        users: driverUsers(target.spec),
        concurrency: scenario.concurrency ?? settings.flowConcurrency,
        warmupS: 0,
        durationS: Math.max(5, settings.flowWarmupS + settings.flowDurationS),
      },
      {},
    );
    if (warm.failures > 0)
      throw new Error(`${scenario.id} warm-up: ${warm.failures} failed flows (${warm.failureSamples[0]})`);
  }
  for (const scenario of tools) {
    const target = targets.get(scenario.server)!;
    await runLoad(group, {
      url: target.mcpUrl,
      token: target.token!,
      expectStatus: 200,
      // At least 5 s, also in smoke runs: a fresh server needs that much load before V8 has optimised it.
      durationS: Math.max(5, settings.warmupS),
      label: `${scenario.id} warm-up`,
    });
  }
  say('  warmed every scenario once (unrecorded)');
}

/** Phase 1: interleaved flow windows. */
async function flowRounds(
  settings: OAuthBenchSettings,
  scenarios: readonly FlowScenario[],
  targets: Map<OAuthServerId, Target>,
  quietness: Quietness,
  discarded: OAuthBenchReport['discarded'],
): Promise<Map<string, FlowWindowResult[]>> {
  const results = new Map<string, FlowWindowResult[]>(scenarios.map((s) => [s.id, []]));
  for (let round = 0; round < settings.rounds; round++) {
    for (const scenario of rotate(scenarios, round)) {
      const target = targets.get(scenario.server)!;
      for (let attempt = 0; ; attempt++) {
        await quiet(settings, quietness);
        const result = await flowWindow(
          {
            target: flowTarget(target),
            users: driverUsers(target.spec),
            concurrency: scenario.concurrency ?? settings.flowConcurrency,
            warmupS: settings.flowWarmupS,
            durationS: settings.flowDurationS,
          },
          target.watch,
        );
        say(describeFlow(`round ${round + 1}/${settings.rounds}`, scenario.id, result));
        const share = result.coreShare.server;
        const starved = !scenario.comparison && share !== undefined && share < settings.minCoreShare;
        if (!starved || attempt >= MAX_RETRIES_PER_WINDOW) {
          results.get(scenario.id)!.push(result);
          break;
        }
        discarded.push({ scenario: scenario.id, round: round + 1, coreShare: share });
        say(`    starved (under ${Math.round(settings.minCoreShare * 100)}% of its core): window repeated`);
      }
    }
  }
  return results;
}

/** Phase 2: interleaved tools/call windows (autocannon, the level-1 bench's load). */
async function toolRounds(
  group: ProcessGroup,
  settings: OAuthBenchSettings,
  scenarios: readonly ToolScenario[],
  targets: Map<OAuthServerId, Target>,
  quietness: Quietness,
  discarded: OAuthBenchReport['discarded'],
): Promise<Map<string, LoadResult[]>> {
  const results = new Map<string, LoadResult[]>(scenarios.map((s) => [s.id, []]));
  for (let round = 0; round < settings.rounds; round++) {
    for (const scenario of rotate(scenarios, round)) {
      const target = targets.get(scenario.server)!;
      const load = (durationS: number) =>
        runLoad(group, { url: target.mcpUrl, token: target.token!, expectStatus: 200, durationS, label: scenario.id });
      for (let attempt = 0; ; attempt++) {
        await quiet(settings, quietness);
        await load(settings.warmupS);
        const before = await cpuSeconds(target.server.pid);
        const result = await load(settings.durationS);
        const after = await cpuSeconds(target.server.pid);
        if (group.crashes.length > 0) throw new Error(`server crashed:\n${group.crashes.join('\n')}`);
        if (before !== undefined && after !== undefined && result.total > 0) {
          result.cpuUsPerRequest = ((after - before) * 1e6) / result.total;
          result.coreShare = (result.cpuUsPerRequest * result.rps) / 1e6;
        }
        say(describeLoad(`round ${round + 1}/${settings.rounds}`, scenario.id, result));
        const starved = result.coreShare !== undefined && result.coreShare < settings.minCoreShare;
        if (!starved || attempt >= MAX_RETRIES_PER_WINDOW) {
          results.get(scenario.id)!.push(result);
          break;
        }
        discarded.push({ scenario: scenario.id, round: round + 1, coreShare: result.coreShare });
        say(`    starved (under ${Math.round(settings.minCoreShare * 100)}% of its core): window repeated`);
      }
    }
  }
  return results;
}

/** Phase 3: one continuous tools/call window per Redis-backed server, every Redis command captured. */
async function roundTrips(
  group: ProcessGroup,
  settings: OAuthBenchSettings,
  scenarios: readonly ToolScenario[],
  targets: Map<OAuthServerId, Target>,
): Promise<Record<string, RoundTripFindings>> {
  const findings: Record<string, RoundTripFindings> = {};
  for (const scenario of scenarios) {
    const target = targets.get(scenario.server)!;
    if (!target.redis) continue;
    // Let the verifier's revocation memory (10 s) expire first, so the window starts cold.
    await new Promise((resolve) => setTimeout(resolve, 11_000));
    const statsBefore = await target.redis.commandStats();
    const capture = await target.redis.monitor();
    const result = await runLoad(group, {
      url: target.mcpUrl,
      token: target.token!,
      expectStatus: 200,
      durationS: settings.roundTripWindowS,
      label: `${scenario.id} round trips`,
    });
    const commands = await capture.stop();
    const statsAfter = await target.redis.commandStats();
    if (result.unexpected > 0 || result.errors > 0)
      throw new Error(`${scenario.id}: ${result.unexpected} unexpected statuses, ${result.errors} errors`);
    findings[scenario.id] = analyzeRoundTrips(
      commands,
      result.total,
      settings.roundTripWindowS,
      statsBefore,
      statsAfter,
    );
    const f = findings[scenario.id];
    say(
      `  ${scenario.id}: ${f.commands} Redis commands for ${f.requests} requests in ${f.seconds} s ` +
        `(${JSON.stringify(f.byKind)}; revocation bursts ${JSON.stringify(f.revocationBursts)}; INFO delta ${f.commandStatsDelta})`,
    );
  }
  return findings;
}

function describeFlow(prefix: string, id: string, r: FlowWindowResult): string {
  // The driver's JSON turns NaN (no flow completed) into null.
  const n = (value: number | null | undefined, digits = 0) =>
    typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : '—';
  const cpu = Object.entries(r.cpuUsPerFlow)
    .map(([name, us]) => `${name} ${n(us / 1000, 2)} ms (${Math.round((r.coreShare[name] ?? 0) * 100)}%)`)
    .join(', ');
  return (
    `  ${prefix} ${id.padEnd(22)} ${n(r.flowsPerSecond).padStart(5)} flows/s  p50 ${n(r.p50)} ms` +
    `  p99 ${n(r.p99)} ms  cpu/flow: ${cpu}, driver ${n(r.driverCpuUsPerFlow / 1000, 2)} ms` +
    (r.failures ? `  FAILURES ${r.failures}: ${r.failureSamples[0]}` : '')
  );
}

function describeLoad(prefix: string, id: string, r: LoadResult): string {
  const core = r.coreShare === undefined ? '?' : Math.round(r.coreShare * 100);
  return (
    `  ${prefix} ${id.padEnd(22)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms` +
    `  cpu ${r.cpuUsPerRequest?.toFixed(0) ?? '?'} µs/req (${core}% of its core)  ${JSON.stringify(r.statusCodes)}` +
    (r.errors ? `  errors ${r.errors}` : '')
  );
}

/** The local upstream's counters: every code it issued must have been exchanged, with no error. */
async function upstreamStats(origin: string | undefined): Promise<OAuthBenchReport['upstream']> {
  if (origin === undefined) return undefined;
  return (await (await fetch(`${origin}/stats`)).json()) as OAuthBenchReport['upstream'];
}

async function main(group: ProcessGroup): Promise<number> {
  const settings = readOAuthSettings();
  const machine = machineFacts();
  const selected = (id: string) => settings.scenarios.length === 0 || settings.scenarios.includes(id);
  const flows = FLOW_SCENARIOS.filter((s) => selected(s.id));
  const tools = TOOL_SCENARIOS.filter((s) => selected(s.id));
  const complete = flows.length === FLOW_SCENARIOS.length && tools.length === TOOL_SCENARIOS.length;
  say(`nestjs-mcp-auth OAuth bench — Node ${machine.node}, ${machine.cores} cores, pinning: ${machine.pinning}`);
  say(
    `${settings.rounds} round(s): ${flows.length} flow windows of ${settings.flowWarmupS} + ${settings.flowDurationS} s ` +
      `(${settings.flowConcurrency} flows in progress), ${tools.length} tools/call windows of ${settings.warmupS} + ${settings.durationS} s`,
  );
  const needed = new Set<OAuthServerId>([...flows.map((s) => s.server), ...tools.map((s) => s.server)]);
  const { targets, upstreamOrigin } = await start(group, settings, needed);
  await check(targets);
  const quietness: Quietness = { waitedS: 0, windowsStartedBusy: 0 };
  const discarded: OAuthBenchReport['discarded'] = [];
  await warmUp(group, settings, flows, tools, targets);
  const flowResults = await flowRounds(settings, flows, targets, quietness, discarded);
  const toolResults = await toolRounds(group, settings, tools, targets, quietness, discarded);
  const trips = await roundTrips(group, settings, tools, targets);
  const upstream = await upstreamStats(upstreamOrigin);

  const flowSummaries = summarizeFlows(flows, flowResults);
  const toolSummaries = summarizeTools(tools, toolResults);
  const { ratios, targets: goals } = evaluateOAuth(flowSummaries, toolSummaries, trips);
  const problems: string[] = [];
  for (const [id, s] of Object.entries(flowSummaries))
    if (s.failures > 0) problems.push(`${id}: ${s.failures} failed flows (${s.failureSamples[0]})`);
  for (const [id, s] of Object.entries(toolSummaries))
    if (s.unexpected > 0 || s.errors > 0) problems.push(`${id}: ${s.unexpected} non-200 responses, ${s.errors} errors`);
  if (upstream && (upstream.errors > 0 || upstream.codesIssued !== upstream.codesExchanged))
    problems.push(`local upstream: ${JSON.stringify(upstream)} (every code issued must be exchanged, no errors)`);
  const report: OAuthBenchReport = {
    generatedAt: new Date().toISOString(),
    command: settings.quick ? 'BENCH_QUICK=1 npm run bench:oauth' : 'npm run bench:oauth',
    machine,
    redis: redisVersion(),
    library: libraryState(),
    settings: { ...settings, connections: CONNECTIONS },
    flows: flowSummaries,
    tools: toolSummaries,
    roundTrips: trips,
    upstream,
    ratios,
    targets: goals,
    discarded,
    quietness,
    valid: problems.length === 0,
    problems,
  };
  const markdown = oauthResultsMarkdown(report);
  say('');
  say(markdown);
  say('');
  if (complete && !settings.quick) {
    await publishOAuthReport(report, markdown);
    say('Wrote bench/oauth/results/latest.json and the results section of bench/oauth/README.md.');
  } else {
    say('Partial or quick run: nothing written.');
  }
  if (!report.valid) {
    say(`HARNESS PROBLEMS: ${problems.join('; ')}`);
    return 1;
  }
  return 0;
}

function libraryState(): OAuthBenchReport['library'] {
  // Not trimmed as a whole: porcelain lines start with a status column that may be a space.
  const git = (...args: string[]) => spawnSync('git', args, { encoding: 'utf8' }).stdout ?? '';
  const changed = git('status', '--porcelain', '--', 'lib')
    .split('\n')
    .map((line) => line.slice(3).trim())
    .filter((path) => path !== '' && !path.endsWith('.spec.ts'));
  return { commit: git('rev-parse', '--short', 'HEAD').trim() || 'unknown', uncommittedLibFiles: changed };
}

async function stopEverything(): Promise<void> {
  stopDrivers();
  await group.stopAll();
  for (const redis of redises.splice(0)) await redis.stop();
}

const group = new ProcessGroup();
const onSignal = () => void stopEverything().finally(() => process.exit(130));
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);
let code = 1;
try {
  code = await main(group);
} catch (error) {
  say(`bench:oauth failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  code = 1;
} finally {
  await stopEverything();
}
process.exit(code);
