/** Where sample 05 listens and what it stores where, from the environment. */
export interface SampleSettings {
  host: string;
  port: number;
  /** The MCP endpoint URL clients type (also the token audience). */
  resourceUrl: string;
  /** `redis://…` to keep clients, grants and sessions in Redis instead of memory. */
  redisUrl?: string;
}

/**
 * - `HOST` / `PORT`: where to listen (default 127.0.0.1:3000: loopback only unless asked, so a
 *   development server with demo users is never exposed to the network by accident);
 * - `MCP_PUBLIC_URL`: the MCP URL clients use (default http://HOST:PORT/mcp); the authorization
 *   server's issuer is its origin;
 * - `REDIS_URL`: store in Redis (several instances, restarts) instead of process memory.
 */
export function sampleSettings(env: NodeJS.ProcessEnv): SampleSettings {
  const host = env.HOST ?? '127.0.0.1';
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`PORT must be a port number, got "${env.PORT}"`);
  return {
    host,
    port,
    resourceUrl: env.MCP_PUBLIC_URL ?? `http://${host}:${port}/mcp`,
    redisUrl: env.REDIS_URL || undefined,
  };
}
