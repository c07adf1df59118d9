"""`ecoguard unlearn ...`: weight-editing unlearning batch jobs.

    ecoguard unlearn {sku,di,eu,ga,graddiff} --model PATH --forget FILE --retain FILE --out DIR
        [--lora] [--max-steps N] [--config YAML] [--seed S] [--resume/--no-resume] [--cache-dir DIR]
    ecoguard unlearn config METHOD          # print the method's default config as YAML
    ecoguard eval model --model DIR ...     # leak / fidelity / fluency of an output folder (evaluation/)

The same entry point runs under `accelerate launch -m ecoguard.unlearning ...` or
`torchrun --nproc-per-node N -m ecoguard.unlearning ...` (see unlearning/README.md).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional

import typer

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

app = typer.Typer(help="Weight-editing unlearning batch jobs (SKU, DI, EU, GA, GradDiff).", no_args_is_help=True)

DEFAULT_MODEL = Path("models/smollm2-135m-instruct")
DEFAULT_FORGET = Path("data/harry_potter/forget.jsonl")
DEFAULT_RETAIN = Path("data/harry_potter/retain.jsonl")

_HELP = {
    "sku": "SKU: stage-1 harmful fine-tune (guided distortion + random disassociation + preservation "
           "divergence), then negation theta0 - lambda*(theta_h - theta0). Keeps OUT/stage1.",
    "di": "Deliberate Imagination (UNDIAL): self-distillation towards softmax(z - gamma*onehot(y)).",
    "eu": "Exclusive Unlearning: lambda*KL(p||uniform) on self-generated text + (1-lambda)*CE on retain.",
    "ga": "Gradient ascent on the forget answers (baseline).",
    "graddiff": "Gradient ascent on forget + descent on retain (baseline).",
}


def _make_command(method: str):
    def command(
        model: Path = typer.Option(DEFAULT_MODEL, "--model", help="Starting model: a local HF folder."),
        forget: Path = typer.Option(DEFAULT_FORGET, "--forget", help="Forget JSONL (rows of the train split are used)."),
        retain: Path = typer.Option(DEFAULT_RETAIN, "--retain", help="Retain JSONL (rows of the train split are used)."),
        out: Path = typer.Option(..., "--out", help="Output folder (HF safetensors); work dir is OUT.work."),
        lora: bool = typer.Option(False, "--lora", help="Train a LoRA adapter (merged before saving)."),
        max_steps: Optional[int] = typer.Option(None, "--max-steps", help="Optimizer steps (overrides config)."),
        config: Optional[Path] = typer.Option(None, "--config", help="YAML file overriding the method's defaults."),
        seed: Optional[int] = typer.Option(None, "--seed", help="Random seed (overrides config)."),
        resume: bool = typer.Option(True, "--resume/--no-resume",
                                    help="Resume from the last checkpoint in OUT.work (default) or start over."),
        cache_dir: Optional[Path] = typer.Option(None, "--cache-dir",
                                                 help="Where generated targets are cached (default OUT.work/cache)."),
    ) -> None:
        from .config import resolve_config
        from .methods import get_method
        from .trainer import run_job

        cls = get_method(method)
        cfg = resolve_config(cls.Config, config, max_steps=max_steps, seed=seed, lora=True if lora else None)
        metrics = run_job(method, model, forget, retain, out, cfg, resume=resume, cache_dir=cache_dir,
                          echo=typer.echo)
        if metrics:
            typer.echo(json.dumps({k: metrics.get(k) for k in ("method", "global_step", "wall_time_s",
                                                                 "peak_rss_mb", "before", "after")}))

    command.__doc__ = _HELP[method]
    return command


for _m in ("sku", "di", "eu", "ga", "graddiff"):
    app.command(_m)(_make_command(_m))


@app.command("config")
def show_config(method: str = typer.Argument(..., help="sku | di | eu | ga | graddiff")) -> None:
    """Print a method's default config (YAML), a starting point for --config."""
    from .methods import get_method

    typer.echo(get_method(method).Config().to_yaml(), nl=False)


if __name__ == "__main__":
    app()
