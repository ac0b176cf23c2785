import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MachineFacts } from '../harness/settings.js';
import type { RoundTripFindings } from './round-trips.js';
import type { OAuthBenchSettings } from './settings.js';
import type { FlowSummary, OAuthTarget, Ratio, ToolSummary } from './summary.js';

export const OAUTH_README_START = '<!-- bench-oauth:results:start -->';
export const OAUTH_README_END = '<!-- bench-oauth:results:end -->';

/** Source-tree paths (the runner executes from dist/bench/oauth/). */
const OAUTH_DIR = fileURLToPath(new URL('../../../bench/oauth/', import.meta.url));
const RESULTS_FILE = `${OAUTH_DIR}results/latest.json`;
const README_FILE = `${OAUTH_DIR}README.md`;

export interface OAuthBenchReport {
  generatedAt: string;
  command: string;
  machine: MachineFacts;
  redis: string;
  library: { commit: string; uncommittedLibFiles: string[] };
  settings: OAuthBenchSettings & { connections: number };
  flows: Record<string, FlowSummary>;
  tools: Record<string, ToolSummary>;
  roundTrips: Record<string, RoundTripFindings>;
  /** The local upstream's counters at the end of the run. */
  upstream: { codesIssued: number; codesExchanged: number; refreshes: number; errors: number } | undefined;
  ratios: Record<string, Ratio>;
  targets: OAuthTarget[];
  /** Measured windows repeated because our server got less than `minCoreShare` of its core. */
  discarded: Array<{ scenario: string; round: number; coreShare: number | undefined }>;
  quietness: { waitedS: number; windowsStartedBusy: number };
  valid: boolean;
  problems: string[];
}

const f0 = (n: number | undefined) =>
  n === undefined || Number.isNaN(n) ? '—' : Math.round(n).toLocaleString('en-US');
const f1 = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? '—' : n.toFixed(1));
const ms = (us: number | undefined) => (us === undefined || Number.isNaN(us) ? '—' : (us / 1000).toFixed(2));
const pct = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? '—' : `${Math.round(n * 100)}%`);
const x = (n: number) => (Number.isNaN(n) ? '—' : `${n.toFixed(2)}×`);

