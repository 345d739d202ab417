# Sourced by the other scripts: one cargo target directory outside the clone,
# shared by CI, developers and every session on this machine.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/slm-pipeline/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
cd "$(dirname "${BASH_SOURCE[0]}")/.."
