/**
 * A problem the user can fix, such as an unreadable or unsuitable key file or a file that would
 * be overwritten. The CLI prints the message (never a stack trace) on stderr and exits with
 * {@link CLI_ERROR_EXIT_CODE}.
 */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * A missing, unknown or invalid option. Printed like a {@link CliError}, followed by a pointer to
 * the command's `--help`.
 */
export class CliUsageError extends CliError {}

/** Exit code of every {@link CliError}, usage errors included. */
export const CLI_ERROR_EXIT_CODE = 2;

/** Exit code of unexpected failures (bugs), which are printed with their stack trace. */
export const CLI_FAILURE_EXIT_CODE = 1;
