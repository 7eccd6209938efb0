"""Escalating overdue rows: the one shape of every periodic escalation job (R33: the command
centre's overdue directives and inspection findings; the residents' overdue requests).

A job picks its overdue rows in batches (one row, or every row of one node), and for each
batch, in a transaction of its own:

1. *claims* the rows with a conditional ``UPDATE`` whose filter says "still due for
   escalation" (``escalated_at`` empty, or last escalated a step ago), so a second run, or
   one running at the same time on another worker, escalates nothing twice;
2. *records* what the claimed rows need — history rows, the audit row, notices — in the same
   transaction, so an escalation is never half written.

The job returns how many rows were escalated (the periodic schedule logs it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Model, QuerySet

T = TypeVar("T")
M = TypeVar("M", bound=Model)


def escalate_overdue(
    batches: Iterable[T],
    *,
    claim: Callable[[T], list[int]],
    record: Callable[[T, list[int]], None],
) -> int:
    """Escalate each batch in its own transaction: ``claim(batch)`` returns the ids of the rows
    this run won (none: nothing is recorded), ``record(batch, ids)`` writes their history,
    audit and notices. Returns the number of rows escalated."""
    escalated = 0
    for batch in batches:
        with transaction.atomic():
            claimed = claim(batch)
            if not claimed:
                continue
            record(batch, claimed)
        escalated += len(claimed)
    return escalated


def claim_row(due: QuerySet[M], pk: int, **values: Any) -> list[int]:
    """Claim row ``pk`` of ``due`` (a queryset whose filter says it is still due) by setting
    ``values``: ``[pk]`` when this run changed it, ``[]`` when another run had already."""
    return [pk] if due.filter(pk=pk).update(**values) == 1 else []
