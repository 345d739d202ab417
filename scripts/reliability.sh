#!/usr/bin/env bash
# The reliability figures of the README: kill points survived (the crash
# harness at every point), faults injected and survived, permanent faults
# failed cleanly, fuzz executions and crashes, rows lost.
#
#   bash scripts/reliability.sh [fuzz seconds per target, default 60]
#
# Writes the figures to target/reliability.json and prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
fuzz_seconds="${1:-60}"
out_dir="${CARGO_TARGET_DIR}/reliability"
mkdir -p "$out_dir"

echo "== crash harness: every kill point (several minutes)" >&2
SLM_CRASH_POINTS=all cargo test --locked --offline --test crash -- --nocapture 2>"$out_dir/crash.err" | tee "$out_dir/crash.out" >&2
echo "== flaky and failing storage" >&2
cargo test --locked --offline --test it -- --nocapture flaky_storage full_disk 2>"$out_dir/faults.err" | tee "$out_dir/faults.out" >&2
echo "== fuzzing, ${fuzz_seconds} s per target" >&2
fuzz_status=0
bash scripts/fuzz.sh "$fuzz_seconds" >"$out_dir/fuzz.out" 2>&1 || fuzz_status=$?
tail -n 5 "$out_dir/fuzz.out" >&2

python3 - "$out_dir" "$fuzz_status" <<'EOF'
import json, re, sys, pathlib
out = pathlib.Path(sys.argv[1])
def figures(name, tag):
    for line in (out / name).read_text().splitlines():
        if line.startswith(f"RELIABILITY {tag} "):
            return json.loads(line.split(" ", 2)[2])
    raise SystemExit(f"no RELIABILITY {tag} line in {name}: see {out}")
crash = figures("crash.out", "crash")
faults = figures("faults.out", "faults")
permanent = figures("faults.out", "permanent")
fuzz_file = pathlib.Path("fuzz/last_run.json")
fuzz = json.loads(fuzz_file.read_text()) if fuzz_file.exists() else {}
result = {"crash": crash, "faults": faults, "permanent": permanent, "fuzz": fuzz, "fuzz_exit": int(sys.argv[2])}
(out / "reliability.json").write_text(json.dumps(result, indent=2))
rows_lost = crash["rows_lost"] + faults["rows_lost"]
print("| figure | value |")
print("| --- | --- |")
print(f"| kill points (SIGKILL, then a rerun) survived | {crash['killed_and_rerun']} of {crash['kill_points']} |")
print(f"| transient storage faults injected, run completed identical | {faults['transient_faults_injected']} ({faults['failed_attempts_retried']} failed attempts retried) |")
print(f"| permanent faults (disk full, permission denied) failed cleanly | {permanent['failed_cleanly']} of {permanent['permanent_faults']} |")
targets = fuzz.get("targets", fuzz if isinstance(fuzz, list) else [])
if isinstance(targets, dict):
    targets = [dict(name=k, **v) for k, v in targets.items()]
for t in targets:
    name = t.get("target") or t.get("name")
    print(f"| fuzz `{name}`: executions, crashes | {t.get('execs')} in {t.get('seconds')} s, {t.get('crashes')} crashes |")
print(f"| rows lost | {rows_lost} |")
print(f"| rows duplicated | {crash['rows_duplicated']} |")
EOF
