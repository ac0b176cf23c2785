import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';

/** Options of {@link RedisServer.start}. */
export interface RedisServerOptions {
  /** Extra `redis-server` arguments, e.g. `['--maxmemory', '2mb']`. */
  args?: string[];
  /** Longest wait for the first `PONG`. @default 10000 */
  startTimeoutMs?: number;
}

const running = new Set<ChildProcess>();
// Last resort if a test process dies without cleaning up: never leave a server behind.
process.once('exit', () => {
  for (const child of running) {
    try {
      process.kill(child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

/**
 * A real `redis-server` for tests: 127.0.0.1 on a free port, its own temporary directory,
 * append-only persistence (`--appendonly yes`, `--save ""`). Stopped by PID (SIGTERM, then
 * SIGKILL); `restart()` brings it back on the same port and data, as after a crash or upgrade.
 * The binary is `REDIS_SERVER_BIN` or `redis-server` on the PATH.
 */
export class RedisServer {
  private child: ChildProcess | undefined;
  private output = '';

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly options: RedisServerOptions,
  ) {}

  /** Starts a server; retries on another port if the chosen one was taken meanwhile. */
  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const server = new RedisServer(await freePort(), mkdtempSync(join(tmpdir(), 'mcp-auth-redis-')), options);
      try {
        await server.launch();
        return server;
      } catch (error) {
        lastError = error;
        await server.destroy();
      }
    }
    throw lastError;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** PID of the running server process. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** A new client for test-side inspection (`SCAN`, `PTTL`, `CONFIG`, ...); close it with `quit()`. */
  admin(): Redis {
    return new Redis({ host: '127.0.0.1', port: this.port, lazyConnect: false, maxRetriesPerRequest: 1 });
  }

  /** Runs one command on a short-lived admin connection. */
  async command(name: string, ...args: Array<string | number>): Promise<unknown> {
    const admin = this.admin();
    try {
      return await admin.call(name, ...args);
    } finally {
      admin.disconnect();
    }
  }

  /** Stops the server gracefully (SIGTERM flushes the AOF), killing it if it is still up after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    await this.terminate('SIGTERM', graceMs);
  }

  /** Kills the server at once (SIGKILL), as a crash would: nothing is flushed. */
  async kill(): Promise<void> {
    await this.terminate('SIGKILL', 0);
  }

  /** Stops the server and starts it again on the same port with the same data directory. */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  /** Stops the server and removes its directory. */
  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async terminate(signal: NodeJS.Signals, graceMs: number): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    process.kill(child.pid!, signal);
    const timer = signal === 'SIGKILL' ? undefined : setTimeout(() => process.kill(child.pid!, 'SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
    running.delete(child);
  }

  private async launch(): Promise<void> {
    const bin = process.env.REDIS_SERVER_BIN ?? 'redis-server';
    // Pass the arguments as an array: `--save ""` must reach redis-server as an empty value.
    const args = [
      '--port', String(this.port),
      '--bind', '127.0.0.1',
      '--dir', this.dir,
      '--appendonly', 'yes',
      '--save', '',
      '--daemonize', 'no',
      '--logfile', '',
      ...(this.options.args ?? []),
    ]; // prettier-ignore
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    running.add(child);
    this.output = '';
    const collect = (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-4000));
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const failed = new Promise<never>((_, reject) => {
      child.once('error', (error) => reject(new Error(`cannot run ${bin}: ${error.message}`)));
      child.once('exit', (code, signal) =>
        reject(new Error(`redis-server exited (${code ?? signal}) while starting:\n${this.output}`)),
      );
    });
    failed.catch(() => undefined);
    await Promise.race([failed, this.waitForPong(this.options.startTimeoutMs ?? 10_000)]);
  }

  /** Polls with a raw `PING` until the server answers `PONG` (not `LOADING`). */
  private async waitForPong(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await ping(this.port)) === 'PONG') return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`redis-server on port ${this.port} did not answer PING within ${timeoutMs} ms:\n${this.output}`);
  }
}

function ping(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const finish = (answer: string) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(500, () => finish('timeout'));
    socket.once('error', () => finish('error'));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG') ? 'PONG' : reply.trim());
    });
  });
}
