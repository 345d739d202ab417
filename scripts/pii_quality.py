#!/usr/bin/env python3
"""Scores PII predictions against the labelled corpus, several predictors side by side.

    python3 scripts/pii_quality.py --gold tests/fixtures/pii/corpus.jsonl \
        --pred ours=ours.jsonl --pred presidio=presidio.jsonl [--json out.json]

Inputs are JSON Lines. Gold: {"id", "text", "spans": [{"start", "end", "type"}]};
predictions: {"id", "spans": [{"start", "end", "type"}]}; offsets are UTF-8
byte offsets into the gold text, end exclusive. A record missing from a
prediction file counts as "nothing found" (and is reported on stderr).

Definitions (chosen for redaction, where what matters is that PII is removed,
not which label the detector gave it):
- Recall. A gold span is recalled when the union of predicted spans, of ANY
  type, covers at least 80% of its non-space bytes (so "Dr Mia Li" or "34 years
  old" around a gold "Mia Li" / "34" count, and missing one character of a
  long address does not). Per-type recall is over the gold spans of that type.
- Precision. A predicted span is correct when it overlaps any gold span by at
  least one byte. Per-type precision attributes each predicted span to the type
  of the gold span it overlaps most; a predicted span that overlaps no gold span
  counts against the type the predictor gave it, mapped by PRED_TO_GOLD below
  (LOCATION -> ADDRESS, DATE -> DOB, ...; types with no counterpart land in the
  "other" row, which therefore has no correct spans).
- All types: recall over all gold spans, precision over all predicted spans.
- Structured types recall: over gold EMAIL, PHONE, CARD, IBAN, IP, SSN spans,
  the types a pattern + checksum should get right.
- Non-PII words kept: of the whitespace-separated words that overlap no gold
  span, the share that no predicted span touches: what over-redaction costs
  the text that stays usable (1.0 = nothing lost).
- Clean records untouched: of the records with no gold span, the share where
  the predictor found nothing at all.
"""
import argparse, json, re, sys

STRUCTURED = ("EMAIL", "PHONE", "CARD", "IBAN", "IP", "SSN")
GOLD_ORDER = ("PERSON", "ADDRESS", "DOB", "AGE", "ID", "EMAIL", "PHONE", "CARD", "IBAN", "IP", "SSN")
# A predicted type -> the gold type a false positive of it counts against.
PRED_TO_GOLD = {**{t: t for t in GOLD_ORDER}, "LOCATION": "ADDRESS", "GPE": "ADDRESS", "LOC": "ADDRESS",
                "DATE": "DOB", "DATE_TIME": "DOB", "NAME": "PERSON", "PER": "PERSON", "PASSPORT": "ID", "IP_ADDRESS": "IP"}
SPACE = frozenset(b" \t\r\n\f\v")
COVER = 0.8


def load_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def load_pred(path, gold):
    preds, bad = {}, 0
    for rec in load_jsonl(path):
        if rec["id"] not in gold:
            continue
        n = len(gold[rec["id"]]["bytes"])
        spans = []
        for s in rec.get("spans", []):
            a, b = max(0, int(s["start"])), min(n, int(s["end"]))
            if a >= b:
                bad += 1
                continue
            spans.append((a, b, str(s.get("type", "OTHER"))))
        preds[rec["id"]] = spans
    missing = [i for i in gold if i not in preds]
    if missing:
        print(f"{path}: {len(missing)} records missing (scored as no prediction), e.g. {missing[:3]}", file=sys.stderr)
    if bad:
        print(f"{path}: {bad} empty or out-of-range spans ignored", file=sys.stderr)
    return preds


