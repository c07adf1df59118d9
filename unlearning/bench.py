"""Run every method end to end from the CLI on SmolLM2 and record a quick comparison.

    python -m ecoguard.unlearning.bench [--methods ga,graddiff,di,eu,sku] [--runs runs/unlearn]

For each method, one after the other: `/usr/bin/time -v python -m ecoguard.unlearning METHOD ...` with
unlearning/configs/bench.yaml plus the method's overrides below (written to RUNS/METHOD.bench.yaml),
then `python -m ecoguard.unlearning eval`. The original model is evaluated the same way. Results go to
RUNS/results.json and are rendered as a Markdown table (printed; unlearning/RESULTS.md holds the copy
that was measured). Finished jobs are not redone (the CLI skips an OUT that is complete with the same
config), so the script can be rerun after an interruption.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import yaml

from .quick_eval import summarize

HERE = Path(__file__).resolve().parent
BENCH_YAML = HERE / "configs" / "bench.yaml"

# Per-method settings of the comparison run (on top of configs/bench.yaml); see RESULTS.md.
# Methods with a retain term train on the starting model's own greedy answers to 128 retain train
# questions (48 tokens; generated once, shared through the cache dir).
_RETAIN = {"max_retain": 128, "retain_gen_max_new_tokens": 48}
OVERRIDES: dict[str, dict] = {
    "ga": {},
    "graddiff": dict(_RETAIN),
    "di": dict(_RETAIN),
    "eu": {**_RETAIN, "gen_max_new_tokens": 48, "max_forget_prompts": 96},
    "sku": dict(_RETAIN),
}


def _time_v(stderr: str) -> dict:
    out = {}
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr)
    if m:
        out["peak_rss_mb"] = round(int(m.group(1)) / 1024, 1)
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", stderr)
    if m:
        parts = [float(p) for p in m.group(1).split(":")]
        secs = 0.0
        for p in parts:
            secs = secs * 60 + p
        out["wall_s"] = round(secs, 1)
    return out


def _run(cmd: list[str], log: Path) -> dict:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    t0 = time.time()
    with open(log, "a") as fh:
        fh.write(f"\n$ {' '.join(cmd)}\n")
        fh.flush()
        p = subprocess.run(["/usr/bin/time", "-v", *cmd], stdout=fh, stderr=subprocess.PIPE, text=True, env=env)
        fh.write(p.stderr)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}); see {log}")
    res = _time_v(p.stderr)
    res.setdefault("wall_s", round(time.time() - t0, 1))
    res["load_avg_after"] = os.getloadavg()[0]
    return res


def evaluate(model: Path, args, log: Path) -> dict:
    out = Path(args.runs) / f"eval-{model.name}.json"
    done = out.exists() and json.loads(out.read_text()).get("max_new_tokens", args.max_new_tokens) == args.max_new_tokens
    if done and (not (model / "metrics.json").exists()
                 or out.stat().st_mtime > (model / "metrics.json").stat().st_mtime):
        return summarize(json.loads(out.read_text())["samples"], args.forget, args.retain, str(model))
    res = _run([sys.executable, "-m", "ecoguard.unlearning", "eval", "--model", str(model), "--original",
                args.model, "--forget", args.forget, "--retain", args.retain, "--out", str(out),
                "--max-new-tokens", str(args.max_new_tokens), "--cache-dir", str(Path(args.runs) / ".cache")], log)
    summary = summarize(json.loads(out.read_text())["samples"], args.forget, args.retain, str(model))
    return {**summary, "eval_wall_s": res["wall_s"]}


def resummarize(results: dict, args) -> None:
    """Recompute every model's text metrics from its saved answers (after a metric was added)."""
    for name, r in results.items():
        path = Path(args.runs) / f"eval-{Path(args.model).name if name == 'original' else name}.json"
        if path.exists() and "eval" in r:
            r["eval"] = {**r["eval"], **summarize(json.loads(path.read_text())["samples"], args.forget,
                                                   args.retain, r["eval"].get("model", name))}


