"""Every API operation that hands out personal data writes a read-access row, for every person
and household it shows: a class test driven by our own OpenAPI document.

The operations come from ``/api/v1/openapi.json``; each is either in ``NO_PERSONAL_DATA`` with
the reason it shows nobody, or in ``CALLS`` with a real request as a role that sees persons.
A new operation that is in neither fails the test until someone classifies it. For each call
the answer must be 2xx, at least one access row must be written, and every person or
household code in the answer must be among the subject ids of the rows the call wrote (so a
list that logs half its page fails too).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import Max
from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.accounts.models import User
from fangkong.accounts.tests.factories import actor_make
from fangkong.cases.services.opening import case_open
from fangkong.community.closures.services import Place, restriction_impose
from fangkong.community.grids.services import households_assign, responsible_add
from fangkong.community.requests.services import exit_approve, exit_vehicle, request_file
from fangkong.community.sweeps.services import sweep_open
from fangkong.core.models import AccessEntry
from fangkong.isolation.facilities.services import (
    FacilityInput,
    facility_create,
    facility_transition,
    rooms_import,
)
from fangkong.isolation.orders.release import order_test_record
from fangkong.isolation.orders.services import order_issue
from fangkong.lab.results.services import ResultInput, results_apply
from fangkong.lab.sampling.codes import sampling_code_issue
from fangkong.lab.sampling.services import MemberInput, TubeInput, tube_bind
from fangkong.lab.tests.factories import Screening, screening_make, unique_id_number
from fangkong.lab.tests.fixtures import NINTH_EDITION_DAY
from fangkong.lab.transport.services import package_receive
from fangkong.people.models import DuplicateCandidate, Household, Person
from fangkong.people.services.persons import person_need_set
from fangkong.people.tests.factories import person_make

pytestmark = pytest.mark.django_db

#: Operations that return no personal data, each with the reason.
NO_PERSONAL_DATA: dict[str, str] = {
    "GET /api/v1/command/bodies": "command bodies and working groups: staff members; no resident",
    "GET /api/v1/command/directives": (
        "directives to units: text, deadlines, units' answers; no resident"
    ),
    "GET /api/v1/command/directives/{code}": (
        "directives to units: text, deadlines, units' answers; no resident"
    ),
    "GET /api/v1/command/duty-checks": (
        "a duty check: localities and the staff who answered; no resident"
    ),
    "GET /api/v1/command/duty-checks/{code}": (
        "a duty check: localities and the staff who answered; no resident"
    ),
    "GET /api/v1/command/incidents": "an outbreak's command level and its history; no resident",
    "GET /api/v1/command/incidents/{code}": (
        "an outbreak's command level and its history; no resident"
    ),
    "GET /api/v1/command/inspections": "inspections and findings about units; no resident",
    "GET /api/v1/command/inspections/{code}": "inspections and findings about units; no resident",
    "GET /api/v1/command/meetings": (
        "a dispatch meeting: localities, roll call, minutes; no resident"
    ),
    "GET /api/v1/command/meetings/{code}": (
        "a dispatch meeting: localities, roll call, minutes; no resident"
    ),
    "GET /api/v1/command/notifications": (
        "the signed-in staff member's own inbox and delivery settings; no resident"
    ),
    "GET /api/v1/command/notifications/unread": (
        "the signed-in staff member's own inbox and delivery settings; no resident"
    ),
    "GET /api/v1/command/reports": "a unit's daily figures and notes; counts, no person",
    "GET /api/v1/supplies/allocations": (
        "supplies: items, warehouses, stock, allocations and figures; no person"
    ),
    "GET /api/v1/supplies/allocations/{code}": (
        "supplies: items, warehouses, stock, allocations and figures; no person"
    ),
    "GET /api/v1/supplies/cover": (
        "supplies: items, warehouses, stock, allocations and figures; no person"
    ),
    "GET /api/v1/supplies/deliveries": (
        "a delivery to a compound's receiving point: counts of goods and households, no person"
    ),
    "GET /api/v1/supplies/deliveries/{code}": (
        "a delivery to a compound's receiving point: counts of goods and households, no person"
    ),
    "GET /api/v1/supplies/figures/{region_code}": (
        "supplies: items, warehouses, stock, allocations and figures; no person"
    ),
    "GET /api/v1/supplies/incidents": (
        "priority sites and their service incidents: places, tiers, staff owners; no resident"
    ),
    "GET /api/v1/supplies/items": (
        "supplies: items, warehouses, stock, allocations and figures; no person"
    ),
    "GET /api/v1/supplies/priority-users": (
        "priority sites and their service incidents: places, tiers, staff owners; no resident"
    ),
    "GET /api/v1/supplies/receiving-points": (
        "supplies: items, warehouses, stock, allocations and figures; no person"
    ),
    "GET /api/v1/supplies/requests": (
        "a compound's or district's need lines and population counts; no person"
    ),
    "GET /api/v1/supplies/requests/{code}": (
        "a compound's or district's need lines and population counts; no person"
    ),
    "GET /api/v1/supplies/shortage-plans/{code}": (
        "priority sites and their service incidents: places, tiers, staff owners; no resident"
    ),
    "GET /api/v1/supplies/warehouses": (
        "supplies: items, warehouses, stock, allocations and figures; no person"
    ),
    "GET /api/v1/supplies/warehouses/{code}": (
        "supplies: items, warehouses, stock, allocations and figures; no person"
    ),
    "POST /api/v1/command/bodies": "command bodies and working groups: staff members; no resident",
    "POST /api/v1/command/bodies/{code}/groups": (
        "command bodies and working groups: staff members; no resident"
    ),
    "POST /api/v1/command/bodies/{code}/groups/{kind}/members": (
        "command bodies and working groups: staff members; no resident"
    ),
    "POST /api/v1/command/directives": (
        "directives to units: text, deadlines, units' answers; no resident"
    ),
    "POST /api/v1/command/directives/{code}/units/{region_code}/acknowledge": (
        "directives to units: text, deadlines, units' answers; no resident"
    ),
    "POST /api/v1/command/directives/{code}/units/{region_code}/complete": (
        "directives to units: text, deadlines, units' answers; no resident"
    ),
    "POST /api/v1/command/directives/{code}/units/{region_code}/progress": (
        "directives to units: text, deadlines, units' answers; no resident"
    ),
    "POST /api/v1/command/duty-checks": (
        "a duty check: localities and the staff who answered; no resident"
    ),
    "POST /api/v1/command/duty-checks/{code}/answer": (
        "a duty check: localities and the staff who answered; no resident"
    ),
    "POST /api/v1/command/incidents": "an outbreak's command level and its history; no resident",
    "POST /api/v1/command/incidents/{code}/escalate": (
        "an outbreak's command level and its history; no resident"
    ),
    "POST /api/v1/command/inspections": "inspections and findings about units; no resident",
    "POST /api/v1/command/inspections/{code}/findings": (
        "inspections and findings about units; no resident"
    ),
    "POST /api/v1/command/inspections/{code}/findings/{finding}/transition": (
        "inspections and findings about units; no resident"
    ),
    "POST /api/v1/command/meetings": (
        "a dispatch meeting: localities, roll call, minutes; no resident"
    ),
    "POST /api/v1/command/meetings/{code}/minutes": (
        "a dispatch meeting: localities, roll call, minutes; no resident"
    ),
    "POST /api/v1/command/meetings/{code}/roll-call": (
        "a dispatch meeting: localities, roll call, minutes; no resident"
    ),
    "POST /api/v1/command/notifications/read-all": (
        "the signed-in staff member's own inbox and delivery settings; no resident"
    ),
    "POST /api/v1/command/notifications/{code}/read": (
        "the signed-in staff member's own inbox and delivery settings; no resident"
    ),
    "POST /api/v1/command/reports": "a unit's daily figures and notes; counts, no person",
    "POST /api/v1/command/reports/{code}/corrections": (
        "a unit's daily figures and notes; counts, no person"
    ),
    "POST /api/v1/supplies/allocations/{code}/approve": (
        "supplies: items, warehouses, stock, allocations and figures; no person"
    ),
    "POST /api/v1/supplies/allocations/{code}/cancel": (
        "supplies: items, warehouses, stock, allocations and figures; no person"
    ),
    "POST /api/v1/supplies/deliveries/{code}/confirm": (
        "a delivery to a compound's receiving point: counts of goods and households, no person"
    ),
    "POST /api/v1/supplies/deliveries/{code}/hand-over": (
        "a delivery to a compound's receiving point: counts of goods and households, no person"
    ),
    "POST /api/v1/supplies/doors/{code}": (
        "a door delivery's state, note and reason; its household is not named"
    ),
    "POST /api/v1/supplies/incidents": (
        "priority sites and their service incidents: places, tiers, staff owners; no resident"
    ),
    "POST /api/v1/supplies/incidents/{code}/resolve": (
        "priority sites and their service incidents: places, tiers, staff owners; no resident"
    ),
    "POST /api/v1/supplies/items": (
        "supplies: items, warehouses, stock, allocations and figures; no person"
    ),
    "POST /api/v1/supplies/priority-users": (
        "priority sites and their service incidents: places, tiers, staff owners; no resident"
    ),
    "POST /api/v1/supplies/receiving-points": (
        "supplies: items, warehouses, stock, allocations and figures; no person"
    ),
    "POST /api/v1/supplies/requests": (
        "a compound's or district's need lines and population counts; no person"
    ),
    "POST /api/v1/supplies/requests/import": (
        "a compound's or district's need lines and population counts; no person"
    ),
    "POST /api/v1/supplies/shortage-plans": (
        "priority sites and their service incidents: places, tiers, staff owners; no resident"
    ),
    "POST /api/v1/supplies/warehouses": (
        "supplies: items, warehouses, stock, allocations and figures; no person"
    ),
    "POST /api/v1/supplies/warehouses/{code}/allocations": (
        "supplies: items, warehouses, stock, allocations and figures; no person"
    ),
    "POST /api/v1/supplies/warehouses/{code}/issues": (
        "supplies: items, warehouses, stock, allocations and figures; no person"
    ),
    "POST /api/v1/supplies/warehouses/{code}/receipts": (
        "supplies: items, warehouses, stock, allocations and figures; no person"
    ),
    "PUT /api/v1/command/notifications/contact": (
        "the signed-in staff member's own inbox and delivery settings; no resident"
    ),
    "GET /api/v1/command/picture/{code}": "figures summed over a subtree and outlines; no person",
    "POST /api/v1/command/figures/refresh": "how many figures were computed",
    "POST /api/v1/regions/boundaries": "outlines of jurisdictions",
    "GET /api/v1/isolation/cases/{code}/contact-orders": "a count of waiting contacts",
    "POST /api/v1/isolation/cases/{code}/contact-orders": "order codes and counts; no person",
    "POST /api/v1/isolation/arrival-orders": "order codes and counts; no person",
    "POST /api/v1/isolation/cases/{code}/home-isolation": "an order code and its release day",
    "GET /api/v1/groups": "groups: kind, name, node, member counts",
    "POST /api/v1/cases/imports": (
        "an import's counts and file hash; rows refused are named by number and field"
    ),
    "POST /api/v1/groups": "a new group: kind, name, node",
    "POST /api/v1/groups/bulk": "counts of groups and members loaded",
    "POST /api/v1/groups/{code}/members/add": "counts of members added",
    "POST /api/v1/groups/{code}/members/remove": "counts of members removed",
    "POST /api/v1/tracing/companions/derive": "counts of companion leads per case code",
    "GET /api/v1/lab/sampling-codes/public-key": "a public key",
    "POST /api/v1/lab/rounds": "a round: name, areas, counts",
    "GET /api/v1/lab/rounds": "rounds: name, areas, counts",
    "GET /api/v1/lab/rounds/{code}": "a round: name, areas, counts",
    "POST /api/v1/lab/rounds/{code}/close": "a round: name, areas, counts",
    "POST /api/v1/lab/points": "a sampling point: a place, not a person",
    "GET /api/v1/lab/points": "sampling points",
    "POST /api/v1/lab/points/{code}/staff": "staff assignment; answers 204",
    "POST /api/v1/lab/points/{code}/staff/remove": "staff assignment; answers 204",
    "POST /api/v1/lab/labs": "a laboratory",
    "GET /api/v1/lab/labs": "laboratories",
    "POST /api/v1/lab/labs/{code}/staff": "staff assignment; answers 204",
    "POST /api/v1/lab/labs/{code}/staff/remove": "staff assignment; answers 204",
    "POST /api/v1/lab/exemptions/{code}/revoke": "the exemption's code and end time; no person",
    "POST /api/v1/lab/packages": "a package: codes and tube counts",
    "GET /api/v1/lab/packages/{code}": "a package: codes and tube counts",
    "POST /api/v1/lab/packages/{code}/handover": "a package: codes and tube counts",
    "POST /api/v1/lab/labs/{code}/receipts": "barcodes and receipt anomalies, no member",
    "POST /api/v1/lab/labs/{code}/results": "counts of results applied",
    "POST /api/v1/lab/labs/{code}/uploads": "a file's reconciliation: counts, rows, barcodes",
    "GET /api/v1/lab/rounds/{code}/coverage": "aggregate counts per node",
    "GET /api/v1/lab/alerts": "tube-level alerts: barcode, node, due time; no member",
    "POST /api/v1/lab/alerts/{kind}/{barcode}/assign": "a tube-level alert",
    "POST /api/v1/lab/alerts/{kind}/{barcode}/close": "a tube-level alert",
    "GET /api/v1/lab/result-exports": "export batches: counts and delivery state",
    "POST /api/v1/lab/result-exports/{code}/retry": "an export batch: counts and state",
    "GET /api/v1/risk-areas": "risk areas: places, levels, dates",
    "POST /api/v1/risk-areas": "a risk area: a place, its level and dates",
    "GET /api/v1/risk-areas/{code}": "a risk area: a place, its level and dates",
    "POST /api/v1/risk-areas/{code}/level": "a risk area: a place, its level and dates",
    "POST /api/v1/risk-areas/{code}/lift": "a risk area: a place, its level and dates",
    "POST /api/v1/risk-areas/{code}/contacts": "a risk area; the contact's date, no person",
    "POST /api/v1/risk-areas/{code}/infections": "an infection by case code (never an "
    "identity or phone number, refused) and its area",
    "GET /api/v1/risk-areas/{code}/infections": "infections by case code and date",
    "GET /api/v1/risk-areas/{code}/history": "an area's history: levels, staff names, reasons",
    "GET /api/v1/risk-areas/{code}/lifting": "an area's clock and round counts",
    "POST /api/v1/tracing/scans": "a batch's counts and days; no row comes back",
    "POST /api/v1/tracing/dwells": "a batch's counts and days; no row comes back",
    "GET /api/v1/tracing/batches": "batches: source, key, counts, days",
    "POST /api/v1/tracing/venues": "a venue: a place, not a person",
    "POST /api/v1/tracing/cases/{code}/contacts/derive": "counts of new candidates by setting",
    "POST /api/v1/tracing/cases/{code}/companions/derive": "counts of new companions",
    "POST /api/v1/tracing/cases/{code}/contacts/confirm": "how many candidates changed",
    "POST /api/v1/tracing/cases/{code}/contacts/dismiss": "how many candidates changed",
    "POST /api/v1/tracing/cases/{code}/leads/push": "lists pushed: district, count, deadline",
    "GET /api/v1/tracing/leads": "lead lists: districts, counts, deadlines",
    "GET /api/v1/tracing/leads/not-checked": "counts per district",
    "POST /api/v1/tracing/leads/items/{code}/check": "the item's code, outcome and time",
    "GET /api/v1/regions": "jurisdiction nodes",
    "POST /api/v1/regions": "a jurisdiction node",
    "POST /api/v1/regions/import": "jurisdiction nodes",
    "GET /api/v1/regions/{code}": "a jurisdiction node",
    "POST /api/v1/regions/{code}/rename": "a jurisdiction node",
    "GET /api/v1/accounts/me": "the caller's own account",
    # Staff accounts are not the residents the access log is about; every change to them is
    # in the audit ledger, and their pages are administrators' only.
    "GET /api/v1/accounts/users": "staff accounts (administrators)",
    "POST /api/v1/accounts/users": "a staff account (administrators)",
    "GET /api/v1/accounts/users/{username}": "a staff account (administrators)",
    "POST /api/v1/accounts/users/{username}/grant": "a staff role (administrators)",
    "POST /api/v1/accounts/users/{username}/memberships/{membership_id}/revoke": "staff role",
    "POST /api/v1/accounts/users/{username}/deactivate": "a staff account (administrators)",
    "GET /api/v1/rule-sets": "rule sets",
    "POST /api/v1/rule-sets": "a rule set",
    "GET /api/v1/rule-sets/effective": "a rule set",
    "GET /api/v1/rule-sets/compare": "rule set differences",
    "GET /api/v1/rule-sets/{key}": "a rule set",
    "POST /api/v1/rule-sets/{key}/revisions": "a rule set revision",
    "POST /api/v1/rule-sets/{key}/revisions/{revision}/publish": "a rule set revision",
    "POST /api/v1/rule-sets/{key}/revisions/{revision}/retire": "a rule set revision",
    "GET /api/v1/cases/alerts": "timer alerts: case code, step, owner; no person",
    "POST /api/v1/cases/alerts/{code}/acknowledge": "a timer alert: case code, step, owner",
    "POST /api/v1/cases/alerts/{code}/close": "a timer alert: case code, step, owner",
    "GET /api/v1/cases/{code}/history": "a case's history: kinds, actors, reasons, rule sets",
    "POST /api/v1/cases/{code}/trajectory/{visit}/remove": "answers 204",
    "GET /api/v1/isolation/facilities": "isolation sites: places and room counts",
    "POST /api/v1/isolation/facilities": "an isolation site: a place and room counts",
    "GET /api/v1/isolation/facilities/{code}": "an isolation site and its activation",
    "POST /api/v1/isolation/facilities/{code}/transition": "an isolation site and its status",
    "POST /api/v1/isolation/facilities/{code}/rooms/import": "a count of rooms",
    "POST /api/v1/isolation/facilities/{code}/rooms/ready": "a count of rooms",
    "GET /api/v1/isolation/facilities/{code}/rooms": "rooms: numbers, beds, status; no occupant",
    "GET /api/v1/isolation/reserve/{region_code}": "counts of residents and rooms",
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
    "GET /api/v1/isolation/treatment/capacity": "counts of rooms and beds per site and district",
}


@dataclass
class World:
    """District A's screening round with a pooled-positive tube (re-test tasks open), its
    residents and households, a duplicate pair, and a staff member of each role needed."""

    s: Screening
    grid: Any
    clinician: Any
    person: Person
    household: Household
    pair: DuplicateCandidate
    tree: dict[str, Any]


@pytest.fixture
def world(tree) -> Any:
    with time_machine.travel(NINTH_EDITION_DAY, tick=True):
        s = screening_make(tree, residents=9)
        tube_bind(
            actor=s.sampler,
            screening_round=s.round,
            point=s.point,
            data=TubeInput(barcode="T0001", members=[MemberInput(id_number=n) for n in s.ids[:3]]),
        )
        package_receive(actor=s.technician, lab=s.lab, package_code="", barcodes=["T0001"])
        results_apply(
            actor=s.technician,
            lab=s.lab,
            rows=[ResultInput(barcode="T0001", result="pooled_positive", row=1)],
        )
        born = s.people[4].birth_date
        twin = person_make(
            region=tree["grid_a1"], name=s.people[4].name, birth_date=born, id_number=None
        )
        pair = DuplicateCandidate.objects.get(person_b=twin)
        yield World(
            s=s,
            grid=actor_make(role=Role.GRID_WORKER, region=tree["community_a"]),
            clinician=actor_make(role=Role.CLINICIAN, region=tree["district_a"]),
            person=s.people[5],
            household=s.households[0],
            pair=pair,
            tree=tree,
        )


def _key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


Call = Callable[[World, Any], Any]


def _tube(w: World, api: Any) -> Any:
    body = {
        "round": str(w.s.round.code),
        "point": str(w.s.point.code),
        "barcode": "T0002",
        "members": [{"id_number": w.s.ids[3]}],
    }
    return api(w.s.sampler).post("/api/v1/lab/tubes", body, headers=_key())


def _verify(w: World, api: Any) -> Any:
    person = w.s.people[0]
    code = sampling_code_issue(person_code=person.code, name=person.name, masked_id="")
    return api(w.s.sampler).post("/api/v1/lab/sampling-codes/verify", {"code": code})


def _person_create(w: World, api: Any) -> Any:
    body = {
        "name": "新来的",
        "region_code": w.tree["grid_a1"].code,
        "documents": [{"doc_type": "01", "number": unique_id_number()}],
    }
    return api(w.grid).post("/api/v1/people", body)


def _antigen(w: World, api: Any) -> Any:
    body = {
        "person": str(w.s.people[6].code),
        "source": "clinic",
        "result": "negative",
        "tested_at": timezone.now().isoformat(),
    }
    return api(w.clinician).post("/api/v1/lab/antigen", body, headers=_key())


def _exemption(w: World, api: Any) -> Any:
    body = {
        "person": str(w.s.people[7].code),
        "reason": "isolated",
        "valid_until": (timezone.now() + timedelta(days=3)).isoformat(),
    }
    return api(w.grid).post("/api/v1/lab/exemptions", body, headers=_key())


def _key_group(w: World, api: Any) -> Any:
    body = {
        "person": str(w.s.people[8].code),
        "group": "inbound_contact",
        "since": timezone.localdate().isoformat(),
    }
    return api(w.grid).post("/api/v1/lab/key-groups", body, headers=_key())


def _key_group_remove(w: World, api: Any) -> Any:
    _key_group(w, api)
    path = f"/api/v1/lab/key-groups/{w.s.people[8].code}/inbound_contact/remove"
    return api(w.grid).post(path, {"reason": "left the group"})


def _arrival(w: World, api: Any) -> Any:
    body = {
        "person": str(w.s.people[8].code),
        "arrived_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "origin": "广州",
    }
    return api(w.grid).post("/api/v1/lab/arrivals", body, headers=_key())


def _review(w: World, api: Any) -> Any:
    path = f"/api/v1/people/duplicates/{w.pair.code}/review"
    return api(w.grid).post(path, {"status": "not_duplicate", "note": "two people"})


def _update(w: World, api: Any) -> Any:
    path = f"/api/v1/people/{w.person.code}/update"
    return api(w.grid).post(path, {"version": w.person.version, "occupation": "教师"})


def _household_update(w: World, api: Any) -> Any:
    path = f"/api/v1/households/{w.household.code}/update"
    return api(w.grid).post(path, {"version": w.household.version, "address": "幸福里9号"})


def _case(w: World) -> Any:
    case, _created = case_open(
        actor=w.clinician, person=w.s.people[2], how_found="fever_clinic", reason="fever"
    )
    return case


def _epidemiologist(w: World) -> Any:
    return actor_make(role=Role.EPIDEMIOLOGIST, region=w.tree["district_a"])


def _case_post(w: World, api: Any, path: str, body: dict[str, Any], *, epi: bool = True) -> Any:
    actor = _epidemiologist(w) if epi else w.clinician
    return api(actor).post(f"/api/v1/cases/{_case(w).code}{path}", body, headers=_key())


#: A day of the 9th edition just before the 20 measures (a re-plan then applies them).
BEFORE_20_MEASURES = datetime(2022, 11, 9, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
UNDER_20_MEASURES = datetime(2022, 11, 12, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
#: The 9th-edition close contact of day 0 = 8 Nov is released on 18 Nov.
AFTER_RELEASE = datetime(2022, 11, 18, 10, tzinfo=ZoneInfo("Asia/Shanghai"))


def _isolation_order(w: World, person: int = 7) -> Any:
    with time_machine.travel(BEFORE_20_MEASURES, tick=True):
        return order_issue(
            actor=_epidemiologist(w),
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
        return api(_epidemiologist(w)).post("/api/v1/isolation/orders", body)


def _isolation_replan(w: World, api: Any) -> Any:
    order = _isolation_order(w)
    with time_machine.travel(UNDER_20_MEASURES, tick=True):
        return api(_epidemiologist(w)).post(
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
        case = _case(w)
        Case.objects.filter(pk=case.pk).update(classification="confirmed")
        case.refresh_from_db()
        order = home_isolation_order_issue(actor=w.clinician, case=case, reason="轻症居家")
        return api(w.clinician).post(
            f"/api/v1/isolation/orders/{order.code}/positive-tests",
            {"sampled_at": timezone.now().isoformat(), "result": "negative"},
        )


def _visit_body() -> dict[str, Any]:
    return {
        "place": "菜市场",
        "started_at": (timezone.now() - timedelta(hours=3)).isoformat(),
        "source": "interview",
    }


def _contacts(w: World, api: Any) -> Any:
    """A case with its housemate as a derived candidate, listed by the epidemiologist."""
    case = _case(w)
    epidemiologist = _epidemiologist(w)
    api(epidemiologist).post(f"/api/v1/tracing/cases/{case.code}/contacts/derive")
    return api(epidemiologist).get(f"/api/v1/tracing/cases/{case.code}/contacts")


def _lead_items(w: World, api: Any) -> Any:
    """The housemate of a case, living in district B, pushed there and read by district B."""
    from fangkong.tracing.contacts.services import contacts_derive
    from fangkong.tracing.leads.services import lead_lists_push

    person = w.s.people[2]
    household = Household.objects.create(region=w.tree["grid_b1"], address="外区1号")
    person.household = household
    person.save(update_fields=["household"])
    Person.objects.create(region=w.tree["grid_b1"], household=household, name="同住")
    with time_machine.travel(NINTH_EDITION_DAY, tick=True):  # close contacts identified then
        case = _case(w)
        epidemiologist = _epidemiologist(w)
        contacts_derive(actor=epidemiologist, case=case)
        [pushed] = lead_lists_push(actor=epidemiologist, case=case)
        receiver = actor_make(role=Role.EPIDEMIOLOGIST, region=w.tree["district_b"])
        return api(receiver).get(f"/api/v1/tracing/leads/{pushed.code}/items")


# --- community (issue 21) ---------------------------------------------------------------


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

    case = _case(w)
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
    case = _case(w)
    from fangkong.cases.models import Case

    Case.objects.filter(pk=case.pk).update(classification="asymptomatic")
    body = {
        "case": str(case.code),
        "facility": str(_fangcang_room(w).code),
        "room": "0001",
        "reason": "收治",
    }
    return api(w.clinician).post("/api/v1/isolation/treatment/admissions", body, headers=_key())


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


def _group(w: World) -> Any:
    """A work team at the person's node with the person in it."""
    from fangkong.core.actor import SYSTEM
    from fangkong.people.groups.services import group_create, group_members_add

    group = group_create(actor=SYSTEM, kind="work_team", name="一班", region=w.person.region)
    group_members_add(actor=SYSTEM, group=group, persons=[w.person.code])
    return group


