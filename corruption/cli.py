"""`ecoguard corruption ...`: inspect, check and (re)measure corruption artifacts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(help="ECO corruption artifacts (corruption.json).", no_args_is_help=True)


@app.command("check")
def check(
    spec: Path = typer.Argument(..., help="corruption.json"),
    model: Optional[Path] = typer.Option(None, help="Model folder: also check k and the fingerprint against it."),
) -> None:
    """Validate a corruption artifact (and, with --model, that it fits the model)."""
    from ecoguard.corruption import CorruptionSpec

    try:
        s = CorruptionSpec.load(spec)
        if model is not None:
            from ecoguard.models import embedding_table, fingerprint

            s.check_dim(embedding_table(str(model.resolve())).shape[1])
            s.check_model(fingerprint(model))
    except ValueError as e:
        typer.echo(f"invalid: {e}", err=True)
        raise typer.Exit(1)
    typer.echo(json.dumps(s.model_dump(mode="json"), indent=2))


@app.command("list")
def list_functions() -> None:
    """The registered corruption functions."""
    from ecoguard.corruption import CORRUPTIONS

    for name, fn in CORRUPTIONS.items():
        typer.echo(f"{name:20s} {(fn.__doc__ or '').strip().splitlines()[0]}")


@app.command("handset", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def handset(ctx: typer.Context) -> None:
    """Measure the hand-set grid (arguments as `python -m ecoguard.corruption.handset --help`)."""
    from ecoguard.corruption.handset import main

    raise typer.Exit(main(list(ctx.args)))


# ---------------------------------------------------------------- fit (zeroth-order), see corruption/fit.py


def _run(job, args: dict) -> None:
    """Run a batch job; bad input (an invalid artifact, a missing file, a log of another job) is one
    line on stderr and exit code 1, not a traceback."""
    try:
        code = job(**args)
    except (ValueError, FileNotFoundError) as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(1)
    raise typer.Exit(code)


@app.command("fit")
def fit(
    backend: str = typer.Option("vllm", help="embedded | vllm: the same backends the gateway uses."),
    backend_url: Optional[str] = typer.Option(None, help="vLLM base URL (…/v1), for --backend vllm."),
    backend_model: Optional[str] = typer.Option(None, help="Model name the vLLM server knows (default: its first)."),
    model: Path = typer.Option(Path("models/smollm2-135m-instruct"), help="Model folder (tokenizer, embeddings)."),
    guard: Path = typer.Option(Path("guards/harry_potter"), help="Guard folder (defaults for function/k/selection, "
                                                                  "classifier for the retain check)."),
    forget: Path = typer.Option(Path("data/harry_potter/forget.jsonl"), help="Forget set (JSONL conversations)."),
    retain: Optional[Path] = typer.Option(Path("data/harry_potter/retain.jsonl"),
                                          help="Retain set: checked after the fit through the guard's classifier."),
    out: Optional[Path] = typer.Option(None, help="Artifact to write (default: GUARD/corruption.json)."),
    budget: int = typer.Option(24, help="Objective evaluations on the fit split."),
    method: str = typer.Option("hybrid", help="hybrid | eco | eco-plain | bisect | vector | spsa"),
    function: Optional[str] = typer.Option(None, help="Corruption function (default: the guard's current one)."),
    k: Optional[int] = typer.Option(None, help="Dimensions (default: the guard's current k)."),
    param: str = typer.Option("auto", help="The strength fitted: sigma | k | auto (k for zero_out_*/flip_sign_*)."),
    sigma: Optional[float] = typer.Option(None, help="The fixed sigma when k is fitted."),
    selection: Optional[str] = typer.Option(None, help="all_but_last | flagged_turns | keywords (default: the guard's)."),
    keywords: Optional[str] = typer.Option(None, help="For --selection keywords: 'scope' (the forget set's own "
                                                       "names), @FILE, or a comma-separated list."),
    concurrency: int = typer.Option(16, help="Requests in flight."),
    log: Optional[Path] = typer.Option(None, help="JSONL log of every evaluation; resume from it after a kill "
                                                   "(default: REPORT/fit_log.jsonl)."),
    report: Optional[Path] = typer.Option(None, help="Report folder (default: GUARD/report)."),
    compare: Optional[Path] = typer.Option(None, help="Another artifact to measure alongside (default: "
                                                       "GUARD/corruption.handset.json when present)."),
    target: float = typer.Option(0.0, help="Leak rate to reach (0 = no known fact left)."),
    never_knew: Optional[Path] = typer.Option(None, help="JSONL {id, answer} of a reference that never knew: its "
                                                          "leak on the fitted rows becomes the target."),
    leak_metric: str = typer.Option("scope", help="keyword | scope | rouge | either | mc (see corruption/objective.py)."),
    raw_cache: Optional[Path] = typer.Option(None, help="JSONL {id, answer} cache of the raw model's answers (reused, appended)."),
    rouge_threshold: float = typer.Option(0.5, help="ROUGE-L recall of the reference answer counted as a leak."),
    readability: str = typer.Option("nll", help="nll (clean-model NLL + repetition) | proxy (repetition only) | off"),
    nll_bound: float = typer.Option(4.0, help="Mean NLL per token (nats) above which an answer is unreadable."),
    max_unreadable: float = typer.Option(0.1, help="Share of unreadable answers allowed beyond the raw model's."),
    kinds: str = typer.Option("all", help="Forget kinds fitted on (comma-separated; all = every kind)."),
    check_kinds: Optional[str] = typer.Option(None, help="Forget kinds of the held-out check (default: --kinds; \"all\": every kind)."),
    fit_split: str = typer.Option("train"),
    check_split: str = typer.Option("test"),
    limit: Optional[int] = typer.Option(None, help="At most this many forget rows (smoke runs)."),
    max_tokens: int = typer.Option(48),
    margin: float = typer.Option(1.0, help="Ship sigma = best sigma * margin."),
    s0: Optional[float] = typer.Option(None, help="Start sigma (default: std of the embedding table)."),
    noise: str = typer.Option("serving", help="serving (the gateway's per-prompt seeds) | fixed"),
    draws: int = typer.Option(1, help="Answers per row: noise draws (noise=fixed) and/or samples (--temperature > 0)."),
    temperature: float = typer.Option(0.0, help="0: greedy answers; > 0: sample the --draws answers per row, each "
                                                "with its own seed, the same at every point (a smoother readability "
                                                "estimate, paired across points)."),
    greedy_first: bool = typer.Option(False, help="With --temperature > 0: the first answer of each row is the greedy "
                                                  "one (what temperature-0 clients get), the others are sampled."),
    read_z: float = typer.Option(0.0, help="Readability must hold at this one-sided confidence (Wilson upper "
                                            "bound; 2 = 97.7%); 0 = on the point estimate."),
    read_weight: float = typer.Option(0.0, help="w: add w * unreadable share to the loss (0: readability is only "
                                                "a side condition; see corruption/objective.py)."),
    read_extra: int = typer.Option(0, help="Forget rows per split the raw model does not know, added to the "
                                           "readability term (a less noisy estimate; more calls)."),
    crn: str = typer.Option("fixed", help="fixed | per_step: CRN key for the finite differences."),
    fresh: bool = typer.Option(False, help="Discard an existing log instead of resuming from it."),
    progress: bool = typer.Option(True, help="Progress bar."),
) -> None:
    """Learn the corruption strength by zeroth-order optimisation through the serving backend."""
    args = dict(locals())
    from ecoguard.corruption.fit import run_fit

    _run(run_fit, args)


@app.command("compare")
def compare(
    candidate: Path = typer.Argument(..., help="The artifact under test (e.g. a freshly fitted corruption.json)."),
    reference: Path = typer.Argument(..., help="The artifact it must be at least as good as."),
    backend: str = typer.Option("vllm", help="embedded | vllm: the same backends the gateway uses."),
    backend_url: Optional[str] = typer.Option(None, help="vLLM base URL (…/v1), for --backend vllm."),
    backend_model: Optional[str] = typer.Option(None, help="Model name the vLLM server knows (default: its first)."),
    model: Path = typer.Option(Path("models/smollm2-135m-instruct"), help="Model folder (tokenizer, embeddings)."),
    forget: Path = typer.Option(Path("data/harry_potter/forget_heldout.jsonl"), help="Forget rows to compare on."),
    scope_forget: Optional[Path] = typer.Option(Path("data/harry_potter/forget.jsonl"),
                                                help="Forget set whose names make the scope lexicon (the fit's, so that both "
                                                     "measure the same scope)."),
    retain: Optional[Path] = typer.Option(Path("data/harry_potter/retain.jsonl"), help="For the scope lexicon."),
    split: str = typer.Option("test"),
    kinds: str = typer.Option("all", help="Forget kinds (comma-separated; all = every kind)."),
    draws: int = typer.Option(3, help="Answers per row."),
    temperature: float = typer.Option(0.7, help="Sampling temperature of the draws (0: greedy only)."),
    greedy_first: bool = typer.Option(True, help="The first answer of each row is the greedy one."),
    leak_metric: str = typer.Option("scope", help="keyword | scope | rouge | either | mc (see corruption/objective.py)."),
    readability: str = typer.Option("nll", help="nll (clean-model NLL + repetition) | proxy (repetition only) | off"),
    nll_bound: float = typer.Option(4.0, help="Mean NLL per token (nats) above which an answer is unreadable."),
    max_tokens: int = typer.Option(48),
    concurrency: int = typer.Option(32, help="Requests in flight."),
    raw_cache: Optional[Path] = typer.Option(None, help="JSONL {id, answer} cache of the raw model's answers."),
    log: Optional[Path] = typer.Option(None, help="JSONL log of the evaluations; resume from it after a kill "
                                                   "(default: OUT/compare_log.jsonl)."),
    out: Path = typer.Option(Path("runs/compare"), help="Folder for compare.json and compare.md."),
    max_unreadable_increase: float = typer.Option(0.03, help="Margin: the upper 95% bound of the paired "
                                                             "unreadable difference may be at most this."),
    progress: bool = typer.Option(True, help="Progress bar."),
) -> None:
    """Two artifacts on the same forget rows, paired: leak and readability, and whether the candidate is
    at least as good (exit code 0) or not (3)."""
    args = dict(locals())
    from ecoguard.corruption.compare import run_compare

    _run(run_compare, args)
