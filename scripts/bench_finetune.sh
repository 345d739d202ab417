#!/usr/bin/env bash
# Training throughput on CPU: slm-pipeline (candle) against HF transformers +
# PEFT, same model, rank, targets, sequence length and batch.
#   bash scripts/bench_finetune.sh [len] [batch] [steps]
set -euo pipefail
source "$(dirname "$0")/env.sh"
LEN="${1:-256}"; BATCH="${2:-4}"; STEPS="${3:-5}"
ensure_peft_venv
cargo build --quiet --locked --example bench_finetune "${OPT[@]}"
echo "== slm-pipeline (candle), activation checkpointing =="
"$CARGO_TARGET_DIR/debug/examples/bench_finetune" "$LEN" "$BATCH" "$STEPS" 0
echo "== slm-pipeline (candle), whole graph =="
"$CARGO_TARGET_DIR/debug/examples/bench_finetune" "$LEN" "$BATCH" "$STEPS" 100000
echo "== HF transformers + PEFT =="
"$VENV/bin/python" scripts/bench_peft_train.py "$LEN" "$BATCH" "$STEPS"
# The binary runs with glibc's huge-page tunable (memory.rs): the peer too.
echo "== HF transformers + PEFT, transparent huge pages for the heap =="
GLIBC_TUNABLES=glibc.malloc.hugetlb=1 "$VENV/bin/python" scripts/bench_peft_train.py "$LEN" "$BATCH" "$STEPS"
