"""Schemathesis against our own OpenAPI document, as every role: no input, however hostile,
gets a 5xx.

Every operation is exercised with generated data (valid and invalid) by an actor of each
role in district A, through the WSGI app in process, on the test database (SQLite or
PostgreSQL, whichever the run uses: CI runs both) with a small tree in place. Dates and
times are drawn from the whole range Python can hold (year 1 to 9999, with and without an
offset) and strings are now and then replaced by hostile ones (direction controls, NUL,
control characters, lone surrogates, 10,000 characters, formulas, markup, paths), so the
extremes are tried on every field and not only the valid middle.

Marked slow: it makes some thousands of requests (a few minutes per database).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
import schemathesis
import time_machine
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok

from config.wsgi import application
from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make, token_make
from fangkong.api import api

NINTH_EDITION_DAY = datetime(2022, 7, 15, 9, 0, tzinfo=timezone(timedelta(hours=8)))

#: Examples per operation and role (``FANGKONG_SCHEMA_EXAMPLES`` for a longer hunt). 70
#: operations × 12 roles × this is the run's size: about 1.5 minutes per database with two
#: workers at 12.
MAX_EXAMPLES = int(os.environ.get("FANGKONG_SCHEMA_EXAMPLES", "12"))

#: Times at and beyond the edges, and around the API's own bounds (core.times).
EXTREME_DATETIMES = [
    "0001-01-01T00:00:00+05:00",
    "0001-01-01T00:00:00",
    "9999-12-31T23:59:59-05:00",
    "9999-12-31T23:59:59.999999",
    "1970-01-01T00:00:00Z",
    "2019-11-30T23:59:59+08:00",
    "2019-12-01T00:00:00+08:00",
    "2022-07-15T09:00:00+08:00",
    "2022-07-15T09:00:00",
    "2099-01-01T00:00:00+14:00",
]
EXTREME_DATES = ["0001-01-01", "9999-12-31", "1970-01-01", "2019-11-30", "2022-02-28"]
OFFSETS = [
    None,
    UTC,
    timezone(timedelta(hours=14)),
    timezone(timedelta(hours=-12)),
    timezone(timedelta(hours=5, minutes=45)),
]

datetimes = st.one_of(
    st.sampled_from(EXTREME_DATETIMES),
    st.datetimes(
        min_value=datetime(1, 1, 1),
        max_value=datetime(9999, 12, 31),
        timezones=st.sampled_from(OFFSETS),
    ).map(lambda moment: moment.isoformat()),
)
times = st.one_of(
    st.sampled_from(["00:00:00", "23:59:59.999999", "09:00:00+08:00", "09:00:00Z", "24:00:00"]),
    st.times(timezones=st.sampled_from(OFFSETS)).map(lambda moment: moment.isoformat()),
)
dates = st.one_of(
    st.sampled_from(EXTREME_DATES),
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(date.isoformat),
)

#: Strings any text field may be sent (issue 17 items 8-9 and security-reference c6).
HOSTILE_STRINGS = [
    "txt\u202eexe.doc",
    "a\u2066b\u2069",
    "a\x00b",
    "a\x07\x1b[31mb",
    "x" * 10_000,
    "=cmd|' /C calc'!A0",
    "<script>alert(1)</script>",
    "' OR '1'='1",
    "../../etc/passwd",
    "a/b",
    " ",
    "",
    "１２３",
    "\u3000张三\u200b",
    "99999999999999999999999999",
    "-1",
    "0001-01-01T00:00:00",
]


@pytest.fixture
def keep_connection() -> Iterator[None]:
    """Requests through the WSGI app close stale connections when they finish; inside a test
    transaction that would close the test's own connection (Django's test client does the same
    disconnection)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(tree: Any) -> Iterator[dict[str, Any]]:
    """Real objects for the run to aim at, on a day of the 9th edition (when area rounds and
    pooled tubes were the rule): a round over district A with its point, lab, sampler and
    technician, residents in households, one bound tube. Generated requests are now and then
    given their codes (see :func:`_aim`), so they reach the services and not only the 404 of
    an unknown code."""
    from fangkong.lab.sampling.services import MemberInput, TubeInput, tube_bind
    from fangkong.lab.tests.factories import screening_make

    with time_machine.travel(NINTH_EDITION_DAY, tick=True):
        s = screening_make(tree, residents=12)
        tube_bind(
            actor=s.sampler,
            screening_round=s.round,
            point=s.point,
            data=TubeInput(barcode="T0001", members=[MemberInput(id_number=s.ids[0])]),
        )
        yield {
            "screening": s,
            "path": {
                "rounds": str(s.round.code),
                "points": str(s.point.code),
                "labs": str(s.lab.code),
                "people": str(s.people[1].code),
                "persons": str(s.people[1].code),
                "households": str(s.households[0].code),
                "regions": tree["grid_a1"].code,
                "rule-sets": "nhc-9",
                "barcode": "T0001",
                "username": s.sampler.username,
                "person": str(s.people[1].code),
            },
            "body": {
                "round": str(s.round.code),
                "point": str(s.point.code),
                "lab": str(s.lab.code),
                "person": str(s.people[2].code),
                "region_code": tree["grid_a1"].code,
                "parent_code": tree["community_a"].code,
                "region": tree["district_a"].code,
                "household_code": str(s.households[1].code),
                "username": s.technician.username,
                "package": "P0001",
            },
            "ids": s.ids[3:],
        }


