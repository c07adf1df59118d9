"""A quick leak / fidelity check of an unlearned model (until the project's evaluation harness lands).

- leak: greedy answers (chat template, `max_new_tokens`) to the forget *test* questions; the fraction
  containing any of the row's keywords (case-insensitive substring). Rows without keywords are skipped.
- fidelity: greedy answers to the retain *test* prompts; the fraction identical (after strip) to the
  original model's greedy answers (cached per original model in `cache_dir`).
- repetition: mean share of repeated word 3-grams in all answers (a cheap fluency alarm), empty_answers.
- retain_keyword_acc: on retain test rows with keywords, the fraction of answers containing one
  (for the model and for the original), i.e. whether kept knowledge is still stated.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .data import prompt_messages, read_jsonl, split_rows
from .generation import generate_chat


def has_keyword(text: str, keywords: list[str]) -> bool:
    t = text.lower()
    return any(k.lower() in t for k in keywords if k)


def repeated_trigram_fraction(text: str) -> float:
    """Share of word 3-grams that repeat an earlier 3-gram of the same answer (degenerate loops -> 1)."""
    w = text.split()
    grams = [tuple(w[i:i + 3]) for i in range(len(w) - 2)]
    return 0.0 if not grams else 1.0 - len(set(grams)) / len(grams)


def _answers(model_dir: Path, rows: list[dict], max_new_tokens: int, model=None, tokenizer=None) -> list[str]:
    from ecoguard.models import load_model, load_tokenizer

    tokenizer = tokenizer or load_tokenizer(model_dir)
    model = model or load_model(model_dir)
    return generate_chat(model, tokenizer, [prompt_messages(r) for r in rows], max_new_tokens=max_new_tokens)


def original_answers(original: Path, rows: list[dict], max_new_tokens: int, cache_dir: Path) -> list[str]:
    from ecoguard.models import fingerprint

    from .methods.base import _key

    key = _key(fingerprint(original), [(r.get("id"), prompt_messages(r)) for r in rows], max_new_tokens)
    path = Path(cache_dir) / f"original-answers-{key}.json"
    if path.exists():
        return json.loads(path.read_text())
    ans = _answers(Path(original), rows, max_new_tokens)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(ans))
    return ans


def quick_eval(model_dir: str | Path, original: str | Path, forget_path: str | Path, retain_path: str | Path,
               max_new_tokens: int = 48, cache_dir: str | Path = "runs/unlearn/.cache") -> dict[str, Any]:
    forget = [r for r in split_rows(read_jsonl(forget_path), "test") if r.get("keywords")]
    retain = split_rows(read_jsonl(retain_path), "test")
    from ecoguard.models import load_model, load_tokenizer

    tok, model = load_tokenizer(model_dir), load_model(model_dir)
    f_ans = generate_chat(model, tok, [prompt_messages(r) for r in forget], max_new_tokens=max_new_tokens)
    o_ans = original_answers(Path(original), retain, max_new_tokens, Path(cache_dir))
    if Path(model_dir).resolve() == Path(original).resolve():
        r_ans = list(o_ans)
    else:
        r_ans = generate_chat(model, tok, [prompt_messages(r) for r in retain], max_new_tokens=max_new_tokens)
    leaks = [has_keyword(a, r["keywords"]) for a, r in zip(f_ans, forget)]
    same = [a.strip() == o.strip() for a, o in zip(r_ans, o_ans)]
    kw_rows = [i for i, r in enumerate(retain) if r.get("keywords")]
    acc = [has_keyword(r_ans[i], retain[i]["keywords"]) for i in kw_rows]
    acc_o = [has_keyword(o_ans[i], retain[i]["keywords"]) for i in kw_rows]
    mean = lambda xs: round(sum(xs) / len(xs), 4) if xs else None  # noqa: E731
    summary = {
        "model": str(model_dir),
        "leak": mean(leaks), "n_forget_test": len(forget),
        "fidelity_exact": mean(same), "n_retain_test": len(retain),
        "retain_keyword_acc": mean(acc), "retain_keyword_acc_original": mean(acc_o), "n_retain_kw": len(kw_rows),
        "empty_answers": mean([not a.strip() for a in f_ans + r_ans]),
        "repetition": mean([repeated_trigram_fraction(a) for a in f_ans + r_ans]),
    }
    samples = {
        "forget": [{"id": r.get("id"), "q": prompt_messages(r)[-1]["content"], "a": a, "leak": l}
                   for r, a, l in zip(forget, f_ans, leaks)],
        "retain": [{"id": r.get("id"), "q": prompt_messages(r)[-1]["content"], "a": a, "original": o}
                   for r, a, o in zip(retain, r_ans, o_ans)],
    }
    return {"summary": summary, "samples": samples}
