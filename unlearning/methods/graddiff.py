"""GradDiff: gradient ascent on the forget set plus ordinary descent on the retain set (baseline).

Loss (minimised): L = -forget_weight * CE(forget) + retain_weight * CE(retain).

Defaults (open-unlearning's GradDiff: gamma=1 on forget, alpha=1 on retain, NLL retain loss), scaled to a
135M model: lr 1e-5 full (LoRA 1e-4), batch 4 per stream, 60 steps. Retain targets: the starting model's
own greedy answers (`retain_targets: self`), see methods/base.py.
"""

from __future__ import annotations

from ..config import UnlearnConfig
from ..losses import token_ce
from .base import Method, fwd


class GradDiffConfig(UnlearnConfig):
    method: str = "graddiff"
    learning_rate: float = 1e-5
    lora_learning_rate: float = 1e-4
    forget_weight: float = 1.0
    retain_weight: float = 1.0


class GradDiff(Method):
    name = "graddiff"
    Config = GradDiffConfig

    def streams(self, ctx):
        return {"forget": self.forget_stream(ctx), "retain": self.retain_stream(ctx)}

    def compute_loss(self, trainer, model, inputs):
        f, r = inputs["forget"], inputs["retain"]
        f_ce = token_ce(fwd(model, f), f["labels"])
        r_ce = token_ce(fwd(model, r), r["labels"])
        loss = -self.cfg.forget_weight * f_ce + self.cfg.retain_weight * r_ce
        return loss, {"forget_ce": f_ce.item(), "retain_ce": r_ce.item()}
