import { readFileSync } from 'node:fs';

/**
 * Why something is expected to fail:
 * - `not-implemented`: a feature the library does not offer (by design or not yet);
 * - `library-bug`: a defect of this library, recorded so the matrix stays honest until it is
 *   fixed (the entry turns stale, and fails the run, the moment the fix lands);
 * - `client-limitation`: a known defect or limitation of the client;
 * - `off-by-default`: a feature the library implements but leaves off unless configured (a
 *   documented default, e.g. for security), which the level's sample does not turn on.
 */
export type FailureKind = 'not-implemented' | 'library-bug' | 'client-limitation' | 'off-by-default';
const KINDS: readonly FailureKind[] = ['not-implemented', 'library-bug', 'client-limitation', 'off-by-default'];

/** A conformance scenario that fails, with why. */
export interface ExpectedScenarioFailure {
  readonly scenario: string;
  readonly kind: FailureKind;
  readonly reason: string;
}

/** A matrix cell that fails because of a known client limitation. */
export interface ExpectedCellFailure {
  /** `<client>/<check>`, e.g. `sdk-v1/step-up`. */
  readonly cell: string;
  /** Level numbers the expectation applies to. */
  readonly levels: readonly number[];
  /** Text the failure must contain, so a different failure is still reported as one. */
  readonly failsWith: string;
  readonly kind: FailureKind;
  readonly reason: string;
}

/** A check of the conformance suite's `authorization` command that fails at some levels. */
export interface ExpectedCheckFailure {
  /** `<scenario>/<check id>`, e.g. `authorization-server-metadata-endpoint/authorization-server-metadata-cimd`. */
  readonly check: string;
  readonly levels: readonly number[];
  readonly kind: FailureKind;
  readonly reason: string;
}

export interface ExpectedFailures {
  readonly conformance: readonly ExpectedScenarioFailure[];
  readonly clients: readonly ExpectedCellFailure[];
  readonly authorization: readonly ExpectedCheckFailure[];
}

export const EXPECTED_FAILURES_FILE = new URL('./expected-failures.yml', import.meta.url);

/**
 * Reads `expected-failures.yml`. The file uses a small, strict YAML subset (no YAML library is a
 * dependency of this repository) that survives `prettier --write`: top-level sections holding
 * lists of flat mappings whose values are plain, 'single-' or "double-quoted" scalars, or lists
 * (`[a, b]`, also split over lines, or `- a` blocks). Anything else is an error with its line.
 */
export function loadExpectedFailures(file: URL = EXPECTED_FAILURES_FILE): ExpectedFailures {
  const sections = parseSubset(readFileSync(file, 'utf8'));
  const unknown = Object.keys(sections).filter((key) => !['conformance', 'clients', 'authorization'].includes(key));
  if (unknown.length > 0) throw new Error(`expected-failures.yml: unknown section(s) ${unknown.join(', ')}`);
  const conformance = (sections.conformance ?? []).flatMap((entry) =>
    list(entry, 'scenarios').map((scenario) => ({ scenario, kind: kind(entry), reason: text(entry, 'reason') })),
  );
  const duplicates = conformance.filter((e, i) => conformance.findIndex((o) => o.scenario === e.scenario) !== i);
  if (duplicates.length > 0)
    throw new Error(`expected-failures.yml: ${duplicates.map((d) => d.scenario).join(', ')} listed twice`);
  const clients = (sections.clients ?? []).map((entry) => ({
    cell: text(entry, 'cell'),
    levels: levels(entry),
    failsWith: text(entry, 'failsWith'),
    kind: kind(entry),
    reason: text(entry, 'reason'),
  }));
  const authorization = (sections.authorization ?? []).flatMap((entry) =>
    list(entry, 'checks').map((check) => {
      if (!/^[\w-]+\/[\w-]+$/.test(check))
        throw new Error(`expected-failures.yml: authorization check "${check}" is not <scenario>/<check id>`);
      return { check, levels: levels(entry), kind: kind(entry), reason: text(entry, 'reason') };
    }),
  );
  return { conformance, clients, authorization };
}

