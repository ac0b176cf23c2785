import type { CliIo } from './cli-io.js';

/** One command of the CLI, such as `keys generate`. */
export interface CliCommand {
  /** The words that select it, e.g. `['keys', 'generate']`. */
  readonly path: readonly [group: string, name: string];
  /** One line for the top-level help. */
  readonly summary: string;
  /**
   * Runs the command with the arguments that follow its name; prints its help for `--help`.
   * @throws CliError (exit code 2) for anything the user can fix.
   */
  run(args: string[], io: CliIo): Promise<void>;
}
