# Sourced by the other scripts: one cargo target directory outside the clone,
# shared by CI, developers and every session on this machine.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/slm-pipeline/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Our crate optimized like its dependencies (benchmarks, demo): rebuilds one crate.
OPT=(--config 'profile.dev.package."slm-pipeline".opt-level=3'
     --config 'profile.dev.package."slm-pipeline".debug-assertions=false'
     --config 'profile.dev.package."slm-pipeline".overflow-checks=false')

# The Python peer of the benchmarks (transformers + PEFT), in its own venv.
ensure_peft_venv() {
  VENV="${SLM_PEFT_VENV:-$HOME/.cache/slm-pipeline/peft-venv}"
  if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import torch, transformers, peft, gguf" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet "torch==2.15.0" "transformers==5.23.0" "peft==0.21.2" "gguf" "safetensors"
  fi
}
