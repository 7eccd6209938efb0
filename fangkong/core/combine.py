"""Group commit: concurrent calls in one process answered by one batched call (R37).

A sampling-point write is small (one tube, ten to twenty people) and arrives by the thousand
per second; written one by one, each pays its own round trips, locks and commit. A
:class:`Combiner` lets the request threads of a server process hand their items to whichever
thread is writing: the first caller becomes the *leader*, takes every item waiting (up to
``max_batch``, its own first), runs the batch function once, hands each caller its answer,
and passes the lead to the oldest caller still waiting. Nobody waits for more than the batch
in progress and its own; with no concurrency every batch is one item, so a lone caller pays
nothing extra.

The batch function runs in the leader's thread and must commit before it returns: a caller
is answered only after its item is durable. A caller already inside a transaction is not
combined (its item would commit with that transaction, not with the batch).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from django.db import connection

T = TypeVar("T")
R = TypeVar("R")


class _Slot(Generic[T, R]):
    __slots__ = ("answer", "done", "failure", "item", "lead")

    def __init__(self, item: T) -> None:
        self.item = item
        self.done = threading.Event()
        self.lead = False
        self.answer: R | None = None
        self.failure: BaseException | None = None


class Combiner(Generic[T, R]):
    """Answers ``submit(item)`` through ``handle(items) -> answers`` (one answer per item,
    in order), combining the items of concurrent callers into one call."""

    def __init__(self, handle: Callable[[list[T]], Sequence[R]], *, max_batch: int = 64) -> None:
        self._handle = handle
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._queue: list[_Slot[T, R]] = []
        self._leading = False
        #: Batches run and items answered, for tests and the benchmark's report.
        self.batches = 0
        self.items = 0

    def submit(self, item: T) -> R:
        if connection.in_atomic_block:
            return self._handle([item])[0]
        slot: _Slot[T, R] = _Slot(item)
        with self._lock:
            self._queue.append(slot)
            lead = not self._leading
            self._leading = True
        if not lead:
            slot.done.wait()
            if not slot.lead:
                return self._result(slot)
        self._run()
        return self._result(slot)

    def _run(self) -> None:
        """Lead one batch (the leader's own item is the oldest waiting), then pass the lead."""
        with self._lock:
            batch = self._queue[: self._max_batch]
            del self._queue[: self._max_batch]
        try:
            answers = self._handle([slot.item for slot in batch])
            if len(answers) != len(batch):
                raise RuntimeError("a batch function must answer every item")
            for slot, answer in zip(batch, answers, strict=True):
                slot.answer = answer
        except BaseException as exc:  # every caller of the batch sees the failure
            for slot in batch:
                slot.failure = exc
        self.batches += 1
        self.items += len(batch)
        with self._lock:
            if self._queue:
                successor = self._queue[0]
                successor.lead = True
                successor.done.set()
            else:
                self._leading = False
        for slot in batch[1:]:
            slot.done.set()

    @staticmethod
    def _result(slot: _Slot[T, R]) -> R:
        if slot.failure is not None:
            raise slot.failure
        return slot.answer  # type: ignore[return-value]