def render(results: dict) -> str:
    rows = ["| model | steps | job wall (s) | job peak RSS (MB) | forget NLL before → after | retain NLL before → after "
            "| leak ↓ | HP terms in forget answers ↓ | HP terms in retain answers ↓ | fidelity (exact) ↑ "
            "| retain kw acc ↑ | repeated 3-grams ↓ | empty ↓ |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]

    def f(x, nd=3):
        return "–" if x is None else (f"{x:.{nd}f}" if isinstance(x, float) else str(x))

    for name, r in results.items():
        e = r.get("eval", {})
        m = r.get("metrics", {})
        b, a = m.get("before", {}), m.get("after", {})
        nll_f = f"{f(b.get('forget_test_nll'), 2)} → {f(a.get('forget_test_nll'), 2)}" if b else "–"
        nll_r = f"{f(b.get('retain_test_nll'), 2)} → {f(a.get('retain_test_nll'), 2)}" if b else "–"
        job = r.get("job", {})
        rows.append(f"| {name} | {m.get('global_step', '–')} | {f(job.get('wall_s'), 0)} | {f(job.get('peak_rss_mb'), 0)} "
                    f"| {nll_f} | {nll_r} | {f(e.get('leak'))} | {f(e.get('universe_mention_forget'))} "
                    f"| {f(e.get('universe_mention_retain'))} | {f(e.get('fidelity_exact'))} "
                    f"| {f(e.get('retain_keyword_acc'))} | {f(e.get('repetition'))} | {f(e.get('empty_answers'))} |")
    return "\n".join(rows)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--methods", default="ga,graddiff,di,eu,sku")
    ap.add_argument("--runs", default="runs/unlearn")
    ap.add_argument("--model", default="models/smollm2-135m-instruct")
    ap.add_argument("--forget", default="data/harry_potter/forget.jsonl")
    ap.add_argument("--retain", default="data/harry_potter/retain.jsonl")
    ap.add_argument("--max-new-tokens", type=int, default=32)
    ap.add_argument("--name-suffix", default="", help="Suffix of the output folders (settings variants).")
    ap.add_argument("--override", action="append", default=[],
                    help="METHOD.KEY=VALUE (YAML value), extra per-method setting; may repeat.")
    ap.add_argument("--summarize-only", action="store_true",
                    help="Only recompute the metrics from the saved answers and print the table.")
    args = ap.parse_args(argv)
    runs = Path(args.runs)
    runs.mkdir(parents=True, exist_ok=True)
    log = runs / "bench.log"
    results_path = runs / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else {}
    extra: dict[str, dict] = {}
    for o in args.override:
        key, val = o.split("=", 1)
        meth, k = key.split(".", 1)
        extra.setdefault(meth, {})[k] = yaml.safe_load(val)

    if args.summarize_only:
        resummarize(results, args)
        results_path.write_text(json.dumps(results, indent=2))
        print(render(results))
        return
    if "original" not in results:
        results["original"] = {"eval": evaluate(Path(args.model), args, log)}
        results_path.write_text(json.dumps(results, indent=2))
    for meth in [m for m in args.methods.split(",") if m]:
        name = meth + args.name_suffix
        out = runs / name
        cfg = {**yaml.safe_load(BENCH_YAML.read_text()), **OVERRIDES.get(meth, {}), **extra.get(meth, {})}
        cfg_path = runs / f"{name}.bench.yaml"
        cfg_path.write_text(yaml.safe_dump(cfg, sort_keys=False))
        started = time.time()
        proc = _run([sys.executable, "-m", "ecoguard.unlearning", meth, "--model", args.model, "--forget",
                     args.forget, "--retain", args.retain, "--out", str(out), "--config", str(cfg_path),
                     "--cache-dir", str(runs / ".cache")], log)
        metrics = json.loads((out / "metrics.json").read_text())
        # In-process numbers of the job that produced OUT (model load, generation, training, saving);
        # the process numbers of /usr/bin/time only when this call really trained (not a skip).
        job = {"wall_s": metrics["wall_time_s"], "peak_rss_mb": metrics["peak_rss_mb"]}
        if (out / "metrics.json").stat().st_mtime >= started:
            job["process"] = proc
        elif name in results:
            job = results[name].get("job", job)
        results[name] = {"method": meth, "settings": yaml.safe_load((out / "unlearn_config.yaml").read_text()),
                         "job": job, "metrics": metrics, "eval": evaluate(out, args, log)}
        results_path.write_text(json.dumps(results, indent=2))
        print(render(results), flush=True)
    print(render(results))


if __name__ == "__main__":
    main()
