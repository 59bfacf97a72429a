#!/usr/bin/env bash
# Builds the Google Benchmark binaries of the request's hot paths (Release) and prints one table:
# JSON-RPC envelope parse, session seal/unseal, cached JWT verify, CEL rule evaluation, FGA check
# (engine and the gateway stage), SSE parse, loopback HTTP round trip, access log and metrics.
# usage: bench/micro.sh [BUILD_DIR (default build-release)] [MIN_TIME seconds (default 0.1)]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-release}
min_time=${2:-0.1}
if [ ! -f "$build/build.ninja" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGATEHOUSE_TESTS=OFF > "$build.configure.log"
fi
targets=(envelope_bench gateway_bench auth_bench cel_bench fga_bench authz_bench net_bench observe_bench)
ninja -C "$build" -j "${JOBS:-2}" "${targets[@]}" >&2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# binary (path under the build dir) and the benchmarks it runs
run() {
  local name=$1 rel=$2 filter=$3
  echo "running $name ($filter)" >&2
  "$build/$rel" --benchmark_filter="$filter" --benchmark_min_time="$min_time" \
    --benchmark_format=json --benchmark_out="$out/$name.json" --benchmark_out_format=json > /dev/null ||
    echo "$name failed" >&2
}
run envelope_bench bench/micro/envelope_bench '.'
run gateway_bench src/gateway/gateway_bench '^BM_(Seal|Unseal)/(1|10)$|^BM_UnsealTampered$'
run auth_bench src/auth/auth_bench '^BM_(CachedVerify|UncachedES256)$'
run cel_bench src/cel/cel_bench '.'
# Only the small model: the large one builds a million tuples first.
run fga_bench src/fga/fga_bench '^BM_Small_Check_(Direct|TTU_Depth2)/0$'
run authz_bench src/authz/authz_bench '^BM_FgaStageAllow(Hit|Miss)$'
run net_bench src/net/net_bench '^BM_SseParse$|^BM_RoundTrip/1'
run observe_bench src/observe/observe_bench '^BM_(AccessLineFormat|HistogramObserve|ServerSpanStartEnd)$'
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), commit $(git rev-parse --short HEAD)" >&2
node bench/micro/summarize.mjs "$out"/*.json
