"""Paging for list pages and list endpoints: one query per page, whatever its size.

Pages are fetched as ``page_size + 1`` rows so "is there a next page" needs no ``COUNT(*)``
(counting a million rows is what makes other systems' list pages time out). Every list still
says how many rows it has: a second query counts them up to ``COUNT_CAP`` (a count over a
``LIMIT``ed subquery, so its cost is bounded too) and a larger list reads "more than 10,000".
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)
T = TypeVar("T")
U = TypeVar("U")

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50
#: Lists are counted exactly up to this many rows; above it the total reads "more than".
COUNT_CAP = 10_000


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    page: int
    page_size: int
    has_next: bool
    #: Rows in the whole list, counted up to ``COUNT_CAP``; ``total_capped`` when there are
    #: more (the list then has at least ``total`` rows).
    total: int = 0
    total_capped: bool = False

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def with_items(self, items: list[U]) -> Page[U]:
        """The same page (number, size, total) holding ``items`` made from its rows."""
        return Page(
            items=items,
            page=self.page,
            page_size=self.page_size,
            has_next=self.has_next,
            total=self.total,
            total_capped=self.total_capped,
        )


def paginate(
    queryset: QuerySet[M], *, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE
) -> Page[M]:
    """Slice ``queryset`` (already ordered) into one page; sizes are clamped to 1..200."""
    page = max(1, page)
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    start = (page - 1) * page_size
    rows = list(queryset[start : start + page_size + 1])
    has_next = len(rows) > page_size
    total = list_total(queryset, start=start, rows=len(rows), has_next=has_next)
    return Page(
        items=rows[:page_size],
        page=page,
        page_size=page_size,
        has_next=has_next,
        total=min(total, COUNT_CAP),
        total_capped=total > COUNT_CAP,
    )


def list_total(queryset: QuerySet[M], *, start: int, rows: int, has_next: bool) -> int:
    """How many rows ``queryset`` has, up to ``COUNT_CAP + 1``: one bounded query, asked
    even when the page shows the whole list, so a list page runs the same queries whatever
    its size (tests compare them)."""
    del start, rows, has_next
    return int(queryset.order_by()[: COUNT_CAP + 1].count())


def paginate_list(
    rows: Sequence[T], *, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE
) -> Page[T]:
    """:func:`paginate` for a list already in memory (a report computed whole): the same
    clamping, the total exact up to ``COUNT_CAP`` and capped above it like a counted one."""
    page = max(1, page)
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    start = (page - 1) * page_size
    total = len(rows)
    return Page(
        items=list(rows[start : start + page_size]),
        page=page,
        page_size=page_size,
        has_next=total > start + page_size,
        total=min(total, COUNT_CAP),
        total_capped=total > COUNT_CAP,
    )
