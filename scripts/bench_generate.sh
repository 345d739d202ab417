#!/usr/bin/env bash
# Generation on CPU: SmolLM2-135M with a LoRA adapter, greedy with a KV cache,
# slm-pipeline (candle, adapter merged) against HF transformers + PEFT (merged)
# on the same prompt, tokens and threads.
#   bash scripts/bench_generate.sh <adapter-folder> [new-tokens] [runs]
set -euo pipefail
source "$(dirname "$0")/env.sh"
ADAPTER="${1:?an adapter folder (adapter_config.json, adapter_model.safetensors)}"
NEW="${2:-128}"; RUNS="${3:-3}"
ensure_peft_venv
cargo build --quiet --locked --example bench_generate "${OPT[@]}"
echo "== slm-pipeline (candle) =="
"$CARGO_TARGET_DIR/debug/examples/bench_generate" "$ADAPTER" "$NEW" "$RUNS"
echo "== HF transformers + PEFT =="
"$VENV/bin/python" scripts/bench_generate.py "$ADAPTER" "$NEW" "$RUNS"
