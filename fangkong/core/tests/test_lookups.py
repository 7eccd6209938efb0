"""``sql_in`` on both databases: the values a hot path passes come back exactly, hostile
strings included (on PostgreSQL they travel as one array literal)."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from fangkong.core.lookups import pg_array_literal, sql_in

pytestmark = pytest.mark.django_db

HOSTILE = ["", " ", "a,b", '"', "\\", '\\"', "{x}", "NULL", "null", "中文", "tab\there", "'; --"]


def _matches(values: list[str], probe: list[str]) -> set[str]:
    """Which of ``probe`` are among ``values``, asked through ``sql_in`` over a derived table."""
    condition, params = sql_in("v", values)
    rows = " UNION ALL ".join(["SELECT %s AS v"] * len(probe))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT v FROM ({rows}) t WHERE {condition}", [*probe, *params])  # noqa: S608 (placeholders only)
        return {row[0] for row in cursor.fetchall()}


def test_hostile_strings_are_found_exactly():
    assert _matches(HOSTILE[:6], HOSTILE) == set(HOSTILE[:6])
    assert _matches(["a"], ["a,b", "a", "b"]) == {"a"}


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00")),
        min_size=1,
        max_size=50,  # twice this many parameters stay under SQLite's limit
    )
)
def test_any_strings_come_back_as_sent(values):
    assert _matches(values, values) == set(values)


def test_integers_come_back_as_sent():
    numbers = "SELECT 1 AS id UNION ALL SELECT 2 UNION ALL SELECT 3"
    condition, params = sql_in("id", [1, 3])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM ({numbers}) t WHERE {condition}", params)  # noqa: S608 (placeholders only)
        assert sorted(row[0] for row in cursor.fetchall()) == [1, 3]


def test_the_literal_is_used_only_for_one_kind_of_value():
    code = uuid.uuid4()
    assert pg_array_literal([1, 2]) == "{1,2}"
    assert pg_array_literal([code]) == '{"' + str(code) + '"}'
    assert pg_array_literal(['a"b', "c\\d"]) == '{"a\\"b","c\\\\d"}'
    # Mixed kinds and booleans (an ``int`` subclass) are left to psycopg.
    assert pg_array_literal([1, "1"]) == [1, "1"]
    assert pg_array_literal([True]) == [True]
