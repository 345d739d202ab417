#!/usr/bin/env bash
# Ingest + anonymize throughput on a generated corpus (default ~1.1 GB
# uncompressed), with every PII detector on and with the patterns only, with
# peak RSS, and the same pattern redaction as a DuckDB query.
# Prints figures; asserts nothing. Usage: scripts/bench_ingest.sh [calls]
set -euo pipefail
source "$(dirname "$0")/env.sh"
bash scripts/setup.sh
CALLS="${1:-240000}"
DATE=2026-11-20
WORK="${BENCH_DIR:-/tmp/slm-bench}"
mkdir -p "$WORK"
# Our own crate optimized too (dependencies already are in the dev profile);
# this rebuilds only this crate, not the dependency tree.
cargo build --quiet "${OPT[@]}" --bin slm-pipeline
BIN="$CARGO_TARGET_DIR/debug/slm-pipeline"

if [ ! -f "$WORK/logs/.calls-$CALLS" ]; then
  rm -rf "$WORK/logs"
  "$BIN" demo-data --out "$WORK/logs" --calls "$CALLS" --date "$DATE" --no-faults
  touch "$WORK/logs/.calls-$CALLS"
fi
echo "corpus: $CALLS calls, $(du -sh "$WORK/logs/$DATE" | cut -f1) on disk"

export BENCH_LOGS="$WORK/logs" BENCH_PII_KEY="bench-key-0123456789abcdef0123"
# One run with every default detector, one with the patterns only.
for MODE in all patterns; do
  DAGFILE=scripts/bench/ingest.yaml
  [ "$MODE" = patterns ] && DAGFILE=scripts/bench/ingest_patterns.yaml
  rm -rf "$WORK/warehouse"
  /usr/bin/time -v "$BIN" run "$DAGFILE" --date "$DATE" --warehouse "$WORK/warehouse" \
    >"$WORK/run-$MODE.out" 2>"$WORK/run-$MODE.err" || { tail -20 "$WORK/run-$MODE.err"; exit 1; }
  WALL=$(grep 'Elapsed (wall clock)' "$WORK/run-$MODE.err" | awk '{print $NF}' | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  RSS_KB=$(grep 'Maximum resident set size' "$WORK/run-$MODE.err" | awk '{print $NF}')
  # Uncompressed bytes as counted by ingest itself (the corpus has a few .gz/.zst objects).
  BYTES=$("$BIN" sql "SELECT details FROM task_runs WHERE task_id = 'ingest' AND status = 'success'" --format json --warehouse "$WORK/warehouse" \
    | python3 -c "import sys, json; print(json.loads(json.loads(sys.stdin.readline())['details'])['bytes_uncompressed'])")
  ROWS=$("$BIN" sql "SELECT COUNT(*) FROM calls" --format csv --warehouse "$WORK/warehouse" | tail -1)
  python3 - "$BYTES" "$WALL" "$RSS_KB" "$ROWS" "$MODE" <<'PY'
import sys
b, wall, rss, rows, mode = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
label = "every detector" if mode == "all" else "patterns only"
print(f"slm-pipeline ingest+anonymize, {label}: {b/1e6:.0f} MB uncompressed {rows} calls in {wall:.1f} s")
print(f"  throughput: {b/1e6/wall:.1f} MB/s, {rows/wall:.0f} calls/s; peak RSS {rss/1024:.0f} MiB")
PY
  grep -E "ingest|anonymize" "$WORK/run-$MODE.out" || true
  [ "$MODE" = patterns ] && PATTERNS_WALL=$WALL
done

# DuckDB: the same regexes as regexp_replace calls over the same text.
python3 -c "import duckdb" 2>/dev/null || pip install --quiet duckdb
"$BIN" pii-patterns >"$WORK/patterns.json"
python3 scripts/duckdb_redact.py --patterns "$WORK/patterns.json" --input "$WORK/logs/$DATE" --output "$WORK/duckdb.parquet" | tee "$WORK/duckdb.out"
DUCK=$(grep -oE '= [0-9.]+ MB/s' "$WORK/duckdb.out" | grep -oE '[0-9.]+' | head -1)
python3 -c "import sys; ours=$BYTES/1e6/$PATTERNS_WALL; duck=float('$DUCK'); print(f'ratio slm-pipeline (patterns only) / duckdb: {ours/duck:.2f}x (ours {ours:.1f} MB/s, duckdb {duck:.1f} MB/s)')"
