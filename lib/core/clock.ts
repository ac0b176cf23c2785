import { Inject } from '@nestjs/common';

/**
 * Source of the current time for every expiry decision (tokens, codes, caches). Replace it in
 * tests to move time, and keep it the only clock the library reads.
 *
 * @publicApi
 */
export interface McpAuthClock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** The wall clock. @publicApi */
export const systemClock: McpAuthClock = { now: () => Date.now() };

/** DI token of the {@link McpAuthClock}. @publicApi */
export const MCP_AUTH_CLOCK = Symbol('MCP_AUTH:CLOCK');

/** Injects the {@link McpAuthClock}. @publicApi */
export const InjectMcpAuthClock = (): ParameterDecorator => Inject(MCP_AUTH_CLOCK);
