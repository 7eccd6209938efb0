"""Screening tests run on a day of the 9th edition (15 July 2022), when pooled screening was
the rule; the 10th edition in force today samples singly."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

NINTH_EDITION_DAY = datetime(2022, 7, 15, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def ninth_edition_day() -> Iterator[None]:
    with time_machine.travel(NINTH_EDITION_DAY, tick=True):
        yield
