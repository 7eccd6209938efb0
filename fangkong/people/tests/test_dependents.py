"""The couplings to ``people``'s tables that no import shows are the ones
:mod:`fangkong.people.dependents` declares: the triggers on ``people_person`` in the migrated
database, and the modules of other apps whose SQL names a ``people`` table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection

from fangkong.people.dependents import PERSON_TRIGGERS, RAW_SQL_READERS

ROOT = Path(__file__).resolve().parents[3]


def _person_triggers() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger "
                "WHERE tgrelid = 'people_person'::regclass AND NOT tgisinternal"
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                ["people_person"],
            )
        return {str(name) for (name,) in cursor.fetchall()}


@pytest.mark.django_db
def test_every_trigger_other_apps_put_on_people_person_is_declared():
    others = {name for name in _person_triggers() if not name.startswith("people_")}
    assert others == set(PERSON_TRIGGERS)


def test_every_module_outside_people_whose_sql_names_a_people_table_is_declared():
    tables = sorted(
        (model._meta.db_table for model in apps.get_app_config("people").get_models()),
        key=len,
        reverse=True,
    )
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, tables)) + r")\b")
    readers = set()
    for path in sorted((ROOT / "fangkong").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        parts = path.relative_to(ROOT).parts
        if parts[1] == "people" or "tests" in parts or "migrations" in parts:
            continue
        if pattern.search(path.read_text(encoding="utf-8")):
            readers.add(relative)
    assert readers == set(RAW_SQL_READERS)
