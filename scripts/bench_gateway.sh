#!/usr/bin/env bash
# The gateway's own overhead and throughput, side by side with LiteLLM's
# proxy, both in front of the same mock LLM (slm-pipeline mock-llm, which
# answers at once). Overhead = latency through the proxy minus latency to the
# mock directly, at the same number of clients (closed loop, loadgen).
#
#   no table: every call goes to the LLM without a routing decision (what
#             LiteLLM does too); the call log is on (anonymized, off-path).
#   routed:   the demo's registry (warehouse/registry, from scripts/demo.sh),
#             every call embedded by MiniLM and routed; --no-slm, so the
#             answer still comes from the mock and only routing is added.
#
# One client: the proxy pinned to core 0, mock and load on core 1.
# 10 and 100 clients: everything on both cores. Prints figures; asserts nothing.
# Usage: scripts/bench_gateway.sh [seconds per run, default 10]
set -euo pipefail
source "$(dirname "$0")/env.sh"
bash scripts/setup.sh
cargo build --quiet "${OPT[@]}" --bin slm-pipeline
BIN="$CARGO_TARGET_DIR/debug/slm-pipeline"
SECS="${1:-10}"
WORK="${BENCH_DIR:-/tmp/slm-gateway-bench}"
rm -rf "$WORK" && mkdir -p "$WORK/registry" "$WORK/log"
MOCK=127.0.0.1:18081 GW=127.0.0.1:18080 LITE=127.0.0.1:14000 GW_ROUTED=127.0.0.1:18082
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

cat > "$WORK/body.json" <<'EOF'
{"model": "gpt-4o", "messages": [
  {"role": "system", "content": "You are the support agent of an online shop. Answer briefly."},
  {"role": "user", "content": "Where is my order 88123? It was due on Monday and the tracking page has not moved."}]}
EOF

wait_http() { for _ in $(seq 1 1800); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done; echo "no answer from $1" >&2; return 1; }

taskset -c 1 "$BIN" mock-llm --listen "$MOCK" 2>/dev/null & PIDS+=($!)
sleep 0.5
export SLM_PII_KEY="${SLM_PII_KEY:-bench-key-0123456789abcdef0123}"
start_gateway() { # cpus listen table
  taskset -c "$1" "$BIN" gateway --table "$3" --upstream "http://$MOCK/v1" --listen "$2" --no-slm \
    --log-to "$WORK/log" --poll-secs 3600 2>>"$WORK/gateway.log" & PIDS+=($!)
  wait_http "http://$2/healthz"
}

# LiteLLM's proxy, in its own venv, on the same mock.
LVENV="${SLM_LITELLM_VENV:-$HOME/.cache/slm-pipeline/litellm-venv}"
if [ ! -x "$LVENV/bin/litellm" ]; then
  python3 -m venv "$LVENV"
  "$LVENV/bin/pip" install --quiet 'litellm[proxy]'
fi
cat > "$WORK/litellm.yaml" <<EOF
model_list:
  - model_name: gpt-4o
    litellm_params: {model: openai/gpt-4o, api_base: "http://$MOCK/v1", api_key: "sk-mock"}
litellm_settings: {drop_params: true, telemetry: false}
EOF
LITELLM_VERSION=$("$LVENV/bin/pip" show litellm 2>/dev/null | awk '/^Version/ {print $2}')
# LiteLLM refuses to start without a master key; clients then send it.
export LITELLM_MASTER_KEY="sk-bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"

run() { # label clients url [cpus] [bearer env]
  local cpus="${4:-0,1}" bearer=()
  [ -n "${5:-}" ] && bearer=(--bearer-env "$5")
  taskset -c "$cpus" "$BIN" loadgen --url "$3" --body "$WORK/body.json" --clients "$2" --seconds "$SECS" "${bearer[@]}" \
    | python3 -c "import json,sys; r=json.load(sys.stdin); r['label']='$1'; print(json.dumps(r))" >> "$WORK/results.jsonl"
}

