"""One module per unlearning method; each is essentially its loss (see methods/base.py)."""

from __future__ import annotations

from .base import JobContext, Method
from .di import DI
from .eu import EU
from .ga import GA
from .graddiff import GradDiff
from .sku import SKU

METHODS: dict[str, type[Method]] = {m.name: m for m in (SKU, DI, EU, GA, GradDiff)}


def get_method(name: str) -> type[Method]:
    try:
        return METHODS[name]
    except KeyError:
        raise KeyError(f"unknown method {name!r}; known: {sorted(METHODS)}") from None


__all__ = ["METHODS", "get_method", "Method", "JobContext"]
