import { CliUsageError } from './cli.error.js';

/**
 * Checks that `value` is one of `allowed`.
 * @throws CliUsageError naming `option` and the allowed values.
 */
export function oneOf<const T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new CliUsageError(`${option} must be one of ${allowed.join(', ')} (got "${value}")`);
}

/**
 * Checks that a required option is given and not empty.
 * @throws CliUsageError naming `option`.
 */
export function required(option: string, value: string | undefined): string {
  if (value === undefined) throw new CliUsageError(`${option} is required`);
  return nonEmpty(option, value);
}

/**
 * Checks that an option's value is not empty.
 * @throws CliUsageError naming `option`.
 */
export function nonEmpty(option: string, value: string): string {
  if (value.trim() === '') throw new CliUsageError(`${option} must not be empty`);
  return value;
}

/**
 * Checks a key id: printable ASCII without spaces, so it can be typed and logged safely.
 * @throws CliUsageError naming `option`.
 */
export function keyId(option: string, value: string): string {
  if (!/^[\x21-\x7e]+$/.test(value)) {
    throw new CliUsageError(`${option} must be printable ASCII without spaces (got "${value}")`);
  }
  return value;
}
