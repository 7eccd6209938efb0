"""Builders for treatment tests: a positive case opened the way production opens one (a
pooled positive re-tested singly, then classified asymptomatic), staff at districts A and B,
and Fangcang and designated hospitals with wards through the facility services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.cases.models import Case
from fangkong.cases.services.cases import case_classify
from fangkong.cases.tests.factories import (
    Outbreak,
    case_from_retest,
    outbreak_make,
    pooled_positive,
    results,
    retests_bind,
)
from fangkong.core.actor import Actor
from fangkong.isolation.choices import FacilityKind
from fangkong.isolation.models import Facility
from fangkong.isolation.tests.factories import Staff, facility_make, staff_make


@dataclass
class Ward:
    outbreak: Outbreak
    staff: Staff
    clinician: Actor
    other_clinician: Actor
    case: Case
    fangcang: Facility
    hospital: Facility


def ward_make(tree: dict[str, Any], *, rooms: int = 3) -> Ward:
    """An asymptomatic case in district A, a Fangcang and a designated hospital there with
    ``rooms`` single-bed rooms each (ready), and clinicians at districts A and B."""
    outbreak = outbreak_make(tree)
    case = case_from_retest(outbreak)
    case_classify(
        actor=outbreak.epidemiologist,
        case=case,
        classification="asymptomatic",
        reason="单管复核阳性",
    )
    staff = staff_make(tree)
    return Ward(
        outbreak=outbreak,
        staff=staff,
        clinician=outbreak.clinician,
        other_clinician=actor_make(role=Role.CLINICIAN, region=tree["district_b"]),
        case=Case.objects.get(pk=case.pk),
        fangcang=facility_make(
            staff, name="会展中心方舱医院", kind=FacilityKind.FANGCANG, rooms=rooms
        ),
        hospital=facility_make(
            staff, name="市第八人民医院", kind=FacilityKind.DESIGNATED_HOSPITAL, rooms=rooms
        ),
    )


def second_case(ward: Ward) -> Case:
    """Another asymptomatic case in district A: a second pooled positive of residents 4–6,
    whose fifth resident re-tests positive."""
    o = ward.outbreak
    pooled_positive(o, "T0002", o.s.ids[3:6])
    barcodes = retests_bind(o, "S", o.s.ids[3:6])
    results(o, {b: ("positive" if i == 1 else "negative") for i, b in enumerate(barcodes)})
    case = Case.objects.get(person=o.s.people[4])
    return case_classify(
        actor=o.epidemiologist, case=case, classification="asymptomatic", reason="单管复核阳性"
    )
