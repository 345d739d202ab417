#!/usr/bin/env bash
# The main job on the embedded default: a demo corpus into the local warehouse.
set -euo pipefail
source "$(dirname "$0")/env.sh"
bash scripts/setup.sh
DATE="${DATE:-2026-11-20}"
CALLS="${CALLS:-2000}"
# Our own crate optimized (k-means, PCA... are our loops); the dependencies
# are already optimized in the dev profile, so this rebuilds one crate only.
cargo build --quiet --bin slm-pipeline \
  --config 'profile.dev.package."slm-pipeline".opt-level=3' \
  --config 'profile.dev.package."slm-pipeline".debug-assertions=false' \
  --config 'profile.dev.package."slm-pipeline".overflow-checks=false'
BIN="$CARGO_TARGET_DIR/debug/slm-pipeline"
"$BIN" demo-data --out demo-logs --calls "$CALLS" --date "$DATE"
"$BIN" validate dags/demo.yaml
"$BIN" run dags/demo.yaml --date "$DATE"
echo
echo "== calls per agent and model =="
"$BIN" sql "SELECT agent, model, calls, total_tokens FROM calls_per_agent_model_day WHERE date = DATE '$DATE'"
echo "== quarantine by reason =="
"$BIN" sql "SELECT reason, records FROM quarantine_by_reason WHERE date = DATE '$DATE'"
echo "== PII replaced, by entity =="
"$BIN" sql "SELECT entity, found FROM pii_counts_by_entity WHERE found > 0"
echo "== fine-tuning datasets per cluster (distill) =="
"$BIN" sql "SELECT cluster_id, version, SUM(CASE WHEN split = 'train' THEN 1 ELSE 0 END) AS train,
            SUM(CASE WHEN split = 'eval' THEN 1 ELSE 0 END) AS eval FROM datasets GROUP BY cluster_id, version ORDER BY cluster_id"
echo "== LoRA adapters (finetune): eval loss of the base model and of the adapter =="
"$BIN" sql "SELECT cluster_id, version, train_pairs, steps, ROUND(base_eval_loss, 3) AS base_eval_loss,
            ROUND(eval_loss, 3) AS eval_loss, ROUND(tokens / train_seconds) AS tokens_per_s FROM adapters ORDER BY cluster_id"
echo "== task clusters =="
"$BIN" clusters
echo "== calls nearest to a sample prompt =="
"$BIN" similar "Extract the invoice number and total as JSON" --k 5
