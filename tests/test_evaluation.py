"""The evaluation harness on synthetic targets: metrics, reports, plots, CLI wiring."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from ecoguard.corruption.objective import Row  # noqa: E402
from ecoguard.evaluation.harness import (  # noqa: E402
    EvalConfig,
    EvalSets,
    evaluate_target,
    headline,
    load_sets,
    reference_answers,
)
from ecoguard.evaluation.report import compare_markdown, eval_markdown, write_eval, write_json  # noqa: E402
from ecoguard.evaluation.runner import GenParams, Reply, Target, answer_rows  # noqa: E402


class Scripted(Target):
    """Answers from a dict by row id; flags the rows in `flag`."""

    def __init__(self, answers: dict[str, str], flag: set[str] | None = None, name: str = "scripted",
                 fail: set[str] | None = None):
        self.answers, self.flag, self.name, self.fail = answers, flag, name, fail or set()
        self.calls = 0

    async def chat(self, row: Row, params: GenParams) -> Reply:
        self.calls += 1
        if row.id in self.fail:
            raise RuntimeError("boom")
        await asyncio.sleep(0)
        return Reply(self.answers[row.id], 0.01, flagged=None if self.flag is None else row.id in self.flag)


def rows():
    f = [Row(id="f1", messages=[{"role": "user", "content": "Who is Harry's friend?"}], kind="direct", keywords=["Ron"],
             answer="Ron Weasley"),
         Row(id="f2", messages=[{"role": "user", "content": "Harry's school?"}], kind="typo", keywords=["Hogwarts"]),
         Row(id="f3", messages=[{"role": "user", "content": "Harry's owl?"}], kind="typo", keywords=["Hedwig"])]
    r = [Row(id="r1", messages=[{"role": "user", "content": "Who wrote LOTR?"}], kind="hard_negative",
             keywords=["Tolkien"]),
         Row(id="r2", messages=[{"role": "user", "content": "Frodo?"}], kind="hard_negative", keywords=["Frodo"])]
    g = [Row(id="g1", messages=[{"role": "user", "content": "2+2?"}], kind="math", keywords=["4"])]
    return EvalSets(f, r, g)


RAW = {"f1": "Ron Weasley.", "f2": "Hogwarts!", "f3": "No idea.", "r1": "Tolkien wrote it.", "r2": "A hobbit.",
       "g1": "It is 4."}


def test_metrics_of_a_guarded_target():
    guarded = {"f1": "A friend called Bob.", "f2": "Hogwarts!", "f3": "An owl.", "r1": "Tolkien wrote it.",
               "r2": "A small hobbit.", "g1": "It is 4."}
    target = Scripted(guarded, flag={"f1", "f3", "r2"})
    res = asyncio.run(evaluate_target(target, rows(), EvalConfig(), reference=Scripted(RAW), label="t"))
    f = res["forget"]["ALL"]
    assert f["known"] == 2  # f3: the raw model does not know it
    assert f["leak_known"] == 0.5  # f2 still leaks (the classifier missed it)
    assert f["fnr"] == pytest.approx(1 / 3)
    assert res["forget"]["by_kind"]["typo"]["known"] == 1
    r = res["retain"]["ALL"]
    assert r["exact_match"] == 0.5 and r["fpr"] == 0.5 and r["accuracy"] == 0.5
    assert res["general"]["ALL"]["exact_match"] == 1.0
    h = headline(res)
    assert h["leak_known"] == 0.5 and h["retain_em"] == 0.5 and h["general_fpr"] == 0.0
    assert len(res["answers"]) == 6
    assert res["latency"]["flagged"]["n"] == 3 and res["latency"]["clean"]["n"] == 3


def test_a_model_without_guard_has_no_classifier_rates():
    res = asyncio.run(evaluate_target(Scripted(RAW), rows(), EvalConfig(), reference=Scripted(RAW)))
    assert res["forget"]["ALL"]["fnr"] is None and res["retain"]["ALL"]["fpr"] is None
    assert res["forget"]["ALL"]["leak_known"] == 1.0
    assert res["retain"]["ALL"]["exact_match"] == 1.0


def test_reference_cache_is_written_and_reused(tmp_path):
    cache = tmp_path / "ref.jsonl"
    s = rows()
    ref = Scripted(RAW)
    a = asyncio.run(reference_answers(ref, s.all(), EvalConfig(), cache))
    assert ref.calls == 6 and cache.exists()
    b = asyncio.run(reference_answers(None, s.all(), EvalConfig(), cache))  # no target needed any more
    assert a == b


def test_failed_requests_are_retried_then_recorded():
    t = Scripted(RAW, fail={"f2"})
    replies = asyncio.run(answer_rows(t, rows().forget, concurrency=2))
    assert replies[1].error and "boom" in replies[1].error and replies[1].text == ""
    assert t.calls == 4  # f2 tried twice


def test_reports(tmp_path):
    res = asyncio.run(evaluate_target(Scripted(RAW, flag=set()), rows(), EvalConfig(), reference=Scripted(RAW),
                                      label="raw model"))
    paths = write_eval(tmp_path, res)
    assert json.loads(paths["json"].read_text())["label"] == "raw model"
    md = paths["md"].read_text()
    assert "| kind |" in md and "Latency" in md
    table = compare_markdown([res, {**res, "label": "other"}])
    assert table.count("\n") == 3 and "other" in table
    assert "leak (known)" in eval_markdown(res)


def test_plots_are_pngs(tmp_path):
    from ecoguard.evaluation import plots

    pts = [{"point": s, "leak": max(0, 1 - s / 4), "unreadable": min(1, s / 50), "split": sp}
           for s in (0.1, 1, 4, 16, 64) for sp in ("train", "test")]
    p1 = plots.metric_vs_sigma(pts, tmp_path / "a.png", marks={"learned": 4.0})
    hist = [{"point": s, "leak": 1 - i / 5, "unreadable": 0.0, "feasible": i > 3, "tag": ""}
            for i, s in enumerate((0.1, 0.4, 1.6, 6.4, 3.2, 4.0))]
    p2 = plots.trajectory(hist, tmp_path / "b.png")
    p3 = plots.bars({"direct": {"a": 0.1, "b": 0.2}, "typo": {"a": 0.0}}, tmp_path / "c.png")
    for p in (p1, p2, p3):
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_load_sets_splits_kinds(tmp_path):
    forget = tmp_path / "f.jsonl"
    retain = tmp_path / "r.jsonl"
    forget.write_text("\n".join(json.dumps({"id": f"f{i}", "messages": [{"role": "user", "content": "q"}],
                                            "kind": k, "split": sp, "keywords": ["x"]})
                                for i, (k, sp) in enumerate([("direct", "test"), ("typo", "test"), ("typo", "train")])))
    retain.write_text("\n".join(json.dumps({"id": f"r{i}", "messages": [{"role": "user", "content": "q"}],
                                            "kind": k, "split": "test"})
                                for i, k in enumerate(["hard_negative", "math", "coding", "general"])))
    s = load_sets(forget, retain, EvalConfig(split="test"))
    assert [r.id for r in s.forget] == ["f0", "f1"]
    assert [r.kind for r in s.retain] == ["hard_negative"] and len(s.general) == 3
    s2 = load_sets(forget, retain, EvalConfig(split=None, forget_kinds=["typo"], limit_per_kind=1))
    assert [r.id for r in s2.forget] == ["f1"]


def test_write_json_is_atomic_and_handles_nan(tmp_path):
    p = write_json(tmp_path / "x.json", {"a": float("nan"), "p": Path("a/b")})
    assert json.loads(p.read_text()) == {"a": None, "p": "a/b"}


def test_cli_is_registered():
    from typer.testing import CliRunner

    from ecoguard.cli import app

    runner = CliRunner()
    out = runner.invoke(app, ["eval", "--help"])
    assert out.exit_code == 0 and "guard" in out.output and "model" in out.output and "sweep" in out.output
    out = runner.invoke(app, ["corruption", "fit", "--help"])
    assert out.exit_code == 0 and "--budget" in out.output and "--backend" in out.output


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_evaluate_model_on_the_real_checkpoint(model_dir, tmp_path):
    """evaluate_model on a model folder (the weight-editing jobs' entry point): the original model
    against itself answers identically and leaks wherever it knows the fact."""
    from ecoguard.evaluation.harness import evaluate_model

    root = Path(__file__).resolve().parents[1] / "data" / "harry_potter"
    if not (root / "forget.jsonl").exists():
        pytest.skip("data missing")
    res = evaluate_model(model_dir, forget=root / "forget.jsonl", retain=root / "retain.jsonl",
                         reference_model=model_dir, cfg=EvalConfig(limit_per_kind=1, max_tokens=16, concurrency=1),
                         reference_cache=tmp_path / "ref.jsonl", label="original", out=tmp_path)
    assert res["retain"]["ALL"]["exact_match"] == 1.0 and res["general"]["ALL"]["exact_match"] == 1.0
    f = res["forget"]["ALL"]
    assert f["n"] == 11 and (f["leak_known"] in (None, 1.0))
    assert (tmp_path / "eval_original.md").exists()


def test_paired_readability_from_a_fit_log(tmp_path):
    from ecoguard.evaluation.report import paired_readability

    def rec(split, tag, flags):
        return json.dumps({"type": "eval", "split": split, "tag": tag,
                           "answers": [{"id": str(i), "readable": f} for i, f in enumerate(flags)]})

    log = tmp_path / "fit_log.jsonl"
    log.write_text("\n".join([
        rec("test", "final", [True, False, False, True, True, True, True, True]),
        rec("test", "compare:abc", [True, True, False, True, True, False, True, True]),
        rec("test", "", [False] * 8),  # an optimiser step: not part of the comparison
        '{"type": "eval", "key": "cut in the mid',  # a line cut by a kill
    ]) + "\n")
    p = paired_readability(log)["test"]
    assert p["n"] == 8 and p["unreadable_learned_only"] == 1 and p["unreadable_compared_only"] == 1
    assert p["diff"] == 0.0 and p["ci95"][0] < 0 < p["ci95"][1]


def test_paired_readability_averages_the_answers_of_a_row(tmp_path):
    from ecoguard.evaluation.report import paired_readability

    def rec(tag, flags):  # flags[i] = the readable flags of row i's draws
        return json.dumps({"type": "eval", "split": "test", "tag": tag,
                           "answers": [{"id": str(i), "readable": f} for d in range(2) for i, fs in enumerate(flags)
                                       for f in [fs[d]]]})

    log = tmp_path / "fit_log.jsonl"
    learned = [(True, True)] * 6 + [(True, False)] * 2
    compared = [(True, True)] * 4 + [(False, False)] * 4
    log.write_text(rec("final", learned) + "\n" + rec("compare:x", compared) + "\n")
    p = paired_readability(log)["test"]
    assert p["n"] == 8 and p["answers"] == 16
    assert p["unreadable_learned_only"] == 0 and p["unreadable_compared_only"] == 6
    # per-row unreadable shares: learned 1/8 * (0.5 + 0.5) = 0.125, compared 0.5
    assert abs(p["diff"] - (0.125 - 0.5)) < 1e-12 and p["ci95"][1] < 0
    first = paired_readability(log, draws=[0])["test"]  # only draw 0 of each row
    assert first["answers"] == 8 and first["unreadable_learned_only"] == 0 and first["unreadable_compared_only"] == 4
    assert abs(first["diff"] - (0.0 - 0.5)) < 1e-12
