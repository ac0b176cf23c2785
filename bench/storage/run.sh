#!/usr/bin/env bash
# Storage benchmark: bundles bench/storage/storage.bench.ts with esbuild (dependencies stay in
# node_modules) and runs it. Starts its own redis-server unless REDIS_URL is set.
#   bench/storage/run.sh                       full run (about a minute)
#   BENCH_SCALE=0.1 bench/storage/run.sh       quick look
#   REDIS_URL=redis://127.0.0.1:6379 bench/storage/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
out=dist/bench-storage/storage.bench.mjs
npx esbuild bench/storage/storage.bench.ts --bundle --platform=node --format=esm --target=node20 \
  --packages=external --log-level=warning --outfile="$out"
exec node "$out"
