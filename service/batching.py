"""Opportunistic micro-batching of guard checks.

Concurrent requests' conversations are scored in one classifier call: a single worker takes
whatever is queued (up to ``max_batch``) each time it is free. A lone request is scored at once
(no waiting window), and under load the encoder runs on batches, which costs far less per
conversation than one call each and keeps the classifier from competing with itself for the cores.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict

from ecoguard.guard import Guard, GuardDecision

Conversation = list[dict[str, str]] | str


class GuardBatcher:
    def __init__(self, max_batch: int = 64):
        self.max_batch = max_batch
        self._queue: asyncio.Queue[tuple[Guard, Conversation, asyncio.Future[GuardDecision]]] | None = None
        self._worker: asyncio.Task | None = None

    async def check(self, guard: Guard, conversation: Conversation) -> GuardDecision:
        if self._worker is None or self._worker.done():
            self._queue = asyncio.Queue()
            self._worker = asyncio.create_task(self._run(), name="ecoguard-guard-batcher")
        future: asyncio.Future[GuardDecision] = asyncio.get_running_loop().create_future()
        assert self._queue is not None
        await self._queue.put((guard, conversation, future))
        return await future

    async def _run(self) -> None:
        assert self._queue is not None
        while True:
            items = [await self._queue.get()]
            while len(items) < self.max_batch and not self._queue.empty():
                items.append(self._queue.get_nowait())
            by_guard: dict[int, list] = defaultdict(list)  # a reload may swap the guard mid-queue
            for item in items:
                by_guard[id(item[0])].append(item)
            for group in by_guard.values():
                guard = group[0][0]
                try:
                    decisions = await asyncio.to_thread(guard.check_batch, [conv for _, conv, _ in group])
                except Exception as exc:  # every waiter sees the failure; the worker lives on
                    for _, _, fut in group:
                        if not fut.done():
                            fut.set_exception(exc)
                    continue
                for (_, _, fut), decision in zip(group, decisions):
                    if not fut.done():
                        fut.set_result(decision)

    async def aclose(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
