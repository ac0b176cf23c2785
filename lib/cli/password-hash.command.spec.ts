import { verifyPassword } from '../server/password-hash.js';
import type { CliIo } from './cli-io.js';
import { runCli } from './run-cli.js';

function io(stdin: string | undefined): CliIo & { out: string; err: string } {
  const state = { out: '', err: '' };
  return Object.assign(state, {
    stdout: { write: (text: string) => (state.out += text) },
    stderr: { write: (text: string) => (state.err += text) },
    cwd: '/nonexistent',
    readFile: () => Promise.reject(new Error('no files')),
    writeFile: () => Promise.reject(new Error('no files')),
    mkdir: () => Promise.reject(new Error('no files')),
    exists: () => Promise.resolve(false),
    now: () => 0,
    ...(stdin === undefined ? {} : { readStdin: () => Promise.resolve(stdin) }),
  });
}

describe('password hash', () => {
  it('prints a hashPassword() string of the password on standard input, without its trailing newline', async () => {
    const cli = io('correct horse battery staple\n');
    expect(await runCli(['password', 'hash'], cli)).toBe(0);
    const hash = cli.out.trim();
    expect(hash).toMatch(/^scrypt\$131072\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery staple\n', hash)).toBe(false);
    expect(cli.out).not.toContain('correct horse');
  });

  it.each([
    ['nothing', '', 'no password on standard input'],
    ['only a newline', '\n', 'no password on standard input'],
    ['several lines', 'a\nb\n', 'several lines'],
    ['a huge input', 'x'.repeat(2000), 'longer than 1024'],
  ])('refuses %s with exit code 2 and a message', async (_name, stdin, message) => {
    const cli = io(stdin);
    expect(await runCli(['password', 'hash'], cli)).toBe(2);
    expect(cli.err).toContain(message);
    expect(cli.out).toBe('');
  });

  it('takes no password as an argument', async () => {
    const cli = io('pw');
    expect(await runCli(['password', 'hash', '--password', 'pw'], cli)).toBe(2);
    expect(cli.out).toBe('');
  });

  it('is listed in the help', async () => {
    const cli = io(undefined);
    expect(await runCli(['--help'], cli)).toBe(0);
    expect(cli.out).toContain('password hash');
  });
});