def overlap(a, b):
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def score(gold, preds):
    rows = {t: {"gold": 0, "recalled": 0, "pred": 0, "correct": 0} for t in GOLD_ORDER + ("other",)}
    words = kept = clean = clean_untouched = 0
    shape = {}
    for rid, g in gold.items():
        text, gspans, pspans = g["bytes"], g["spans"], preds.get(rid, [])
        covered = bytearray(len(text))
        for a, b, _ in pspans:
            covered[a:b] = b"\x01" * (b - a)
        for a, b, t in gspans:
            row = rows.setdefault(t, {"gold": 0, "recalled": 0, "pred": 0, "correct": 0})
            idx = [i for i in range(a, b) if text[i] not in SPACE]
            hit = bool(idx) and sum(covered[i] for i in idx) >= COVER * len(idx)
            row["gold"] += 1
            row["recalled"] += hit
            sh = shape.setdefault(g["shape"], [0, 0])
            sh[0] += 1
            sh[1] += hit
        for p in pspans:
            best = max(gspans, key=lambda s: overlap(s, p), default=None)
            if best is not None and overlap(best, p) > 0:
                rows[best[2]]["pred"] += 1
                rows[best[2]]["correct"] += 1
            else:
                t = PRED_TO_GOLD.get(p[2], "other")
                rows[t if t in rows else "other"]["pred"] += 1
        # Words wholly outside gold spans; kept when no predicted span touches them.
        for m in re.finditer(rb"\S+", text):
            w = (m.start(), m.end())
            if any(overlap(w, s) for s in gspans):
                continue
            words += 1
            kept += not any(overlap(w, s) for s in pspans)
        if not gspans:
            clean += 1
            clean_untouched += not pspans
    tot = {k: sum(r[k] for r in rows.values()) for k in ("gold", "recalled", "pred", "correct")}
    st = [rows[t] for t in STRUCTURED]
    return {
        "per_type": {t: dict(r, recall=ratio(r["recalled"], r["gold"]), precision=ratio(r["correct"], r["pred"])) for t, r in rows.items()},
        "all": dict(tot, recall=ratio(tot["recalled"], tot["gold"]), precision=ratio(tot["correct"], tot["pred"])),
        "structured_recall": ratio(sum(r["recalled"] for r in st), sum(r["gold"] for r in st)),
        "recall_by_shape": {k: ratio(v[1], v[0]) for k, v in sorted(shape.items())},
        "non_pii_words_kept": ratio(kept, words),
        "clean_records_untouched": ratio(clean_untouched, clean),
    }


def ratio(a, b):
    return round(a / b, 4) if b else None


def fmt(x):
    return "   -  " if x is None else f"{x:6.3f}"


def table(names, results):
    first = next(iter(results.values()))
    head = f"{'':22}{'gold':>6}" + "".join(f"  {n[:15]:>15}" for n in names)
    sub = f"{'':28}" + "".join(f"  {'recall':>7} {'prec':>7}" for _ in names)
    out = [head, sub]
    for t, r in first["per_type"].items():
        if r["gold"] == 0 and all(res["per_type"][t]["pred"] == 0 for res in results.values()):
            continue
        label = t if t != "other" else "other (unmatched)"
        out.append(f"{label:22}{r['gold']:6d}" + "".join(
            f"  {fmt(res['per_type'][t]['recall']):>7} {fmt(res['per_type'][t]['precision']):>7}" for res in results.values()))
    out.append(f"{'all types':22}{first['all']['gold']:6d}" + "".join(
        f"  {fmt(res['all']['recall']):>7} {fmt(res['all']['precision']):>7}" for res in results.values()))
    single = [("structured types recall", lambda r: r["structured_recall"])]
    single += [(f"recall, {k} records", lambda r, k=k: r["recall_by_shape"][k]) for k in first["recall_by_shape"]]
    single += [("non-PII words kept", lambda r: r["non_pii_words_kept"]), ("clean records untouched", lambda r: r["clean_records_untouched"])]
    for label, get in single:
        out.append(f"{label:28}" + "".join(f"  {fmt(get(res)):>7} {'':7}" for res in results.values()))
    out.append(f"{'predicted spans':28}" + "".join(f"  {res['all']['pred']:7d} {'':7}" for res in results.values()))
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gold", required=True)
    ap.add_argument("--pred", action="append", required=True, metavar="NAME=PATH")
    ap.add_argument("--json", metavar="OUT", help="also write the numbers as JSON")
    args = ap.parse_args()
    gold = {}
    for rec in load_jsonl(args.gold):
        gold[rec["id"]] = {"bytes": rec["text"].encode("utf-8"), "shape": rec.get("shape", "text"),
                           "spans": [(s["start"], s["end"], s["type"]) for s in rec["spans"]]}
    results = {}
    for spec in args.pred:
        name, _, path = spec.partition("=")
        if not path:
            ap.error(f"--pred wants NAME=PATH, got {spec!r}")
        results[name] = score(gold, load_pred(path, gold))
    print(f"{len(gold)} records; a gold span is recalled at >= {COVER:.0%} of its non-space bytes covered by any prediction")
    print(table(list(results), results))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
