/**
 * One window of the flow benchmark: runs the flow driver as a child process pinned to the load
 * CPU and reads the CPU time of the processes that serve the flows (our server, the upstream,
 * Redis) at the moments the driver's measured window opens and closes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { canPin, cpuSeconds, LOAD_CPU } from '../harness/processes.js';
import type { DriverConfig, DriverResult } from './flow-driver.js';

const DRIVER = fileURLToPath(new URL('./flow-driver.js', import.meta.url));
const running = new Set<ChildProcess>();

/** Figures of one measured flow window. */
export interface FlowWindowResult extends DriverResult {
  /** CPU time per completed flow, µs, of each watched process (by name). */
  cpuUsPerFlow: Record<string, number>;
  /** Share of one core each watched process used during the window. */
  coreShare: Record<string, number>;
}

/**
 * Runs the driver for `config.warmupS + config.durationS` seconds against `config.target`.
 * `watch` names the processes whose CPU time is read (`server` must be among them).
 * @throws when the driver fails or prints no result.
 */
export async function flowWindow(config: DriverConfig, watch: Record<string, number>): Promise<FlowWindowResult> {
  const args = [DRIVER];
  const [command, argv] = canPin()
    ? ['taskset', ['-c', String(LOAD_CPU), process.execPath, ...args]]
    : [process.execPath, args];
  const child = spawn(command, argv, {
    env: { ...process.env, BENCH_FLOW: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const cpuAt: Record<'start' | 'end', Record<string, number | undefined>> = { start: {}, end: {} };
  const reads: Promise<void>[] = [];
  const readAll = (phase: 'start' | 'end') =>
    Promise.all(
      Object.entries(watch).map(async ([name, pid]) => {
        cpuAt[phase][name] = await cpuSeconds(pid);
      }),
    ).then(() => undefined);
  let stdout = '';
  let stderr = '';
  let pending = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    pending += chunk;
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (line === 'FLOW_PHASE start') reads.push(readAll('start'));
      if (line === 'FLOW_PHASE end') reads.push(readAll('end'));
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  running.delete(child);
  await Promise.all(reads);
  const line = stdout.split('\n').find((l) => l.startsWith('FLOW_RESULT '));
  if (code !== 0 || line === undefined) throw new Error(`flow driver failed (exit ${code}):\n${stderr}`);
  const result = JSON.parse(line.slice('FLOW_RESULT '.length)) as DriverResult;
  const cpuUsPerFlow: Record<string, number> = {};
  const coreShare: Record<string, number> = {};
  for (const name of Object.keys(watch)) {
    const before = cpuAt.start[name];
    const after = cpuAt.end[name];
    if (before === undefined || after === undefined) continue;
    cpuUsPerFlow[name] = result.flows > 0 ? ((after - before) * 1e6) / result.flows : NaN;
    coreShare[name] = (after - before) / result.seconds;
  }
  return { ...result, cpuUsPerFlow, coreShare };
}

/** Stops drivers still running (by PID), e.g. after Ctrl-C. */
export function stopDrivers(): void {
  for (const child of running) {
    try {
      process.kill(child.pid!, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
  running.clear();
}
