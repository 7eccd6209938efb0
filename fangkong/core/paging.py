"""Paging for list pages and list endpoints: one query per page, whatever its size.

Pages are fetched as ``page_size + 1`` rows so "is there a next page" needs no ``COUNT(*)``
(counting a million rows is what makes other systems' list pages time out). Every list still
says how many rows it has: a second query counts them up to ``COUNT_CAP`` (a count over a
``LIMIT``ed subquery, so its cost is bounded too) and a larger list reads "more than 10,000".
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Generic, TypeVar

from django.db.models import Model, Q, QuerySet, Subquery

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
    #: Where the next page starts, for a list paged by :func:`paginate_seek` (the last row's
    #: keys; empty on the last page and for other lists). Pass it back as ``after``.
    next_cursor: str = ""

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
            next_cursor=self.next_cursor,
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


# --- seek paging: deep pages of a list ordered newest first by (time, id) -------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CURSOR = re.compile(r"^(-?\d{1,17})\.(\d{1,18})$")


def seek_cursor(moment: datetime, pk: int) -> str:
    """The cursor of a row keyed ``(moment, pk)``: microseconds since the epoch and the id,
    ``"1765100000000000.42"`` (no personal data; safe in a URL)."""
    return f"{(moment - _EPOCH) // timedelta(microseconds=1)}.{pk}"


def seek_after(cursor: str | None) -> tuple[datetime, int] | None:
    """The keys a cursor names, or ``None`` for no cursor or one that does not parse (the
    list then pages by number, never an error)."""
    match = _CURSOR.match(cursor or "")
    if not match:
        return None
    try:
        return _EPOCH + timedelta(microseconds=int(match[1])), int(match[2])
    except OverflowError:
        return None


def paginate_seek(
    queryset: QuerySet[M],
    *,
    keys: tuple[str, str],
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
    after: str | None = None,
) -> Page[M]:
    """:func:`paginate` for a list ordered newest first by ``keys`` (a time, then the id) over
    an index in that order: the same page numbers, sizes and bounded total, and one query per
    page whatever its depth, but a deep page does not fetch and throw away every row before
    it with its joins.

    - With ``after`` (the previous page's ``next_cursor``) the page starts right below that
      row: a seek on the index (keyset paging), as deep pages cost as much as the first.
    - Without it, page *n* starts at the row the index puts at position
      ``(n - 1) × page_size``: a subquery walks the index and the scope's join for the keys
      alone, then the page is read from there (a seek-based offset).

    ``next_cursor`` of the answer is the last row's keys when another page follows.
    """
    page = max(1, page)
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    first, second = keys
    ordered = queryset.order_by(f"-{first}", f"-{second}")
    start = (page - 1) * page_size
    keyset = seek_after(after)
    if keyset is not None and page > 1:
        moment, pk = keyset
        rows_from = ordered.filter(
            Q(**{f"{first}__lte": moment})
            & (Q(**{f"{first}__lt": moment}) | Q(**{f"{second}__lt": pk}))
        )
    elif start:
        moment_at = Subquery(ordered.values(first)[start : start + 1])
        pk_at = Subquery(ordered.values(second)[start : start + 1])
        rows_from = ordered.filter(
            Q(**{f"{first}__lte": moment_at})
            & (Q(**{f"{first}__lt": moment_at}) | Q(**{f"{second}__lte": pk_at}))
        )
    else:
        rows_from = ordered
    rows = list(rows_from[: page_size + 1])
    has_next = len(rows) > page_size
    total = list_total(queryset, start=start, rows=len(rows), has_next=has_next)
    items = rows[:page_size]
    last = items[-1] if items else None
    return Page(
        items=items,
        page=page,
        page_size=page_size,
        has_next=has_next,
        total=min(total, COUNT_CAP),
        total_capped=total > COUNT_CAP,
        next_cursor=seek_cursor(getattr(last, first), getattr(last, second))
        if has_next and last is not None
        else "",
    )
