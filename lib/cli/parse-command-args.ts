import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliUsageError } from './cli.error.js';

type ParseArgsOptions = NonNullable<ParseArgsConfig['options']>;

type ParsedValues<T extends ParseArgsOptions> = ReturnType<
  typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: false }>
>['values'];

/** `-h`/`--help`, which every command accepts. */
export const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

/**
 * Parses a command's arguments strictly (no positionals, no unknown options) with
 * `node:util` `parseArgs`, and turns its errors into {@link CliUsageError}s.
 */
export function parseCommandArgs<const T extends ParseArgsOptions>(args: string[], options: T): ParsedValues<T> {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) {
      throw new CliUsageError((error as Error).message);
    }
    throw error;
  }
}
