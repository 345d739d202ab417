#!/usr/bin/env python3
"""The peer of examples/bench_finetune.rs: HF transformers + PEFT training
SmolLM2-135M-Instruct (the same GGUF, dequantized to f32) with LoRA rank 8
on q, k, v, o, AdamW, batches of `batch` random sequences of `len` tokens,
loss on the second half. Prints the median tokens/s over the updates after
a warm-up one, and the peak RSS.

    python scripts/bench_peft_train.py [len] [batch] [steps]
"""

import os
import resource
import statistics
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import torch  # noqa: E402
from peft import LoraConfig, get_peft_model  # noqa: E402
from transformers import AutoModelForCausalLM  # noqa: E402


def main():
    length, batch, steps = (int(a) for a in (sys.argv[1:] + ["256", "4", "5"][len(sys.argv) - 1:])[:3])
    torch.manual_seed(1)
    model = AutoModelForCausalLM.from_pretrained(
        "models/smollm2-135m-instruct", gguf_file="SmolLM2-135M-Instruct.Q4_1.gguf", torch_dtype=torch.float32
    )
    config = LoraConfig(r=8, lora_alpha=16, lora_dropout=0.05, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"],
                        task_type="CAUSAL_LM")
    model = get_peft_model(model, config)
    model.train()
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=2e-4)
    vocab = model.config.vocab_size
    rates = []
    for step in range(steps + 1):
        ids = torch.randint(0, vocab, (batch, length))
        labels = ids.clone()
        labels[:, : length // 2] = -100
        start = time.perf_counter()
        loss = model(input_ids=ids, labels=labels).loss
        loss.backward()
        opt.step()
        opt.zero_grad()
        seconds = time.perf_counter() - start
        if step > 0:  # the first update warms up
            rates.append(batch * length / seconds)
            print(f"update {step}: {batch * length} tokens in {seconds:.2f} s, {batch * length / seconds:.0f} tokens/s")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"transformers {__import__('transformers').__version__} + peft {__import__('peft').__version__}, torch "
          f"{torch.__version__} ({torch.get_num_threads()} threads): len {length}, batch {batch}, rank 8 on q,k,v,o: "
          f"median {statistics.median(rates):.0f} tokens/s, peak RSS {rss:.0f} MiB")


if __name__ == "__main__":
    main()
