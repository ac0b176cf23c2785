import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * Every TypeScript snippet of README.md and docs/**\/*.md compiles against the library's public
 * surface, type-checked with the TypeScript compiler API and the repository's tsconfig.json.
 *
 * How a ```ts block becomes a module:
 * - it is compiled as written, as an ES module, in its own file;
 * - every export of `nestjs-mcp-auth`, `@nestjs/common`, `@nestjs/config` and `@nestjs/core` that
 *   the block neither imports nor declares itself is imported for it, so fragments need no import
 *   lines (a block may still import explicitly, which documents where things come from);
 * - a block whose first line is an option (`verifier: {`) is a fragment of the module options:
 *   it is checked as the body of a `Partial<McpAuthModuleOptions>` object literal;
 * - HTML comments right above the fence (blank lines allowed, as Prettier puts them) give what
 *   the block assumes but does not show:
 *   `<!-- snippet-preamble: declare const resourceUrl: string; -->` (TypeScript put before the
 *   block; it may span lines) and `<!-- snippet-dir: lib/storage -->` (where the module lives,
 *   for relative imports).
 *
 * A broken block fails the test with the Markdown file, line and compiler message.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SNIPPETS = join(ROOT, '.docs-snippets');
/** The public surface snippets import as `nestjs-mcp-auth`. */
const SURFACE = join(SNIPPETS, 'nestjs-mcp-auth.ts');
const SURFACE_SOURCE = `export * from '../lib/index.js';
// The environment-configuration API, listed here as lib/index.ts is to export it (the same
// symbols exported twice are no conflict, so this stays valid once lib/index.ts has them).
export {
  mcpAuthOptionsFromEnvironment,
  readMcpAuthEnvironment,
  loadMcpAuthOptionsFromEnvironment,
  mergeMcpAuthOptions,
  environmentVariableNames,
  type McpAuthEnvironment,
  type McpAuthEnvironmentContext,
  type McpAuthEnvironmentAsyncOptions,
} from '../lib/config/index.js';
`;
const AUTO_IMPORTED = ['nestjs-mcp-auth', '@nestjs/common', '@nestjs/config', '@nestjs/core'];
const FRAGMENT = /^\s*[A-Za-z_$][\w$]*\??\s*:/;

/** One fenced block of a Markdown file. */
interface Snippet {
  /** Markdown file, relative to the repository root. */
  readonly file: string;
  /** 1-based line of the block's first code line in the Markdown file. */
  readonly line: number;
  readonly code: string;
  readonly preamble: string;
  /** Directory of the module, relative to the root. */
  readonly dir: string;
}

