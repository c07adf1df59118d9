"""EU: Exclusive Unlearning (Sasaki et al., arXiv 2604.06154).

Forget everything except what must be kept:
    L = lambda * L_forget + (1 - lambda) * L_retain,   lambda = 0.6 (paper's best; flat in [0.2, 0.8])
L_forget on text the model itself generated, with its own chat template, from a diverse prompt set
(unlearning/eu_prompts.py, 160 prompts in 16 categories), averaged over the generated (response)
positions (`label_scope: all` also includes the prompt positions):
    kl_direction "p_u" (default, the paper's bounded form):  KL(p || U) = log V - H(p)  in [0, log V]
    kl_direction "u_p" (option, a third-party re-implementation, unbounded): KL(U || p)
L_retain: CE on instructions of the domain to keep. Default domain: the project's general-knowledge retain
data (--retain); `retain_domain_file` points to another JSONL file of the same schema. Retain targets
follow `retain_targets` (default: the starting model's own greedy answers).

Self-generated set (not published in the paper; our choices): every prompt of eu_prompts.py plus, by
default, the forget train questions (`include_forget_questions`; set it false for the pure,
target-agnostic method; `max_forget_prompts` caps how many), `samples_per_prompt` = 1, temperature 0.8,
top-p 0.95, 64 new tokens, seeded, cached in the cache dir. `prompt_categories` selects categories of
eu_prompts.py (None: all, []: none).

Defaults for 135M: lr 2e-5 full fine-tune (LoRA 2e-4, r=8/alpha=16/q,v), batch 4 per stream, 60 steps.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Optional

from ..config import UnlearnConfig
from ..data import encode_chat, prompt_messages, read_jsonl, split_rows
from ..eu_prompts import all_prompts
from ..losses import kl_to_uniform, token_ce
from .base import JobContext, Method, cached_rows, fwd, model_identity


class EUConfig(UnlearnConfig):
    method: str = "eu"
    learning_rate: float = 2e-5
    lora_learning_rate: float = 2e-4
    lam: float = 0.6
    kl_direction: Literal["p_u", "u_p"] = "p_u"
    prompt_categories: Optional[list[str]] = None
    include_forget_questions: bool = True
    max_forget_prompts: Optional[int] = None   # use only the first N forget train questions as prompts
    samples_per_prompt: int = 1
    gen_max_new_tokens: int = 64
    gen_temperature: float = 0.8
    gen_top_p: float = 0.95
    retain_domain_file: Optional[str] = None


def eu_conversations(cfg: EUConfig, forget_rows: list[dict]) -> list[list[dict]]:
    convs = [[{"role": "user", "content": p}] for _, p in all_prompts(cfg.prompt_categories)]
    if cfg.include_forget_questions:
        convs += [prompt_messages(r) for r in forget_rows[: cfg.max_forget_prompts]]
    return [c for c in convs for _ in range(cfg.samples_per_prompt)]


def self_generated(ctx: JobContext, cfg: EUConfig) -> list[dict]:
    from ..generation import generate_chat

    convs = eu_conversations(cfg, ctx.forget_rows)
    key = [model_identity(ctx), convs, cfg.gen_max_new_tokens, cfg.gen_temperature, cfg.gen_top_p, cfg.seed]

    def make():
        texts = generate_chat(ctx.model, ctx.tokenizer, convs, max_new_tokens=cfg.gen_max_new_tokens,
                              do_sample=True, temperature=cfg.gen_temperature, top_p=cfg.gen_top_p,
                              seed=cfg.seed, progress=True)
        return [{"messages": c, "answer": t} for c, t in zip(convs, texts)]

    return cached_rows(ctx, "eu-generated", key, make)


class EU(Method):
    name = "eu"
    Config = EUConfig

    def streams(self, ctx):
        cfg = self.cfg
        gen = [g for g in self_generated(ctx, cfg) if g["answer"].strip()]
        forget = [encode_chat(ctx.tokenizer, g["messages"], g["answer"], cfg.max_length, cfg.label_scope)
                  for g in gen]
        if cfg.retain_domain_file:
            rows = split_rows(read_jsonl(Path(cfg.retain_domain_file)), cfg.split)
            ctx = JobContext(**{**ctx.__dict__, "retain_rows": rows})
        return {"forget": forget, "retain": self.retain_stream(ctx)}

    def compute_loss(self, trainer, model, inputs):
        cfg = self.cfg
        f, r = inputs["forget"], inputs["retain"]
        l_f = kl_to_uniform(fwd(model, f), f["labels"], cfg.kl_direction)
        l_r = token_ce(fwd(model, r), r["labels"])
        loss = cfg.lam * l_f + (1 - cfg.lam) * l_r
        return loss, {"forget_kl_uniform": l_f.item(), "retain_ce": l_r.item()}
