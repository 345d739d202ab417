#!/usr/bin/env bash
# Routing benchmarks on one CPU core: decision latency (p50/p99) for ~200-token
# prompts and /v1/route throughput on loopback. Needs a published routing
# table: run `bash scripts/demo.sh` first.
#   bash scripts/bench_route.sh [registry] [requests] [clients]
set -euo pipefail
source "$(dirname "$0")/env.sh"
cargo build --quiet --locked --example bench_route "${OPT[@]}"
# One core: candle's thread pool sized to it (the binary does this itself;
# this example is a separate program).
CANDLE_NUM_THREADS=1 taskset -c 0 "$CARGO_TARGET_DIR/debug/examples/bench_route" "${1:-warehouse/registry}" "${2:-300}" "${3:-4}"
# The fast static stage against MiniLM alone, on the calls its fit held back.
cargo build --quiet --locked --example bench_static_route "${OPT[@]}"
CANDLE_NUM_THREADS=1 taskset -c 0 "$CARGO_TARGET_DIR/debug/examples/bench_static_route" warehouse "${1:-warehouse/registry}" 1000
