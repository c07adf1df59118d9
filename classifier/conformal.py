r"""Split-conformal calibration of the decision threshold.

Setting. Let :math:`s(x)\in[0,1]` be the classifier's forget score of a conversation, fitted on the training
part only. Hold out a calibration set of :math:`n` *retain* conversations :math:`x_1..x_n`, never used
for fitting, and let :math:`s_{(1)} \le \dots \le s_{(n)}` be their sorted scores. For a user-chosen
:math:`\alpha \in (0,1)` put

.. math::  k = \lceil (n+1)(1-\alpha) \rceil, \qquad \hat\tau = s_{(k)}

i.e. :math:`\hat\tau` is the :math:`\lceil (n+1)(1-\alpha)\rceil / n` empirical quantile of the
calibration scores. A conversation is flagged when :math:`s(x) > \hat\tau`.

Guarantee. If a new retain conversation :math:`x_{n+1}` is exchangeable with the calibration ones
(drawn from the same distribution), the rank of :math:`s(x_{n+1})` among the :math:`n+1` scores is
uniform, so

.. math::  P\big(s(x_{n+1}) > \hat\tau\big) \le 1 - \frac{k}{n+1} \le \alpha ,

and, with no ties, :math:`\ge \alpha - 1/(n+1)`: the false-positive rate on fresh retain traffic is at most
:math:`\alpha` in expectation over the calibration draw. The realised FPR of one calibration draw
fluctuates around that (Beta-distributed with parameters :math:`n+1-k` and :math:`k`; its spread shrinks
as :math:`n` grows). Nothing is promised about the false-negative rate: that one is measured.

Too small a set. When :math:`k > n` (that is :math:`n < 1/\alpha - 1`) the quantile is :math:`+\infty` and
the guarantee can only be kept by never flagging. We then fall back to the largest calibration score and
report ``guaranteed = False`` so that the caller can record it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ConformalThreshold:
    threshold: float
    alpha: float
    n: int
    k: int
    guaranteed: bool

    def as_dict(self) -> dict:
        return {"threshold": self.threshold, "alpha": self.alpha, "n": self.n, "k": self.k,
                "guaranteed": self.guaranteed}


def conformal_threshold(retain_scores: np.ndarray, alpha: float = 0.01) -> ConformalThreshold:
    """Threshold = the k-th smallest retain-calibration score, k = ceil((n+1)(1-alpha))."""
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    scores = np.sort(np.asarray(retain_scores, dtype=np.float64).ravel())
    n = int(scores.size)
    if n == 0:
        raise ValueError("conformal calibration needs at least one retain calibration score")
    if not np.all(np.isfinite(scores)):
        raise ValueError("calibration scores must be finite")
    # Rounding guard: (n+1)(1-alpha) computed in floating point may land a hair above an integer.
    k = math.ceil((n + 1) * (1.0 - alpha) - 1e-9)
    guaranteed = k <= n
    k_eff = min(max(k, 1), n)
    return ConformalThreshold(threshold=float(scores[k_eff - 1]), alpha=float(alpha), n=n, k=k,
                              guaranteed=guaranteed)


def min_calibration_size(alpha: float) -> int:
    """Smallest n for which the conformal quantile is finite: ceil((n+1)(1-alpha)) <= n."""
    n = 1
    while math.ceil((n + 1) * (1.0 - alpha) - 1e-9) > n:
        n += 1
    return n
