#!/usr/bin/env bash
# The yield: the share of a day's calls that the production DAG hands to
# SLMs behind its production gates, on a demo corpus (CALLS, SEED) and on a
# held-back corpus of another seed (HELD_SEED). Prints figures; asserts
# nothing. The DAG is dags/nightly.yaml with the local corpus as its source
# and the public demo PII key; TRAIN_MINUTES overrides its time budget
# (240: a CPU night).
#
#   bash scripts/bench_yield.sh                 # 5,000 calls, 4 hours of training
#   CALLS=5000 TRAIN_MINUTES=30 bash scripts/bench_yield.sh
# A quick smoke run (not the production figures): fewer eval calls per
# adapter (EVAL_PAIRS, with MIN_EVAL the gate's minimum), and HELD=0 skips
# the held-back corpus.
set -euo pipefail
source "$(dirname "$0")/env.sh"
bash scripts/setup.sh >/dev/null
CALLS="${CALLS:-5000}"
SEED="${SEED:-42}"
HELD_SEED="${HELD_SEED:-4242}"
TRAIN_MINUTES="${TRAIN_MINUTES:-240}"
EVAL_PAIRS="${EVAL_PAIRS:-}"
MIN_EVAL="${MIN_EVAL:-}"
HELD="${HELD:-1}"
DATE="${DATE:-2026-11-20}"
WORK="${WORK:-$HOME/.cache/slm-pipeline/bench-yield}"
cargo build --quiet --bin slm-pipeline "${OPT[@]}"
BIN="$CARGO_TARGET_DIR/debug/slm-pipeline"

# nightly.yaml, pointed at a local corpus and the demo key.
dag_for() {
  python3 - "$1" "$TRAIN_MINUTES" "$EVAL_PAIRS" "$MIN_EVAL" <<'EOF'
import re, sys
logs, minutes, eval_pairs, min_eval = sys.argv[1:5]
s = open("dags/nightly.yaml").read()
s = s.replace("name: nightly\n", "name: bench-yield\n")
s = s.replace('source: "s3://${AGENT_LOGS_BUCKET}/{{ ds }}/"', f'source: "{logs}/{{{{ ds }}}}/"')
s = s.replace("key_env: SLM_PII_KEY", "demo_key: true")
s = re.sub(r"time_budget_mins: \d+", f"time_budget_mins: {minutes}", s)
if eval_pairs:
    s = re.sub(r"max_eval_pairs: 60", f"max_eval_pairs: {eval_pairs}", s)
if min_eval:
    s = re.sub(r"min_eval: \d+", f"min_eval: {min_eval}", s)
print(s)
EOF
}

run_one() {
  local name="$1" seed="$2"
  local dir="$WORK/$name"
  rm -rf "$dir" && mkdir -p "$dir"
  "$BIN" demo-data --out "$dir/logs" --calls "$CALLS" --date "$DATE" --seed "$seed" --no-faults >/dev/null
  dag_for "$dir/logs" >"$dir/dag.yaml"
  "$BIN" validate "$dir/dag.yaml" >/dev/null
  local started=$SECONDS
  local out
  out=$("$BIN" run "$dir/dag.yaml" --date "$DATE" --warehouse "$dir/warehouse")
  local minutes=$(( (SECONDS - started) / 60 ))
  echo "== $name corpus: $CALLS calls, seed $seed, $minutes minutes for the DAG (2 cores) =="
  echo "$out" | grep -E "distill|finetune|evaluate|publish|pruned|cluster [0-9]+:|projected|of [0-9]+ clusters" || true
  echo "-- per cluster: calls, share, training, each candidate's score (zero-shot, few-shot, LoRA) and tokens per call; the route and its candidate below --"
  "$BIN" sql --warehouse "$dir/warehouse" "
    WITH c AS (SELECT cluster_id, COUNT(*) AS calls FROM cluster_assignments GROUP BY cluster_id),
         a AS (SELECT cluster_id, MAX(train_seconds) / 60 AS train_minutes, MAX(tokens) AS tokens FROM adapters GROUP BY cluster_id),
         e AS (SELECT cluster_id, evaluation_id, metric, score, ci_low, ci_high, base_score, n,
                      ROW_NUMBER() OVER (PARTITION BY cluster_id ORDER BY created_at DESC) AS r FROM evaluations),
         k AS (SELECT evaluation_id,
                      ROUND(MAX(CASE WHEN candidate = 'zero_shot' THEN score END), 3) AS zero_shot,
                      ROUND(MAX(CASE WHEN candidate = 'few_shot' THEN score END), 3) AS few_shot,
                      ROUND(MAX(CASE WHEN candidate = 'lora' THEN prompt_tokens + answer_tokens END)) AS lora_tokens,
                      ROUND(MAX(CASE WHEN candidate = 'few_shot' THEN prompt_tokens + answer_tokens END)) AS few_tokens
               FROM candidates GROUP BY evaluation_id)
    SELECT c.cluster_id, c.calls, ROUND(c.calls * 1.0 / (SELECT SUM(calls) FROM c), 3) AS share,
           ROUND(a.train_minutes, 1) AS train_min, a.tokens,
           e.metric, ROUND(e.score, 3) AS lora, ROUND(e.ci_low, 3) AS ci_low, ROUND(e.ci_high, 3) AS ci_high,
           k.zero_shot, k.few_shot, k.lora_tokens, k.few_tokens, e.n
    FROM c LEFT JOIN a ON a.cluster_id = c.cluster_id LEFT JOIN e ON e.cluster_id = c.cluster_id AND e.r = 1
         LEFT JOIN k ON k.evaluation_id = e.evaluation_id
    ORDER BY c.calls DESC"
  "$BIN" registry --registry "$dir/warehouse/registry" show
  # The same adapters evaluated again without constrained decoding.
  local run_id="" free_id=""
  [[ $out =~ run\ ([^:]+): ]] && run_id="${BASH_REMATCH[1]}"
  printf 'name: bench-yield-free\ntasks:\n  - id: evaluate\n    kind: evaluate\n    with: {max_eval_pairs: %s, max_new_tokens: 256, constrained: false}\n' \
    "${EVAL_PAIRS:-60}" >"$dir/free.yaml"
  local free
  free=$("$BIN" run "$dir/free.yaml" --date "$DATE" --warehouse "$dir/warehouse")
  [[ $free =~ run\ ([^:]+): ]] && free_id="${BASH_REMATCH[1]}"
  echo "-- score with and without constrained decoding --"
  "$BIN" sql --warehouse "$dir/warehouse" "
    SELECT c.cluster_id, c.metric, ROUND(c.score, 3) AS constrained, ROUND(f.score, 3) AS free,
           ROUND(c.base_score, 3) AS base_constrained, ROUND(f.base_score, 3) AS base_free, c.n
    FROM evaluations c JOIN evaluations f ON f.cluster_id = c.cluster_id AND f.adapter_version = c.adapter_version
    WHERE c.run_id = '$run_id' AND f.run_id = '$free_id' AND f.evaluation_id <> c.evaluation_id ORDER BY c.cluster_id"
}

run_one demo "$SEED"
if [ "$HELD" != 0 ]; then run_one held-back "$HELD_SEED"; fi
