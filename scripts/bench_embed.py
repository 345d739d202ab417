"""The Python peer of `bench_embed`: sentence-transformers on the same texts,
the same truncation (256 tokens) and batch (32), torch on 2 threads.
Prints one JSON line in the shape `bench_embed run` prints.

    python3 scripts/bench_embed.py <texts.jsonl> <model dir>
"""
import json
import resource
import statistics
import sys
import time

import torch
from sentence_transformers import SentenceTransformer

BATCH, MAX_TOKENS = 32, 256


def main():
    path, model_dir = sys.argv[1], sys.argv[2]
    torch.set_num_threads(2)
    texts = [json.loads(line)["text"] for line in open(path, encoding="utf-8")]
    model = SentenceTransformer(model_dir, device="cpu")
    model.max_seq_length = MAX_TOKENS
    lengths = [min(len(ids), MAX_TOKENS) for ids in model.tokenizer(texts, add_special_tokens=True)["input_ids"]]
    h, i, layers = 384.0, 1536.0, 6.0
    flops = sum(layers * (2.0 * l * (4 * h * h + 2 * h * i) + 4.0 * l * l * h) for l in lengths)
    model.encode(texts[: 2 * BATCH], batch_size=BATCH, normalize_embeddings=True)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        model.encode(texts, batch_size=BATCH, normalize_embeddings=True)
        times.append(time.perf_counter() - start)
    secs = statistics.median(times)
    tokens = sum(lengths)
    print(json.dumps({
        "engine": f"sentence-transformers (torch {torch.__version__}, 2 threads)",
        "texts": len(texts), "tokens": tokens, "secs": secs,
        "texts_per_s": len(texts) / secs, "tokens_per_s": tokens / secs,
        "gflops": flops / secs / 1e9,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    }))


if __name__ == "__main__":
    main()
