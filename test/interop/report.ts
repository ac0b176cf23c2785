import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import type { FailureKind } from './expected-failures.js';
import type { InteropLevel } from './levels.js';
import type { CellResult, CellStatus, InteropCheck } from './matrix.js';
import type { ResolvedTool } from './support/npx-tools.js';

export const RESULTS_FILE = new URL('./results/latest.json', import.meta.url);
/** Where a partial run (`INTEROP_LEVELS` / `INTEROP_ROWS`) writes, leaving the README alone. */
export const PARTIAL_RESULTS_FILE = new URL('./results/partial.json', import.meta.url);
export const README_FILE = new URL('../../README.md', import.meta.url);
const START = '<!-- interop-matrix:start -->';
const END = '<!-- interop-matrix:end -->';

/** `test/interop/results/latest.json`: everything the README matrix is generated from. */
export interface RunReport {
  readonly generatedBy: 'npm run test:interop';
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly seconds: number;
  /** Seconds spent resolving the npx packages (downloads on a cold npm cache). */
  readonly toolSetupSeconds: number;
  readonly node: string;
  readonly tools: ReadonlyArray<Omit<ResolvedTool, 'node' | 'script'>>;
  readonly sdk: { readonly v1: string; readonly v2: string };
  readonly levels: ReadonlyArray<
    Pick<InteropLevel, 'level' | 'title' | 'sample' | 'clientAuth' | 'authorizationServer' | 'signInPages'>
  >;
  readonly rows: ReadonlyArray<Pick<InteropCheck, 'id' | 'client' | 'title'>>;
  readonly cells: readonly CellResult[];
}

export async function writeReport(partial: boolean, report: RunReport): Promise<void> {
  // Both files are written as `prettier --write` would leave them, so formatting the repository
  // does not turn a run's output into a diff.
  const file = partial ? PARTIAL_RESULTS_FILE : RESULTS_FILE;
  const jsonOptions = await resolveConfig(fileURLToPath(file));
  await writeFile(file, await format(JSON.stringify(report), { ...jsonOptions, parser: 'json' }));
  if (partial) return;
  const readme = await readFile(README_FILE, 'utf8');
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start === -1 || end < start) throw new Error(`README.md lacks the ${START} … ${END} markers`);
  const options = await resolveConfig(fileURLToPath(README_FILE));
  const section = (await format(renderMatrix(report), { ...options, parser: 'markdown' })).trimEnd();
  const updated = `${readme.slice(0, start + START.length)}\n\n${section}\n\n${readme.slice(end)}`;
  if (updated !== readme) await writeFile(README_FILE, updated);
}

const ICON: Record<CellStatus, string> = { pass: '✅', fail: '❌', 'expected-fail': '⚠️', 'n/a': '—' };
const BUG = '🐞';
const KIND_LABEL: Record<FailureKind, string> = {
  'not-implemented': 'Not implemented',
  'library-bug': 'Known library bug',
  'client-limitation': 'Client limitation',
  'off-by-default': 'Off by default',
};

/** The README section: one row per client check, one column per level, footnotes for reasons. */
export function renderMatrix(report: RunReport): string {
  const notes: string[] = [];
  const note = (text: string): string => {
    let index = notes.indexOf(text);
    if (index === -1) index = notes.push(text) - 1;
    return `<sup>${index + 1}</sup>`;
  };
  const cellText = (cell: CellResult | undefined): string => {
    if (!cell) return 'not run';
    switch (cell.status) {
      case 'pass':
        return `${ICON.pass} ${conformanceCount(cell) ?? 'pass'}`;
      case 'expected-fail':
        return cell.kind === 'library-bug'
          ? `${BUG} known library bug${note(`${BUG} ${KIND_LABEL['library-bug']}: ${cell.summary}`)}`
          : `${ICON['expected-fail']} expected failure${note(`${KIND_LABEL[cell.kind ?? 'client-limitation']}: ${cell.summary}`)}`;
      case 'n/a':
        return `${ICON['n/a']}${note(cell.summary)}`;
      default:
        return `${ICON.fail} **fail**${conformanceCount(cell) ? ` (${conformanceCount(cell)})` : ''}${note(cell.summary)}`;
    }
  };
  const header = `| Client | Check | ${report.levels.map((l) => `Level ${l.level} — ${l.title}`).join(' | ')} |`;
  const rule = `|---|---|${report.levels.map(() => '---').join('|')}|`;
  let previousClient = '';
  const rows = report.rows.map((row) => {
    const client = row.client === previousClient ? '' : row.client;
    previousClient = row.client;
    const cells = report.levels.map((level) =>
      cellText(report.cells.find((c) => c.row === row.id && c.level === level.level)),
    );
    return `| ${client} | ${row.title} | ${cells.join(' | ')} |`;
  });
  const minutes = `${Math.floor(report.seconds / 60)} min ${Math.round(report.seconds % 60)} s`;
  const auth = report.levels
    .map(
      (l) =>
        `level ${l.level}: ${l.clientAuth === 'oauth' ? `OAuth sign-in${l.signInPages ? ` (${l.signInPages})` : ''}` : 'static bearer token'}`,
    )
    .join('; ');
  return [
    `Generated by \`npm run test:interop\` on ${report.finishedAt.slice(0, 10)} (${minutes}, Node ${report.node}; ` +
      `${report.tools.map((t) => `${t.packages.at(-1)} on Node ${t.nodeVersion}`).join(', ')}). ` +
      `How clients authenticate — ${auth}. How to reproduce, what each cell means and the known client limitations: ` +
      `[docs/interop.md](docs/interop.md); every cell's evidence: [test/interop/results/latest.json](test/interop/results/latest.json).`,
    '',
    header,
    rule,
    ...rows,
    '',
    `${ICON.pass} pass · ${ICON['expected-fail']} expected failure (unimplemented feature, client limitation, or a feature the sample leaves off) · ` +
      `${BUG} known library bug · ${ICON.fail} fail · ${ICON['n/a']} not applicable. Expected failures and known bugs are ` +
      `listed with their reasons in \`test/interop/expected-failures.yml\`; an entry that starts passing fails the run.`,
    '',
    ...notes.map((text, i) => `${i + 1}. ${text}`),
    ...renderScenarios(report),
  ].join('\n');
}

