#!/usr/bin/env bash
# Set-up plus the whole test suite (what CI runs).
set -euo pipefail
source "$(dirname "$0")/env.sh"
bash scripts/setup.sh
cargo test --locked -p slm-pipeline -p slm-kernels -p slm-pii -- --test-threads 2
