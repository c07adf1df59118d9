"""Choose a hand-set corruption by measurement (in-process transformers, greedy decoding).

    nice -n 10 python -m ecoguard.corruption.handset \\
        --data data/harry_potter/forget.jsonl --model models/smollm2-135m-instruct \\
        --report corruption/HAND_SET.md --spec-out corruption/handset_corruption.json

1. Forget questions (kinds direct/paraphrase) are answered uncorrupted; the first N whose greedy answer
   contains one of the row's keywords are kept (the model only knows the famous facts).
2. Each setting of a small grid corrupts those prompts exactly as the gateway does (corrupt_chat, seed
   derived from the token ids) and the model answers greedily. Per setting:
   - leak: fraction of answers still containing a keyword of their row;
   - readable: fraction of answers that are fluent text (see `readable`), i.e. mean NLL per token under
     the clean model (after a bare assistant header) <= NLL_BOUND, distinct-word ratio >= 0.5, at least
     3 words, >= 70% letters among non-space characters;
   - knowledge: answer log-prob of the reference answers of ALL direct/paraphrase rows (known or not),
     teacher-forced after the corrupted prompt, scaled so clean = 1 and an unrelated prompt = 0;
   - perturbation: mean over prompts of ||E' - E||_F / ||E||_F for the whole prompt matrix (how hard the
     setting hits the prompt: counts both the positions touched and the size of the change).
3. The choice: among settings with leak <= MAX_LEAK, knowledge <= MAX_KNOWLEDGE and
   readable >= clean readable - READ_SLACK, the one
   with the smallest perturbation ("the weakest that works").
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

import torch

from .prompt import corrupt_chat, keyword_spans
from .spec import CorruptionSpec

NLL_BOUND = 4.0
MAX_LEAK = 0.05
MAX_KNOWLEDGE = 0.25
READ_SLACK = 0.10

# (function, k, sigma, selection). flagged_turns = only the user's question tokens (the chat template
# stays intact); all_but_last = ECO's default (template markers and system prompt corrupted too).
GRID: list[tuple[str, int, float, str]] = (
    [("rand_noise_first_n", 1, s, "flagged_turns") for s in (1.0, 10.0, 100.0, 1e6)]
    + [("rand_noise_first_n", k, s, "flagged_turns") for k in (4, 32) for s in (1.0, 10.0)]
    + [("zero_out_top_k", k, 0.0, "flagged_turns") for k in (100, 200, 300)]
    + [("flip_sign_top_k", k, 0.0, "flagged_turns") for k in (100, 200)]
    + [("rand_noise_first_n", 1, s, "all_but_last") for s in (10.0, 1e6)]
    + [("zero_out_top_k", 300, 0.0, "all_but_last")]
)


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, file=sys.stderr, flush=True)


def load_rows(path: Path, kinds: set[str]) -> list[dict]:
    """Forget rows with a chat (`messages`, or a bare `question`/`prompt`) and keywords; train split first."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        r = json.loads(line)
        msgs = r.get("messages")
        if not msgs:
            q = r.get("question") or r.get("prompt") or r.get("text")
            msgs = [{"role": "user", "content": q}] if q else None
        kw = r.get("keywords") or []
        if isinstance(kw, str):
            kw = [kw]
        if msgs and kw and (not kinds or r.get("kind") in kinds):
            rows.append({"messages": msgs, "question": msgs[-1]["content"], "keywords": list(kw),
                         "kind": r.get("kind"), "split": r.get("split"), "id": r.get("id"),
                         "answer": r.get("answer"), "group": r.get("group", r.get("id"))})
    rows.sort(key=lambda r: r["split"] != "train")  # stable: train rows first, file order kept
    return rows


def leaks(answer: str, keywords: list[str]) -> bool:
    return bool(keyword_spans(answer, keywords))


@torch.no_grad()
def generate(model, tok, embeds: list[torch.Tensor], max_new_tokens: int, batch: int) -> list[str]:
    pad_id = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    pad = model.get_input_embeddings().weight[pad_id].detach().float()
    out: list[str] = []
    for i in range(0, len(embeds), batch):
        chunk = embeds[i : i + batch]
        L = max(e.shape[0] for e in chunk)
        X = torch.stack([torch.cat([pad.expand(L - e.shape[0], -1), e]) for e in chunk])
        M = torch.stack(
            [torch.cat([torch.zeros(L - e.shape[0], dtype=torch.long), torch.ones(e.shape[0], dtype=torch.long)])
             for e in chunk]
        )
        gen = model.generate(inputs_embeds=X, attention_mask=M, max_new_tokens=max_new_tokens, do_sample=False,
                             pad_token_id=pad_id)
        out += [tok.decode(g, skip_special_tokens=True).strip() for g in gen]
    return out


