"""Seek paging (``core.paging.paginate_seek``): the same pages as the offset walk, by number
or by cursor, ties on the time broken by the id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fangkong.core.models import PeriodicJobState
from fangkong.core.paging import paginate_seek, seek_after, seek_cursor

pytestmark = pytest.mark.django_db

KEYS = ("last_started_at", "id")


@pytest.fixture
def rows() -> list[int]:
    start = datetime(2026, 12, 1, 8, tzinfo=UTC)
    # seven rows, three pairs sharing a time: the id orders them
    made = [
        PeriodicJobState.objects.create(
            job=f"job-{n}", last_started_at=start + timedelta(minutes=n // 2)
        )
        for n in range(7)
    ]
    return [row.pk for row in sorted(made, key=lambda r: (r.last_started_at, r.pk), reverse=True)]


def _ids(page: object) -> list[int]:
    return [row.pk for row in page]  # type: ignore[attr-defined]


def test_pages_by_number_match_the_offset_walk(rows: list[int]) -> None:
    queryset = PeriodicJobState.objects.all()
    for number in range(1, 5):
        page = paginate_seek(queryset, keys=KEYS, page=number, page_size=2)
        assert _ids(page) == rows[(number - 1) * 2 : number * 2]
        assert page.total == 7
        assert page.has_next == (number < 4)
    assert _ids(paginate_seek(queryset, keys=KEYS, page=9, page_size=2)) == []


def test_the_cursor_walks_the_same_pages(rows: list[int]) -> None:
    queryset = PeriodicJobState.objects.all()
    page = paginate_seek(queryset, keys=KEYS, page=1, page_size=3)
    walked = _ids(page)
    number = 1
    while page.has_next:
        number += 1
        page = paginate_seek(queryset, keys=KEYS, page=number, page_size=3, after=page.next_cursor)
        walked += _ids(page)
    assert walked == rows
    assert page.next_cursor == ""


def test_a_cursor_round_trips_and_a_bad_one_pages_by_number(rows: list[int]) -> None:
    moment = datetime(2026, 12, 7, 20, 1, 2, 345678, tzinfo=UTC)
    assert seek_after(seek_cursor(moment, 42)) == (moment, 42)
    for bad in ("", "x", "1.2.3", "1.-2", "-99999999999999999.1", None):
        assert seek_after(bad) is None
    queryset = PeriodicJobState.objects.all()
    page = paginate_seek(queryset, keys=KEYS, page=2, page_size=2, after="not-a-cursor")
    assert _ids(page) == rows[2:4]
