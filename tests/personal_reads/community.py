"""Community: how ``tests/test_personal_reads_are_logged.py``
classifies this app's API operations (see ``tests.personal_reads``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.accounts.models import User
from fangkong.accounts.tests.factories import actor_make
from fangkong.community.closures.services import Place, restriction_impose
from fangkong.community.grids.services import households_assign, responsible_add
from fangkong.community.requests.services import exit_approve, exit_vehicle, request_file
from fangkong.community.sweeps.services import sweep_open
from fangkong.people.models import Person
from fangkong.people.services.persons import person_need_set
from tests.personal_reads.world import Call, World, idempotency_key


def _duty(w: World) -> Any:
    return actor_make(role=Role.DUTY_OFFICER, region=w.tree["district_a"])


def _community_request(w: World, category: str = "dialysis") -> Any:
    return request_file(
        actor=_duty(w),
        household=w.household,
        person=Person.objects.filter(household=w.household).first(),
        category=category,
        channel="hotline",
    )


def _exit_ready(w: World, *, vehicle: bool) -> Any:
    request = _community_request(w)
    exit_approve(actor=_duty(w), request=request, reason="透析", destination="区医院")
    if vehicle:
        exit_vehicle(
            actor=_duty(w),
            request=request,
            plate="京A00001",
            driver="王师傅",
            return_by=timezone.now() + timedelta(hours=4),
        )
    return request


def _community_worker(w: World) -> Any:
    """A grid worker at the household's grid answering for it."""
    worker = actor_make(role=Role.GRID_WORKER, region=w.household.region)
    responsible = responsible_add(
        actor=_duty(w),
        region=w.household.region,
        kind="grid_worker",
        name="",
        username=User.objects.get(pk=worker.user_id).username,
    )
    households_assign(
        actor=_duty(w), responsible=responsible, households=[w.household], reason="包保"
    )
    return worker


def _community_visit(w: World, api: Any) -> Any:
    worker = _community_worker(w)
    sweep = sweep_open(actor=_duty(w), region=w.household.region, name="排查", reason="封控")
    members = [str(p.code) for p in Person.objects.filter(household=w.household)]
    body = {
        "household_code": str(w.household.code),
        "state": "present",
        "residents_counted": len(members),
        "present": members,
    }
    return api(worker).post(f"/api/v1/community/sweeps/{sweep.code}/visits", body)


def _community_restricted(w: World, api: Any) -> Any:
    restriction = restriction_impose(
        actor=actor_make(role=Role.COMMANDER, region=w.tree["district_a"]),
        where=Place(w.household.region),
        level="high",
        until=timezone.localdate() + timedelta(days=5),
        reason="封控",
    )
    path = f"/api/v1/community/restrictions/{restriction.code}/households"
    return api(_duty(w)).get(path)


def _community_needs(w: World) -> Any:
    return person_need_set(actor=w.grid, person=w.person, kind="dialysis")


#: This app's operations that return no personal data, each with the reason.
NO_PERSONAL_DATA: dict[str, str] = {
    "POST /api/v1/community/responsibles": "a grid's staff member or volunteer and a count",
    "GET /api/v1/community/responsibles/{region_code}": "a grid's staff and volunteers, counts",
    "POST /api/v1/community/responsibles/{code}/assign": "a count of households",
    "POST /api/v1/community/responsibles/{code}/off-duty": "a count of households",
    "POST /api/v1/community/responsibles/{code}/on-duty": "a staff member and a count",
    "POST /api/v1/community/sweeps": "a sweep: area, deadline, counts per grid",
    "GET /api/v1/community/sweeps": "sweeps: areas, deadlines, counts per grid",
    "GET /api/v1/community/sweeps/{code}": "a sweep: area, deadline, counts per grid",
    "POST /api/v1/community/sweeps/{code}/close": "a sweep's counts per state",
    "POST /api/v1/community/restrictions/from-area": "a restricted place, measures, dates",
    "POST /api/v1/community/restrictions": "a restricted place, measures, dates",
    "GET /api/v1/community/restrictions": "restricted places, measures, dates",
    "GET /api/v1/community/restrictions/{code}": "a restricted place, measures, dates",
    "POST /api/v1/community/restrictions/{code}/lift": "a restricted place and its status",
    "POST /api/v1/community/restrictions/{code}/gate": "direction, purpose and time",
    "POST /api/v1/community/households/{code}/resident-link": "a signed link; no code in it",
}


#: A real call for each of this app's operations that returns personal data.
CALLS: dict[str, Call] = {
    "POST /api/v1/community/requests": lambda w, api: api(_duty(w)).post(
        "/api/v1/community/requests",
        {"household_code": str(w.household.code), "category": "food", "channel": "hotline"},
        headers=idempotency_key(),
    ),
    "GET /api/v1/community/requests": lambda w, api: (
        _community_request(w),
        api(_duty(w)).get("/api/v1/community/requests"),
    )[1],
    "GET /api/v1/community/requests/{code}": lambda w, api: api(_duty(w)).get(
        f"/api/v1/community/requests/{_community_request(w).code}"
    ),
    "POST /api/v1/community/requests/{code}/transition": lambda w, api: api(_duty(w)).post(
        f"/api/v1/community/requests/{_community_request(w, 'food').code}/transition",
        {"to": "accepted"},
    ),
    "POST /api/v1/community/requests/{code}/exit/approve": lambda w, api: api(_duty(w)).post(
        f"/api/v1/community/requests/{_community_request(w).code}/exit/approve",
        {"reason": "透析", "destination": "区医院"},
    ),
    "POST /api/v1/community/requests/{code}/exit/vehicle": lambda w, api: api(_duty(w)).post(
        f"/api/v1/community/requests/{_exit_ready(w, vehicle=False).code}/exit/vehicle",
        {
            "plate": "京A00001",
            "driver": "王师傅",
            "return_by": (timezone.now() + timedelta(hours=4)).isoformat(),
        },
    ),
    "POST /api/v1/community/requests/{code}/exit/return": lambda w, api: api(_duty(w)).post(
        f"/api/v1/community/requests/{_exit_ready(w, vehicle=True).code}/exit/return"
    ),
    "POST /api/v1/community/sweeps/{code}/visits": _community_visit,
    "GET /api/v1/community/sweeps/{code}/pending": lambda w, api: api(_duty(w)).get(
        "/api/v1/community/sweeps/"
        f"{sweep_open(actor=_duty(w), region=w.household.region, name='排查', reason='封控').code}"
        "/pending"
    ),
    "GET /api/v1/community/restrictions/{code}/households": _community_restricted,
    "GET /api/v1/community/coverage": lambda w, api: api(_community_worker(w)).get(
        "/api/v1/community/coverage"
    ),
    "GET /api/v1/community/special-needs/{region_code}": lambda w, api: (
        _community_needs(w),
        api(_duty(w)).get(f"/api/v1/community/special-needs/{w.tree['district_a'].code}"),
    )[1],
    "POST /api/v1/community/care-plans": lambda w, api: (
        _community_needs(w),
        api(_duty(w)).post(
            "/api/v1/community/care-plans",
            {"person_code": str(w.person.code), "plan": "每周三次透析"},
        ),
    )[1],
}
