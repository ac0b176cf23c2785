import type { McpAuthClock } from 'nestjs-mcp-auth';

/**
 * A clock that follows the wall clock plus an offset the test moves: one per app instance, so
 * an instance can run ahead of another (F-18) or jump past a TTL (TK-04, R-06, P-9, P-10).
 * Redis TTLs do not follow it (Redis decides expiry alone); the memory store does.
 */
export class TestClock implements McpAuthClock {
  private offsetMs: number;

  constructor(offsetMs = 0) {
    this.offsetMs = offsetMs;
  }

  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** Moves this clock forward. */
  advance(ms: number): void {
    this.offsetMs += ms;
  }

  /** Back to the wall clock (plus `offsetMs`). */
  reset(offsetMs = 0): void {
    this.offsetMs = offsetMs;
  }
}
