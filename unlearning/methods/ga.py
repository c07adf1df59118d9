"""GA: gradient ascent on the forget set (baseline).

Loss (minimised): L = -CE(forget answer tokens).

Defaults (open-unlearning's TOFU GradAscent settings, scaled to a 135M model and a CPU budget):
lr 1e-5 full fine-tune (LoRA: 1e-4, r=8, alpha=16 on q/v), AdamW, linear decay, batch 4, 60 steps.
GA is unbounded: run long enough and the model stops producing language at all; that is the known
failure mode it is kept for as a baseline.
"""

from __future__ import annotations

from ..config import UnlearnConfig
from ..losses import token_ce
from .base import Method, fwd


class GAConfig(UnlearnConfig):
    method: str = "ga"
    learning_rate: float = 1e-5
    lora_learning_rate: float = 1e-4


class GA(Method):
    name = "ga"
    Config = GAConfig

    def streams(self, ctx):
        return {"forget": self.forget_stream(ctx)}

    def compute_loss(self, trainer, model, inputs):
        f = inputs["forget"]
        ce = token_ce(fwd(model, f), f["labels"])
        return -ce, {"forget_ce": ce.item()}
