"""Loss pieces shared by the methods. All are token means over the positions where `labels != -100`
(after the causal shift: logits at t predict labels at t+1), so padding never contributes."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

IGNORE = -100


def shift(logits: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(logits[:, :-1], labels[:, 1:], mask) with mask = labels != -100."""
    lg = logits[:, :-1, :]
    lb = labels[:, 1:]
    return lg, lb, lb.ne(IGNORE)


def masked_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    mask = mask.to(values.dtype)
    return (values * mask).sum() / mask.sum().clamp_min(1.0)


def token_ce(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean next-token cross-entropy over labelled positions (the usual LM loss)."""
    lg, lb, _ = shift(logits, labels)
    return F.cross_entropy(lg.float().reshape(-1, lg.size(-1)), lb.reshape(-1), ignore_index=IGNORE)


def kl_div(p_logits: torch.Tensor, q_logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean over labelled positions of KL(p || q) = sum_v p (log p - log q)."""
    p_lg, _, mask = shift(p_logits, labels)
    q_lg, _, _ = shift(q_logits, labels)
    logp = F.log_softmax(p_lg.float(), -1)
    logq = F.log_softmax(q_lg.float(), -1)
    kl = (logp.exp() * (logp - logq)).sum(-1)
    return masked_mean(kl, mask)


def kl_to_uniform(logits: torch.Tensor, labels: torch.Tensor, direction: str = "p_u") -> torch.Tensor:
    """EU's forget loss, mean over labelled positions.

    direction "p_u": KL(p || U) = log V - H(p)   (bounded in [0, log V]; the paper's form; default)
    direction "u_p": KL(U || p) = -log V - mean_v log p(v)   (unbounded; a third-party re-implementation)
    """
    lg, _, mask = shift(logits, labels)
    logp = F.log_softmax(lg.float(), -1)
    V = logp.size(-1)
    if direction == "p_u":
        per = math.log(V) + (logp.exp() * logp).sum(-1)
    elif direction == "u_p":
        per = -math.log(V) - logp.mean(-1)
    else:
        raise ValueError(f"direction must be 'p_u' or 'u_p', not {direction!r}")
    return masked_mean(per, mask)


def di_teacher_probs(teacher_logits: torch.Tensor, targets: torch.Tensor, gamma: float) -> torch.Tensor:
    """DI/UNDIAL teacher distribution q = softmax(z - gamma * onehot(y)).

    teacher_logits [..., V]; targets [...] (entries < 0, i.e. ignored positions, are left unchanged)."""
    z = teacher_logits.float()
    valid = targets.ge(0)
    onehot = F.one_hot(targets.clamp_min(0), z.size(-1)).to(z.dtype) * valid.unsqueeze(-1).to(z.dtype)
    return F.softmax(z - gamma * onehot, dim=-1)


def soft_ce(logits: torch.Tensor, target_probs: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean over masked positions of -sum_v q(v) log p(v); logits/target_probs already aligned [B, T, V]."""
    logp = F.log_softmax(logits.float(), -1)
    per = -(target_probs * logp).sum(-1)
    return masked_mean(per, mask)


def sequence_nll(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Per-sequence mean NLL over labelled positions, shape [B]."""
    lg, lb, mask = shift(logits, labels)
    nll = F.cross_entropy(lg.float().transpose(1, 2), lb.clamp_min(0), reduction="none")
    m = mask.float()
    return (nll * m).sum(1) / m.sum(1).clamp_min(1.0)
