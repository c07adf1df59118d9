"""A quick leak / fidelity check of an unlearned model (until the project's evaluation harness lands).

Greedy answers (the model's chat template, `max_new_tokens`, batched with left padding) to the forget
*test* questions and the retain *test* prompts; then, computed from the saved answers by `summarize`:

- leak: fraction of forget test answers containing any of the row's keywords (case-insensitive
  substring, the data's own definition). Rows without keywords are skipped.
- universe_mention (forget / retain): fraction of answers naming any Harry Potter term (every keyword of
  the forget file of 4+ characters, plus "Harry", "Potter", "Hogwarts"; whole words, case-insensitive)
  that is not already in the prompt. Broader than `leak`: "still talks about the universe".
- fidelity_exact: fraction of retain test prompts whose answer is identical (after strip) to the
  original model's (cached per original model in `cache_dir`).
- retain_keyword_acc: on retain test rows with keywords, fraction of answers containing one (and the
  same for the original): kept knowledge still stated.
- repetition: mean share of repeated word 3-grams per answer (a cheap fluency alarm); empty_answers.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from .data import prompt_messages, read_jsonl, split_rows
from .generation import generate_chat

CORE_TERMS = ("Harry", "Potter", "Hogwarts")


def has_keyword(text: str, keywords: list[str]) -> bool:
    t = text.lower()
    return any(k.lower() in t for k in keywords if k)


def repeated_trigram_fraction(text: str) -> float:
    """Share of word 3-grams that repeat an earlier 3-gram of the same answer (degenerate loops -> 1)."""
    w = text.split()
    grams = [tuple(w[i:i + 3]) for i in range(len(w) - 2)]
    return 0.0 if not grams else 1.0 - len(set(grams)) / len(grams)


def universe_lexicon(forget_rows: list[dict]) -> list[str]:
    terms = {k for r in forget_rows for k in r.get("keywords") or [] if len(k) >= 4}
    return sorted(terms | set(CORE_TERMS))


@lru_cache(maxsize=8)
def _pattern(terms: tuple[str, ...]) -> re.Pattern:
    alts = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alts})(?!\w)", re.IGNORECASE)


def new_terms(answer: str, prompt: str, lexicon: list[str]) -> set[str]:
    pat = _pattern(tuple(lexicon))
    said = {m.group(0).lower() for m in pat.finditer(answer)}
    given = {m.group(0).lower() for m in pat.finditer(prompt)}
    return said - given


def prompt_text(row: dict) -> str:
    return "\n".join(m["content"] for m in prompt_messages(row))


def original_answers(original: Path, rows: list[dict], max_new_tokens: int, cache_dir: Path,
                     batch_size: int = 16) -> list[str]:
    from ecoguard.models import fingerprint, load_model, load_tokenizer

    from .methods.base import _key

    key = _key(fingerprint(original), [(r.get("id"), prompt_messages(r)) for r in rows], max_new_tokens)
    path = Path(cache_dir) / f"original-answers-{key}.json"
    if path.exists():
        return json.loads(path.read_text())
    ans = generate_chat(load_model(original), load_tokenizer(original), [prompt_messages(r) for r in rows],
                        max_new_tokens=max_new_tokens, batch_size=batch_size)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(ans))
    return ans


def _mean(xs):
    xs = list(xs)
    return round(sum(xs) / len(xs), 4) if xs else None


def summarize(samples: dict[str, list[dict]], forget_path: str | Path, retain_path: str | Path,
              model: str = "") -> dict[str, Any]:
    """Metrics from saved answers (`samples` of quick_eval); rows are looked up by id."""
    forget_all = read_jsonl(forget_path)
    fmap = {r["id"]: r for r in forget_all}
    rmap = {r["id"]: r for r in read_jsonl(retain_path)}
    lex = universe_lexicon(forget_all)
    fs, rs = samples["forget"], samples["retain"]
    leak = [has_keyword(s["a"], fmap[s["id"]]["keywords"]) for s in fs if fmap[s["id"]].get("keywords")]
    kw = [s for s in rs if rmap[s["id"]].get("keywords")]
    answers = [s["a"] for s in fs + rs]
    return {
        "model": model,
        "leak": _mean(leak), "n_forget_test": len(leak),
        "universe_mention_forget": _mean(bool(new_terms(s["a"], prompt_text(fmap[s["id"]]), lex)) for s in fs),
        "universe_mention_retain": _mean(bool(new_terms(s["a"], prompt_text(rmap[s["id"]]), lex)) for s in rs),
        "fidelity_exact": _mean(s["a"].strip() == s["original"].strip() for s in rs), "n_retain_test": len(rs),
        "retain_keyword_acc": _mean(has_keyword(s["a"], rmap[s["id"]]["keywords"]) for s in kw),
        "retain_keyword_acc_original": _mean(has_keyword(s["original"], rmap[s["id"]]["keywords"]) for s in kw),
        "n_retain_kw": len(kw),
        "empty_answers": _mean(not a.strip() for a in answers),
        "repetition": _mean(repeated_trigram_fraction(a) for a in answers),
    }


def quick_eval(model_dir: str | Path, original: str | Path, forget_path: str | Path, retain_path: str | Path,
               max_new_tokens: int = 48, cache_dir: str | Path = "runs/unlearn/.cache",
               retain_every: int = 1, batch_size: int = 16) -> dict[str, Any]:
    """`retain_every` k > 1 evaluates every k-th retain test row only (a cheaper fidelity estimate)."""
    from ecoguard.models import load_model, load_tokenizer

    forget = [r for r in split_rows(read_jsonl(forget_path), "test") if r.get("keywords")]
    retain = split_rows(read_jsonl(retain_path), "test")[::retain_every]
    tok, model = load_tokenizer(model_dir), load_model(model_dir)
    f_ans = generate_chat(model, tok, [prompt_messages(r) for r in forget], max_new_tokens=max_new_tokens,
                          batch_size=batch_size)
    o_ans = original_answers(Path(original), retain, max_new_tokens, Path(cache_dir), batch_size)
    if Path(model_dir).resolve() == Path(original).resolve():
        r_ans = list(o_ans)
    else:
        r_ans = generate_chat(model, tok, [prompt_messages(r) for r in retain], max_new_tokens=max_new_tokens,
                              batch_size=batch_size)
    samples = {
        "forget": [{"id": r["id"], "q": prompt_messages(r)[-1]["content"], "a": a} for r, a in zip(forget, f_ans)],
        "retain": [{"id": r["id"], "q": prompt_messages(r)[-1]["content"], "a": a, "original": o}
                   for r, a, o in zip(retain, r_ans, o_ans)],
    }
    return {"summary": summarize(samples, forget_path, retain_path, str(model_dir)), "samples": samples,
            "max_new_tokens": max_new_tokens}
