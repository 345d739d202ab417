#!/usr/bin/env python3
"""Baseline for the anonymisation benchmark: the same PII patterns, run in DuckDB.

    python3 scripts/duckdb_redact.py --patterns patterns.json --input DIR

`patterns.json` is a list of {"entity": TAG, "regex": RE2 source}, as printed
from `slm_pii::patterns()`, in priority order. DIR holds `.jsonl`,
`.jsonl.gz` and/or `.jsonl.zst` files.

One SQL statement reads every line of every file as a single raw VARCHAR (no
JSON parsing, no CSV quoting: the column separator is a control byte that valid
JSON Lines cannot contain), applies one `regexp_replace(..., 'g')` per pattern
with the fixed replacement `<TAG>`, and writes the result with COPY to Parquet.

This is an easier job than the Rust redactor's: DuckDB cannot compute keyed
pseudonyms (HMAC) or validate candidates (Luhn, IBAN mod-97, IP octets, phone
digit counts) inside regexp_replace, so it replaces every regex match with a
constant.

Prints: `duckdb: <MB> MB in <s> s = <MB/s> MB/s`, MB being the uncompressed
input (line bytes plus newlines), the time being that of the one statement.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst")
# A byte that cannot occur in JSON Lines (control characters other than
# \t \n \r must be escaped inside strings and are not JSON whitespace).
SEPARATOR = "\x01"


def sql_str(s: str) -> str:
    """A SQL string literal."""
    return "'" + s.replace("'", "''") + "'"


def load_patterns(path: Path) -> list[tuple[str, str]]:
    items = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(items, list) or not items:
        raise SystemExit(f"{path}: expected a non-empty JSON list")
    out = []
    for i, item in enumerate(items):
        try:
            tag, regex = str(item["entity"]), str(item["regex"])
        except (TypeError, KeyError) as e:
            raise SystemExit(f"{path}: item {i} needs 'entity' and 'regex': {e}") from None
        if not tag or not regex:
            raise SystemExit(f"{path}: item {i} has an empty entity or regex")
        out.append((tag, regex))
    return out


def input_files(root: Path) -> list[Path]:
    if root.is_file():
        files = [root]
    else:
        files = sorted(p for p in root.rglob("*") if p.is_file() and p.name.endswith(SUFFIXES))
    if not files:
        raise SystemExit(f"no {'/'.join(SUFFIXES)} files under {root}")
    return files


def build_sql(files: list[Path], patterns: list[tuple[str, str]], output: Path) -> str:
    expr = "line"
    for tag, regex in patterns:
        expr = f"regexp_replace({expr}, {sql_str(regex)}, {sql_str('<' + tag + '>')}, 'g')"
    file_list = "[" + ", ".join(sql_str(str(f)) for f in files) + "]"
    source = (
        f"read_csv({file_list}, columns = {{'line': 'VARCHAR'}}, header = false, "
        f"delim = {sql_str(SEPARATOR)}, quote = '', escape = '', auto_detect = false, "
        f"compression = 'auto', max_line_size = 1000000000, strict_mode = false, "
        f"null_padding = false, all_varchar = true)"
    )
    return (
        f"COPY (SELECT strlen(line) + 1 AS input_bytes, {expr} AS line "
        f"FROM {source} WHERE line IS NOT NULL) "
        f"TO {sql_str(str(output))} (FORMAT parquet, COMPRESSION zstd)"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--patterns", required=True, type=Path, help="JSON list of {entity, regex}")
    ap.add_argument("--input", required=True, type=Path, help="directory of .jsonl/.jsonl.gz/.jsonl.zst files")
    ap.add_argument("--output", type=Path, help="Parquet file to write (default: a temporary file, removed)")
    ap.add_argument("--threads", type=int, help="DuckDB worker threads (default: DuckDB's own choice)")
    ap.add_argument("--memory-limit", help="DuckDB memory_limit, e.g. 8GB")
    ap.add_argument("--show-sql", action="store_true", help="print the statement before running it")
    args = ap.parse_args(argv)

    try:
        import duckdb
    except ImportError:
        print("duckdb is not installed: pip install duckdb", file=sys.stderr)
        return 2

    patterns = load_patterns(args.patterns)
    files = input_files(args.input)

    tmpdir = None
    output = args.output
    if output is None:
        tmpdir = tempfile.TemporaryDirectory(prefix="duckdb_redact_")
        output = Path(tmpdir.name) / "redacted.parquet"
    output.parent.mkdir(parents=True, exist_ok=True)

    con = duckdb.connect(":memory:")
    if args.threads:
        con.execute(f"SET threads = {int(args.threads)}")
    if args.memory_limit:
        con.execute(f"SET memory_limit = {sql_str(args.memory_limit)}")
    con.execute("SET preserve_insertion_order = false")
    # Fail early, outside the timing, on a pattern RE2 rejects.
    for tag, regex in patterns:
        try:
            con.execute("SELECT regexp_replace('x', ?, '', 'g')", [regex]).fetchall()
        except Exception as e:  # duckdb raises its own exception types
            raise SystemExit(f"pattern for {tag} rejected by DuckDB/RE2: {e}\n{regex}") from None

    sql = build_sql(files, patterns, output)
    if args.show_sql:
        print(sql, file=sys.stderr)

    t0 = time.perf_counter()
    con.execute(sql)
    elapsed = time.perf_counter() - t0

    in_bytes, lines = con.execute(
        f"SELECT coalesce(sum(input_bytes), 0), count(*) FROM read_parquet({sql_str(str(output))})"
    ).fetchone()
    mb = in_bytes / 1e6
    rate = mb / elapsed if elapsed > 0 else float("inf")
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    print(
        f"# {len(files)} files, {lines} lines, {len(patterns)} patterns, {threads} threads, "
        f"duckdb {duckdb.__version__}",
        file=sys.stderr,
    )
    print(f"duckdb: {mb:.1f} MB in {elapsed:.2f} s = {rate:.1f} MB/s")
    con.close()
    if tmpdir is not None:
        tmpdir.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