def _aim(case: Any, data: st.DataObject, world: dict[str, Any]) -> None:
    """Now and then, the codes of real objects in the path and the body, and registered
    identity numbers for a tube's members."""
    if data.draw(st.integers(0, 3), label="aim") == 0:  # three times in four
        return
    parts = case.operation.path.strip("/").split("/")
    for name in list(case.path_parameters or {}):
        before = parts[parts.index("{" + name + "}") - 1] if "{" + name + "}" in parts else ""
        value = world["path"].get(name) or world["path"].get(before)
        if value is not None:
            case.path_parameters[name] = value
    if isinstance(case.body, dict):
        for key, value in world["body"].items():
            if key in case.body:
                case.body[key] = value
        members = case.body.get("members")
        if isinstance(members, list):
            for index, member in enumerate(members[: len(world["ids"])]):
                if isinstance(member, dict):
                    member["id_number"] = world["ids"][index]


def _router_operations() -> int:
    """The number of operations counted from the routers themselves (each path operation's
    methods), independently of the OpenAPI document schemathesis reads."""
    count = 0
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                if operation.include_in_schema:
                    count += len(operation.methods)
    return count


def _schema() -> Any:
    schemathesis.openapi.format("date-time", datetimes)
    schemathesis.openapi.format("date", dates)
    schemathesis.openapi.format("time", times)
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


def _operations(schema: Any) -> list[Any]:
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operations.append(result.ok())
    return operations


@pytest.mark.django_db
@pytest.mark.usefixtures("keep_connection")
def test_the_document_lists_every_operation_of_the_routers():
    """The schema run covers what the routers serve: every operation is in the document."""
    assert len(_operations(_schema())) == _router_operations() > 60


def _paths(value: Any, where: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths to the string leaves of a generated JSON value."""
    if isinstance(value, str):
        return [where]
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in _paths(item, (*where, key))]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in _paths(item, (*where, index))]
    return []


def _put(value: Any, where: tuple[Any, ...], text: str) -> Any:
    if not where:
        return text
    head, rest = where[0], where[1:]
    value[head] = _put(value[head], rest, text)
    return value


def _hostile(case: Any, data: st.DataObject) -> None:
    """Now and then, one string of the body or the query becomes a hostile one."""
    if data.draw(st.integers(0, 2), label="hostile") != 0:  # one time in three
        return
    text = data.draw(st.sampled_from(HOSTILE_STRINGS), label="text")
    body_paths = _paths(case.body) if isinstance(case.body, dict | list) else []
    query_names = [name for name, value in (case.query or {}).items() if isinstance(value, str)]
    choices = [("body", path) for path in body_paths] + [("query", name) for name in query_names]
    if not choices:
        return
    place, key = data.draw(st.sampled_from(choices), label="where")
    if place == "body":
        case.body = _put(case.body, key, text)
    else:
        case.query[key] = text


@pytest.mark.slow
@pytest.mark.usefixtures("keep_connection")
@pytest.mark.parametrize("role", list(Role))
def test_no_request_of_any_role_makes_the_server_fail(
    tree: Any, world: dict[str, Any], role: Role
) -> None:
    schema = _schema()
    s = world["screening"]
    # The round's own staff where the role has one (a sampler on the point, a technician in
    # the lab, the commander who opened the round); otherwise a member of district A.
    staff = {
        Role.SAMPLER: s.sampler,
        Role.LAB_TECHNICIAN: s.technician,
        Role.COMMANDER: s.commander,
    }
    actor = staff.get(role) or actor_make(role=role, region=tree["district_a"])
    token = token_make(actor)
    headers = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    for operation in _operations(schema):

        @given(case=operation.as_strategy(), data=st.data())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case: Any, data: st.DataObject) -> None:
            _aim(case, data, world)
            _hostile(case, data)
            response = case.call(headers=headers)
            case.validate_response(response, checks=[not_a_server_error])
            assert response.status_code < 500, (case.method, case.formatted_path)

        try:
            exercise()
        except Exception as exc:  # every operation is tried; the failures are listed together
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}"[:2000])
    assert not failures, "\n\n".join(failures)