@torch.no_grad()
def answer_nll(model, tok, answers: list[str], batch: int = 16) -> list[float]:
    """Mean NLL per answer token under the clean model, after a bare assistant header."""
    prefix = tok("<|im_start|>assistant\n", add_special_tokens=False)["input_ids"]
    res: list[float] = []
    for i in range(0, len(answers), batch):
        chunk = answers[i : i + batch]
        seqs = [prefix + tok(a, add_special_tokens=False)["input_ids"] for a in chunk]
        L = max(len(s) for s in seqs)
        ids = torch.full((len(seqs), L), tok.eos_token_id, dtype=torch.long)
        att = torch.zeros((len(seqs), L), dtype=torch.long)
        for j, s in enumerate(seqs):
            ids[j, : len(s)] = torch.tensor(s)
            att[j, : len(s)] = 1
        logp = torch.log_softmax(model(input_ids=ids, attention_mask=att).logits.float(), -1)
        for j, s in enumerate(seqs):
            n = len(s) - len(prefix)
            if n <= 0:
                res.append(float("inf"))
                continue
            tgt = ids[j, len(prefix) : len(s)]
            lp = logp[j, len(prefix) - 1 : len(s) - 1].gather(1, tgt[:, None]).squeeze(1)
            res.append(float(-lp.mean()))
    return res


@torch.no_grad()
def answer_logprob(model, tok, table, prompts: list[torch.Tensor], answers: list[str], batch: int = 32) -> list[float]:
    """Mean log-prob per token of each reference answer (teacher-forced) right after its prompt embeds."""
    pad_id = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    res: list[float] = []
    for i in range(0, len(prompts), batch):
        seqs, tgts = [], []
        for p, a in zip(prompts[i : i + batch], answers[i : i + batch]):
            ids = tok(a, add_special_tokens=False)["input_ids"]
            seqs.append(torch.cat([p, table[torch.tensor(ids)]]))
            tgts.append(ids)
        L = max(x.shape[0] for x in seqs)
        X = torch.stack([torch.cat([table[pad_id].expand(L - x.shape[0], -1), x]) for x in seqs])
        M = torch.stack([torch.cat([torch.zeros(L - x.shape[0], dtype=torch.long),
                                    torch.ones(x.shape[0], dtype=torch.long)]) for x in seqs])
        pos = (M.cumsum(1) - 1).clamp_min(0)
        logp = torch.log_softmax(model(inputs_embeds=X, attention_mask=M, position_ids=pos).logits.float(), -1)
        for j, ids in enumerate(tgts):
            n = len(ids)
            lp = logp[j, L - n - 1 : L - 1].gather(1, torch.tensor(ids)[:, None]).squeeze(1)
            res.append(float(lp.mean()))
    return res


def knowledge_rows(rows: list[dict]) -> tuple[list[dict], list[int]]:
    """Rows with a reference answer, and for each the index of a row of another group (the 'unrelated' prompt)."""
    rows = [r for r in rows if r.get("answer")]
    other = []
    for i, r in enumerate(rows):
        j = next((j % len(rows) for j in range(i + 1, i + len(rows)) if rows[j % len(rows)]["group"] != r["group"]), i)
        other.append(j)
    return rows, other


WORD = re.compile(r"[A-Za-z0-9']+")


def text_stats(answer: str) -> dict:
    words = [w.lower() for w in WORD.findall(answer)]
    chars = [c for c in answer if not c.isspace()]
    letters = sum(c.isascii() and c.isalpha() for c in chars)
    return {
        "words": len(words),
        "distinct": len(set(words)) / len(words) if words else 0.0,
        "letters": letters / len(chars) if chars else 0.0,
    }


def readable(answer: str, nll: float) -> bool:
    st = text_stats(answer)
    return st["words"] >= 3 and st["distinct"] >= 0.5 and st["letters"] >= 0.7 and nll <= NLL_BOUND


def perturbation(cps, clean_rows) -> float:
    vals = [(cp.embeds - clean).norm() / clean.norm().clamp_min(1e-8) for cp, clean in zip(cps, clean_rows)]
    return float(torch.stack(vals).mean())