/** The ```ts / ```typescript blocks of a Markdown text. */
function extractSnippets(file: string, markdown: string): Snippet[] {
  const lines = markdown.split('\n');
  const snippets: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i])) continue;
    const end = lines.findIndex((line, j) => j > i && /^```\s*$/.test(line));
    if (end < 0) throw new Error(`${file}:${i + 1}: unterminated code block`);
    const { preamble, dir } = directives(lines, i);
    snippets.push({ file, line: i + 2, code: lines.slice(i + 1, end).join('\n'), preamble, dir });
    i = end;
  }
  return snippets;
}

/** The `snippet-*` comments above the fence at `fence` (only blank lines in between). */
function directives(lines: string[], fence: number): { preamble: string; dir: string } {
  let preamble = '';
  let dir = '.docs-snippets';
  let i = fence - 1;
  while (i >= 0 && lines[i].trim() === '') i--;
  while (i >= 0 && lines[i].trimEnd().endsWith('-->')) {
    let start = i;
    while (start >= 0 && !lines[start].trimStart().startsWith('<!--')) start--;
    const comment = lines
      .slice(start, i + 1)
      .join('\n')
      .replace(/^\s*<!--\s*/, '')
      .replace(/\s*-->\s*$/, '');
    const match = /^snippet-(preamble|dir):\s*([\s\S]*)$/.exec(comment);
    if (!match) break;
    if (match[1] === 'preamble') preamble = `${match[2]}\n${preamble}`;
    else dir = match[2].trim();
    i = start - 1;
    while (i >= 0 && lines[i].trim() === '') i--;
  }
  return { preamble, dir };
}

/** A problem the compiler found in a snippet, located in its Markdown file. */
interface SnippetProblem {
  readonly at: string;
  readonly message: string;
}

/** Type-checks snippets together (one program) and returns every problem. */
function checkSnippets(snippets: readonly Snippet[]): SnippetProblem[] {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(ROOT, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  );
  if (!config) throw new Error('tsconfig.json could not be read');
  const options: ts.CompilerOptions = {
    ...config.options,
    noEmit: true,
    declaration: false,
    declarationMap: false,
    sourceMap: false,
    paths: { 'nestjs-mcp-auth': [SURFACE] },
  };
  const exportsByModule = moduleExports(options);

  const files = new Map<string, { text: string; snippet?: Snippet; offset: number }>();
  files.set(SURFACE, { text: SURFACE_SOURCE, offset: 0 });
  snippets.forEach((snippet, index) => {
    const { text, offset } = moduleSource(snippet, exportsByModule);
    const name = join(ROOT, snippet.dir, `__snippet_${index}.ts`);
    files.set(name, { text, snippet, offset });
  });

  const host = virtualHost(options, new Map([...files].map(([name, file]) => [name, file.text])));
  const program = ts.createProgram([...files.keys()], options, host);
  const problems: SnippetProblem[] = [];
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const virtual = diagnostic.file ? files.get(resolve(diagnostic.file.fileName)) : undefined;
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    if (!virtual?.snippet || diagnostic.start === undefined) {
      if (virtual) problems.push({ at: relative(ROOT, SURFACE), message });
      continue;
    }
    const { line } = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start);
    const codeLine = line - virtual.offset;
    const at =
      codeLine >= 0
        ? `${virtual.snippet.file}:${virtual.snippet.line + codeLine}`
        : `${virtual.snippet.file}:${virtual.snippet.line - 1} (preamble)`;
    problems.push({ at, message: `TS${diagnostic.code}: ${message}` });
  }
  return problems;
}

/** The source of a snippet's module and the line at which the snippet's own code starts. */
function moduleSource(snippet: Snippet, exportsByModule: Map<string, string[]>): { text: string; offset: number } {
  const fragment = FRAGMENT.test(snippet.code.split('\n').find((line) => line.trim() !== '') ?? '');
  const body = fragment ? `const __options: Partial<McpAuthModuleOptions> = {\n${snippet.code}\n};` : snippet.code;
  const taken = declaredNames(`${snippet.preamble}\n${body}`);
  const imports: string[] = [];
  for (const specifier of AUTO_IMPORTED) {
    const names = (exportsByModule.get(specifier) ?? []).filter((name) => !taken.has(name));
    names.forEach((name) => taken.add(name));
    if (names.length > 0) imports.push(`import { ${names.join(', ')} } from '${specifier}';`);
  }
  const head = [...imports, 'export {};', snippet.preamble.trimEnd()].filter((part) => part !== '').join('\n');
  const headLines = head.split('\n').length + (fragment ? 1 : 0);
  return { text: `${head}\n${body}\n`, offset: headLines };
}

/** Names a module declares or imports at top level. */
function declaredNames(source: string): Set<string> {
  const file = ts.createSourceFile('snippet.ts', source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const names = new Set<string>();
  const add = (name: ts.BindingName | ts.Identifier | undefined) => {
    if (name === undefined) return;
    if (ts.isIdentifier(name)) names.add(name.text);
    else name.elements.forEach((element) => !ts.isOmittedExpression(element) && add(element.name));
  };
  for (const statement of file.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      add(clause?.name);
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) add(bindings.name);
      if (bindings && ts.isNamedImports(bindings)) bindings.elements.forEach((element) => add(element.name));
    } else if (ts.isVariableStatement(statement)) {
      statement.declarationList.declarations.forEach((declaration) => add(declaration.name));
    } else if (
      ts.isClassDeclaration(statement) ||
      ts.isFunctionDeclaration(statement) ||
      ts.isInterfaceDeclaration(statement) ||
      ts.isTypeAliasDeclaration(statement) ||
      ts.isEnumDeclaration(statement) ||
      ts.isModuleDeclaration(statement)
    ) {
      if (statement.name && ts.isIdentifier(statement.name)) add(statement.name);
    }
  }
  return names;
}

/** The names each auto-imported module exports, read with the type checker. */
function moduleExports(options: ts.CompilerOptions): Map<string, string[]> {
  const probe = join(SNIPPETS, '__exports.ts');
  const source = AUTO_IMPORTED.map((specifier, i) => `import * as m${i} from '${specifier}';`).join('\n');
  const program = ts.createProgram(
    [probe],
    options,
    virtualHost(
      options,
      new Map([
        [probe, source],
        [SURFACE, SURFACE_SOURCE],
      ]),
    ),
  );
  const checker = program.getTypeChecker();
  const result = new Map<string, string[]>();
  for (const statement of program.getSourceFile(probe)!.statements) {
    if (!ts.isImportDeclaration(statement)) continue;
    const specifier = (statement.moduleSpecifier as ts.StringLiteral).text;
    const symbol = checker.getSymbolAtLocation(statement.moduleSpecifier);
    if (!symbol) throw new Error(`cannot resolve ${specifier}`);
    const names = checker.getExportsOfModule(symbol).map((exported) => exported.name);
    result.set(
      specifier,
      names.filter((name) => name !== 'default'),
    );
  }
  return result;
}

/** A compiler host that also sees the given in-memory files (absolute path → text). */
function virtualHost(options: ts.CompilerOptions, files: ReadonlyMap<string, string>): ts.CompilerHost {
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  host.getSourceFile = (name, version, ...rest) => {
    const text = files.get(resolve(name));
    return text !== undefined ? ts.createSourceFile(name, text, version) : getSourceFile(name, version, ...rest);
  };
  host.fileExists = (name) => files.has(resolve(name)) || fileExists(name);
  host.readFile = (name) => files.get(resolve(name)) ?? readFile(name);
  return host;
}

function markdownFiles(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.md'))
    .map((name) => join('docs', name));
  return ['README.md', ...docs.sort()];
}

/** Snippets that must fail, to show that failures are reported where they are. */
const BROKEN_EXAMPLE = [
  '# Example',
  '',
  '<!-- snippet-preamble: declare const count: number; -->',
  '```ts',
  'const label: string = count; // line 5',
  'McpAuthModule.forRoot({ resourceUrl: 42 }); // line 6',
  '```',
  '',
  '```ts',
  "verifier: { type: 'jwt', isuser: 'x' }, // line 10",
  '```',
].join('\n');

