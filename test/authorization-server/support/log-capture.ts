import type { LoggerService } from '@nestjs/common';

/**
 * A Nest logger that keeps every line (all levels), to check that no secret ever reaches the
 * logs (security catalog I-3, TR-04).
 */
export class LogCapture implements LoggerService {
  readonly lines: string[] = [];

  log(...parts: unknown[]): void {
    this.keep('log', parts);
  }
  error(...parts: unknown[]): void {
    this.keep('error', parts);
  }
  warn(...parts: unknown[]): void {
    this.keep('warn', parts);
  }
  debug(...parts: unknown[]): void {
    this.keep('debug', parts);
  }
  verbose(...parts: unknown[]): void {
    this.keep('verbose', parts);
  }
  fatal(...parts: unknown[]): void {
    this.keep('fatal', parts);
  }

  /** Every line as one text. */
  text(): string {
    return this.lines.join('\n');
  }

  private keep(level: string, parts: unknown[]): void {
    const text = parts
      .map((part) =>
        part instanceof Error
          ? `${part.message}\n${part.stack ?? ''}`
          : typeof part === 'string'
            ? part
            : JSON.stringify(part),
      )
      .join(' ');
    this.lines.push(`${level}: ${text}`);
  }
}