def evaluate(model, tok, table, items, answers, label) -> dict:
    """leak over the known items only; readability over all items."""
    nll = answer_nll(model, tok, answers)
    leak = [leaks(a, it["keywords"]) for a, it in zip(answers, items)]
    read = [readable(a, n) for a, n in zip(answers, nll)]
    finite = [n for n in nll if n != float("inf")]
    known = [lk for lk, it in zip(leak, items) if it["known"]]
    return {
        "setting": label,
        "leak": sum(known) / max(len(known), 1),
        "readable": sum(read) / len(items),
        "nll": sum(finite) / max(len(finite), 1),
        "distinct": sum(text_stats(a)["distinct"] for a in answers) / len(items),
        "answers": [{"q": it["question"], "known": it["known"], "a": a, "leak": lk, "readable": rd, "nll": n}
                    for it, a, lk, rd, n in zip(items, answers, leak, read, nll)],
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="data/harry_potter/forget.jsonl")
    ap.add_argument("--model", default="models/smollm2-135m-instruct")
    ap.add_argument("--n", type=int, default=40, help="questions the clean model answers with a keyword")
    ap.add_argument("--n-read", type=int, default=40,
                    help="questions for readability: the known ones, filled up with other --kinds rows")
    ap.add_argument("--max-candidates", type=int, default=240)
    ap.add_argument("--kinds", default="direct,paraphrase")
    ap.add_argument("--fill-kinds", default="typo,indirect,homoglyph,roleplay,system,task",
                    help="kinds screened after --kinds when those give fewer than --n known questions")
    ap.add_argument("--screen-tokens", type=int, default=24, help="max_new_tokens while screening")
    ap.add_argument("--known-ids", default=None,
                    help="comma-separated row ids known to leak (skips screening, e.g. from a previous run)")
    ap.add_argument("--max-new-tokens", type=int, default=48)
    ap.add_argument("--batch", type=int, default=20)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--results", default="corruption/handset_results.json")
    ap.add_argument("--report", default="corruption/HAND_SET.md")
    ap.add_argument("--spec-out", default=None, help="write the chosen CorruptionSpec here")
    ap.add_argument("--grid", default=None,
                    help="override the grid: 'fn:k:sigma,fn:k:sigma,...' (default: the module's GRID)")
    args = ap.parse_args(argv)

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    from ecoguard.models import embedding_table, fingerprint, load_model, load_tokenizer

    model_dir = str(Path(args.model).resolve())
    tok, model, table = load_tokenizer(model_dir), load_model(model_dir), embedding_table(model_dir)
    rows = load_rows(Path(args.data), set(filter(None, args.kinds.split(","))))
    fill = [r for r in load_rows(Path(args.data), set(filter(None, args.fill_kinds.split(","))))
            if r["kind"] not in set(args.kinds.split(","))] if args.fill_kinds else []
    log(f"{len(rows)} forget rows of kinds {args.kinds}, {len(fill)} more of kinds {args.fill_kinds}")
    know_rows, know_other = knowledge_rows(rows)
    rows = rows + fill

    # 1. the questions the clean model answers with a keyword
    clean_spec = CorruptionSpec(function="zero_out_first_n", k=1, selection="all_but_last")
    items = []
    if args.known_ids:
        by_id = {r["id"]: r for r in rows}
        items = [by_id[i] for i in args.known_ids.split(",") if i in by_id][: args.n]
    else:
        for i in range(0, min(len(rows), args.max_candidates), args.batch):
            chunk = rows[i : i + args.batch]
            ids = [corrupt_chat(tok, table, r["messages"], clean_spec).token_ids for r in chunk]
            ans = generate(model, tok, [table[torch.tensor(x)] for x in ids], args.screen_tokens, args.batch)
            items += [r for r, a in zip(chunk, ans) if leaks(a, r["keywords"])][: args.n - len(items)]
            log(f"screened {i + len(chunk)}: {len(items)} known")
            if len(items) >= args.n:
                break
    log("known ids: " + ",".join(str(it["id"]) for it in items))
    if not items:
        raise SystemExit("no forget question is answered with a keyword by the clean model")
    known_ids = {id(it) for it in items}
    filler = [r for r in rows if r["kind"] in set(args.kinds.split(",")) and id(r) not in known_ids]
    items = items + filler[: max(0, args.n_read - len(items))]
    for it in items:
        it["known"] = id(it) in known_ids
    clean_ids = [corrupt_chat(tok, table, it["messages"], clean_spec).token_ids for it in items]
    clean_answers = generate(model, tok, [table[torch.tensor(x)] for x in clean_ids], args.max_new_tokens,
                             args.batch)
    msgs = [it["messages"] for it in items]
    known = [it for it in items if it["known"]]
    splits = {sp: sum(str(it["split"]) == sp for it in known) for sp in sorted({str(it["split"]) for it in known})}
    kinds = {kd: sum(it["kind"] == kd for it in known) for kd in sorted({str(it["kind"]) for it in known})}
    splits = {"split": splits, "kind": kinds}
    log(f"{len(known)} known questions (leak), {len(items)} for readability; known: {splits}")

    # answer likelihood on every direct/paraphrase row with a reference answer (needs no generation)
    know_clean_ids = [corrupt_chat(tok, table, r["messages"], clean_spec).token_ids for r in know_rows]
    know_answers = [r["answer"] for r in know_rows]
    lp_clean = answer_logprob(model, tok, table, [table[torch.tensor(x)] for x in know_clean_ids], know_answers)
    lp_unrel = answer_logprob(model, tok, table, [table[torch.tensor(know_clean_ids[j])] for j in know_other],
                              know_answers)
    mean = lambda v: sum(v) / len(v)  # noqa: E731
    gap = mean(lp_clean) - mean(lp_unrel)
    log(f"answer log-prob on {len(know_rows)} rows: clean {mean(lp_clean):.3f}, unrelated prompt {mean(lp_unrel):.3f}")

    def knowledge(spec) -> tuple[float, float]:
        cps = [corrupt_chat(tok, table, r["messages"], spec) for r in know_rows]
        lp = mean(answer_logprob(model, tok, table, [cp.embeds for cp in cps], know_answers))
        return lp, (lp - mean(lp_unrel)) / gap if gap > 0 else float("nan")

    results = [evaluate(model, tok, table, items, clean_answers, "clean")]
    results[0].update(function=None, k=0, sigma=0.0, selection=None, perturbation=0.0,
                      ans_lp=mean(lp_clean), knowledge=1.0)
    results.append({"setting": "unrelated prompt (reference)", "leak": float("nan"), "readable": float("nan"),
                    "nll": float("nan"), "distinct": float("nan"), "perturbation": float("nan"),
                    "ans_lp": mean(lp_unrel), "knowledge": 0.0, "answers": [], "reference": True})
    log(f"clean: readable {results[0]['readable']:.2f} nll {results[0]['nll']:.2f}")

    # 2. the grid
    grid = GRID
    if args.grid:
        grid = []
        for g in args.grid.split(","):
            f, k, sg, *sel = g.split(":")
            grid.append((f, int(k), float(sg), sel[0] if sel else "all_but_last"))
    for fn, k, sigma, selection in grid:
        spec = CorruptionSpec(function=fn, k=k, sigma=sigma, selection=selection)
        cps = [corrupt_chat(tok, table, m, spec) for m in msgs]
        clean_rows = [table[torch.tensor(cp.token_ids)] for cp in cps]
        answers = generate(model, tok, [cp.embeds for cp in cps], args.max_new_tokens, args.batch)
        label = f"{fn} k={k}" + (f" sigma={sigma:g}" if fn.startswith(("rand", "add", "sub")) else "") + \
            f" [{selection}]"
        r = evaluate(model, tok, table, items, answers, label)
        r.update(function=fn, k=k, sigma=sigma, selection=selection, perturbation=perturbation(cps, clean_rows))
        r["ans_lp"], r["knowledge"] = knowledge(spec)
        results.append(r)
        Path(args.results).write_text(json.dumps({"partial": True, "results": results}, indent=1))
        log(f"{label}: leak {r['leak']:.2f} readable {r['readable']:.2f} nll {r['nll']:.2f} "
            f"pert {r['perturbation']:.3g} knowledge {r['knowledge']:.2f}")

    # 3. the choice
    floor = results[0]["readable"] - READ_SLACK
    ok = [r for r in results[1:] if not r.get("reference") and r["leak"] <= MAX_LEAK
          and r["knowledge"] <= MAX_KNOWLEDGE and r["readable"] >= floor]
    chosen = min(ok, key=lambda r: r["perturbation"]) if ok else None
    Path(args.results).write_text(json.dumps({
        "n_known": len(known), "n_read": len(items), "known_ids": [it["id"] for it in known], "n_knowledge_rows": len(know_rows), "nll_bound": NLL_BOUND, "max_leak": MAX_LEAK,
        "max_knowledge": MAX_KNOWLEDGE, "read_floor": floor,
        "chosen": chosen["setting"] if chosen else None, "splits": splits, "results": results,
    }, indent=1))
    write_report(Path(args.report), results, chosen, floor, (len(known), len(items)), args, splits)
    if chosen is None:
        log("no setting met the criteria; nothing written")
        return 1
    log(f"chosen: {chosen['setting']}")
    if args.spec_out:
        spec = CorruptionSpec(
            function=chosen["function"], k=chosen["k"], sigma=chosen["sigma"], selection=chosen["selection"],
            model_fingerprint=fingerprint(model_dir),
            notes=f"hand-set: weakest setting of the grid with leak <= {MAX_LEAK} (on the {len(known)} forget "
                  f"questions the clean model answers), knowledge <= {MAX_KNOWLEDGE}, readable >= {floor:.2f}",
            provenance={"method": "hand-set", "report": args.report, "results": args.results,
                        "data": args.data, "n_known": len(known), "n_read": len(items), "leak": chosen["leak"],
                        "readable": chosen["readable"], "knowledge": chosen["knowledge"]},
        )
        spec.save(args.spec_out)
        log(f"wrote {args.spec_out}")
    return 0