#: A real call for each operation that returns personal data.
CALLS: dict[str, Call] = {
    "POST /api/v1/community/requests": lambda w, api: api(_duty(w)).post(
        "/api/v1/community/requests",
        {"household_code": str(w.household.code), "category": "food", "channel": "hotline"},
        headers=_key(),
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
        headers=_key(),
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
    "POST /api/v1/lab/tubes": _tube,
    "GET /api/v1/lab/tubes/{barcode}": lambda w, api: api(w.s.commander).get(
        "/api/v1/lab/tubes/T0001"
    ),
    "POST /api/v1/lab/people/{code}/sampling-code": lambda w, api: api(w.s.sampler).post(
        f"/api/v1/lab/people/{w.s.people[0].code}/sampling-code"
    ),
    "POST /api/v1/lab/sampling-codes/verify": _verify,
    "GET /api/v1/lab/retests": lambda w, api: api(w.s.commander).get("/api/v1/lab/retests"),
    "GET /api/v1/lab/rounds/{code}/untested": lambda w, api: api(w.s.commander).get(
        f"/api/v1/lab/rounds/{w.s.round.code}/untested"
    ),
    "GET /api/v1/lab/rounds/{code}/untested.csv": lambda w, api: api(w.s.commander).get(
        f"/api/v1/lab/rounds/{w.s.round.code}/untested.csv", purpose="door_to_door"
    ),
    "POST /api/v1/lab/exemptions": _exemption,
    "GET /api/v1/lab/people/{code}/tests": lambda w, api: api(w.s.commander).get(
        f"/api/v1/lab/people/{w.s.people[0].code}/tests"
    ),
    "POST /api/v1/lab/key-groups": _key_group,
    "POST /api/v1/lab/key-groups/{person}/{group}/remove": _key_group_remove,
    "GET /api/v1/lab/key-groups/overdue": lambda w, api: (
        _key_group(w, api),
        api(w.grid).get("/api/v1/lab/key-groups/overdue", all="true"),
    )[1],
    "POST /api/v1/lab/arrivals": _arrival,
    "GET /api/v1/lab/arrivals": lambda w, api: (
        _arrival(w, api),
        api(w.grid).get("/api/v1/lab/arrivals"),
    )[1],
    "POST /api/v1/lab/antigen": _antigen,
    "GET /api/v1/lab/persons/{code}/antigen": lambda w, api: (
        _antigen(w, api),
        api(w.clinician).get(f"/api/v1/lab/persons/{w.s.people[6].code}/antigen"),
    )[1],
    "POST /api/v1/people": _person_create,
    "GET /api/v1/people": lambda w, api: api(w.grid).get("/api/v1/people"),
    "POST /api/v1/people/search": lambda w, api: api(w.grid).post(
        "/api/v1/people/search", {"q": w.s.ids[5]}
    ),
    "GET /api/v1/people/duplicates": lambda w, api: api(w.grid).get("/api/v1/people/duplicates"),
    "POST /api/v1/people/duplicates/{code}/review": _review,
    "GET /api/v1/people/{code}": lambda w, api: api(w.grid).get(f"/api/v1/people/{w.person.code}"),
    "POST /api/v1/people/{code}/update": _update,
    "POST /api/v1/people/{code}/documents": lambda w, api: api(w.grid).post(
        f"/api/v1/people/{w.person.code}/documents", {"doc_type": "03", "number": "E12345678"}
    ),
    "POST /api/v1/people/{code}/needs": lambda w, api: api(w.grid).post(
        f"/api/v1/people/{w.person.code}/needs", {"kind": "dialysis"}
    ),
    "POST /api/v1/households": lambda w, api: api(w.grid).post(
        "/api/v1/households", {"region_code": w.tree["grid_a1"].code, "address": "幸福里8号"}
    ),
    "GET /api/v1/households": lambda w, api: api(w.grid).get("/api/v1/households"),
    "GET /api/v1/households/{code}": lambda w, api: api(w.grid).get(
        f"/api/v1/households/{w.household.code}"
    ),
    "GET /api/v1/groups/{code}": lambda w, api: api(w.grid).get(f"/api/v1/groups/{_group(w).code}"),
    "POST /api/v1/households/{code}/update": _household_update,
    "GET /api/v1/cases": lambda w, api: (_case(w), api(w.clinician).get("/api/v1/cases"))[1],
    "POST /api/v1/cases": lambda w, api: api(w.clinician).post(
        "/api/v1/cases",
        {"person": str(w.s.people[3].code), "how_found": "fever_clinic", "reason": "fever"},
        headers=_key(),
    ),
    "GET /api/v1/cases/{code}": lambda w, api: api(w.clinician).get(
        f"/api/v1/cases/{_case(w).code}"
    ),
    "POST /api/v1/cases/{code}/classify": lambda w, api: _case_post(
        w, api, "/classify", {"classification": "discarded", "reason": "PCR negative"}
    ),
    "POST /api/v1/cases/{code}/clinical": lambda w, api: _case_post(
        w, api, "/clinical", {"severity": "mild", "reason": "seen"}, epi=False
    ),
    "POST /api/v1/cases/{code}/take": lambda w, api: _case_post(w, api, "/take", {}),
    "POST /api/v1/cases/{code}/steps/{step}/complete": lambda w, api: _case_post(
        w, api, "/steps/report/complete", {}
    ),
    "GET /api/v1/cases/{code}/trajectory": lambda w, api: api(w.clinician).get(
        f"/api/v1/cases/{_case(w).code}/trajectory"
    ),
    "POST /api/v1/cases/{code}/trajectory": lambda w, api: _case_post(
        w, api, "/trajectory", _visit_body()
    ),
    "GET /api/v1/cases/{code}/exposures": lambda w, api: api(w.clinician).get(
        f"/api/v1/cases/{_case(w).code}/exposures"
    ),
    "POST /api/v1/cases/{code}/exposures": lambda w, api: _case_post(
        w,
        api,
        "/exposures",
        {
            "kind": "household",
            "person": str(w.s.people[1].code),
            "exposed_on": str(timezone.localdate()),
        },
    ),
    "GET /api/v1/tracing/cases/{code}/contacts": lambda w, api: _contacts(w, api),
    "GET /api/v1/tracing/leads/{code}/items": lambda w, api: _lead_items(w, api),
    "POST /api/v1/isolation/orders": _isolation_issue,
    "GET /api/v1/isolation/orders": lambda w, api: (
        _isolation_order(w),
        api(_epidemiologist(w)).get("/api/v1/isolation/orders"),
    )[1],
    "GET /api/v1/isolation/orders/{code}": lambda w, api: api(_epidemiologist(w)).get(
        f"/api/v1/isolation/orders/{_isolation_order(w).code}"
    ),
    "POST /api/v1/isolation/orders/{code}/replan": _isolation_replan,
    "POST /api/v1/isolation/allocations": _isolation_allocate,
    "POST /api/v1/isolation/orders/{code}/tests": _isolation_test,
    "POST /api/v1/isolation/orders/{code}/release": _isolation_release,
    "POST /api/v1/isolation/orders/{code}/positive-tests": _isolation_positive_test,
    "GET /api/v1/tracing/persons/{code}/scans": lambda w, api: api(
        actor_make(role=Role.EPIDEMIOLOGIST, region=w.tree["city"])
    ).get(f"/api/v1/tracing/persons/{w.s.people[0].code}/scans"),
}


# --- transfer and monitoring (issue 20 §4, §5) -----------------------------------------------

NO_PERSONAL_DATA.update(
    {
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
)


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


CALLS.update(
    {
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
)

_UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")


def _operations(api: Any, actor: Any) -> set[str]:
    schema = api(actor).get("/api/v1/openapi.json").json()
    return {f"{method.upper()} {path}" for path, ops in schema["paths"].items() for method in ops}


def test_every_operation_is_classified(tree, api):
    operations = _operations(api, actor_make(role=Role.ADMINISTRATOR, region=tree["city"]))
    unclassified = operations - set(NO_PERSONAL_DATA) - set(CALLS)
    assert not unclassified, f"classify these operations (personal data or not): {unclassified}"
    stale = (set(NO_PERSONAL_DATA) | set(CALLS)) - operations
    assert not stale, f"no longer in the OpenAPI document: {stale}"
    assert not set(NO_PERSONAL_DATA) & set(CALLS)


@pytest.mark.parametrize("operation", sorted(CALLS))
def test_an_operation_with_personal_data_logs_every_subject_it_shows(operation, world, api):
    known = {code.hex for code in Person.objects.values_list("code", flat=True)}
    known |= {code.hex for code in Household.objects.values_list("code", flat=True)}
    before = AccessEntry.objects.aggregate(last=Max("id"))["last"] or 0
    response = CALLS[operation](world, api)
    assert 200 <= response.status_code < 300, (operation, response.content[:500])
    rows = list(AccessEntry.objects.filter(id__gt=before))
    assert rows, f"{operation} showed personal data without an access row"
    logged = {uuid.UUID(str(value)).hex for row in rows for value in row.subject_ids}
    # A household shown as the address of a person whose read is logged is logged with them.
    logged |= {
        code.hex
        for code in Household.objects.filter(
            members__code__in=[uuid.UUID(value) for value in logged]
        ).values_list("code", flat=True)
    }
    known |= {code.hex for code in Person.objects.values_list("code", flat=True)}
    known |= {code.hex for code in Household.objects.values_list("code", flat=True)}
    shown = {match.replace("-", "") for match in _UUID.findall(response.content.decode())}
    unlogged = (shown & known) - logged
    assert not unlogged, f"{operation} showed {len(unlogged)} subjects it did not log"
