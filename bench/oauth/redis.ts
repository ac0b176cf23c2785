/**
 * Real `redis-server` processes for the OAuth benchmark, and the two ways it counts what our
 * servers send them: `MONITOR` (every command with the client's address, so the runner's own
 * connections are left out) and `INFO commandstats` deltas (the cross-check).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canPin } from '../harness/processes.js';

/** A redis-server on 127.0.0.1, like the tests' (AOF on, no RDB snapshots), pinned to `cpu`. */
export class BenchRedis {
  private exited = false;

  private constructor(
    readonly name: string,
    readonly port: number,
    private readonly dir: string,
    private readonly child: ChildProcess,
  ) {
    child.once('exit', () => (this.exited = true));
  }

  static async start(name: string, port: number, cpu: number): Promise<BenchRedis> {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-auth-bench-redis-'));
    const bin = process.env.REDIS_SERVER_BIN ?? 'redis-server';
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--save',
      '',
      '--maxmemory-policy',
      'noeviction',
    ];
    const [command, argv] = canPin() ? ['taskset', ['-c', String(cpu), bin, ...args]] : [bin, args];
    const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    const redis = new BenchRedis(name, port, dir, child);
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        if ((await redis.command('PING')) === '+PONG') return redis;
      } catch {
        // not listening yet
      }
      if (redis.exited || Date.now() > deadline) {
        await redis.stop();
        throw new Error(`redis-server ${name} did not start on port ${port}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  get pid(): number {
    return this.child.pid as number;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Stops the server by PID (SIGTERM, then SIGKILL after 5 s) and removes its directory. */
  async stop(): Promise<void> {
    if (!this.exited && this.child.pid !== undefined) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      try {
        process.kill(this.child.pid, 'SIGTERM');
      } catch {
        // gone already
      }
      const timer = setTimeout(() => {
        try {
          process.kill(this.child.pid!, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }, 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** One command on a short-lived connection; the raw RESP reply (a bulk string's payload). */
  async command(...args: string[]): Promise<string> {
    const socket = connect(this.port, '127.0.0.1');
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
      socket.write(resp(args));
      return await readReply(socket);
    } finally {
      socket.destroy();
    }
  }

  /** `INFO commandstats` as command name → calls. */
  async commandStats(): Promise<Record<string, number>> {
    const info = await this.command('INFO', 'commandstats');
    const calls: Record<string, number> = {};
    for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls[match[1]] = Number(match[2]);
    return calls;
  }

  /** Starts a `MONITOR` capture; {@link MonitorCapture.stop} returns every command sent meanwhile. */
  async monitor(): Promise<MonitorCapture> {
    const socket = connect(this.port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const lines: string[] = [];
    let buffer = '';
    socket.setEncoding('utf8');
    let ready: () => void;
    const okay = new Promise<void>((resolve) => (ready = resolve));
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 2);
        if (line === '+OK') ready();
        else if (line.startsWith('+')) lines.push(line.slice(1));
      }
    });
    socket.write(resp(['MONITOR']));
    await okay;
    return new MonitorCapture(socket, lines);
  }
}

/** One command as MONITOR reports it. */
export interface MonitoredCommand {
  /** Seconds since the epoch (microsecond precision). */
  readonly at: number;
  readonly client: string;
  readonly name: string;
  readonly key: string | undefined;
}

export class MonitorCapture {
  constructor(
    private readonly socket: Socket,
    private readonly lines: string[],
  ) {}

  /**
   * Ends the capture and returns what other clients sent meanwhile (the runner reads INFO only
   * outside captures, so every command here is our server's).
   */
  async stop(): Promise<MonitoredCommand[]> {
    // Let the last lines arrive.
    await new Promise((resolve) => setTimeout(resolve, 100));
    this.socket.destroy();
    const commands: MonitoredCommand[] = [];
    for (const line of this.lines) {
      // 1700000000.123456 [0 127.0.0.1:54321] "GET" "mcp-auth:…"
      const match = /^(\d+\.\d+) \[\d+ ([^\]]+)\] "([^"]*)"(?: "((?:[^"\\]|\\.)*)")?/.exec(line);
      if (!match) continue;
      commands.push({ at: Number(match[1]), client: match[2], name: match[3].toUpperCase(), key: match[4] });
    }
    return commands;
  }
}

function resp(args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** Reads one simple-string, error, integer or bulk-string reply. */
function readReply(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const newline = buffer.indexOf('\r\n');
      if (newline < 0) return;
      const head = buffer.subarray(0, newline).toString();
      if (head[0] !== '$') return finish(head);
      const length = Number(head.slice(1));
      if (length < 0) return finish('');
      if (buffer.length >= newline + 2 + length + 2)
        finish(buffer.subarray(newline + 2, newline + 2 + length).toString());
    };
    const finish = (reply: string) => {
      socket.off('data', onData);
      resolve(reply);
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

/** `redis-server --version`, for the report. */
export function redisVersion(): string {
  const out = spawnSync(process.env.REDIS_SERVER_BIN ?? 'redis-server', ['--version'], { encoding: 'utf8' }).stdout;
  return /v=(\S+)/.exec(out ?? '')?.[1] ?? 'unknown';
}
