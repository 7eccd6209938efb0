"""Builders for picture tests: an outbreak made through the products' services (a pooled
positive, single re-tests, a confirmed case, an isolation site), and extra nodes to grow a
subtree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.cases.choices import CaseClassification
from fangkong.cases.models import Case
from fangkong.cases.services.cases import case_classify
from fangkong.cases.tests.factories import case_from_retest, outbreak_make
from fangkong.core.actor import Actor
from fangkong.isolation.models import Facility
from fangkong.isolation.orders.services import orders_issue
from fangkong.isolation.tests.factories import facility_make, staff_make
from fangkong.people.tests.factories import person_make
from fangkong.regions.models import Region
from fangkong.regions.tests.factories import region_make


@dataclass
class Scene:
    tree: dict[str, Any]
    case: Case
    facility: Facility
    commander: Actor
    county: Actor
    sibling: Actor


def scene_make(tree: dict[str, Any]) -> Scene:
    """A confirmed case in district A's first grid (onset two days ago) found by a pooled
    positive and re-tests, and an active isolation site of 10 rooms in district A; a
    commander at the city, one at district A and one at district B."""
    o = outbreak_make(tree)
    case = case_from_retest(o)
    case = case_classify(
        actor=o.epidemiologist,
        case=case,
        classification=CaseClassification.CONFIRMED,
        reason="复核阳性",
        onset_date=timezone.localdate() - timedelta(days=2),
    )
    staff = staff_make(tree)
    facility = facility_make(staff)
    contacts = [person_make(region=tree["grid_a2"], name=f"王{n}") for n in range(3)]
    orders_issue(
        actor=staff.epidemiologist,
        persons=contacts,
        group="close_contact",
        day0=timezone.localdate() - timedelta(days=12),
        reason="密接",
    )
    return Scene(
        tree=tree,
        case=case,
        facility=facility,
        commander=actor_make(role=Role.COMMANDER, region=tree["city"]),
        county=actor_make(role=Role.COMMANDER, region=tree["district_a"]),
        sibling=actor_make(role=Role.COMMANDER, region=tree["district_b"]),
    )


def districts_add(city: Region, count: int) -> list[Region]:
    """``count`` more districts under ``city``, each with two streets."""
    added = []
    for number in range(count):
        code = f"{city.code[:4]}{50 + number:02d}"
        district = region_make(code, f"新区{number}", city)
        for street in (1, 2):
            region_make(f"{code}{street:03d}", f"新区{number}街道{street}", district)
        added.append(district)
    return added
