import { availableParallelism, cpus, totalmem } from 'node:os';
import { canPin } from './processes.js';

/** Run length, from the environment. */
export interface BenchSettings {
  readonly quick: boolean;
  /** Rounds over every scenario (interleaved); medians are taken over rounds. */
  readonly rounds: number;
  /** Unrecorded warm-up before each measured window, seconds. */
  readonly warmupS: number;
  /** Measured window, seconds. */
  readonly durationS: number;
  /** Idle time before reading the servers' RSS, seconds. */
  readonly idleS: number;
  /** Server ids started with `--cpu-prof` (profiles in bench/results/profiles/). */
  readonly profile: readonly string[];
  /**
   * A measured window in which the server used less than this fraction of its core was starved
   * by other processes; it is repeated (at most twice per window, within the run's time budget).
   * 0 = never.
   */
  readonly minCoreShare: number;
  /** Longest wait, before a window, for other processes to leave the bench CPUs; 0 = no wait. */
  readonly quietWaitS: number;
  /** Scenario ids to run; empty = all. A partial run prints its figures but publishes nothing. */
  readonly scenarios: readonly string[];
}

/**
 * BENCH_QUICK=1: a smoke run (1 round, 1 s warm-up, 2 s windows). BENCH_MIN_CORE_USE (percent,
 * default 85, 0 disables) sets when a starved window is repeated; BENCH_QUIET_WAIT_S (default 20,
 * 0 disables) how long to wait before a window for other processes to leave the bench CPUs. BENCH_ROUNDS, BENCH_WARMUP_S,
 * BENCH_DURATION_S override either preset; BENCH_PROFILE=ours-protected,sdk-protected profiles those
 * servers; BENCH_SCENARIOS=ours-protected,ours-unprotected runs only those scenarios (for profiling).
 */
export function readSettings(env: NodeJS.ProcessEnv = process.env): BenchSettings {
  const quick = env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true';
  const rounds = positive(env.BENCH_ROUNDS, quick ? 1 : 5);
  const minCoreUse = env.BENCH_MIN_CORE_USE === undefined ? 85 : Number(env.BENCH_MIN_CORE_USE);
  if (!(minCoreUse >= 0 && minCoreUse <= 100)) throw new Error('BENCH_MIN_CORE_USE must be a percentage (0 disables)');
  return {
    quick,
    rounds,
    warmupS: positive(env.BENCH_WARMUP_S, quick ? 1 : 3),
    durationS: positive(env.BENCH_DURATION_S, quick ? 2 : 6),
    idleS: quick ? 1 : 5,
    // Without pinning the server may use other cores: its core share means nothing.
    minCoreShare: canPin() ? minCoreUse / 100 : 0,
    quietWaitS: nonNegative(env.BENCH_QUIET_WAIT_S, quick ? 5 : 20),
    profile: list(env.BENCH_PROFILE),
    scenarios: list(env.BENCH_SCENARIOS),
  };
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

function nonNegative(value: string | undefined, fallback: number): number {
  return value === '0' ? 0 : positive(value, fallback);
}

function positive(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new Error(`expected a positive integer, got "${value}"`);
  return number;
}

/** The machine facts printed with the results. */
export interface MachineFacts {
  node: string;
  platform: string;
  cpuModel: string;
  cores: number;
  memoryGb: number;
  pinning: string;
}

export function machineFacts(): MachineFacts {
  return {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memoryGb: Math.round(totalmem() / 2 ** 30),
    pinning: canPin()
      ? 'servers on CPU 0, autocannon on CPU 1 (taskset)'
      : 'none (taskset missing or fewer than 2 cores): results are noisier',
  };
}
