"""The one small interface every backend implements; the gateway never knows which one it talks to.

A backend answers a validated request either with a response dict (the OpenAI JSON body) or, when
the request streams, with an async iterator of server-sent-event lines ending in ``data: [DONE]``.
A ``CorruptionPlan`` is present only for prompts the guard flagged: the backend must then answer from
corrupted prompt embeddings (or, for a backend that cannot take embeddings, follow its policy).
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from ecoguard.corruption import CorruptionSpec
from ecoguard.service.chat_completion.protocol import ChatCompletionRequest
from ecoguard.service.completion.protocol import CompletionRequest
from ecoguard.service.protocol import OpenAIError

Answer = dict[str, Any] | AsyncIterator[str]


@dataclass(frozen=True)
class CorruptionPlan:
    """How to corrupt one flagged prompt."""

    spec: CorruptionSpec
    seed: int | None = None  # None: spec.seed, else derived from the prompt's tokens
    flagged_turns: tuple[int, ...] | None = None  # message indices the classifier flagged


class Backend(ABC):
    """What the gateway needs from a model server."""

    name: str
    # The gateway may start the clean request while the guard decides (settings.guard_mode="during_call")
    # and drop it when the prompt is flagged: right for a remote server, where the work runs elsewhere and
    # a dropped request is aborted there; wrong for an in-process model that shares the gateway's cores.
    concurrent_guard: bool = False

    @abstractmethod
    async def chat_completions(self, request: ChatCompletionRequest, plan: CorruptionPlan | None) -> Answer: ...

    @abstractmethod
    async def completions(self, request: CompletionRequest, plans: list[CorruptionPlan | None]) -> Answer:
        """`plans` is aligned with `request.prompts()`: one plan (or None when clean) per prompt."""

    @abstractmethod
    async def check_ready(self) -> None:
        """Raise OpenAIError(503) when the backend cannot serve now."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        return None


def sse(payload: dict[str, Any] | str) -> str:
    data = payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    return f"data: {data}\n\n"


SSE_DONE = "data: [DONE]\n\n"


def sse_error(exc: OpenAIError) -> str:
    return sse(exc.body())
