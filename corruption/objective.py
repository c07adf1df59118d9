"""The objective the corruption fit minimises, and the answer metrics it is built from.

Nothing here talks to a model: the fit (`fit.py`) and the evaluation harness collect answers (and
the clean model's per-token log-probabilities of those answers), these functions turn them into
numbers.

Per forget row (a question whose fact the raw model knows) and corrupted answer a:

- leak(a): the answer still carries the fact. `leak_metric`:
    keyword - (default) a keyword of the row occurs in a (case-insensitive, whole word, plural and
              possessive suffixes allowed; the matcher of selection="keywords"); keywords already in
              the prompt do not count (echoing the question is not knowing the answer);
    rouge   - ROUGE-L recall of the row's reference answer in a >= rouge_threshold;
    scope   - keyword, or any name of the forget scope's lexicon (capitalised forget keywords that
              the retain set never uses, `scope_lexicon`) that the prompt did not contain: the
              answer still talks about the forgotten universe (a small model knows few exact facts
              but much of the universe's vocabulary);
    either  - keyword or rouge. (ROUGE on short references such as "The Burrow" is met by "the ...":
              it is reported as a continuous number, rouge_recall, but is a poor leak detector.)
    mc      - multiple choice: the chosen option is the correct one (accuracy; chance = 1/#options).
- readable(a): a is well-formed text: mean NLL per token of a under the CLEAN model (prompted with
  the clean question) <= nll_bound, and not degenerate (see `degenerate`).

Over the known train rows, with corruption strength sigma:

    leak(sigma)       = mean_i leak(a_i)                    (accuracy for mc)
    unread(sigma)     = mean_i [not readable(a_i)]
    L(sigma) = B * max(0, leak(sigma) - target)
             + lam * log10(sigma / sigma_ref)
             + B * max(0, U(sigma) - unread_max)
             + w * unread(sigma)

    U = unread, or with read_z > 0 its one-sided Wilson upper bound at z (the readability estimate
    is noisy and non-monotone in the strength: the bound keeps the fit from picking a point that only
    looks readable by chance on the fit rows; it counts answers, so with several sampled answers per
    row, which are correlated, it is a little narrower than a bound over rows);
    feasible    <=> leak <= target and U <= unread_max
    target_met  <=> leak <= target  (monotone in sigma: what the bracket search uses)

target: 0 by default; the leak of a "never-knew" reference on the same rows when given; chance for
mc. unread_max = max(max_unreadable, unread(raw answers) + max_unreadable): the readability budget
is relative to the raw model's own answers. B (default 100) makes one leaking row out of n cost
100/n, more than lam * (the whole sigma range in decades) for the sets we use, so the target
dominates and among points meeting it the smallest sigma wins.

w (`read_weight`, default 0 = ECO's objective) turns readability from a side condition into a term
that is traded against strength: with w = 20 and lam = 1, one percentage point fewer unreadable
answers is worth a 1.6x stronger corruption (0.2 decades). Use it when a stronger corruption keeps
answers more readable (zeroing more embedding dimensions can make the model answer a blander, more
fluent text); the target still dominates.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from .prompt import keyword_spans

LeakMetric = Literal["keyword", "scope", "rouge", "either", "mc"]


# ------------------------------------------------------------------ data


@dataclass
class Row:
    """One conversation of a forget/retain JSONL file."""

    id: str
    messages: list[dict[str, str]]
    label: str = ""
    kind: str = ""
    split: str = ""
    group: str = ""
    answer: str = ""
    keywords: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)  # multiple choice (optional)
    correct: int | None = None  # index into options (optional)

    @property
    def question(self) -> str:
        return next((m["content"] for m in reversed(self.messages) if m.get("role") == "user"), "")


def load_rows(path: str | Path, *, splits: Sequence[str] | None = None, kinds: Sequence[str] | None = None,
              limit: int | None = None) -> list[Row]:
    """Rows of a JSONL file (blank lines skipped), filtered by split and kind, in file order."""
    out: list[Row] = []
    p = Path(path)
    for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
        except json.JSONDecodeError as e:
            raise ValueError(f"{p}:{n}: not JSON: {e}") from e
        messages = d.get("messages")
        if not messages and (d.get("question") or d.get("prompt")):
            messages = [{"role": "user", "content": d.get("question") or d.get("prompt")}]
        if not messages:
            raise ValueError(f"{p}:{n}: no 'messages'")
        kw = d.get("keywords") or []
        if isinstance(kw, str):
            kw = [kw]
        correct = d.get("correct")
        if isinstance(correct, str) and d.get("options"):
            correct = "ABCDEFGHIJ".index(correct.strip().upper()[:1]) if correct.strip()[:1].isalpha() else None
        row = Row(id=str(d.get("id", f"{p.stem}-{n}")), messages=[dict(m) for m in messages],
                  label=str(d.get("label", "")), kind=str(d.get("kind", "")), split=str(d.get("split", "")),
                  group=str(d.get("group", "")), answer=str(d.get("answer") or ""),
                  keywords=[str(k) for k in kw if str(k).strip()], options=[str(o) for o in d.get("options") or []],
                  correct=correct)
        if splits and row.split not in splits:
            continue
        if kinds and row.kind not in kinds:
            continue
        out.append(row)
        if limit and len(out) >= limit:
            break
    return out


# ------------------------------------------------------------------ answer metrics


def keyword_hit(answer: str, keywords: Sequence[str]) -> bool:
    """A keyword occurs in the answer (case-insensitive, whole-word-ish, plural/possessive allowed)."""
    return bool(keywords) and bool(keyword_spans(answer, list(keywords)))


@lru_cache(maxsize=1)
def _scorer():
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)


def rouge_l(prediction: str, reference: str) -> tuple[float, float, float]:
    """ROUGE-L (precision, recall, F1) of `prediction` against `reference` (0s when either is empty)."""
    if not prediction.strip() or not reference.strip():
        return 0.0, 0.0, 0.0
    s = _scorer().score(reference, prediction)["rougeL"]
    return float(s.precision), float(s.recall), float(s.fmeasure)


def rouge_recall(answer: str, reference: str) -> float:
    return rouge_l(answer, reference)[1]


_LETTER = re.compile(r"^\W*\(?([A-J])[\).:\s]", re.IGNORECASE)


def mc_choice(answer: str, options: Sequence[str]) -> int | None:
    """Which option an answer picks: a leading letter "B)"/"(B)"/"B." or the one option text it contains."""
    m = _LETTER.match(answer + " ")
    if m:
        i = "ABCDEFGHIJ".index(m.group(1).upper())
        if i < len(options):
            return i
    hits = [i for i, o in enumerate(options) if o.strip() and keyword_spans(answer, [o.strip()])]
    return hits[0] if len(hits) == 1 else None


def answer_keywords(row: Row) -> list[str]:
    """The row's keywords that do not already occur in its own prompt (repeating the question is not
    knowing the answer: "Which school ... Hogwarts?" -> "Hogwarts" in the answer proves nothing)."""
    prompt = _prompt_text(row)
    return [k for k in row.keywords if not keyword_hit(prompt, [k])]


def scope_lexicon(forget_rows: Sequence[Row], retain_rows: Sequence[Row] = ()) -> list[str]:
    """The forget scope's own names: every capitalised keyword of the forget rows (proper nouns such as
    "Hogwarts", "Weasley", "Order of the Phoenix") that occurs nowhere in the retain rows (prompts,
    reference answers, keywords): a name the retain side also uses ("James", "Scotland") is not
    specific to the scope."""
    words = sorted({k.strip() for r in forget_rows for k in r.keywords if k.strip()[:1].isupper() and len(k.strip()) > 2})
    if not retain_rows:
        return words
    text = "\n".join("\n".join(str(m.get("content") or "") for m in r.messages) + "\n" + r.answer + "\n"
                     + " ".join(r.keywords) for r in retain_rows)
    return [w for w in words if not keyword_spans(text, [w])]


def _prompt_text(row: Row) -> str:
    return "\n".join(str(m.get("content") or "") for m in row.messages)


def scope_hits(answer: str, row: Row, lexicon: Sequence[str]) -> list[str]:
    """Scope names in the answer that its prompt did not already contain."""
    prompt = _prompt_text(row)
    return [w for w in lexicon if keyword_hit(answer, [w]) and not keyword_hit(prompt, [w])]


def leaked(answer: str, row: Row, metric: LeakMetric = "keyword", rouge_threshold: float = 0.5,
           lexicon: Sequence[str] = ()) -> bool:
    """Does the answer still carry the row's fact (or, metric="scope", anything of the forget scope)?

    keyword: one of `answer_keywords(row)` occurs in the answer (a row whose keywords all occur in its
    prompt never counts as leaking, so it is never "known" either).
    scope: keyword, or a name of the scope `lexicon` (see `scope_lexicon`) that the prompt did not
    contain: the answer still talks about the forgotten universe.
    """
    if metric == "mc":
        if not row.options or row.correct is None:
            raise ValueError(f"row {row.id}: leak_metric=mc needs 'options' and 'correct'")
        return mc_choice(answer, row.options) == row.correct
    kw = keyword_hit(answer, answer_keywords(row))
    if metric == "keyword":
        return kw
    if metric == "scope":
        return kw or bool(scope_hits(answer, row, lexicon))
    rg = bool(row.answer) and rouge_recall(answer, row.answer) >= rouge_threshold
    if metric == "rouge":
        return rg
    if metric == "either":
        return kw or rg
    raise ValueError(f"unknown leak metric {metric!r}")


_WORD = re.compile(r"\w+", re.UNICODE)


def repetition_stats(answer: str) -> dict[str, float]:
    """Cheap degeneracy statistics of a text.

    - rep3: fraction of word 3-grams that repeat an earlier 3-gram (0 for fluent text; "x x x x" -> high);
    - distinct1: distinct words / words;
    - max_run: longest run of the same word;
    - alpha: share of letters among non-space characters;
    - words: number of words.
    """
    words = [w.lower() for w in _WORD.findall(answer)]
    n = len(words)
    grams = [tuple(words[i:i + 3]) for i in range(max(0, n - 2))]
    seen: set[tuple[str, ...]] = set()
    rep = 0
    for g in grams:
        if g in seen:
            rep += 1
        seen.add(g)
    run = best = 0
    prev = None
    for w in words:
        run = run + 1 if w == prev else 1
        best = max(best, run)
        prev = w
    chars = [c for c in answer if not c.isspace()]
    alpha = sum(c.isalpha() for c in chars) / len(chars) if chars else 0.0
    return {"rep3": rep / len(grams) if grams else 0.0, "distinct1": len(set(words)) / n if n else 0.0,
            "max_run": float(best), "alpha": alpha, "words": float(n)}


def degenerate(answer: str, *, max_rep3: float = 0.3, min_alpha: float = 0.6, max_run: int = 4,
               min_words: int = 2) -> bool:
    """Garbage or degenerate repetition: repeated 3-grams > 30%, a word repeated > 4 times in a row,
    < 60% letters, or fewer than 2 words."""
    s = repetition_stats(answer)
    return (s["words"] < min_words or s["rep3"] > max_rep3 or s["max_run"] > max_run or s["alpha"] < min_alpha)


def readable(answer: str, nll: float | None, nll_bound: float = 4.0) -> bool:
    """Well-formed: not degenerate and (when known) mean NLL per token under the clean model <= bound."""
    if degenerate(answer):
        return False
    return nll is None or (math.isfinite(nll) and nll <= nll_bound)


# ------------------------------------------------------------------ the objective


@dataclass
class ObjectiveConfig:
    leak_metric: LeakMetric = "keyword"
    rouge_threshold: float = 0.5
    target: float = 0.0
    big: float = 100.0  # B
    lam: float = 1.0  # per decade of sigma
    sigma_ref: float = 1.0
    nll_bound: float = 4.0  # nats per token (perplexity ~55)
    max_unreadable: float = 0.1
    readability: Literal["nll", "proxy", "off"] = "nll"
    lexicon: list[str] = field(default_factory=list)  # for leak_metric="scope"
    read_z: float = 0.0  # readability must hold with this one-sided confidence (Wilson bound, z=2: 97.7%)
    read_weight: float = 0.0  # w: unreadable share traded against strength (0: side condition only)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class AnswerScore:
    row_id: str
    answer: str
    leaked: bool
    readable: bool
    nll: float | None
    rouge_recall: float


def score_answer(row: Row, answer: str, nll: float | None, cfg: ObjectiveConfig) -> AnswerScore:
    use_nll = nll if cfg.readability == "nll" else None
    ok = True if cfg.readability == "off" else readable(answer, use_nll, cfg.nll_bound)
    return AnswerScore(row.id, answer, leaked(answer, row, cfg.leak_metric, cfg.rouge_threshold, cfg.lexicon), ok, nll,
                       rouge_recall(answer, row.answer) if row.answer else 0.0)


def unreadable_budget(raw_unreadable: float, cfg: ObjectiveConfig) -> float:
    """Allowed share of unreadable corrupted answers: the raw model's own share plus the slack."""
    return min(1.0, max(cfg.max_unreadable, raw_unreadable + cfg.max_unreadable))


