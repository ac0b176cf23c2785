import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadExpectedFailures } from './expected-failures.js';

/** The strict YAML subset of `expected-failures.yml`: what it accepts and what it refuses. */
describe('expected-failures.yml reader', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'expected-failures-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const load = async (text: string) => {
    const file = join(dir, `f${Math.random().toString(36).slice(2)}.yml`);
    await writeFile(file, text);
    return loadExpectedFailures(pathToFileURL(file));
  };

  it('reads the repository file: known kinds, no scenario listed twice', () => {
    const expected = loadExpectedFailures();
    expect(expected.conformance.length).toBeGreaterThan(0);
    expect(new Set(expected.conformance.map((e) => e.scenario)).size).toBe(expected.conformance.length);
    for (const entry of expected.clients) expect(entry.cell).toMatch(/^[\w.-]+\/[\w-]+$/);
    for (const entry of expected.authorization) expect(entry.levels.length).toBeGreaterThan(0);
  });

  it('reads the authorization section: one entry per check, with its levels', async () => {
    const expected = await load(
      [
        'authorization:',
        '  - checks:',
        '      - scenario-a/check-1',
        '      - scenario-b/check-2',
        '    levels: [3, 4]',
        '    kind: off-by-default',
        '    reason: "documented: off"',
      ].join('\n'),
    );
    expect(expected.authorization).toEqual([
      { check: 'scenario-a/check-1', levels: [3, 4], kind: 'off-by-default', reason: 'documented: off' },
      { check: 'scenario-b/check-2', levels: [3, 4], kind: 'off-by-default', reason: 'documented: off' },
    ]);
    expect(expected.conformance).toEqual([]);
    expect(expected.clients).toEqual([]);
  });

  it('expands scenario lists and parses quoted strings and level lists', async () => {
    const expected = await load(
      [
        '# comment',
        'conformance:',
        '  - scenarios: [a-1, b-2]',
        '    kind: not-implemented',
        '    reason: "why: because"',
        'clients:',
        '  - cell: sdk-v1/step-up',
        '    levels: [2, 3]',
        '    failsWith: "Tool \'x\' not found"',
        '    kind: client-limitation',
        '    reason: plain text',
      ].join('\n'),
    );
    expect(expected.conformance).toEqual([
      { scenario: 'a-1', kind: 'not-implemented', reason: 'why: because' },
      { scenario: 'b-2', kind: 'not-implemented', reason: 'why: because' },
    ]);
    expect(expected.clients).toEqual([
      {
        cell: 'sdk-v1/step-up',
        levels: [2, 3],
        failsWith: "Tool 'x' not found",
        kind: 'client-limitation',
        reason: 'plain text',
      },
    ]);
  });

  it.each([
    [
      'a plain scalar holding ": " (not valid YAML)',
      'conformance:\n  - scenarios: [a]\n    kind: not-implemented\n    reason: a: b\n',
      /line 4/,
    ],
    ['an unknown kind', 'conformance:\n  - scenarios: [a]\n    kind: maybe\n    reason: r\n', /kind "maybe"/],
    ['an unknown section', 'other:\n  - scenarios: [a]\n', /unknown section/],
    [
      'an authorization check without its scenario',
      'authorization:\n  - checks: [check-1]\n    levels: [4]\n    kind: off-by-default\n    reason: r\n',
      /not <scenario>\/<check id>/,
    ],
    [
      'an authorization entry without levels',
      'authorization:\n  - checks: [a/b]\n    kind: off-by-default\n    reason: r\n',
      /"levels" must be a \[list\]/,
    ],
    ['a missing reason', 'conformance:\n  - scenarios: [a]\n    kind: not-implemented\n', /"reason" missing/],
    [
      'a scenario listed twice',
      'conformance:\n  - scenarios: [a, a]\n    kind: not-implemented\n    reason: r\n',
      /listed twice/,
    ],
    [
      'a non-numeric level',
      'clients:\n  - cell: a/b\n    levels: [two]\n    failsWith: x\n    kind: client-limitation\n    reason: r\n',
      /not a number/,
    ],
    [
      'a bad single-quoted string',
      "conformance:\n  - scenarios: [a]\n    kind: not-implemented\n    reason: 'it's'\n",
      /single-quoted/,
    ],
    ['deeper nesting', 'conformance:\n  - scenarios: [a]\n      kind: not-implemented\n', /line 3/],
  ])('refuses %s', async (_name, text, error) => {
    await expect(load(text)).rejects.toThrow(error);
  });
});
