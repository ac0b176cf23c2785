import { CliUsageError } from './cli.error.js';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** Longest duration accepted: one year. */
export const MAX_DURATION_SECONDS = 365 * 86_400;

/**
 * Parses a duration such as `300` (seconds), `90s`, `15m`, `1h` or `7d` into seconds.
 *
 * @param value - a positive integer, optionally followed by one unit: `s`, `m`, `h` or `d`.
 * @param option - the option being parsed, named in the error message.
 * @throws CliUsageError when the value is not such a duration, is zero, or exceeds one year.
 */
export function parseDuration(value: string, option: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(value);
  if (!match) {
    throw new CliUsageError(`${option} must be a duration such as 300, 90s, 15m, 1h or 7d (got "${value}")`);
  }
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2] || 's'];
  if (seconds === 0) throw new CliUsageError(`${option} must be longer than 0 seconds`);
  if (seconds > MAX_DURATION_SECONDS) throw new CliUsageError(`${option} must be at most 365d (got "${value}")`);
  return seconds;
}
