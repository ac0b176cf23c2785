import { readSettings, type BenchSettings } from '../harness/settings.js';

/** Run length of the OAuth benchmark, from the environment (see bench/oauth/README.md). */
export interface OAuthBenchSettings extends BenchSettings {
  /** Flows kept in progress by the driver. */
  readonly flowConcurrency: number;
  /** Unrecorded warm-up and measured length of each flow window, seconds. */
  readonly flowWarmupS: number;
  readonly flowDurationS: number;
  /** Length of the continuous tools/call window in which Redis commands are counted, seconds. */
  readonly roundTripWindowS: number;
  /** Algorithm of our servers' signing key: RS256 (the level-1 tokens') unless BENCH_SIGNING_ALG=ES256. */
  readonly signingAlgorithm: 'RS256' | 'ES256';
}

/**
 * The level-1 bench's settings (BENCH_QUICK, BENCH_ROUNDS, BENCH_WARMUP_S, BENCH_DURATION_S for
 * the tools/call windows, BENCH_MIN_CORE_USE, BENCH_QUIET_WAIT_S, BENCH_PROFILE,
 * BENCH_SCENARIOS) plus BENCH_FLOW_CONCURRENCY (default 16), BENCH_FLOW_WARMUP_S (2),
 * BENCH_FLOW_DURATION_S (6), BENCH_RTT_WINDOW_S (30) and BENCH_SIGNING_ALG (RS256).
 */
export function readOAuthSettings(env: NodeJS.ProcessEnv = process.env): OAuthBenchSettings {
  const base = readSettings(env);
  return {
    ...base,
    flowConcurrency: positive(env.BENCH_FLOW_CONCURRENCY, 16),
    flowWarmupS: positive(env.BENCH_FLOW_WARMUP_S, base.quick ? 1 : 2),
    flowDurationS: positive(env.BENCH_FLOW_DURATION_S, base.quick ? 3 : 6),
    roundTripWindowS: positive(env.BENCH_RTT_WINDOW_S, base.quick ? 12 : 30),
    signingAlgorithm: env.BENCH_SIGNING_ALG === 'ES256' ? 'ES256' : 'RS256',
  };
}

function positive(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new Error(`expected a positive integer, got "${value}"`);
  return number;
}