describe('documentation snippets', () => {
  const files = markdownFiles();
  const snippets = files.flatMap((file) => extractSnippets(file, readFileSync(join(ROOT, file), 'utf8')));
  const examples = extractSnippets('docs/example.md', BROKEN_EXAMPLE);
  let problems: SnippetProblem[];
  beforeAll(() => {
    problems = checkSnippets([...snippets, ...examples]);
  }, 120_000);

  it('are read from README.md and every page of docs/', () => {
    expect(files).toEqual(expect.arrayContaining(['README.md', 'docs/configuration.md', 'docs/troubleshooting.md']));
    expect(snippets.filter((snippet) => snippet.file === 'README.md').length).toBeGreaterThan(0);
    expect(snippets.length).toBeGreaterThan(20);
  });

  it('compile against the public API', () => {
    const found = problems.filter((problem) => !problem.at.startsWith('docs/example.md'));
    expect(found.map((problem) => `${problem.at}: ${problem.message}`)).toEqual([]);
  });

  it('report a broken snippet with its Markdown file and line', () => {
    const found = problems.filter((problem) => problem.at.startsWith('docs/example.md'));
    expect(found.map((problem) => problem.at)).toEqual([
      'docs/example.md:5',
      'docs/example.md:6',
      'docs/example.md:10',
    ]);
    expect(found[0].message).toMatch(/^TS2322: Type 'number' is not assignable to type 'string'/);
    expect(found[2].message).toContain("'isuser' does not exist");
  });
});
