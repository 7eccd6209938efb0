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


def test_ids_in_takes_any_number_of_ids_as_one_parameter(tree):
    from fangkong.regions.models import Region

    ids = [tree["city"].id, tree["grid_a1"].id, tree["district_b"].id]
    assert set(Region.objects.filter(id__ids_in=ids).values_list("id", flat=True)) == set(ids)
    assert not Region.objects.filter(id__ids_in=[]).exists()
    # more values than either database takes as parameters
    many = [*range(-70_000, 0), *ids]
    assert Region.objects.filter(pk__ids_in=many).count() == len(ids)
    with pytest.raises((TypeError, ValueError)):
        list(Region.objects.filter(id__ids_in=["1; DROP TABLE x"]))
