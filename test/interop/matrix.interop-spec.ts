import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { authorizationServerChecks } from './clients/conformance-authorization.js';
import { conformanceChecks } from './clients/conformance.js';
import { inspectorChecks } from './clients/inspector.js';
import { mcpRemoteChecks } from './clients/mcp-remote.js';
import { sdkChecks, sdkVersion } from './clients/sdk.js';
import { loadExpectedFailures } from './expected-failures.js';
import { LEVELS, type LevelTarget } from './levels.js';
import { notApplicableCell, runCell, type CellResult, type InteropCheck } from './matrix.js';
import { writeReport } from './report.js';
import { stopAllProcesses } from './support/processes.js';
import { resolveNpxTool, type ResolvedTool } from './support/npx-tools.js';
import { NPX_TOOLS, type NpxToolName } from './versions.js';

/**
 * The interop matrix: every level's sample (columns) against every client check (rows). Each
 * applicable cell is one test; it fails when the cell fails, when a cell listed as an expected
 * failure passes or fails differently, or when the level's app does not start. The run writes
 * `results/latest.json` and regenerates the README matrix from it.
 */
const ALL_CHECKS: readonly InteropCheck[] = [
  ...conformanceChecks(),
  ...authorizationServerChecks(),
  ...inspectorChecks(),
  ...sdkChecks('v1'),
  ...sdkChecks('v2'),
  ...mcpRemoteChecks('mcpRemote', 'mcp-remote'),
  ...mcpRemoteChecks('mcpRemoteLegacy', 'mcp-remote-0.1'),
];
/**
 * A partial run for working on one cell: `INTEROP_LEVELS=3,4` and/or `INTEROP_ROWS=<substring of a
 * row id>`. It writes `results/partial.json` and leaves `latest.json` and the README alone.
 */
const onlyLevels = process.env.INTEROP_LEVELS?.split(',').map((n) => Number(n.trim()));
const onlyRows = process.env.INTEROP_ROWS;
const SELECTED_LEVELS = onlyLevels ? LEVELS.filter((l) => onlyLevels.includes(l.level)) : LEVELS;
const CHECKS = onlyRows ? ALL_CHECKS.filter((c) => c.id.includes(onlyRows)) : ALL_CHECKS;
const partial = onlyLevels !== undefined || onlyRows !== undefined;
const RAW_DIR = fileURLToPath(new URL('./results/raw/', import.meta.url));
const expected = loadExpectedFailures();
const cells: CellResult[] = [];
const tools: ResolvedTool[] = [];
const startedAt = new Date();
let workRoot: string;
let toolSetupSeconds = 0;

beforeAll(async () => {
  workRoot = await mkdtemp(join(tmpdir(), 'mcp-interop-'));
  if (partial) {
    for (const level of SELECTED_LEVELS)
      await rm(join(RAW_DIR, `level-${level.level}`), { recursive: true, force: true });
  } else await rm(RAW_DIR, { recursive: true, force: true });
  // Fetch the pinned npx packages first (a cold npm cache downloads Node 22 and the clients).
  const setup = Date.now();
  for (const name of Object.keys(NPX_TOOLS) as NpxToolName[]) tools.push(await resolveNpxTool(name));
  toolSetupSeconds = (Date.now() - setup) / 1000;
}, 15 * 60_000);

afterAll(async () => {
  await stopAllProcesses();
  const finishedAt = new Date();
  await writeReport(partial, {
    generatedBy: 'npm run test:interop',
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    seconds: Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000),
    toolSetupSeconds: Math.round(toolSetupSeconds * 10) / 10,
    node: process.version,
    tools: tools.map(({ node: _node, script: _script, ...tool }) => tool),
    sdk: { v1: sdkVersion('v1'), v2: sdkVersion('v2') },
    levels: SELECTED_LEVELS.map(({ level, title, sample, clientAuth, authorizationServer, signInPages }) => ({
      level,
      title,
      sample,
      clientAuth,
      authorizationServer,
      ...(signInPages ? { signInPages } : {}),
    })),
    rows: CHECKS.map(({ id, client, title }) => ({ id, client, title })),
    cells: [...cells].sort(
      (a, b) => a.level - b.level || CHECKS.findIndex((c) => c.id === a.row) - CHECKS.findIndex((c) => c.id === b.row),
    ),
  });
  if (workRoot) await rm(workRoot, { recursive: true, force: true });
}, 60_000);

describe.each(SELECTED_LEVELS.map((level) => [level.level, level.title, level] as const))(
  'level %i (%s)',
  (_n, _title, level) => {
    let target: LevelTarget | undefined;
    let startError: Error | undefined;
    const applicable = CHECKS.filter((check) => {
      const cell = notApplicableCell(check, level);
      if (cell) cells.push(cell);
      return cell === undefined;
    });

    beforeAll(async () => {
      const dir = join(workRoot, `level-${level.level}`);
      await mkdir(dir, { recursive: true });
      try {
        target = await level.start(dir);
      } catch (error) {
        startError = error as Error;
      }
    }, 120_000);
    afterAll(async () => {
      await target?.close();
    });

    it.each(applicable.map((check) => [check.id, check] as const))(
      '%s',
      async (id, check) => {
        let cell: CellResult;
        if (!target) {
          cell = {
            row: id,
            level: level.level,
            status: 'fail',
            summary: `the sample did not start: ${startError?.message}`,
            seconds: 0,
          };
        } else {
          const slug = id.replace(/\W+/g, '-');
          const workDir = await mkdtemp(join(workRoot, `${slug}-`));
          const rawDir = join(RAW_DIR, `level-${level.level}`, slug);
          await mkdir(rawDir, { recursive: true });
          cell = await runCell(check, { level, target, workDir, rawDir, expected });
        }
        cells.push(cell);
        if (cell.status === 'fail')
          throw new Error(`${id} at level ${level.level}: ${cell.summary}\n${cell.error ?? ''}`);
        expect(['pass', 'expected-fail']).toContain(cell.status);
      },
      6 * 60_000,
    );
  },
);
