"""Group commit: concurrent calls in one process answered by one batched call (R37).

A sampling-point write is small (one tube, ten to twenty people) and arrives by the thousand
per second; written one by one, each pays its own round trips, locks and commit. A
:class:`Combiner` lets the request threads of a server process hand their items to whichever
thread is writing: a caller that finds a free lead becomes a *leader* and runs its own item
as a batch; callers that find every lead taken wait in line; a leader that is done hands each
caller of its batch its answer and passes the lead, with the waiting items (up to
``max_batch``, oldest first), to the oldest of them. Nobody waits for more than the batches
in progress and its own; with no concurrency every batch is one item, so a lone caller pays
nothing extra.

``leaders`` batches may run at once: while one waits for its commit (the disk's flush), the
next one's work goes on in the same process.

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
    __slots__ = ("answer", "batch", "done", "failure", "item")

    def __init__(self, item: T) -> None:
        self.item = item
        self.done = threading.Event()
        #: Set when the lead is passed to this caller: the batch it is to run.
        self.batch: list[_Slot[T, R]] | None = None
        self.answer: R | None = None
        self.failure: BaseException | None = None


class Combiner(Generic[T, R]):
    """Answers ``submit(item)`` through ``handle(items) -> answers`` (one answer per item,
    in order), combining the items of concurrent callers into calls, at most ``leaders`` of
    them at a time."""

    def __init__(
        self, handle: Callable[[list[T]], Sequence[R]], *, max_batch: int = 64, leaders: int = 1
    ) -> None:
        if leaders < 1:
            raise ValueError("a combiner needs at least one leader")
        self._handle = handle
        self._max_batch = max_batch
        self._max_leaders = leaders
        self._lock = threading.Lock()
        # Items wait here only while every lead is taken.
        self._queue: list[_Slot[T, R]] = []
        self._leaders = 0
        #: Batches run and items answered, for tests and the benchmark's report.
        self.batches = 0
        self.items = 0

    def submit(self, item: T) -> R:
        if connection.in_atomic_block:
            return self._handle([item])[0]
        slot: _Slot[T, R] = _Slot(item)
        with self._lock:
            if self._leaders < self._max_leaders:
                self._leaders += 1
                batch: list[_Slot[T, R]] | None = [slot]
            else:
                self._queue.append(slot)
                batch = None
        if batch is None:
            slot.done.wait()
            if slot.batch is None:
                return self._result(slot)
            batch = slot.batch
        self._run(batch)
        return self._result(slot)

    def _run(self, batch: list[_Slot[T, R]]) -> None:
        """Run one batch (the leader's own item first), then pass the lead with the next."""
        try:
            answers = self._handle([slot.item for slot in batch])
            if len(answers) != len(batch):
                raise RuntimeError("a batch function must answer every item")
            for slot, answer in zip(batch, answers, strict=True):
                slot.answer = answer
        except BaseException as exc:  # every caller of the batch sees the failure
            for slot in batch:
                slot.failure = exc
        successor: _Slot[T, R] | None = None
        with self._lock:
            self.batches += 1
            self.items += len(batch)
            if self._queue:
                successor = self._queue[0]
                successor.batch = self._queue[: self._max_batch]
                del self._queue[: self._max_batch]
            else:
                self._leaders -= 1
        if successor is not None:
            successor.done.set()
        for slot in batch[1:]:
            slot.done.set()

    @staticmethod
    def _result(slot: _Slot[T, R]) -> R:
        if slot.failure is not None:
            raise slot.failure
        return slot.answer  # type: ignore[return-value]
