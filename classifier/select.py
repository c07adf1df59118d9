"""Model selection: train every feature set, measure test FNR/FPR and single-conversation latency.

    python -m ecoguard.classifier.select --forget data/harry_potter/forget.jsonl \
        --retain data/harry_potter/retain.jsonl [--variants tfidf,minilm,minilm+tfidf,minilm+tfidf+lex,minilm+tfidf-int8]

Prints one markdown table (the one in MODEL_SELECTION.md) and writes JSON with everything to --json.
Latency: ``ForgetClassifier.score`` on one conversation at a time (test conversations, round-robin), after
a warm-up, with torch's default threads; p50/p99 over ``--n`` calls.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np

from .data import load_examples
from .model import ForgetClassifier, train_classifier


def latency(clf: ForgetClassifier, conversations: list, n: int = 300, warmup: int = 20) -> dict:
    for c in conversations[:warmup]:
        clf.score(c)
    times = []
    for i in range(n):
        c = conversations[i % len(conversations)]
        t0 = time.perf_counter()
        clf.score(c)
        times.append(time.perf_counter() - t0)
    ms = np.array(times) * 1e3
    return {"p50_ms": float(np.percentile(ms, 50)), "p99_ms": float(np.percentile(ms, 99)),
            "mean_ms": float(ms.mean()), "n": n}


def run_variant(name: str, forget: Path, retain: Path, alpha: float, seed: int, n_latency: int,
                out_dir: Path | None = None) -> dict:
    """``name`` is a feature set, optionally with ``-int8`` (quantised encoder) and ``@tN`` (N torch threads)."""
    import torch

    base, _, threads = name.partition("@t")
    features = base.replace("-int8", "")
    quantize = base.endswith("-int8")
    default_threads = torch.get_num_threads()
    if threads:
        torch.set_num_threads(int(threads))
    with tempfile.TemporaryDirectory() as tmp:
        out = out_dir / name if out_dir else Path(tmp) / "clf"
        t0 = time.perf_counter()
        meta = train_classifier(forget, retain, out, alpha=alpha, features=features, seed=seed, quantize=quantize)
        train_s = time.perf_counter() - t0
        clf = ForgetClassifier.load(out)
        test = [e.messages for e in load_examples(forget, retain) if e.split == "test"]
        lat = latency(clf, test, n=n_latency)
    torch.set_num_threads(default_threads)
    m = meta["metrics"]["test"]
    return {"variant": name, "features": features, "quantized": quantize, "torch_threads": int(threads or default_threads), "threshold": meta["threshold"],
            "fnr": m["fnr"], "fpr": m["fpr"], "fn": m["fn"], "fp": m["fp"], "n_forget": m["n_forget"],
            "n_retain": m["n_retain"], "auroc": m.get("auroc"), "per_kind": m["per_kind"],
            "calibration_n_retain": meta["calibration"]["n_retain"], "train_s": train_s, **lat}


def markdown(rows: list[dict]) -> str:
    lines = ["| variant | test FNR | test FPR | AUROC | threshold | p50 ms | p99 ms |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['variant']} | {r['fnr']:.2%} ({r['fn']}/{r['n_forget']}) | {r['fpr']:.2%} "
                     f"({r['fp']}/{r['n_retain']}) | {r['auroc']:.4f} | {r['threshold']:.4g} | "
                     f"{r['p50_ms']:.2f} | {r['p99_ms']:.2f} |")
    kinds = sorted({k for r in rows for k in r["per_kind"]})
    lines += ["", "| kind | " + " | ".join(r["variant"] for r in rows) + " |",
              "|---|" + "---|" * len(rows)]
    for k in kinds:
        cells = []
        for r in rows:
            pk = r["per_kind"].get(k)
            cells.append(f"{pk['metric'].upper()} {pk['errors']}/{pk['n']}" if pk else "-")
        lines.append(f"| {k} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--forget", type=Path, default=Path("data/harry_potter/forget.jsonl"))
    ap.add_argument("--retain", type=Path, default=Path("data/harry_potter/retain.jsonl"))
    ap.add_argument("--variants", default="tfidf,minilm,minilm+tfidf,minilm+tfidf+lex")
    ap.add_argument("--alpha", type=float, default=0.01)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n", type=int, default=300, help="latency calls per variant")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    rows = [run_variant(v, args.forget, args.retain, args.alpha, args.seed, args.n)
            for v in args.variants.split(",")]
    print(markdown(rows))
    print(f"load average at the end: {os.getloadavg()}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
