import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCENARIOS } from '../scenarios.js';
import type { BenchReport } from './summary.js';

export const README_START = '<!-- bench:results:start -->';
export const README_END = '<!-- bench:results:end -->';

/** Source-tree paths (the runner executes from dist/bench/). */
const BENCH_DIR = fileURLToPath(new URL('../../../bench/', import.meta.url));
export const RESULTS_FILE = `${BENCH_DIR}results/latest.json`;
export const README_FILE = `${BENCH_DIR}README.md`;
export const PROFILE_DIR = `${BENCH_DIR}results/profiles`;

const f0 = (n: number | undefined) =>
  n === undefined || Number.isNaN(n) ? '—' : Math.round(n).toLocaleString('en-US');
const f1 = (n: number) => n.toFixed(1);
const pct = (n: number | undefined) => (n === undefined ? '—' : `${Math.round(n * 100)}%`);
const x = (n: number) => (Number.isNaN(n) ? '—' : `${n.toFixed(2)}×`);

/** The results as markdown: scenario table, targets, informational figures. */
export function resultsMarkdown(report: BenchReport): string {
  const rows = SCENARIOS.flatMap(({ id }) => {
    const s = report.scenarios[id];
    if (s === undefined) return [];
    const perRound = s.rounds.map((r) => f0(r.rps)).join(' / ');
    const outcome = s.expectStatus === 200 ? `${s.non2xx} non-2xx` : `${s.unexpected} not 401`;
    return [
      `| ${s.label} | **${f0(s.median.rps)}** | ${f1(s.median.p50)} | ${f1(s.median.p99)} | ${f0(s.median.cpuUsPerRequest)} | ${pct(s.median.cpuShare)} | ${outcome}, ${s.errors} errors | ${f0(report.startupRssMb[s.server])} → ${f0(report.idleRssMb[s.server])} | ${perRound} |`,
    ];
  });
  const targets = report.targets.map(
    (t) => `| ${t.name} | ${t.measured} | ${t.goal} | ${t.pass === null ? '—' : t.pass ? 'PASS' : '**MISS**'} |`,
  );
  const { ratios: r, cpuDeltasUs: d, jwks: k, machine: m, settings } = report;
  const dirty = report.library.uncommittedLibFiles;
  return [
    `- Run of ${report.generatedAt} — \`${report.command}\` — library at ${report.library.commit}${dirty.length ? ` plus uncommitted changes to ${dirty.join(', ')}` : ''}.`,
    `- Machine: Node ${m.node}, ${m.cores} cores (${m.cpuModel}), ${m.platform}, ${m.memoryGb} GB; pinning: ${m.pinning}.`,
    `- ${settings.rounds} interleaved rounds; per window ${settings.warmupS} s unrecorded warm-up + ${settings.durationS} s measured; autocannon, ${settings.connections} keep-alive connections. Medians over rounds.`,
    settings.minCoreShare > 0
      ? `- Windows in which the server got under ${Math.round(settings.minCoreShare * 100)}% of its core were repeated (at most twice each): ${report.discarded.length === 0 ? 'none this run' : report.discarded.map((w) => `${w.scenario} in round ${w.round} (${pct(w.result.coreShare)})`).join(', ')}.`
      : '- Starved windows were not repeated (no pinning, or BENCH_MIN_CORE_USE=0).',
    `- Waited ${Math.round(report.quietness.waitedS)} s in all for other processes to leave CPUs 0 and 1 before windows; ${report.quietness.windowsStartedBusy} window(s) started while they were still busy.`,
    ...(report.valid ? [] : ['', `**INVALID RUN**: ${report.problems.join('; ')}`]),
    '',
    '| Scenario | req/s | p50 ms | p99 ms | server CPU µs/req | server core use | status check | RSS MB: start → idle after load | req/s per round |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    'Targets are judged on the ratio of medians; "per round" is the median of the same ratio within each round, "by CPU" the throughput ratio implied by the servers\' CPU time per request.',
    '',
    '| Target | Measured | Goal | Result |',
    '|---|---|---|---|',
    ...targets,
    '',
    'Informational (medians):',
    `- server CPU per request, protected minus unprotected: ${f0(d.authCacheHit)} µs with the verification cache (default), ${f0(d.authFullVerification)} µs with \`cache: false\`; SDK recipe minus ours (both protected): ${f0(d.sdkMinusOurs)} µs`,
    `- cache off / ours unprotected: ${x(r.cacheOffVsUnprotected)}; cache off / SDK v2 recipe: ${x(r.cacheOffVsSdkProtected)}; cache-off bad signature / cache-off valid: ${x(r.cacheOffBadSignatureVsValid)}`,
    `- ours protected / bare Nest route: ${x(r.oursProtectedVsBareNest)}`,
    `- JWKS fetches over the run: ${Object.entries(k.fetches)
      .map(([server, n]) => `${server} ${n}`)
      .join(', ')}`,
    `- unknown-kid burst: ${k.unknownKid.tokens} concurrent requests answered ${JSON.stringify(k.unknownKid.statuses)}, ${k.unknownKid.extraFetches} extra fetch(es), sent ${Math.round(k.unknownKid.secondsSinceFirstFetch)} s after the first fetch (jose refetches for an unknown kid only after its 30 s cooldown)`,
  ].join('\n');
}

/** Formats like `npm run format` would, so `prettier --check` stays clean after a bench run. */
async function formatted(file: string, text: string): Promise<string> {
  try {
    const prettier = await import('prettier');
    const options = (await prettier.resolveConfig(file)) ?? {};
    return await prettier.format(text, { ...options, filepath: file });
  } catch {
    return text; // prettier is a dev dependency; without it the files are still valid
  }
}

/** Writes bench/results/latest.json and regenerates the README's results section. */
export async function publish(report: BenchReport, markdown: string): Promise<void> {
  await mkdir(dirname(RESULTS_FILE), { recursive: true });
  await writeFile(RESULTS_FILE, await formatted(RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`));
  const readme = await readFile(README_FILE, 'utf8').catch(() => '');
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  const section = `${README_START}\n\n${markdown}\n\n${README_END}`;
  const updated =
    start !== -1 && end > start
      ? `${readme.slice(0, start)}${section}${readme.slice(end + README_END.length)}`
      : `${readme}\n## Latest results\n\n${section}\n`;
  await writeFile(README_FILE, await formatted(README_FILE, updated));
}