for CLIENTS in 1 10 100; do
  CPU=0,1; [ "$CLIENTS" = 1 ] && CPU=1
  run "mock, direct" "$CLIENTS" "http://$MOCK/v1/chat/completions" "$CPU"
done

GCPU=0,1
start_gateway 0 "$GW" "$WORK/registry"
run "slm-pipeline gateway (no table)" 1 "http://$GW/v1/chat/completions" 1
kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true
start_gateway "$GCPU" "$GW" "$WORK/registry"
for CLIENTS in 10 100; do run "slm-pipeline gateway (no table)" "$CLIENTS" "http://$GW/v1/chat/completions"; done
kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true

# The official openai client against the gateway, unchanged: a plain call,
# a stream and a forced tool call (openai comes with litellm).
start_gateway 0,1 "$GW" "$WORK/registry"
"$LVENV/bin/python" - "http://$GW/v1" <<'EOF'
import sys, openai
client = openai.OpenAI(base_url=sys.argv[1], api_key="unused")
r = client.chat.completions.with_raw_response.create(model="gpt-4o", messages=[{"role": "user", "content": "Hello"}])
c = r.parse()
assert c.choices[0].message.content and r.headers["x-slm-route"] == "llm", c
text = "".join(ch.choices[0].delta.content or "" for ch in client.chat.completions.create(
    model="gpt-4o", messages=[{"role": "user", "content": "Hello"}], stream=True) if ch.choices)
assert text == c.choices[0].message.content, text
tools = [{"type": "function", "function": {"name": "track_order", "parameters": {"type": "object", "properties": {}}}}]
t = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Where is it?"}], tools=tools, tool_choice="required")
assert t.choices[0].message.tool_calls[0].function.name == "track_order", t
print("openai %s client against the gateway: chat, stream and tool call ok (x-slm-route %s, reason %s)"
      % (openai.__version__, r.headers["x-slm-route"], r.headers["x-slm-reason"]))
EOF
kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true

for CPU in 0 0,1; do
  taskset -c "$CPU" "$LVENV/bin/litellm" --config "$WORK/litellm.yaml" --host 127.0.0.1 --port 14000 >"$WORK/litellm.log" 2>&1 & PIDS+=($!)
  wait_http "http://$LITE/health/liveliness"
  if [ "$CPU" = 0 ]; then
    run "LiteLLM $LITELLM_VERSION proxy" 1 "http://$LITE/v1/chat/completions" 1 LITELLM_MASTER_KEY
  else
    for CLIENTS in 10 100; do run "LiteLLM $LITELLM_VERSION proxy" "$CLIENTS" "http://$LITE/v1/chat/completions" 0,1 LITELLM_MASTER_KEY; done
  fi
  kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true
done

if [ -f warehouse/registry/routing/current.json ]; then
  start_gateway 0 "$GW_ROUTED" warehouse/registry
  run "slm-pipeline gateway (routed, MiniLM)" 1 "http://$GW_ROUTED/v1/chat/completions" 1
  kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true
  start_gateway 0,1 "$GW_ROUTED" warehouse/registry
  run "slm-pipeline gateway (routed, MiniLM)" 10 "http://$GW_ROUTED/v1/chat/completions"
else
  echo "(no warehouse/registry: run scripts/demo.sh for the routed figures)"
fi

python3 - "$WORK/results.jsonl" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
direct = {r["clients"]: r for r in rows if r["label"] == "mock, direct"}
print("| target | clients | req/s | p50 ms | p99 ms | overhead p50 ms | overhead p99 ms | errors |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for r in rows:
    d = direct.get(r["clients"])
    over = ("", "") if r["label"] == "mock, direct" or not d else (
        "%.3f" % (r["p50_ms"] - d["p50_ms"]), "%.3f" % (r["p99_ms"] - d["p99_ms"]))
    print("| %s | %d | %.1f | %.3f | %.3f | %s | %s | %d |" % (
        r["label"], r["clients"], r["rps"], r["p50_ms"], r["p99_ms"], over[0], over[1], r["errors"]))
EOF
echo "call log: $(find "$WORK/log" -name '*.jsonl.gz' | wc -l) objects in $WORK/log"
