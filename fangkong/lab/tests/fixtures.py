"""Screening tests run on a day of the 9th edition (15 July 2022), when pooled screening was
the rule; the 10th edition in force today samples singly."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

NINTH_EDITION_DAY = datetime(2022, 7, 15, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def ninth_edition_day() -> Iterator[None]:
    with time_machine.travel(NINTH_EDITION_DAY, tick=True):
        yield


@pytest.fixture
def shared_database(transactional_db: Any, tmp_path: Any) -> Iterator[None]:
    """A database every thread sees. The SQLite test database lives in memory with a shared
    cache, whose table locks fail at once instead of waiting, unlike a real SQLite file; so
    for this test the in-memory database is copied to a file in WAL mode (the production
    settings) and put back afterwards. PostgreSQL needs nothing."""
    # is_in_memory_db() exists only on the SQLite wrapper; the stubs type the base class.
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():  # type: ignore[attr-defined]
        yield
        return
    connection.ensure_connection()
    memory = connection.connection
    path = str(tmp_path / "threads.sqlite3")
    target = sqlite3.connect(path)
    memory.backup(target)
    target.close()
    original = connection.settings_dict["NAME"]
    connection.connection = None  # detach: closing would destroy the in-memory database
    connection.settings_dict["NAME"] = path  # the dict new threads' connections read
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original
        connection.connection = memory