interface ScenarioSummary {
  readonly scenario: string;
  readonly status: string;
  readonly kind?: FailureKind;
  readonly detail?: string;
}

/**
 * The graded items of a conformance cell: the server scenarios (`data.scenarios`), or the
 * `authorization` command's checks (`data.checks`, keyed `<scenario>/<check id>`).
 */
function scenariosOf(cell: CellResult): ScenarioSummary[] | undefined {
  if (cell.data?.scenarios) return cell.data.scenarios as ScenarioSummary[];
  const checks = cell.data?.checks as Array<Omit<ScenarioSummary, 'scenario'> & { check: string }> | undefined;
  return checks?.map(({ check, ...rest }) => ({ scenario: check, ...rest }));
}

function conformanceCount(cell: CellResult): string | undefined {
  const scenarios = scenariosOf(cell);
  if (!scenarios) return undefined;
  const count = (status: string, kind?: FailureKind) =>
    scenarios.filter((s) => s.status === status && (kind === undefined || s.kind === kind)).length;
  const bugs = count('expected-fail', 'library-bug');
  const unimplemented = count('expected-fail') - bugs;
  const failed = scenarios.length - count('pass') - count('expected-fail');
  return [
    `${count('pass')}/${scenarios.length} pass`,
    ...(unimplemented ? [`${ICON['expected-fail']} ${unimplemented}`] : []),
    ...(bugs ? [`${BUG} ${bugs}`] : []),
    ...(failed ? [`${ICON.fail} ${failed}`] : []),
  ].join(', ');
}

/** Every conformance cell's scenarios (or checks) grouped by outcome and reason, with the levels each holds for. */
function renderScenarios(report: RunReport): string[] {
  return [
    ...renderGroups(report, 'conformance/server', 'Conformance suite server scenarios'),
    ...renderGroups(
      report,
      'conformance-authorization/authorization',
      'Conformance suite `authorization` checks (`<scenario>/<check>`)',
    ),
  ];
}

function renderGroups(report: RunReport, row: string, title: string): string[] {
  const perLevel = report.levels.flatMap((level) => {
    const cell = report.cells.find((c) => c.row === row && c.level === level.level);
    return (cell ? (scenariosOf(cell) ?? []) : []).map((s) => ({ ...s, level: level.level }));
  });
  if (perLevel.length === 0) return [];
  const groups = new Map<string, { label: string; order: number; scenarios: Map<string, number[]> }>();
  for (const s of perLevel) {
    const order = s.status === 'pass' ? 0 : s.status !== 'expected-fail' ? 1 : s.kind === 'library-bug' ? 2 : 3;
    const label =
      s.status === 'pass'
        ? `${ICON.pass} pass`
        : s.status === 'expected-fail'
          ? `${s.kind === 'library-bug' ? BUG : ICON['expected-fail']} ${KIND_LABEL[s.kind ?? 'not-implemented']}: ${s.detail}`
          : `${ICON.fail} ${s.status}: ${s.detail}`;
    const group = groups.get(label) ?? { label, order, scenarios: new Map<string, number[]>() };
    group.scenarios.set(s.scenario, [...(group.scenarios.get(s.scenario) ?? []), s.level]);
    groups.set(label, group);
  }
  // "Every level" = every level the row ran at (not-applicable cells have no scenarios).
  const ranAt = [...new Set(perLevel.map((s) => s.level))].join(',');
  const sorted = [...groups.values()].sort((a, b) => a.order - b.order);
  const lines = sorted.map(({ label, scenarios }) => {
    const names = [...scenarios]
      .map(([id, levels]) => `\`${id}\`${levels.join(',') === ranAt ? '' : ` (level ${levels.join(', ')})`}`)
      .join(', ');
    const [head, ...reason] = label.split(': ');
    return reason.length ? `- ${head}: ${names} — ${reason.join(': ')}` : `- ${head}: ${names}`;
  });
  const where = ranAt.includes(',') ? `levels ${ranAt.replace(/,/g, ', ')}` : `level ${ranAt}`;
  return ['', `${title} (${where}; the same at each unless a level is named):`, '', ...lines];
}
