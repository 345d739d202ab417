#!/usr/bin/env bash
# The main job on the embedded default: a demo corpus into the local warehouse.
set -euo pipefail
source "$(dirname "$0")/env.sh"
bash scripts/setup.sh
DATE="${DATE:-2026-11-20}"
CALLS="${CALLS:-2000}"
# Our own crate optimized (k-means, PCA... are our loops); the dependencies
# are already optimized in the dev profile, so this rebuilds one crate only.
cargo build --quiet --bin slm-pipeline "${OPT[@]}"
BIN="$CARGO_TARGET_DIR/debug/slm-pipeline"
"$BIN" demo-data --out demo-logs --calls "$CALLS" --date "$DATE"
"$BIN" validate dags/demo.yaml
RUN_OUT=$("$BIN" run dags/demo.yaml --date "$DATE")
echo "$RUN_OUT"
[[ $RUN_OUT =~ ^run\ ([^:]+): ]] && RUN_ID="${BASH_REMATCH[1]}"
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
echo "== evaluations: adapter and base model against the LLM's answers =="
"$BIN" sql "SELECT cluster_id, metric, n, ROUND(score, 3) AS score, ROUND(ci_low, 3) AS ci_low, ROUND(ci_high, 3) AS ci_high,
            ROUND(base_score, 3) AS base_score, ROUND(teacher_agreement, 2) AS agreement FROM evaluations ORDER BY cluster_id"
echo "== published routing table =="
"$BIN" registry show
echo "== sample requests routed =="
# The embedding template is "{system} {last_user} tools: {tools}": a chat call
# with its system prompt lands where its task's calls did; a bare prompt may not.
route() {
  echo "\$ slm-pipeline route --table warehouse/registry  # $1"
  "$BIN" route --table warehouse/registry <<<"$2" | tr -d '\n' | sed 's/  */ /g'
  echo
}
route "a summary for the next support agent" '{"messages": [
  {"role": "system", "content": "You are a support assistant. Summarize the following text in two or three sentences for the agent who takes over. Keep names, numbers and dates exactly as written."},
  {"role": "user", "content": "From: Dana Novak\nTo: Accounts team\nSubject: Re: renewal proposal\n\nHello,\n\nWe reviewed your proposal with our finance lead. Acme Corp accepts the renewal at USD 120000.00 per year. The signed contract is due by December 15.\n\nBest regards,\nDana"}]}'
route "invoice fields as JSON" '{"messages": [
  {"role": "system", "content": "Extract the requested fields from the document. Answer with a single JSON object and nothing else."},
  {"role": "user", "content": "Fields: invoice_number, vendor, total\n\nINVOICE INV-2291 from Globex Ltd. Total due: EUR 1,240.00"}]}'
route "a bare prompt far from every task" '{"prompt": "Write a sonnet about the moons of Jupiter"}'
echo "report: $("$BIN" report "$RUN_ID" --html)"

echo "== the gateway on the demo registry: who answers each request =="
# A mock LLM stands in for the real one; the SLM runs in process. Every call
# is logged, anonymized with the demo's (public) key, under demo-gateway-logs/.
TMP=$(mktemp -d)
"$BIN" mock-llm --listen 127.0.0.1:18181 2>/dev/null & MOCK_PID=$!
SLM_PII_KEY="slm-pipeline demo key: NOT SECRET, do not use on real traffic" \
  "$BIN" gateway --table warehouse/registry --upstream http://127.0.0.1:18181/v1 --listen 127.0.0.1:18180 \
  --log-to demo-gateway-logs --slm-timeout-ms 120000 --slm-max-tokens 96 --shadow-share 0 2>"$TMP/gateway.err" & GW_PID=$!
trap 'kill $GW_PID $MOCK_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do curl -sf -o /dev/null http://127.0.0.1:18180/healthz && break; sleep 0.2; done
ask() { # label body
  echo "\$ curl localhost:18180/v1/chat/completions  # $1"
  curl -s -D "$TMP/h" -o "$TMP/b" http://127.0.0.1:18180/v1/chat/completions -H 'content-type: application/json' -d "$2"
  header() { grep -i "^$1:" "$TMP/h" | cut -d' ' -f2 | tr -d '\r'; }
  echo "  answered by: $(header x-slm-route) ($(header x-slm-reason)), model $(jq -r .model "$TMP/b")"
  echo "  answer: $(jq -c '.choices[0].message | .content // .tool_calls' "$TMP/b" | cut -c1-200)"
}
ask "a summary for the next support agent" '{"model": "gpt-4o", "messages": [
  {"role": "system", "content": "You are a support assistant. Summarize the following text in two or three sentences for the agent who takes over. Keep names, numbers and dates exactly as written."},
  {"role": "user", "content": "From: Dana Novak\nTo: Accounts team\nSubject: Re: renewal proposal\n\nHello,\n\nWe reviewed your proposal with our finance lead. Acme Corp accepts the renewal at USD 120000.00 per year. The signed contract is due by December 15.\n\nBest regards,\nDana"}]}'
ask "invoice fields as JSON" '{"model": "gpt-4o", "messages": [
  {"role": "system", "content": "Extract the requested fields from the document. Answer with a single JSON object and nothing else."},
  {"role": "user", "content": "Fields: invoice_number, vendor, total\n\nINVOICE INV-2291 from Globex Ltd. Total due: EUR 1,240.00"}]}'
ask "a bare prompt far from every task" '{"model": "gpt-4o", "messages": [{"role": "user", "content": "Write a sonnet about the moons of Jupiter"}]}'
kill -TERM "$GW_PID"; wait "$GW_PID" 2>/dev/null || true
kill "$MOCK_PID" 2>/dev/null || true
echo "gateway call log: $(find demo-gateway-logs -name '*.jsonl.gz' | wc -l) object(s) in demo-gateway-logs/ (the next night's input)"
