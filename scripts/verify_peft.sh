#!/usr/bin/env bash
# Checks adapters with Hugging Face transformers + PEFT (scripts/verify_peft.py).
# The Python packages (torch is large) go into a virtual environment outside
# the clone, made on first use; not part of CI.
set -euo pipefail
source "$(dirname "$0")/env.sh"
VENV="${SLM_PEFT_VENV:-$HOME/.cache/slm-pipeline/peft-venv}"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import torch, transformers, peft, gguf" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "torch==2.15.0" "transformers==5.23.0" "peft==0.21.2" "gguf" "safetensors" "psutil"
fi
cargo build --quiet --locked --bin slm-pipeline
exec "$VENV/bin/python" scripts/verify_peft.py "$@"
