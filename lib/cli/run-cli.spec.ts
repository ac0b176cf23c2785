import { readFileSync } from 'node:fs';
import type { CliIo } from './cli-io.js';
import { createNodeCliIo } from './cli-io.js';
import { runCli } from './run-cli.js';

async function cli(argv: string[], overrides: Partial<CliIo> = {}) {
  let stdout = '';
  let stderr = '';
  const io = createNodeCliIo({
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    ...overrides,
  });
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

const COMMAND_LIST =
  'Usage: nestjs-mcp-auth <command> \\[options\\]\n\nCommands:\n {2}keys generate {2}.+\n {2}token mint {5}.+\n';
const TOP_USAGE = new RegExp(`^${COMMAND_LIST}`);

describe('runCli', () => {
  it.each([['--help'], ['-h']])('%s prints the command list on stdout', async (flag) => {
    const result = await cli([flag]);
    expect(result).toEqual({ code: 0, stdout: expect.stringMatching(TOP_USAGE), stderr: '' });
  });

  it('without a command prints the usage on stderr and exits with 2', async () => {
    const result = await cli([]);
    expect(result).toEqual({ code: 2, stdout: '', stderr: expect.stringMatching(TOP_USAGE) });
  });

  it.each([['--version'], ['-v']])('%s prints the package version', async (flag) => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    expect(await cli([flag])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it.each([['frobnicate'], ['--frobnicate'], ['doktor']])(
    'refuses the unknown command %s with the usage',
    async (word) => {
      const result = await cli([word, 'x']);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(new RegExp(`^error: unknown command "${word}"\\n${COMMAND_LIST}`));
    },
  );

  it('prints the commands of a group for "keys --help"', async () => {
    const result = await cli(['keys', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('  keys generate  Generate a signing key pair');
    expect(result.stdout).not.toContain('token mint');
  });

  it('asks for a command when a group is given alone', async () => {
    const result = await cli(['token']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: "token" needs a command\nUsage: nestjs-mcp-auth <command>/);
    expect(result.stderr).toContain('  token mint  Sign a development access token');
  });

  it('refuses an unknown command of a known group', async () => {
    const result = await cli(['keys', 'rotate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: unknown command "keys rotate"\n/);
    expect(result.stderr).toContain('keys generate');
  });

  it.each([
    [['keys', 'generate', '--nope'], "Unknown option '--nope'"],
    [['token', 'mint', '-x'], "Unknown option '-x'"],
    [['keys', 'generate', 'extra'], "Unexpected argument 'extra'"],
    [['keys', 'generate', '--alg'], "Option '--alg <value>' argument missing"],
    [['keys', 'generate', '--force=yes', '--out', 'k'], "Option '--force' does not take an argument"],
    [['token', 'mint', '--key', '--json'], "Option '--key' argument is ambiguous"],
  ])('turns the argument error of %j into a usage error', async (argv, message) => {
    const result = await cli(argv);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`error: ${message}`);
    expect(result.stderr).toMatch(new RegExp(`\\nRun "nestjs-mcp-auth ${argv[0]} ${argv[1]} --help" for usage\\.\\n$`));
  });

  it.each([
    [['keys', 'generate', '--help'], 'Usage: nestjs-mcp-auth keys generate [options]'],
    [['keys', 'generate', '-h'], 'Usage: nestjs-mcp-auth keys generate [options]'],
    [
      ['token', 'mint', '--help'],
      'Usage: nestjs-mcp-auth token mint --key <file> --iss <issuer> --aud <resource> [options]',
    ],
    [
      ['token', 'mint', '--iss', 'x', '--help'],
      'Usage: nestjs-mcp-auth token mint --key <file> --iss <issuer> --aud <resource> [options]',
    ],
  ])('%j prints the command help on stdout', async (argv, firstLine) => {
    const result = await cli(argv);
    expect(result).toEqual({
      code: 0,
      stdout: expect.stringMatching(/\n {2}-h, --help +show this help\n/),
      stderr: '',
    });
    expect(result.stdout.split('\n')[0]).toBe(firstLine);
  });

  it('reports an unexpected failure with its stack and exit code 1', async () => {
    const failure = new Error('disk on fire');
    const result = await cli(['keys', 'generate', '--out', 'keys'], {
      mkdir: () => Promise.resolve(),
      exists: () => Promise.reject(failure),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^unexpected error \(please report it\): Error: disk on fire\n {4}at /);
  });
});
