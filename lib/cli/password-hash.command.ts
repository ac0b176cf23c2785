import { hashPassword } from '../server/password-hash.js';
import type { CliCommand } from './cli-command.interface.js';
import { CliError } from './cli.error.js';
import type { CliIo } from './cli-io.js';
import { writeLine } from './output.util.js';
import { HELP_OPTION, parseCommandArgs } from './parse-command-args.js';

const HELP = `Usage: nestjs-mcp-auth password hash < password.txt

Reads one password from standard input (never from the command line, where it would land in the
shell history and the process list) and prints its scrypt hash for \`server.users[].password\`
or MCP_AUTH_SERVER_USERS. A trailing newline is not part of the password.

  printf '%s' 'correct horse battery staple' | npx nestjs-mcp-auth password hash

Options:
  -h, --help   show this help
`;

/** Longest password accepted (scrypt takes any length; this bounds a mistaken pipe of a file). */
const MAX_PASSWORD_LENGTH = 1024;

async function run(args: string[], io: CliIo): Promise<void> {
  const values = parseCommandArgs(args, { ...HELP_OPTION });
  if (values.help) return writeLine(io.stdout, HELP);
  if (!io.readStdin) throw new CliError('standard input is not available');
  const input = await io.readStdin();
  const password = input.replace(/\r?\n$/, '');
  if (password.length === 0) throw new CliError('no password on standard input');
  if (password.includes('\n')) throw new CliError('standard input holds several lines: give one password');
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw new CliError(`the password is longer than ${MAX_PASSWORD_LENGTH} characters`);
  }
  writeLine(io.stdout, await hashPassword(password));
}

/** `password hash`. */
export const passwordHashCommand: CliCommand = {
  path: ['password', 'hash'],
  summary: 'Hash a password read from standard input, for level-4 users',
  run,
};
