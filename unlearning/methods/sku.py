"""SKU: Selective Knowledge negation Unlearning (Liu et al., Findings ACL 2024, arXiv 2402.10058).

Stage 1 (harmful-knowledge acquisition) fine-tunes a copy theta_h of theta_0, minimising
    L = e1 * L_GD + e2 * L_RD + e3 * L_PD
  L_GD  guided distortion: CE on the answer tokens of the forget pairs;
  L_RD  random disassociation: CE of each forget question paired with K random answers drawn from the
        whole forget pool (other rows' answers; K=5);
  L_PD  preservation divergence: -KL(p_theta0 || p_theta) on retain text, theta_0 frozen (with LoRA the
        base model with the adapter disabled is theta_0, so no copy is held). Minimising it pushes the
        harmful copy *away* from the original on normal data, so that the negation leaves normal
        behaviour alone. It is unbounded below; `pd_max_kl` (off by default) caps it.
Stage 2 (negation), over every floating-point tensor, LoRA merged first:
    tau = theta_h - theta_0;  theta_SKU = theta_0 - lambda * tau,  lambda = 1.
    Computed in float64 and rounded once to the tensor's dtype.
The stage-1 model is kept as an artifact: OUT/stage1 (an HF folder like OUT itself).

Defaults. Paper / authors' README: e = (2.5, 2.5, 1) (code defaults 0.5, 1, 1), K = 5, AdamW, linear
decay, 1000 steps, batch 2, lr 2e-4, LoRA r=32 alpha=16 on q/v for 7B models, lambda = 1.
Here (135M, CPU budget): same e, K, lambda and LoRA shape (r=32, alpha=16, lr 2e-4) when --lora; a full
fine-tune uses lr 2e-5; 60 steps of batch 4 per stream instead of 1000 x 2.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Optional

import torch

from ..config import UnlearnConfig
from ..data import encode_chat, prompt_messages, random_answer_pairs, row_answer
from ..losses import kl_div, token_ce
from .base import Method, fwd


class SKUConfig(UnlearnConfig):
    method: str = "sku"
    learning_rate: float = 2e-5
    lora_learning_rate: float = 2e-4
    lora_r: int = 32
    lora_alpha: int = 16
    e1: float = 2.5   # guided distortion
    e2: float = 2.5   # random disassociation
    e3: float = 1.0   # preservation divergence
    k_random: int = 5
    negation_lambda: float = 1.0
    pd_max_kl: Optional[float] = None


def negate_state_dict(theta0: dict[str, torch.Tensor], theta_h: dict[str, torch.Tensor],
                      lam: float) -> dict[str, torch.Tensor]:
    """theta_0 - lam * (theta_h - theta_0) for every float tensor (float64 math, one rounding);
    other tensors (int buffers) are taken from theta_0 unchanged."""
    missing = set(theta0) ^ set(theta_h)
    if missing:
        raise KeyError(f"state dicts differ in keys: {sorted(missing)[:5]}")
    out = {}
    for k, v0 in theta0.items():
        vh = theta_h[k]
        if torch.is_floating_point(v0):
            a, b = v0.detach().double(), vh.detach().to(v0.device).double()
            out[k] = (a - lam * (b - a)).to(v0.dtype)
        else:
            out[k] = v0.detach().clone()
    return out


class SKU(Method):
    name = "sku"
    Config = SKUConfig
    needs_reference = True

    def streams(self, ctx):
        cfg = self.cfg
        pairs = random_answer_pairs([r for r in ctx.forget_rows if row_answer(r)], cfg.k_random, cfg.seed)
        if not pairs:
            raise ValueError("SKU needs at least two forget rows with answers")
        random_stream = [encode_chat(ctx.tokenizer, prompt_messages(r), a, cfg.max_length, cfg.label_scope)
                         for r, a in pairs]
        return {"forget": self.forget_stream(ctx), "random": random_stream, "retain": self.retain_stream(ctx)}

    def compute_loss(self, trainer, model, inputs):
        cfg = self.cfg
        f, rd, r = inputs["forget"], inputs["random"], inputs["retain"]
        l_gd = token_ce(fwd(model, f), f["labels"])
        l_rd = token_ce(fwd(model, rd), rd["labels"])
        ref_logits = trainer.reference_logits(model, r)
        kl = kl_div(ref_logits, fwd(model, r), r["labels"])
        kl_term = kl if cfg.pd_max_kl is None else torch.clamp(kl, max=cfg.pd_max_kl)
        l_pd = -kl_term
        loss = cfg.e1 * l_gd + cfg.e2 * l_rd + cfg.e3 * l_pd
        return loss, {"gd_ce": l_gd.item(), "rd_ce": l_rd.item(), "pd_kl": kl.item()}

    def postprocess(self, model, ctx, out_dir: Path):
        from ecoguard.models import load_model, save_pretrained_atomic

        self._stage1 = ctx.work_dir / "stage1"
        save_pretrained_atomic(model, ctx.tokenizer, self._stage1,
                               extra_files={"README.md": "SKU stage 1 (harmful copy theta_h); not for serving.\n"})
        theta0 = load_model(ctx.model_path)
        sd0 = theta0.state_dict()
        sdh = model.state_dict()
        new = negate_state_dict(sd0, sdh, self.cfg.negation_lambda)
        tau_sq = sum(float(((sdh[k].double() - sd0[k].double()) ** 2).sum()) for k in sd0
                     if torch.is_floating_point(sd0[k]))
        ctx.extra["sku_tau_l2"] = math.sqrt(tau_sq)
        theta0.load_state_dict(new)
        del model
        return theta0

    def artifacts(self):
        return {"stage1": self._stage1} if getattr(self, "_stage1", None) else {}
