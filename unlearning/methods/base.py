"""What a method is: a config class, the data streams it trains on, its loss, and an optional
post-processing of the trained weights (SKU's negation). Everything else lives in the shared trainer.

Shared stream builders:
- `forget_stream`: forget train rows as (chat-templated question, reference answer).
- `retain_stream`: retain train rows with targets chosen by `retain_targets`:
  "self" (default) = the starting model's own greedy answers, generated once and cached. The retain
  objective is then "keep answering as before", which is what fidelity measures, and it works for rows
  whose reference answer is empty. "reference" = the rows' reference answers (empty ones skipped).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, ClassVar, Optional

import torch

from ..config import UnlearnConfig
from ..data import encode_chat, prompt_messages, read_jsonl, row_answer, write_jsonl


@dataclass
class JobContext:
    cfg: UnlearnConfig
    tokenizer: Any
    model: Any                      # the starting model (before LoRA); also used to generate targets
    model_path: Path
    forget_rows: list[dict]         # train split
    retain_rows: list[dict]         # train split
    work_dir: Path
    cache_dir: Path
    extra: dict[str, Any] = field(default_factory=dict)

    def main_process_first(self):
        from accelerate import PartialState

        return PartialState().main_process_first()


def _key(*parts: Any) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(json.dumps(p, sort_keys=True, default=str).encode())
    return h.hexdigest()[:16]


def cached_rows(ctx: JobContext, name: str, key_parts: list[Any], make: Callable[[], list[dict]]) -> list[dict]:
    """Rows computed once (on the main process) and cached as JSONL; other processes read the cache."""
    path = ctx.cache_dir / f"{name}-{_key(*key_parts)}.jsonl"
    with ctx.main_process_first():
        if path.exists():
            return read_jsonl(path)
        rows = make()
        ctx.cache_dir.mkdir(parents=True, exist_ok=True)
        write_jsonl(path, rows)
        return rows


def model_identity(ctx: JobContext) -> str:
    from ecoguard.models import fingerprint

    try:
        return fingerprint(ctx.model_path)
    except Exception:  # noqa: BLE001 - a folder without safetensors (tests): fall back to the path
        return str(Path(ctx.model_path).resolve())


class Method:
    name: ClassVar[str] = "base"
    Config: ClassVar[type[UnlearnConfig]] = UnlearnConfig
    needs_reference: ClassVar[bool] = False

    def __init__(self, cfg: UnlearnConfig):
        self.cfg = cfg

    # --- data --------------------------------------------------------------------------------------------
    def streams(self, ctx: JobContext) -> dict[str, list[dict]]:
        raise NotImplementedError

    def forget_stream(self, ctx: JobContext) -> list[dict]:
        rows = [r for r in ctx.forget_rows if row_answer(r)]
        if not rows:
            raise ValueError("no forget train row has an answer")
        return [encode_chat(ctx.tokenizer, prompt_messages(r), row_answer(r), self.cfg.max_length,
                            self.cfg.label_scope) for r in rows]

    def retain_answers(self, ctx: JobContext) -> list[tuple[dict, str]]:
        if self.cfg.retain_targets == "reference":
            pairs = [(r, row_answer(r)) for r in ctx.retain_rows if row_answer(r)]
        else:
            pairs = [(r, a) for r, a in zip(ctx.retain_rows, self_answers(ctx, ctx.retain_rows,
                                                                        self.cfg.retain_gen_max_new_tokens)) if a]
        if not pairs:
            raise ValueError("no retain train rows with a target answer")
        return pairs

    def retain_stream(self, ctx: JobContext) -> list[dict]:
        return [encode_chat(ctx.tokenizer, prompt_messages(r), a, self.cfg.max_length, self.cfg.label_scope)
                for r, a in self.retain_answers(ctx)]

    # --- loss --------------------------------------------------------------------------------------------
    def compute_loss(self, trainer, model, inputs: dict[str, dict[str, torch.Tensor]]
                     ) -> tuple[torch.Tensor, dict[str, float]]:
        """Return (loss to minimise, {component: float} for the training log)."""
        raise NotImplementedError

    # --- after training ----------------------------------------------------------------------------------
    def postprocess(self, model, ctx: JobContext, out_dir: Path):
        """Edit the trained (LoRA-merged) model before it is written; default: nothing."""
        return model

    def artifacts(self) -> dict[str, Path]:
        """Folders to move into the output folder after it is written ({name inside OUT: source})."""
        return {}


def self_answers(ctx: JobContext, rows: list[dict], max_new_tokens: int) -> list[str]:
    """The starting model's greedy answers to `rows` (cached by model, rows and length)."""
    from ..generation import generate_chat

    key = [model_identity(ctx), [(r.get("id"), prompt_messages(r)) for r in rows], max_new_tokens]

    def make() -> list[dict]:
        answers = generate_chat(ctx.model, ctx.tokenizer, [prompt_messages(r) for r in rows],
                                max_new_tokens=max_new_tokens, progress=True)
        return [{"id": r.get("id"), "answer": a} for r, a in zip(rows, answers)]

    cached = cached_rows(ctx, "self-answers", key, make)
    return [c["answer"] for c in cached]


def fwd(model, batch: dict[str, torch.Tensor]):
    return model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits


def optional_path(p: Optional[str]) -> Optional[Path]:
    return Path(p) if p else None
