"""Paging for list pages and list endpoints: one query per page, whatever its size.

Pages are fetched as ``page_size + 1`` rows so "is there a next page" needs no ``COUNT(*)``
(counting a million rows is what makes other systems' list pages time out).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50


@dataclass(frozen=True)
class Page(Generic[M]):
    items: list[M]
    page: int
    page_size: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def paginate(
    queryset: QuerySet[M], *, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE
) -> Page[M]:
    """Slice ``queryset`` (already ordered) into one page; sizes are clamped to 1..200."""
    page = max(1, page)
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    start = (page - 1) * page_size
    rows = list(queryset[start : start + page_size + 1])
    return Page(
        items=rows[:page_size], page=page, page_size=page_size, has_next=len(rows) > page_size
    )
