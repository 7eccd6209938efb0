"""Fixtures of the risk-area tests: a clock set on a day of the chosen edition."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

SHANGHAI = ZoneInfo("Asia/Shanghai")

#: A day well inside each national edition (effective dates in fangkong/policy/editions).
EDITION_DAYS = {
    "nhc-8": date(2022, 3, 1),
    "nhc-9": date(2022, 7, 15),
    "measures-20": date(2022, 11, 20),
    "measures-new-10": date(2022, 12, 15),
    "nhc-10": date(2023, 2, 1),
}


class Clock:
    """The test's clock: ``day(n)`` is day n after day 0 at 10:00 in Shanghai."""

    def __init__(self, traveller: Any, day0: date) -> None:
        self.traveller = traveller
        self.day0 = day0

    def on(self, n: int) -> date:
        return self.day0 + timedelta(days=n)

    def at(self, n: int, hour: int = 10) -> datetime:
        return datetime.combine(self.on(n), datetime.min.time(), tzinfo=SHANGHAI).replace(hour=hour)

    def day(self, n: int) -> date:
        self.traveller.move_to(self.at(n))
        return self.on(n)


@pytest.fixture
def clock() -> Iterator[Callable[[str], Clock]]:
    """``clock("nhc-9")`` → a clock stopped at 10:00 on a day of that edition (day 0)."""
    travellers: list[Any] = []

    def make(edition: str) -> Clock:
        day0 = EDITION_DAYS[edition]
        traveller = time_machine.travel(
            datetime.combine(day0, datetime.min.time(), tzinfo=SHANGHAI).replace(hour=10),
            tick=False,
        )
        travellers.append(traveller)
        return Clock(traveller.start(), day0)

    yield make
    for traveller in reversed(travellers):
        traveller.stop()
