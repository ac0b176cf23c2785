import type { ExpectedFailures, FailureKind } from './expected-failures.js';
import type { InteropLevel, LevelTarget } from './levels.js';

/**
 * - `pass`: the check succeeded;
 * - `fail`: it failed and no expectation covers it, or it failed differently than expected, or
 *   it passed although `expected-failures.yml` says it fails (a stale entry);
 * - `expected-fail`: it failed exactly as `expected-failures.yml` says, for the reason given there;
 * - `n/a`: the check does not apply to the level (e.g. step-up with a static token).
 */
export type CellStatus = 'pass' | 'fail' | 'expected-fail' | 'n/a';

/** What a check gets to work with. */
export interface CheckContext {
  readonly level: InteropLevel;
  readonly target: LevelTarget;
  /** An empty directory for this cell (client HOME, config, browser stand-in). */
  readonly workDir: string;
  /** A directory kept after the run for raw outputs (git-ignored). */
  readonly rawDir: string;
  readonly expected: ExpectedFailures;
}

/** A successful check: one line for the matrix, data for `latest.json`. */
export interface CheckOutcome {
  readonly summary: string;
  readonly data?: Record<string, unknown>;
}

/** One row of the matrix: a client doing one thing, run against every level. */
export interface InteropCheck {
  /** `<client>/<check>`, the key of `expected-failures.yml` `clients[].cell`. */
  readonly id: string;
  /** Client name with its pinned version. */
  readonly client: string;
  readonly title: string;
  /** Why the check does not apply to this level, or `undefined` when it does. */
  notApplicable?(level: InteropLevel): string | undefined;
  /** Runs the check; throws (with the evidence) when it fails. */
  run(context: CheckContext): Promise<CheckOutcome>;
}

export interface CellResult {
  readonly row: string;
  readonly level: number;
  readonly status: CellStatus;
  /** One line: what passed, or why it failed / is expected to fail / does not apply. */
  readonly summary: string;
  /** The failure as the client reported it. */
  readonly error?: string;
  /** For `expected-fail`: the kind of the expected failure. */
  readonly kind?: FailureKind;
  readonly seconds: number;
  readonly data?: Record<string, unknown>;
}

/** The cell of a check that does not apply to a level, or `undefined`. */
export function notApplicableCell(check: InteropCheck, level: InteropLevel): CellResult | undefined {
  const reason = check.notApplicable?.(level);
  return reason ? { row: check.id, level: level.level, status: 'n/a', summary: reason, seconds: 0 } : undefined;
}

/** Runs one (applicable) cell and grades it against `expected-failures.yml`. */
export async function runCell(check: InteropCheck, context: CheckContext): Promise<CellResult> {
  const level = context.level.level;
  const started = Date.now();
  const seconds = () => Math.round((Date.now() - started) / 100) / 10;
  const expectation = context.expected.clients.find((e) => e.cell === check.id && e.levels.includes(level));
  let outcome: CheckOutcome;
  try {
    outcome = await check.run(context);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const data = (error as { data?: Record<string, unknown> } | undefined)?.data;
    if (expectation && message.includes(expectation.failsWith)) {
      return {
        row: check.id,
        level,
        status: 'expected-fail',
        kind: expectation.kind,
        summary: expectation.reason,
        error: message,
        seconds: seconds(),
        data,
      };
    }
    const summary = expectation
      ? `failed, but not with the expected "${expectation.failsWith}"`
      : message.split('\n')[0].slice(0, 300);
    return { row: check.id, level, status: 'fail', summary, error: message, seconds: seconds(), data };
  }
  if (expectation) {
    return {
      row: check.id,
      level,
      status: 'fail',
      summary: `passes, but expected-failures.yml says it fails ("${expectation.failsWith}"): remove the stale entry`,
      seconds: seconds(),
      data: outcome.data,
    };
  }
  return { row: check.id, level, status: 'pass', summary: outcome.summary, seconds: seconds(), data: outcome.data };
}