export function oauthResultsMarkdown(report: OAuthBenchReport): string {
  const { machine: m, settings: s } = report;
  const dirty = report.library.uncommittedLibFiles;
  const flowRows = Object.values(report.flows).map((f) => {
    const c = f.median.cpuUsPerFlow;
    const share = f.median.coreShare;
    return `| ${f.label} | **${f0(f.median.flowsPerSecond)}** | ${f0(f.median.p50)} | ${f0(f.median.p99)} | ${ms(c.server)} (${pct(share.server)}) | ${c.upstream === undefined ? '—' : `${ms(c.upstream)} (${pct(share.upstream)})`} | ${c.redis === undefined ? '—' : `${ms(c.redis)} (${pct(share.redis)})`} | ${ms(f.median.driverCpuUsPerFlow)} | ${f1(f.median.requestsPerFlow)} | ${f.failures} | ${f.rounds.map((r) => f0(r.flowsPerSecond)).join(' / ')} |`;
  });
  const toolRows = Object.values(report.tools).map(
    (t) =>
      `| ${t.label} | **${f0(t.median.rps)}** | ${f1(t.median.p50)} | ${f1(t.median.p99)} | ${f0(t.median.cpuUsPerRequest)} | ${pct(t.median.cpuShare)} | ${t.non2xx} non-2xx, ${t.errors} errors | ${t.rounds.map((r) => f0(r.rps)).join(' / ')} |`,
  );
  const tripRows = Object.entries(report.roundTrips).map(
    ([id, f]) =>
      `| ${report.tools[id]?.label ?? id} | ${f.seconds} s | ${f0(f.requests)} | ${f.commands} | ${f.commandStatsDelta} | ${
        Object.entries(f.byKind)
          .map(([kind, count]) => `${kind} × ${count}`)
          .join(', ') || 'none'
      } | ${f.revocationBursts.join(', ') || '—'} | ${f.perRequest.toExponential(1)} |`,
  );
  const targets = report.targets.map(
    (t) => `| ${t.name} | ${t.measured} | ${t.goal} | ${t.pass === null ? '—' : t.pass ? 'PASS' : '**MISS**'} |`,
  );
  const ratios = Object.entries(report.ratios)
    .filter(([, r]) => !Number.isNaN(r.medians))
    .map(([name, r]) => `| ${name} | ${x(r.medians)} | ${x(r.perRound)} | ${x(r.byCpu)} |`);
  const u = report.upstream;
  return [
    `- Run of ${report.generatedAt} — \`${report.command}\` — library at ${report.library.commit}${dirty.length ? ` plus uncommitted changes to ${dirty.join(', ')}` : ''}.`,
    `- Machine: Node ${m.node}, ${m.cores} cores (${m.cpuModel}), ${m.platform}, ${m.memoryGb} GB; redis-server ${report.redis}; pinning: ${m.pinning}; the upstream, Redis, the JWKS server and the load generators share CPU 1.`,
    `- Our servers sign with ${s.signingAlgorithm === 'RS256' ? 'RS256 (RSA 2048)' : `${s.signingAlgorithm} (P-256)`}. ${s.rounds} interleaved rounds. Flow windows: ${s.flowWarmupS} s unrecorded + ${s.flowDurationS} s measured, ${s.flowConcurrency} flows in progress. tools/call windows: ${s.warmupS} s + ${s.durationS} s, autocannon, ${s.connections} keep-alive connections. Medians over rounds.`,
    `- Windows in which our server got under ${Math.round(s.minCoreShare * 100)}% of its core were repeated (at most twice): ${report.discarded.length === 0 ? 'none this run' : report.discarded.map((w) => `${w.scenario} in round ${w.round} (${pct(w.coreShare)})`).join(', ')}. Waited ${Math.round(report.quietness.waitedS)} s in all for other processes to leave CPUs 0 and 1; ${report.quietness.windowsStartedBusy} window(s) started while they were still busy.`,
    ...(u
      ? [
          `- Local upstream over the run: ${f0(u.codesIssued)} codes issued, ${f0(u.codesExchanged)} exchanged, ${u.errors} errors.`,
        ]
      : []),
    ...(report.valid ? [] : ['', `**INVALID RUN**: ${report.problems.join('; ')}`]),
    '',
    '**Complete flows** (CPU time per completed flow, and share of one core used during the window):',
    '',
    '| Flow | flows/s | p50 ms | p99 ms | our server: CPU ms/flow (core) | upstream: CPU ms/flow (core) | Redis: CPU ms/flow (core) | load generator CPU ms/flow | HTTP requests/flow | failed | flows/s per round |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...flowRows,
    '',
    '**`tools/call` with a bearer token** (same tool, same load as `npm run bench`):',
    '',
    '| Server | req/s | p50 ms | p99 ms | server CPU µs/req | server core use | status check | req/s per round |',
    '|---|---|---|---|---|---|---|---|',
    ...toolRows,
    '',
    `**Redis commands during one continuous ${s.roundTripWindowS} s tools/call window** (MONITOR; INFO commandstats delta as a cross-check; the window starts after the revocation memory expired):`,
    '',
    '| Server | window | requests | commands (MONITOR) | commands (INFO delta) | by command and key namespace | GETs per re-check | commands per request |',
    '|---|---|---|---|---|---|---|---|',
    ...tripRows,
    '',
    '| Target | Measured | Goal | Result |',
    '|---|---|---|---|',
    ...targets,
    '',
    'Ratios (median of the ratio of medians; within each round; implied by CPU time per unit of work):',
    '',
    '| Ratio | of medians | per round | by CPU |',
    '|---|---|---|---|',
    ...ratios,
  ].join('\n');
}

/** Formats like `npm run format` would, so `prettier --check` stays clean after a run. */
async function formatted(file: string, text: string): Promise<string> {
  try {
    const prettier = await import('prettier');
    const options = (await prettier.resolveConfig(file)) ?? {};
    return await prettier.format(text, { ...options, filepath: file });
  } catch {
    return text; // prettier is a dev dependency; the files are valid without it
  }
}

/** Writes results/latest.json and the README section between the markers. */
export async function publishOAuthReport(report: OAuthBenchReport, markdown: string): Promise<void> {
  await mkdir(dirname(RESULTS_FILE), { recursive: true });
  await writeFile(RESULTS_FILE, await formatted(RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`));
  const readme = await readFile(README_FILE, 'utf8');
  const start = readme.indexOf(OAUTH_README_START);
  const end = readme.indexOf(OAUTH_README_END);
  if (start < 0 || end < start) throw new Error(`markers missing in ${README_FILE}`);
  const updated = `${readme.slice(0, start + OAUTH_README_START.length)}\n\n${markdown}\n\n${readme.slice(end)}`;
  await writeFile(README_FILE, await formatted(README_FILE, updated));
}
