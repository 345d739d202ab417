#!/usr/bin/env bash
# Issue 19: MiniLM embedding, ours against sentence-transformers, on the same
# texts (a generated demo day, and agent calls with long system prompts of
# our own), the same truncation (256 tokens), batch 32, 2 threads. Prints
# texts/s, tokens/s, GFLOP/s and peak RSS per engine, and each one's ratio
# to sentence-transformers (medians of three passes; each engine in its own
# process). ENGINES adds `candle` (the path before the kernels) if asked.
#   bash scripts/bench_embed.sh [demo calls (1000)] [long-prompt texts (300)]
set -euo pipefail
source "$(dirname "$0")/env.sh"
ensure_peft_venv
"$VENV/bin/python" -c "import sentence_transformers; assert sentence_transformers.__version__ == '6.2.0'" 2>/dev/null || "$VENV/bin/pip" install --quiet "sentence-transformers==6.2.0"
cargo build --quiet --locked --example bench_embed "${OPT[@]}"
BIN="$CARGO_TARGET_DIR/debug/examples/bench_embed"
OUT="${BENCH_EMBED_DIR:-/tmp/bench_embed}"
"$BIN" texts "$OUT" "${1:-1000}" "${2:-300}"
for corpus in demo long; do
  : > "$OUT/$corpus.results"
  "$VENV/bin/python" scripts/bench_embed.py "$OUT/$corpus.jsonl" models/all-minilm-l6-v2 >> "$OUT/$corpus.results"
  for engine in ${ENGINES:-f32 bf16 int8}; do
    "$BIN" run "$OUT/$corpus.jsonl" "$engine" >> "$OUT/$corpus.results"
  done
  python3 - "$OUT/$corpus.results" "$corpus" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
peer = rows[0]
print(f"\n{sys.argv[2]}: {peer['texts']} texts, {peer['tokens'] / peer['texts']:.0f} tokens per text on average")
print(f"{'engine':<52} {'texts/s':>9} {'tokens/s':>10} {'GFLOP/s':>8} {'peak RSS':>9} {'vs ST':>6}")
for r in rows:
    print(f"{r['engine']:<52} {r['texts_per_s']:>9.1f} {r['tokens_per_s']:>10.0f} {r['gflops']:>8.1f} {r['peak_rss_mib']:>6.0f} MiB {r['texts_per_s'] / peer['texts_per_s']:>5.2f}x")
PY
done
