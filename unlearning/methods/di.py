"""DI: Deliberate Imagination / UNDIAL (Dong et al., arXiv 2402.10052).

Self-distillation towards "imagining" something other than the memorised continuation.
Teacher: a frozen copy of the starting model (with LoRA: the base with the adapter disabled). At each
labelled position t with true next token y_t and teacher logits z_t:
    q_t = softmax(z_t - gamma * onehot(y_t))            (only the memorised token is lowered, by gamma)
Student loss (soft-label CE), mean over labelled forget positions, padding masked (the authors' code
does not mask it; we do):
    L_forget = mean_t [ -sum_v q_t(v) log p_theta(v | x_<t) ]
Optional retain term (open-unlearning adds one; the paper's v1 has none): + retain_weight * CE(retain).

Defaults. Paper: gamma in {3, 10, 30}, 3 default; lr 1e-6 full fine-tune at 125M; LoRA r=8, alpha=16 on
q/v, lr 5e-6 at 1.3B; early stop when general-text perplexity exceeds 1.03x its start.
Here: gamma 3, LoRA r=8/alpha=16/q,v. The paper trains for many epochs; with our budget of ~60 steps
lr 1e-6 barely moves a 135M model, so the default full-fine-tune lr is 1e-5 (LoRA 1e-4), and the
perplexity guard (stop_ppl_ratio 1.03 on retain text, checked every 10 steps) keeps it from going too far.
retain_weight 0 (paper).
"""

from __future__ import annotations

from typing import Optional

from ..config import UnlearnConfig
from ..losses import di_teacher_probs, shift, soft_ce, token_ce
from .base import Method, fwd


class DIConfig(UnlearnConfig):
    method: str = "di"
    learning_rate: float = 1e-5
    lora_learning_rate: float = 1e-4
    gamma: float = 3.0
    retain_weight: float = 0.0
    stop_ppl_ratio: Optional[float] = 1.03


class DI(Method):
    name = "di"
    Config = DIConfig
    needs_reference = True

    def streams(self, ctx):
        s = {"forget": self.forget_stream(ctx)}
        if self.cfg.retain_weight > 0 or self.cfg.stop_ppl_ratio:
            s["retain"] = self.retain_stream(ctx)
        return s

    def compute_loss(self, trainer, model, inputs):
        f = inputs["forget"]
        teacher = trainer.reference_logits(model, f)
        t_lg, targets, mask = shift(teacher, f["labels"])
        q = di_teacher_probs(t_lg, targets, self.cfg.gamma)
        s_lg, _, _ = shift(fwd(model, f), f["labels"])
        loss = soft_ce(s_lg, q, mask)
        comps = {"di_soft_ce": loss.item()}
        if self.cfg.retain_weight > 0:
            r = inputs["retain"]
            r_ce = token_ce(fwd(model, r), r["labels"])
            loss = loss + self.cfg.retain_weight * r_ce
            comps["retain_ce"] = r_ce.item()
        return loss, comps