type Entry = Record<string, string | string[]>;

function levels(entry: Entry): number[] {
  return list(entry, 'levels').map((level) => {
    if (!/^\d+$/.test(level)) throw new Error(`expected-failures.yml: level "${level}" is not a number`);
    return Number(level);
  });
}

function text(entry: Entry, key: string): string {
  const value = entry[key];
  if (typeof value !== 'string' || value === '')
    throw new Error(`expected-failures.yml: "${key}" missing in ${JSON.stringify(entry)}`);
  return value;
}

function kind(entry: Entry): FailureKind {
  const value = text(entry, 'kind');
  if (!KINDS.includes(value as FailureKind))
    throw new Error(`expected-failures.yml: kind "${value}" is not one of ${KINDS.join(', ')}`);
  return value as FailureKind;
}

function list(entry: Entry, key: string): string[] {
  const value = entry[key];
  if (!Array.isArray(value)) throw new Error(`expected-failures.yml: "${key}" must be a [list]`);
  return value;
}

function parseSubset(source: string): Record<string, Entry[]> {
  const lines = source
    .split('\n')
    .map((raw, index) => ({ raw, content: raw.replace(/\s+$/, ''), number: index + 1 }))
    .filter((line) => line.content !== '' && !/^\s*#/.test(line.content));
  const sections: Record<string, Entry[]> = {};
  let section: Entry[] | undefined;
  let entry: Entry | undefined;
  for (let i = 0; i < lines.length; i++) {
    const { raw, content, number } = lines[i];
    const fail = (why: string): never => {
      throw new Error(`expected-failures.yml line ${number}: ${why}: ${raw}`);
    };
    let match = /^([A-Za-z][\w-]*):$/.exec(content);
    if (match) {
      section = sections[match[1]] = [];
      entry = undefined;
      continue;
    }
    match = /^ {2}(- | {2})([A-Za-z][\w-]*):(?: (.*))?$/.exec(content);
    if (!match || !section) return fail('not a "  - key: value" or "    key: value" line of a section');
    if (match[1] === '- ') section.push((entry = {}));
    if (!entry) return fail('a key before the first "- " of the section');
    const key = match[2];
    if (key in entry) return fail(`duplicate key "${key}"`);
    let value = match[3];
    if (value === undefined) {
      // The value is on the next, deeper lines: a block list ("- item"), or a flow list that
      // a formatter split over several lines.
      const block: string[] = [];
      while (i + 1 < lines.length && /^ {5,}\S/.test(lines[i + 1].content)) block.push(lines[++i].content.trim());
      if (block.length === 0) return fail('a key without a value');
      if (block.every((item) => item.startsWith('- '))) {
        entry[key] = block.map((item) => quoted(item.slice(2).trim(), fail));
        continue;
      }
      value = block.join(' ');
      if (!value.startsWith('[')) return fail('a multi-line value that is not a list');
    }
    entry[key] = scalar(value, fail);
  }
  return sections;
}

function scalar(value: string, fail: (why: string) => never): string | string[] {
  if (!value.startsWith('[')) return quoted(value, fail);
  if (!value.endsWith(']')) return fail('unterminated list');
  return value
    .slice(1, -1)
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item) => quoted(item, fail));
}

/** A plain, 'single-quoted' ('' = ') or "double-quoted" (JSON escapes) scalar. */
function quoted(value: string, fail: (why: string) => never): string {
  if (value.startsWith('"')) {
    try {
      return JSON.parse(value) as string;
    } catch {
      return fail('bad double-quoted string');
    }
  }
  if (value.startsWith("'")) {
    const inner = value.slice(1, -1);
    if (value.length < 2 || !value.endsWith("'") || inner.replace(/''/g, '').includes("'"))
      return fail('bad single-quoted string');
    return inner.replace(/''/g, "'");
  }
  if (/^[|>&*!%@`{?\-[\]]/.test(value) || / #|: |:$/.test(value))
    return fail('unsupported YAML syntax (quote the value)');
  return value;
}
