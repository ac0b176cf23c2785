import { spawn, type ChildProcess } from 'node:child_process';

/** How a started process ended. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface StartOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Keep stdout for the caller (e.g. a JSON-RPC channel) instead of buffering it. @default false */
  readonly rawStdout?: boolean;
}

/** Every process started through {@link ManagedProcess} and not yet known to have exited. */
const running = new Set<ManagedProcess>();

// Last resort if the test process itself dies: signal our own children's process groups.
process.once('exit', () => {
  for (const child of running) child.signalGroup('SIGKILL');
});

/**
 * A child process the interop run started, in its own process group (its PID is the group id),
 * so it and anything it spawned are stopped together by that id, never by name. Its output is
 * kept for the results and for waiting on a line.
 */
export class ManagedProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<ProcessExit>;
  private exit: ProcessExit | undefined;
  private readonly watchers = new Set<() => void>();

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
    rawStdout: boolean,
  ) {
    running.add(this);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        running.delete(this);
        this.notify();
        resolve(this.exit);
      });
      child.once('error', (error) => {
        this.stderr += `\n[spawn error] ${error.message}\n`;
        this.exit = { code: -1, signal: null };
        running.delete(this);
        this.notify();
        resolve(this.exit);
      });
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
      this.notify();
    });
    if (!rawStdout) {
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        this.stdout += chunk;
        this.notify();
      });
    }
  }

  static start(name: string, command: string, args: readonly string[], options: StartOptions): ManagedProcess {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    return new ManagedProcess(name, child, options.rawStdout ?? false);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get hasExited(): boolean {
    return this.exit !== undefined;
  }

  /** Resolves with the first match of `pattern` in stderr (or stdout) after `from`; rejects on exit or timeout. */
  waitForOutput(
    pattern: RegExp,
    timeoutMs: number,
    stream: 'stderr' | 'stdout' = 'stderr',
    from = 0,
  ): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = this[stream].slice(from).match(pattern);
        if (match) return done(() => resolve(match));
        if (this.exit)
          return done(() =>
            reject(new Error(`${this.name} exited (${describeExit(this.exit!)}) before printing ${pattern}`)),
          );
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`${this.name} printed no ${pattern} within ${timeoutMs} ms`))),
        timeoutMs,
      );
      const done = (settle: () => void) => {
        clearTimeout(timer);
        this.watchers.delete(check);
        settle();
      };
      this.watchers.add(check);
      check();
    });
  }

  /** Waits for the process to exit; after `timeoutMs` it is stopped and the promise rejects. */
  async waitForExit(timeoutMs: number): Promise<ProcessExit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const outcome = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      await this.stop();
      throw new Error(`${this.name} did not finish within ${timeoutMs} ms (stopped)`);
    }
    return outcome;
  }

  /** Stops the process group: SIGTERM, then SIGKILL after a grace period. */
  async stop(graceMs = 3000): Promise<void> {
    if (this.exit) {
      // The leader is gone; its group may still hold children it spawned.
      this.signalGroup('SIGKILL');
      return;
    }
    this.signalGroup('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const graceful = await Promise.race([
      this.exited.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
    ]);
    clearTimeout(timer);
    this.signalGroup('SIGKILL');
    if (!graceful) await this.exited;
  }

  /** Sends `signal` to this process's group (id = its PID); a group that is gone is fine. */
  signalGroup(signal: NodeJS.Signals): void {
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // ESRCH: nothing left in the group.
    }
  }

  private notify(): void {
    for (const watcher of [...this.watchers]) watcher();
  }
}

/** Stops every process still running (test teardown). */
export async function stopAllProcesses(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop()));
}

export function describeExit(exit: ProcessExit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

/** The last `max` characters of a process output, for failure messages. */
export function tail(text: string, max = 1500): string {
  const trimmed = text.trim();
  return trimmed.length > max ? `…${trimmed.slice(-max)}` : trimmed;
}
