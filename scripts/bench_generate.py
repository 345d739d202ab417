"""Greedy generation with HF transformers + PEFT (adapter merged), the peer
of examples/bench_generate.rs: same GGUF, prompt, token count, 2 threads.
    python scripts/bench_generate.py <adapter> [new_tokens] [runs]"""
import statistics, sys, time
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer
from peft import PeftModel

adapter, new, runs = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 128, int(sys.argv[3]) if len(sys.argv) > 3 else 3
torch.set_num_threads(2)
folder = "models/smollm2-135m-instruct"
gguf = "SmolLM2-135M-Instruct.Q4_1.gguf"
tok = AutoTokenizer.from_pretrained(folder, gguf_file=gguf)
model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=gguf, torch_dtype=torch.float32)
model = PeftModel.from_pretrained(model, adapter).merge_and_unload().eval()
prompt = open("scripts/bench_prompt.txt").read()
ids = tok(prompt, return_tensors="pt").input_ids
times = []
for _ in range(runs):
    start = time.perf_counter()
    with torch.no_grad():
        out = model.generate(ids, max_new_tokens=new, min_new_tokens=new, do_sample=False, use_cache=True)
    times.append(time.perf_counter() - start)
    generated = out.shape[1] - ids.shape[1]
t = statistics.median(times)
print(f"prompt {ids.shape[1]} tokens, {generated} new tokens: median {t:.2f} s = {generated / t:.1f} tokens/s (prefill included)")
