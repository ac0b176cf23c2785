import type { CliCommand } from './cli-command.interface.js';
import { CLI_ERROR_EXIT_CODE, CLI_FAILURE_EXIT_CODE, CliError, CliUsageError } from './cli.error.js';
import type { CliIo } from './cli-io.js';
import { doctorCommand } from './doctor.command.js';
import { keysGenerateCommand } from './keys-generate.command.js';
import { writeLine } from './output.util.js';
import { packageVersion } from './package-version.js';
import { tokenMintCommand } from './token-mint.command.js';
import { passwordHashCommand } from './password-hash.command.js';

const BIN = 'nestjs-mcp-auth';

/**
 * A command named by one word, whose arguments (positionals included) follow it, e.g.
 * `doctor <mcp-url>`. It returns its exit code: unlike the other commands it can finish its work
 * and still report failure.
 */
export interface CliTopLevelCommand {
  readonly name: string;
  /** One line for the top-level help. */
  readonly summary: string;
  /** @throws CliError (exit code 2) for anything the user can fix. */
  run(args: string[], io: CliIo): Promise<number>;
}

/** Every command, in the order the help lists them. */
export const CLI_COMMANDS: readonly CliCommand[] = [keysGenerateCommand, tokenMintCommand, passwordHashCommand];

/** One-word commands, listed after the others. */
export const CLI_TOP_LEVEL_COMMANDS: readonly CliTopLevelCommand[] = [doctorCommand];

const HELP_FLAGS = new Set(['--help', '-h']);

function commandName(command: CliCommand | CliTopLevelCommand): string {
  return 'path' in command ? command.path.join(' ') : command.name;
}

function usage(commands: ReadonlyArray<CliCommand | CliTopLevelCommand>): string {
  const width = Math.max(...commands.map((command) => commandName(command).length)) + 2;
  return `Usage: ${BIN} <command> [options]

Commands:
${commands.map((command) => `  ${commandName(command).padEnd(width)}${command.summary}`).join('\n')}

Options:
  -h, --help     show help
  -v, --version  print the version

Run "${BIN} <command> --help" for the options of a command.
`;
}

/**
 * Runs the `nestjs-mcp-auth` CLI in-process: picks the command from `argv` (the arguments after
 * the script name), runs it against `io`, and reports errors on `io.stderr`.
 *
 * @param argv - e.g. `['keys', 'generate', '--out', 'keys']`.
 * @returns the exit code: 0 on success, 2 for usage errors and other problems the user can fix
 * (message only), 1 for unexpected failures (message and stack trace) and for a `doctor` run
 * with a failed check.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [group, name, ...args] = argv;
  const everyCommand = [...CLI_COMMANDS, ...CLI_TOP_LEVEL_COMMANDS];
  if (group === undefined || HELP_FLAGS.has(group)) {
    (group === undefined ? io.stderr : io.stdout).write(usage(everyCommand));
    return group === undefined ? CLI_ERROR_EXIT_CODE : 0;
  }
  if (group === '--version' || group === '-v') {
    writeLine(io.stdout, packageVersion());
    return 0;
  }
  const topLevel = CLI_TOP_LEVEL_COMMANDS.find((command) => command.name === group);
  if (topLevel !== undefined) return runCommand(io, topLevel, () => topLevel.run(argv.slice(1), io));
  const inGroup = CLI_COMMANDS.filter((command) => command.path[0] === group);
  if (inGroup.length === 0) return usageError(io, `unknown command "${group}"`, usage(everyCommand));
  if (name === undefined || HELP_FLAGS.has(name)) {
    if (name === undefined) return usageError(io, `"${group}" needs a command`, usage(inGroup));
    io.stdout.write(usage(inGroup));
    return 0;
  }
  const command = inGroup.find((candidate) => candidate.path[1] === name);
  if (command === undefined) return usageError(io, `unknown command "${group} ${name}"`, usage(inGroup));
  return runCommand(io, command, async () => {
    await command.run(args, io);
    return 0;
  });
}

/** Runs a command and turns its errors into messages and exit codes. */
async function runCommand(
  io: CliIo,
  command: CliCommand | CliTopLevelCommand,
  execute: () => Promise<number>,
): Promise<number> {
  try {
    return await execute();
  } catch (error) {
    if (error instanceof CliUsageError) {
      return usageError(io, error.message, `Run "${BIN} ${commandName(command)} --help" for usage.\n`);
    }
    if (error instanceof CliError) {
      writeLine(io.stderr, `error: ${error.message}`);
      return CLI_ERROR_EXIT_CODE;
    }
    writeLine(io.stderr, `unexpected error (please report it): ${(error as Error)?.stack ?? String(error)}`);
    return CLI_FAILURE_EXIT_CODE;
  }
}

function usageError(io: CliIo, message: string, hint: string): number {
  writeLine(io.stderr, `error: ${message}`);
  io.stderr.write(hint);
  return CLI_ERROR_EXIT_CODE;
}
