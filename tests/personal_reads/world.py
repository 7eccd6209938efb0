"""What the classified calls of ``tests/test_personal_reads_are_logged.py`` share: the world they
run in (built by that module's ``world`` fixture) and the helpers more than one app uses."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.cases.services.opening import case_open
from fangkong.lab.tests.factories import Screening
from fangkong.people.models import DuplicateCandidate, Household, Person


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


def idempotency_key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


Call = Callable[[World, Any], Any]


def case_opened(w: World) -> Any:
    case, _created = case_open(
        actor=w.clinician, person=w.s.people[2], how_found="fever_clinic", reason="fever"
    )
    return case


def epidemiologist_of(w: World) -> Any:
    return actor_make(role=Role.EPIDEMIOLOGIST, region=w.tree["district_a"])
