"""The project's own Harry Potter data: the held-out forget set is new, held out, and rebuilt exactly."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "harry_potter"


def _rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def _builder():
    spec = importlib.util.spec_from_file_location("build_forget", DATA / "build_forget.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_heldout_forget_rows_are_new_conversations_about_test_facts_only():
    forget, held = _rows("forget.jsonl"), _rows("forget_heldout.jsonl")
    b = _builder()
    seen = {b.conv_text(r["messages"]) for r in forget}
    assert not [r["id"] for r in held if b.conv_text(r["messages"]) in seen]
    assert len({b.conv_text(r["messages"]) for r in held}) == len(held)
    test_groups = {r["group"] for r in forget if r["split"] == "test"}
    train_groups = {r["group"] for r in forget if r["split"] == "train"}
    assert {r["group"] for r in held} <= test_groups and not {r["group"] for r in held} & train_groups
    assert {r["split"] for r in held} == {"test"} and len(held) > 2 * sum(r["split"] == "test" for r in forget)
    assert b.validate(DATA / "forget_heldout.jsonl", min_rows=300) == []


def test_heldout_forget_set_rebuilds_byte_for_byte():
    b = _builder()
    rebuilt = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in b.build_heldout(_rows("forget.jsonl")))
    assert rebuilt == (DATA / "forget_heldout.jsonl").read_text(encoding="utf-8")
