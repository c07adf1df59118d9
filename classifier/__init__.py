"""Forget-prompt classifier: decides whether a conversation falls in the forget scope.

    from ecoguard.classifier import ForgetClassifier, train_classifier
    clf = ForgetClassifier.load("guards/harry_potter/classifier")
    clf.score(messages)    # max forget probability over the conversation's pieces
    clf.predict(messages)  # score > conformal threshold

Heavy imports (torch, scikit-learn) happen on first use, so ``ecoguard --help`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["ForgetClassifier", "train_classifier", "evaluate_classifier", "normalize", "conformal_threshold"]

if TYPE_CHECKING:  # pragma: no cover
    from .conformal import conformal_threshold
    from .model import ForgetClassifier, evaluate_classifier, train_classifier
    from .normalize import normalize


def __getattr__(name: str) -> Any:
    if name in ("ForgetClassifier", "train_classifier", "evaluate_classifier"):
        from . import model

        return getattr(model, name)
    if name == "normalize":
        from .normalize import normalize

        return normalize
    if name == "conformal_threshold":
        from .conformal import conformal_threshold

        return conformal_threshold
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
