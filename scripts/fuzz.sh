#!/usr/bin/env bash
# Fuzzes the parsers that read hostile input, for a bounded time per target:
#
#   log_line     pipeline/ingest/formats/  parse_line on any UTF-8 line
#   pii          crates/pii                  find / redact / redact_json on any UTF-8 text
#   line_reader  pipeline/ingest/lines.rs    decoder + LineReader on any bytes
#                                            (plain, gzip, zstd), and round trips
#   dag          pipeline/yaml.rs, pipeline/dag/spec.rs, pipeline/dag/template.rs
#
# Usage: bash scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#        (default 60 s each, all targets)
#
# Needs the nightly toolchain (`rustup toolchain install nightly`); installs
# cargo-fuzz if it is missing. The fuzz crate (fuzz/) compiles the parser
# files directly, not the whole crate, so the instrumented build takes minutes.
# It builds in fuzz/target, never in the shared CARGO_TARGET_DIR.
#
# Inputs that found new coverage are kept in fuzz/corpus/<target>/ (seeded
# from fuzz/seeds/<target>/); a crash leaves its input in
# fuzz/artifacts/<target>/ (replay it with
# `cargo +nightly fuzz run -a <target> <file>`). Logs go to fuzz/logs/, the
# figures to fuzz/last_run.json. Exits 1 if any target crashed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SECS="${1:-60}"
[ $# -gt 0 ] && shift
case "$SECS" in '' | *[!0-9]*) echo "usage: $0 [SECONDS_PER_TARGET] [TARGET...]" >&2; exit 2 ;; esac
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(log_line line_reader dag pii)

# Longest input per target (bytes): a few real log lines, a few KiB of YAML.
max_len() {
  case "$1" in
    dag) echo 8192 ;;
    *) echo 16384 ;;
  esac
}

unset CARGO_TARGET_DIR
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi

# -a: debug assertions and overflow checks on, as in the main crate's tests.
FUZZ_FLAGS=(-a)
echo "building the fuzz targets (fuzz/target)..."
cargo +nightly fuzz build "${FUZZ_FLAGS[@]}"

mkdir -p fuzz/logs
summary=()
json_rows=()
failed=0
for target in "${TARGETS[@]}"; do
  corpus="fuzz/corpus/$target"
  artifacts="fuzz/artifacts/$target"
  log="fuzz/logs/$target.log"
  mkdir -p "$corpus" "$artifacts"
  marker="$(mktemp)"
  echo "fuzzing $target for $SECS s (log: $log)..."
  start=$(date +%s)
  rc=0
  # Seeds are read-only; new inputs go to the first directory, the corpus.
  timeout --kill-after=30 $((SECS + 600)) \
    cargo +nightly fuzz run "${FUZZ_FLAGS[@]}" "$target" "$corpus" "fuzz/seeds/$target" -- \
      -max_total_time="$SECS" -rss_limit_mb=2048 -max_len="$(max_len "$target")" \
      -timeout=30 -print_final_stats=1 >"$log" 2>&1 || rc=$?
  seconds=$(($(date +%s) - start))
  execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -1)
  execs="${execs:-0}"
  new_artifacts=$(find "$artifacts" -type f -newer "$marker" | sort)
  crashes=$(printf '%s' "$new_artifacts" | grep -c . || true)
  rm -f "$marker"
  corpus_size=$(find "$corpus" -type f | wc -l)
  if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then
    # No input to blame (build failure, killed): a failure all the same.
    echo "  $target: exited $rc without an artifact; see $log" >&2
    crashes=1
  fi
  echo "  $target: $execs execs in $seconds s, $crashes crashes, corpus $corpus_size inputs"
  if [ "$crashes" -gt 0 ]; then
    failed=1
    grep -E '^(==[0-9]+==ERROR|thread .* panicked|SUMMARY)' "$log" | head -5 | sed 's/^/    /' >&2 || true
    [ -n "$new_artifacts" ] && printf '    artifact: %s\n' $new_artifacts >&2
  fi
  summary+=("fuzz $target: $execs execs in $seconds s, $crashes crashes")
  files=""
  [ -z "$new_artifacts" ] || files=$(printf '%s\n' $new_artifacts | sed 's/.*/"&"/' | paste -sd, -)
  json_rows+=("    {\"target\": \"$target\", \"execs\": $execs, \"seconds\": $seconds, \"crashes\": $crashes, \"corpus\": $corpus_size, \"artifacts\": [$files]}")
done

{
  echo "{"
  echo "  \"seconds_per_target\": $SECS,"
  echo "  \"finished\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\","
  echo "  \"targets\": ["
  for i in "${!json_rows[@]}"; do
    sep=","
    [ "$i" -eq $((${#json_rows[@]} - 1)) ] && sep=""
    echo "${json_rows[$i]}$sep"
  done
  echo "  ]"
  echo "}"
} >fuzz/last_run.json

echo
printf '%s\n' "${summary[@]}"
exit "$failed"