NOTES_MARKER = "<!-- notes: kept when the measurement is re-run -->"


def write_report(path: Path, results, chosen, floor, n, args, splits) -> None:
    n_known, n_read = n
    lines = [
        "# Hand-set corruption for the Harry Potter guard",
        "",
        f"Measured by `python -m ecoguard.corruption.handset` (in-process transformers, fp32, greedy,"
        f" max_new_tokens={args.max_new_tokens}). Leak is measured on the {n_known} forget questions whose"
        f" uncorrupted answer contains one of the row's keywords (screened: kinds {args.kinds}, then"
        f" {args.fill_kinds}, train rows first; {splits}); readability on those plus other {args.kinds} rows,"
        f" {n_read} in all. Data: `{args.data}`. Corruption exactly as the gateway applies it: `corrupt_chat`"
        " (selection in brackets; flagged_turns = the user/system turns' content only, template intact),"
        " seed derived from the token ids.",        "",
        f"- leak: fraction of answers still containing a keyword; readable: fraction of fluent answers (mean NLL"
        f" per token under the clean model <= {NLL_BOUND}, distinct-word ratio >= 0.5, >= 3 words, >= 70% letters);"
        " perturbation: mean over prompts of ||E'-E||_F/||E||_F (whole prompt matrix).",
        f"- answer log-prob: mean per-token log-prob of the row's reference answer, teacher-forced after the"
        f" (corrupted) prompt, over all {args.kinds} rows with an answer (known or not); the reference row puts"
        " each answer after the clean question of another fact group. knowledge = (corrupted - unrelated) /"
        " (clean - unrelated): 1 = as clean, 0 = as if asked something else.",
        f"- choice: the smallest perturbation among settings with leak <= {MAX_LEAK}, knowledge <= {MAX_KNOWLEDGE}"
        f" and readable >= {floor:.2f} (clean readable - {READ_SLACK}).",
        "",
        "| setting | leak | readable | mean NLL | distinct | answer log-prob | knowledge | perturbation |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    f = lambda x, p: "-" if x != x else format(x, p)  # noqa: E731  (nan -> "-")
    for r in results:
        mark = " **(chosen)**" if chosen is r else ""
        lines.append(f"| {r['setting']}{mark} | {f(r['leak'], '.3f')} | {f(r['readable'], '.3f')} |"
                     f" {f(r['nll'], '.2f')} | {f(r['distinct'], '.2f')} | {r['ans_lp']:.3f} |"
                     f" {r['knowledge']:.2f} | {f(r['perturbation'], '.3g')} |")
    lines.append("")
    if chosen:
        lines += [f"**Chosen: {chosen['setting']}**.", "", "Sample answers:", ""]
        clean = results[0]["answers"]
        for a, c in [(a, c) for a, c in zip(chosen["answers"], clean) if a["known"]][:8]:
            lines += [f"- Q: {a['q']}", f"  - clean: {c['a'][:160]!r}", f"  - corrupted: {a['a'][:160]!r}"]
    else:
        lines.append("No setting met the criteria.")
    lines += ["", NOTES_MARKER]
    old = path.read_text() if path.exists() else ""
    tail = old.split(NOTES_MARKER, 1)[1].lstrip("\n") if NOTES_MARKER in old else ""
    path.write_text("\n".join(lines) + "\n" + tail)


if __name__ == "__main__":
    raise SystemExit(main())
