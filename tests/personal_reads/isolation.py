"""Isolation (orders, allocation, transfers, monitoring, treatment, care): how
``tests/test_personal_reads_are_logged.py`` classifies this app's API operations (see
``tests.personal_reads``)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.isolation.facilities.services import (
    FacilityInput,
    facility_create,
    facility_transition,
    rooms_import,
)
from fangkong.isolation.orders.release import order_test_record
from fangkong.isolation.orders.services import order_issue
from tests.personal_reads.world import Call, World, case_opened, epidemiologist_of, idempotency_key

#: A day of the 9th edition just before the 20 measures (a re-plan then applies them).
BEFORE_20_MEASURES = datetime(2022, 11, 9, 9, tzinfo=ZoneInfo("Asia/Shanghai"))


UNDER_20_MEASURES = datetime(2022, 11, 12, 9, tzinfo=ZoneInfo("Asia/Shanghai"))


#: The 9th-edition close contact of day 0 = 8 Nov is released on 18 Nov.
AFTER_RELEASE = datetime(2022, 11, 18, 10, tzinfo=ZoneInfo("Asia/Shanghai"))


def _isolation_order(w: World, person: int = 7) -> Any:
    with time_machine.travel(BEFORE_20_MEASURES, tick=True):
        return order_issue(
            actor=epidemiologist_of(w),
            person=w.s.people[person],
            group="close_contact",
            day0=date(2022, 11, 8),
            reason="密接",
        )


def _isolation_issue(w: World, api: Any) -> Any:
    body = {
        "persons": [str(w.s.people[7].code), str(w.s.people[8].code)],
        "group": "close_contact",
        "day0": "2022-11-08",
        "reason": "密接",
    }
    with time_machine.travel(BEFORE_20_MEASURES, tick=True):
        return api(epidemiologist_of(w)).post("/api/v1/isolation/orders", body)


def _isolation_replan(w: World, api: Any) -> Any:
    order = _isolation_order(w)
    with time_machine.travel(UNDER_20_MEASURES, tick=True):
        return api(epidemiologist_of(w)).post(
            f"/api/v1/isolation/orders/{order.code}/replan", {"reason": "执行二十条"}
        )


def _isolation_allocate(w: World, api: Any) -> Any:
    manager = actor_make(role=Role.ISOLATION_MANAGER, region=w.tree["district_a"])
    with time_machine.travel(BEFORE_20_MEASURES, tick=True):
        site = facility_create(
            actor=manager,
            region=w.tree["district_a"],
            data=FacilityInput(name="隔离点", kind="central_site", address="朝阳路1号"),
        )
        facility_transition(actor=manager, facility=site, to="activating", reason="启用")
        facility_transition(actor=manager, facility=site, to="active", reason="启用")
        rooms_import(
            actor=manager,
            facility=site,
            content="number,floor,beds,own_bathroom,accessible\n101,1,1,1,0\n",
        )
    order = _isolation_order(w)
    return api(manager).post("/api/v1/isolation/allocations", {"orders": [str(order.code)]})


def _isolation_test(w: World, api: Any) -> Any:
    order = _isolation_order(w)
    manager = actor_make(role=Role.ISOLATION_MANAGER, region=w.tree["district_a"])
    with time_machine.travel(BEFORE_20_MEASURES, tick=True):
        return api(manager).post(
            f"/api/v1/isolation/orders/{order.code}/tests",
            {"phase": "central", "day": 1, "result": "negative"},
        )


def _isolation_release(w: World, api: Any) -> Any:
    order = _isolation_order(w)
    manager = actor_make(role=Role.ISOLATION_MANAGER, region=w.tree["district_a"])
    for task in order.tests.all():
        order_test_record(
            actor=manager, order=order, phase=task.phase, day=task.day, result="negative"
        )
    with time_machine.travel(AFTER_RELEASE, tick=True):
        return api(manager).post(
            f"/api/v1/isolation/orders/{order.code}/release", {"reason": "期满解除"}
        )


def _isolation_positive_test(w: World, api: Any) -> Any:
    """A positive of district A allowed home isolation; its release test is recorded."""
    from fangkong.cases.models import Case
    from fangkong.isolation.intake.home_isolation import home_isolation_order_issue

    with time_machine.travel(BEFORE_20_MEASURES, tick=True):
        case = case_opened(w)
        Case.objects.filter(pk=case.pk).update(classification="confirmed")
        case.refresh_from_db()
        order = home_isolation_order_issue(actor=w.clinician, case=case, reason="轻症居家")
        return api(w.clinician).post(
            f"/api/v1/isolation/orders/{order.code}/positive-tests",
            {"sampled_at": timezone.now().isoformat(), "result": "negative"},
        )


def _fangcang_room(w: World) -> Any:
    """A Fangcang shelter hospital in district A with two ready single-bed rooms."""
    manager = actor_make(role=Role.ISOLATION_MANAGER, region=w.tree["district_a"])
    facility = facility_create(
        actor=manager,
        region=w.tree["district_a"],
        data=FacilityInput(name="方舱", kind="fangcang", address="会展中心"),
    )
    for to in ("activating", "active"):
        facility_transition(actor=manager, facility=facility, to=to, reason="启用")
    rooms_import(
        actor=manager,
        facility=facility,
        content="number,floor,beds,own_bathroom,accessible\n0001,1,1,1,0\n0002,1,1,1,0\n",
    )
    return facility


def _admission(w: World) -> Any:
    """A positive case of district A admitted to a Fangcang bed (the case is set positive
    directly: its PCR tube is not what this test is about)."""
    from fangkong.cases.models import Case
    from fangkong.isolation.treatment.access import access_bed
    from fangkong.isolation.treatment.services import admission_admit

    case = case_opened(w)
    Case.objects.filter(pk=case.pk).update(classification="asymptomatic")
    case.refresh_from_db()
    facility = _fangcang_room(w)
    room = access_bed(w.clinician, facility.code, "0001", roles={"clinician"})
    return admission_admit(actor=w.clinician, case=case, room=room, reason="收治")


def _treatment_post(w: World, api: Any, path: str, body: dict[str, Any]) -> Any:
    code = _admission(w).code
    return api(w.clinician).post(f"/api/v1/isolation/treatment/admissions/{code}{path}", body)


def _treatment_transfer(w: World, api: Any) -> Any:
    admission = _admission(w)
    body = {"facility": str(admission.facility.code), "room": "0002", "reason": "换床"}
    path = f"/api/v1/isolation/treatment/admissions/{admission.code}/transfer"
    return api(w.clinician).post(path, body)


def _treatment_discharge(w: World, api: Any) -> Any:
    """Two release tests with Ct ≥ 35 on days 6 and 7, then the discharge on day 7."""
    from fangkong.isolation.treatment.services import treatment_test_add, treatment_test_result

    admission = _admission(w)
    day0 = datetime.combine(
        admission.isolated_since, datetime.min.time(), tzinfo=ZoneInfo("Asia/Shanghai")
    )
    with time_machine.travel(day0 + timedelta(days=7, hours=12), tick=False):
        for day in (6, 7):
            test = treatment_test_add(
                actor=w.clinician,
                admission=admission,
                sampled_at=day0 + timedelta(days=day, hours=8),
            )
            treatment_test_result(
                actor=w.clinician, test=test, result="positive", ct_n=36.0, ct_orf1ab=36.0
            )
        path = f"/api/v1/isolation/treatment/admissions/{admission.code}/discharge"
        return api(w.clinician).post(path, {"reason": "出院"})


def _treatment_admit(w: World, api: Any) -> Any:
    case = case_opened(w)
    from fangkong.cases.models import Case

    Case.objects.filter(pk=case.pk).update(classification="asymptomatic")
    body = {
        "case": str(case.code),
        "facility": str(_fangcang_room(w).code),
        "room": "0001",
        "reason": "收治",
    }
    return api(w.clinician).post(
        "/api/v1/isolation/treatment/admissions", body, headers=idempotency_key()
    )


def _treatment_result(w: World, api: Any) -> Any:
    from fangkong.isolation.treatment.services import treatment_test_add

    admission = _admission(w)
    test = treatment_test_add(
        actor=w.clinician, admission=admission, sampled_at=timezone.now() - timedelta(hours=1)
    )
    path = f"/api/v1/isolation/treatment/admissions/{admission.code}/tests/{test.code}/result"
    return api(w.clinician).post(path, {"result": "negative"})


def _care_request(w: World) -> Any:
    from fangkong.isolation.care.services import care_request_file

    manager = actor_make(role=Role.ISOLATION_MANAGER, region=w.tree["district_a"])
    return care_request_file(
        actor=manager, order=_isolation_order(w), category="appeal", text="申诉"
    )


def _care_api(w: World, api: Any, path: str, body: dict[str, Any] | None = None) -> Any:
    code = _care_request(w).code
    actor = actor_make(role=Role.COMMANDER, region=w.tree["district_a"])
    return api(actor).post(f"/api/v1/isolation/care/requests/{code}{path}", body or {})


def _transfer_world(w: World, api: Any) -> tuple[Any, Any, Any, Any, Any]:
    """An allocated order of person 7 with its to-site task, a vehicle and a crew."""
    from fangkong.isolation.models import IsolationOrder
    from fangkong.isolation.transfers.requesting import transfers_create_for_orders
    from fangkong.isolation.transfers.services import crew_create, vehicle_create

    _isolation_allocate(w, api)
    order = IsolationOrder.objects.get(person=w.s.people[7], status="open")
    manager = actor_make(role=Role.ISOLATION_MANAGER, region=w.tree["district_a"])
    dispatcher = actor_make(role=Role.TRANSFER_DISPATCHER, region=w.tree["district_a"])
    (task,) = transfers_create_for_orders(orders=[order], actor=manager).tasks
    vehicle = vehicle_create(
        actor=dispatcher, region=w.tree["district_a"], plate="京A9999", kind="bus", capacity=4
    )
    crew = crew_create(actor=dispatcher, region=w.tree["district_a"], name="一组", members=[])
    return order, task, vehicle, crew, dispatcher


def _transfer_move(w: World, api: Any, step: str) -> Any:
    from fangkong.isolation.transfers.services import transfer_assign, transfer_pickup

    _order, task, vehicle, crew, dispatcher = _transfer_world(w, api)
    path = f"/api/v1/isolation/transfers/{task.code}"
    if step == "assign":
        return api(dispatcher).post(
            f"{path}/assign", {"vehicle": str(vehicle.code), "crew": str(crew.code)}
        )
    task = transfer_assign(actor=dispatcher, task=task, vehicle=vehicle, crew=crew)
    if step == "deliver":
        transfer_pickup(actor=dispatcher, task=task)
    if step == "cancel":
        return api(dispatcher).post(f"{path}/cancel", {"reason": "已送医"})
    return api(dispatcher).post(f"{path}/{step}")


def _transfer_request(w: World, api: Any) -> Any:
    order, _task, _vehicle, _crew, dispatcher = _transfer_world(w, api)
    start = timezone.now()
    body = {
        "kind": "between_care",
        "pickup_address": "方舱医院",
        "destination": "定点医院",
        "window_start": start.isoformat(),
        "window_end": (start + timedelta(hours=1)).isoformat(),
        "reason": "病情加重",
    }
    return api(dispatcher).post(f"/api/v1/isolation/orders/{order.code}/transfers", body)


def _checks(w: World, api: Any, method: str) -> Any:
    order = _isolation_order(w)
    manager = actor_make(role=Role.ISOLATION_MANAGER, region=w.tree["district_a"])
    path = f"/api/v1/isolation/orders/{order.code}/checks"
    with time_machine.travel(BEFORE_20_MEASURES, tick=True):
        if method == "post":
            return api(manager).post(path, {"temperature": 36.5, "symptoms": []})
        if method == "today":
            return api(manager).get("/api/v1/isolation/checks/today")
        return api(manager).get(path)


#: This app's operations that return no personal data, each with the reason.
NO_PERSONAL_DATA: dict[str, str] = {
    "GET /api/v1/isolation/cases/{code}/contact-orders": "a count of waiting contacts",
    "POST /api/v1/isolation/cases/{code}/contact-orders": "order codes and counts; no person",
    "POST /api/v1/isolation/arrival-orders": "order codes and counts; no person",
    "POST /api/v1/isolation/cases/{code}/home-isolation": "an order code and its release day",
    "GET /api/v1/isolation/facilities": "isolation sites: places and room counts",
    "POST /api/v1/isolation/facilities": "an isolation site: a place and room counts",
    "GET /api/v1/isolation/facilities/{code}": "an isolation site and its activation",
    "POST /api/v1/isolation/facilities/{code}/transition": "an isolation site and its status",
    "POST /api/v1/isolation/facilities/{code}/rooms/import": "a count of rooms",
    "POST /api/v1/isolation/facilities/{code}/rooms/ready": "a count of rooms",
    "GET /api/v1/isolation/facilities/{code}/rooms": "rooms: numbers, beds, status; no occupant",
    "GET /api/v1/isolation/reserve/{region_code}": "counts of residents and rooms",
    "GET /api/v1/isolation/treatment/capacity": "counts of rooms and beds per site and district",
    "GET /api/v1/isolation/vehicles": "vehicles: plates, kinds, seats",
    "POST /api/v1/isolation/vehicles": "a vehicle: plate, kind, seats",
    "POST /api/v1/isolation/vehicles/{code}/state": "a vehicle and its state",
    "GET /api/v1/isolation/crews": "crews: names and member counts",
    "POST /api/v1/isolation/crews": "a crew: name and member count",
    "POST /api/v1/isolation/transfer-batches": "task codes only",
    "GET /api/v1/isolation/transfer-alerts": "late alerts: task codes, staff owners, states",
    "POST /api/v1/isolation/transfer-alerts/{code}/handle": "an alert: task code, state",
    "GET /api/v1/isolation/monitoring-alerts": "alerts: order codes, kinds, states",
    "POST /api/v1/isolation/monitoring-alerts/{code}/handle": "an alert: order code, state",
    "POST /api/v1/isolation/orders/{code}/resident-link": "a URL with a random signed key",
}


#: A real call for each of this app's operations that returns personal data.
CALLS: dict[str, Call] = {
    "POST /api/v1/isolation/treatment/admissions": _treatment_admit,
    "GET /api/v1/isolation/treatment/admissions": lambda w, api: (
        _admission(w),
        api(w.clinician).get("/api/v1/isolation/treatment/admissions"),
    )[1],
    "GET /api/v1/isolation/treatment/admissions/{code}": lambda w, api: api(w.clinician).get(
        f"/api/v1/isolation/treatment/admissions/{_admission(w).code}"
    ),
    "POST /api/v1/isolation/treatment/admissions/{code}/severity": lambda w, api: _treatment_post(
        w, api, "/severity", {"severity": "mild", "reason": "轻型"}
    ),
    "POST /api/v1/isolation/treatment/admissions/{code}/transfer": _treatment_transfer,
    "POST /api/v1/isolation/treatment/admissions/{code}/tests": lambda w, api: _treatment_post(
        w, api, "/tests", {"sampled_at": (timezone.now() - timedelta(hours=1)).isoformat()}
    ),
    "POST /api/v1/isolation/treatment/admissions/{code}/lab-tests": lambda w, api: _treatment_post(
        w, api, "/lab-tests", {}
    ),
    "POST /api/v1/isolation/treatment/admissions/{code}/tests/{test}/result": _treatment_result,
    "POST /api/v1/isolation/treatment/admissions/{code}/discharge": _treatment_discharge,
    "POST /api/v1/isolation/care/requests": lambda w, api: api(
        actor_make(role=Role.ISOLATION_MANAGER, region=w.tree["district_a"])
    ).post(
        "/api/v1/isolation/care/requests",
        {"order": str(_isolation_order(w).code), "category": "medicine", "text": "药品"},
        headers=idempotency_key(),
    ),
    "GET /api/v1/isolation/care/requests": lambda w, api: (
        _care_request(w),
        api(actor_make(role=Role.COMMANDER, region=w.tree["district_a"])).get(
            "/api/v1/isolation/care/requests"
        ),
    )[1],
    "GET /api/v1/isolation/care/requests/{code}": lambda w, api: api(
        actor_make(role=Role.COMMANDER, region=w.tree["district_a"])
    ).get(f"/api/v1/isolation/care/requests/{_care_request(w).code}"),
    "POST /api/v1/isolation/care/requests/{code}/take": lambda w, api: _care_api(w, api, "/take"),
    "POST /api/v1/isolation/care/requests/{code}/decide": lambda w, api: _care_api(
        w, api, "/decide", {"outcome": "upheld", "note": "维持"}
    ),
    "POST /api/v1/isolation/orders": _isolation_issue,
    "GET /api/v1/isolation/orders": lambda w, api: (
        _isolation_order(w),
        api(epidemiologist_of(w)).get("/api/v1/isolation/orders"),
    )[1],
    "GET /api/v1/isolation/orders/{code}": lambda w, api: api(epidemiologist_of(w)).get(
        f"/api/v1/isolation/orders/{_isolation_order(w).code}"
    ),
    "POST /api/v1/isolation/orders/{code}/replan": _isolation_replan,
    "POST /api/v1/isolation/allocations": _isolation_allocate,
    "POST /api/v1/isolation/orders/{code}/tests": _isolation_test,
    "POST /api/v1/isolation/orders/{code}/release": _isolation_release,
    "POST /api/v1/isolation/orders/{code}/positive-tests": _isolation_positive_test,
    "GET /api/v1/isolation/transfers": lambda w, api: api(_transfer_world(w, api)[4]).get(
        "/api/v1/isolation/transfers"
    ),
    "GET /api/v1/isolation/transfers/{code}": lambda w, api: (
        lambda world: api(world[4]).get(f"/api/v1/isolation/transfers/{world[1].code}")
    )(_transfer_world(w, api)),
    "POST /api/v1/isolation/orders/{code}/transfers": _transfer_request,
    "POST /api/v1/isolation/transfers/{code}/assign": lambda w, api: _transfer_move(
        w, api, "assign"
    ),
    "POST /api/v1/isolation/transfers/{code}/pickup": lambda w, api: _transfer_move(
        w, api, "pickup"
    ),
    "POST /api/v1/isolation/transfers/{code}/deliver": lambda w, api: _transfer_move(
        w, api, "deliver"
    ),
    "POST /api/v1/isolation/transfers/{code}/cancel": lambda w, api: _transfer_move(
        w, api, "cancel"
    ),
    "GET /api/v1/isolation/orders/{code}/checks": lambda w, api: _checks(w, api, "get"),
    "POST /api/v1/isolation/orders/{code}/checks": lambda w, api: _checks(w, api, "post"),
    "GET /api/v1/isolation/checks/today": lambda w, api: _checks(w, api, "today"),
}
