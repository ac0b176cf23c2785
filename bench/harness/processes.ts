import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { READY_PREFIX } from '../bench.constants.js';

/** CPU the servers run on, and the one the load generator runs on. */
export const SERVER_CPU = 0;
export const LOAD_CPU = 1;

let pinning: boolean | undefined;

/** Whether children can be pinned: `taskset` works and there are two cores to split. */
export function canPin(): boolean {
  pinning ??= availableParallelism() >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  return pinning;
}

/** `command args` prefixed with `taskset -c <cpu>` when pinning is possible (taskset execs, so the PID is the command's). */
function pinned(cpu: number, command: string, args: string[]): [string, string[]] {
  return canPin() ? ['taskset', ['-c', String(cpu), command, ...args]] : [command, args];
}

/** A child process the runner started and must stop. */
export interface ManagedChild {
  readonly name: string;
  readonly pid: number;
  readonly process: ChildProcess;
  /** Last lines of output, for error messages. */
  readonly output: string[];
  exitCode: number | null | undefined;
}

/** A server program that printed its ready line. */
export interface RunningServer extends ManagedChild {
  readonly port: number;
}

/**
 * Every process of a run. Each is stopped by PID (SIGTERM, then SIGKILL after a timeout) by
 * {@link stopAll}; a server exiting on its own is recorded as a crash.
 */
export class ProcessGroup {
  private readonly children = new Set<ManagedChild>();
  private stopping = false;
  readonly crashes: string[] = [];

  /** Starts `node <script>` pinned to the server CPU and waits for its ready line. */
  async startServer(
    name: string,
    script: string,
    env: Record<string, string>,
    options: { cpu?: number; nodeArgs?: string[]; timeoutMs?: number } = {},
  ): Promise<RunningServer> {
    const [command, args] = pinned(options.cpu ?? SERVER_CPU, process.execPath, [...(options.nodeArgs ?? []), script]);
    const child = this.spawn(name, command, args, env, true);
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${name} did not start within ${options.timeoutMs ?? 30_000} ms`)),
        options.timeoutMs ?? 30_000,
      );
      let buffer = '';
      const onData = (chunk: Buffer) => {
        buffer += chunk.toString();
        const line = buffer.split('\n').find((l) => l.startsWith(READY_PREFIX));
        if (line === undefined) return;
        clearTimeout(timer);
        child.process.stdout?.off('data', onData);
        resolve((JSON.parse(line.slice(READY_PREFIX.length)) as { port: number }).port);
      };
      child.process.stdout?.on('data', onData);
      child.process.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited (${code}) before listening:\n${child.output.join('\n')}`));
      });
    });
    return Object.assign(child, { port });
  }

  /** Runs a pinned command to completion and returns its stdout. */
  async run(
    name: string,
    cpu: number,
    command: string,
    args: string[],
  ): Promise<{ code: number | null; stdout: string }> {
    const [cmd, argv] = pinned(cpu, command, args);
    const child = this.spawn(name, cmd, argv, {}, false);
    let stdout = '';
    child.process.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.process.once('exit', (c) => resolve(c)));
    this.children.delete(child);
    return { code, stdout };
  }

  /** Stops every live child: SIGTERM, then SIGKILL after `timeoutMs`. Idempotent. */
  async stopAll(timeoutMs = 5000): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.children].map((child) => stop(child, timeoutMs)));
    this.children.clear();
  }

  private spawn(
    name: string,
    command: string,
    args: string[],
    env: Record<string, string>,
    server: boolean,
  ): ManagedChild {
    const proc = spawn(command, args, {
      env: { ...process.env, ...env },
      // stdin stays a pipe: servers exit when it closes, so none outlives a killed runner.
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    if (proc.pid === undefined) throw new Error(`cannot start ${name}`);
    const child: ManagedChild = { name, pid: proc.pid, process: proc, output: [], exitCode: undefined };
    const keep = (chunk: Buffer) => {
      child.output.push(...chunk.toString().split('\n').filter(Boolean));
      if (child.output.length > 40) child.output.splice(0, child.output.length - 40);
    };
    proc.stderr?.on('data', keep);
    if (server) proc.stdout?.on('data', keep);
    proc.once('exit', (code, signal) => {
      child.exitCode = code;
      if (server && !this.stopping) {
        this.crashes.push(`${name} (pid ${child.pid}) exited: ${code ?? signal}\n${child.output.join('\n')}`);
      }
    });
    this.children.add(child);
    return child;
  }
}

async function stop(child: ManagedChild, timeoutMs: number): Promise<void> {
  if (child.exitCode !== undefined) return;
  const exited = new Promise<void>((resolve) => child.process.once('exit', () => resolve()));
  try {
    process.kill(child.pid, 'SIGTERM');
  } catch {
    return; // already gone
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs)));
  if (await Promise.race([exited.then(() => false), timedOut])) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
    await exited;
  }
  clearTimeout(timer);
  child.process.stdin?.destroy();
}

let clockTicks: number | undefined;

/**
 * CPU time (user + system) a process has used, in seconds, from /proc/<pid>/stat (undefined off
 * Linux). Read around a window, it gives the server's CPU cost per request, which the shared
 * machine's noise disturbs much less than req/s.
 */
export async function cpuSeconds(pid: number): Promise<number | undefined> {
  clockTicks ??= Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return undefined;
  }
}

/** Resident set size of a process in MB, from /proc/<pid>/status (undefined off Linux). */
export async function residentMb(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}
