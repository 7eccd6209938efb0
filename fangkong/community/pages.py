"""What the community pages share: the page number a list was asked for."""

from __future__ import annotations

from django.http import HttpRequest

#: The highest page number a list link may ask for.
PAGE_MAX = 100_000


def page_asked(request: HttpRequest) -> int:
    """``?page=`` as a number from 1 to :data:`PAGE_MAX` (1 when missing or not a number)."""
    try:
        number = int(request.GET.get("page") or 1)
    except ValueError:
        return 1
    return max(1, min(number, PAGE_MAX))
