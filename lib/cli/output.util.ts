import type { CliOutput } from './cli-io.js';

/** Writes `value` as indented JSON and a final newline. */
export function writeJson(output: CliOutput, value: unknown): void {
  output.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Writes `text`, adding a final newline when it has none. */
export function writeLine(output: CliOutput, text: string): void {
  output.write(text.endsWith('\n') ? text : `${text}\n`);
}
