import { READY_PREFIX } from '../bench.constants.js';

/** Configuration the runner hands every server program through environment variables. */
export interface ServerEnv {
  /** Port to listen on (127.0.0.1). */
  readonly port: number;
  /** The MCP endpoint URL: resource URL and token audience. */
  readonly resourceUrl: string;
  /** Token issuer (the bench JWKS server's origin). */
  readonly issuer: string;
  /** JWKS URL of this server (each server has its own path, so fetches are counted per server). */
  readonly jwksUri: string;
}

export function readServerEnv(): ServerEnv {
  const port = Number(process.env.BENCH_PORT);
  if (!Number.isInteger(port) || port <= 0) throw new Error('BENCH_PORT must be a port number');
  return {
    port,
    resourceUrl: `http://127.0.0.1:${port}/mcp`,
    issuer: required('BENCH_ISSUER'),
    jwksUri: required('BENCH_JWKS_URI'),
  };
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

/** Tells the runner the server listens. */
export function announceReady(port: number): void {
  process.stdout.write(`${READY_PREFIX}${JSON.stringify({ port, pid: process.pid })}\n`);
}

/**
 * Closes the server and exits on SIGTERM/SIGINT (so `--cpu-prof` profiles get written), and
 * when the runner goes away (its end of our stdin closes), so no server outlives a bench run.
 */
export function exitWithRunner(close: () => Promise<void>): void {
  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    const timer = setTimeout(() => process.exit(0), 3000);
    timer.unref();
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  process.stdin.on('end', shutdown);
  process.stdin.on('error', shutdown);
  process.stdin.resume();
}