def loss(leak: float, unread: float, sigma: float, cfg: ObjectiveConfig, unread_max: float,
         unread_point: float | None = None) -> float:
    """L(sigma) = B*max(0, leak-target) + lam*log10(sigma/sigma_ref) + B*max(0, unread-unread_max)
    + w*unread_point (`unread` may be an upper bound; `unread_point` is the measured share, default `unread`)."""
    strength = cfg.lam * math.log10(max(sigma, 1e-12) / cfg.sigma_ref)
    read = cfg.read_weight * (unread if unread_point is None else unread_point)
    return cfg.big * max(0.0, leak - cfg.target) + strength + cfg.big * max(0.0, unread - unread_max) + read


def strength_of(point: float | Sequence[float]) -> float:
    """A scalar strength for a scalar or vector sigma: the root mean square of the entries."""
    if isinstance(point, (int, float)):
        return float(point)
    vals = [float(v) for v in point]
    return math.sqrt(sum(v * v for v in vals) / len(vals))


def aggregate(scores: Sequence[AnswerScore], sigma: float | Sequence[float], cfg: ObjectiveConfig,
              unread_max: float, read_only: Sequence[AnswerScore] = ()) -> dict[str, Any]:
    """Set-level numbers for one evaluation: leak, unread, loss, feasible, target_met.

    Leak is measured on `scores` (the known rows); readability on `scores` + `read_only` (forget
    rows the raw model does not know: their answers must stay well-formed too, and they make the
    readability estimate less noisy)."""
    n = len(scores)
    if n == 0:
        raise ValueError("no answers to score")
    everyone = list(scores) + list(read_only)
    leak = sum(s.leaked for s in scores) / n
    unread = sum(not s.readable for s in everyone) / len(everyone)
    unread_ucb = wilson_upper(unread, len(everyone), cfg.read_z)
    nlls = [s.nll for s in everyone if s.nll is not None and math.isfinite(s.nll)]
    strength = strength_of(sigma)
    value = loss(leak, unread_ucb, strength, cfg, unread_max, unread_point=unread)
    return {
        "n": n, "n_read": len(everyone), "leak": leak, "unreadable": unread, "unreadable_ucb": unread_ucb,
        "unread_max": unread_max,
        "mean_nll": sum(nlls) / len(nlls) if nlls else None,
        "rouge_recall": sum(s.rouge_recall for s in scores) / n,
        "loss": value, "target_met": leak <= cfg.target + 1e-12,
        "feasible": leak <= cfg.target + 1e-12 and unread_ucb <= unread_max + 1e-12,
    }


def wilson_upper(p: float, n: int, z: float) -> float:
    """One-sided Wilson score upper bound of a proportion p measured on n items (z=0: p itself)."""
    if z <= 0 or n <= 0:
        return p
    d = 1 + z * z / n
    c = p + z * z / (2 * n)
    r = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return min(1.0, (c + r) / d)


def target_from_reference(answers: dict[str, str], rows: Sequence[Row], cfg: ObjectiveConfig) -> float:
    """The leak of a never-knew reference (its answers by row id) on `rows`: the target to reach."""
    hits = [leaked(answers[r.id], r, cfg.leak_metric, cfg.rouge_threshold, cfg.lexicon) for r in rows
            if r.id in answers]
    if not hits:
        raise ValueError("the reference answers cover none of the fitted rows")
    return sum(hits) / len(hits)


def chance_level(rows: Sequence[Row]) -> float:
    """Accuracy of uniform guessing on multiple-choice rows."""
    ks = [len(r.options) for r in rows if r.options]
    if not ks:
        raise ValueError("no multiple-choice rows")
    return sum(1.0 / k for k in ks) / len(ks)
