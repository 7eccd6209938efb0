"""Picture tests run on a day of the 9th edition (15 July 2022), as the case tests do: pooled
screening and the "2+4+24" timers were the rule."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import time_machine

from fangkong.lab.tests.fixtures import NINTH_EDITION_DAY


@pytest.fixture(autouse=True)
def ninth_edition_day() -> Iterator[None]:
    with time_machine.travel(NINTH_EDITION_DAY, tick=True):
        yield
