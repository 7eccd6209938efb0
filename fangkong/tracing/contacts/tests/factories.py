"""A case with a trajectory visit at a venue, and people whose scans overlap it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.cases.models import Case
from fangkong.cases.services.investigation import trajectory_visit_add
from fangkong.cases.services.opening import case_open
from fangkong.core.actor import SYSTEM, Actor
from fangkong.people.models import Person
from fangkong.people.tests.factories import household_make, person_make
from fangkong.tracing.models import Venue
from fangkong.tracing.services import batch_ingest
from fangkong.tracing.tests.factories import scan_row, venue_make


@dataclass
class Scene:
    case: Case
    venue: Venue
    epidemiologist: Actor
    other_epidemiologist: Actor
    housemate: Person
    tree: dict[str, Any]
    guests: list[Person] = field(default_factory=list)


def scans_ingest(rows: list[dict[str, Any]], key: str) -> None:
    keys = dict.fromkeys(k for row in rows for k in row)
    frame = pl.DataFrame(
        [{k: row.get(k) for k in keys} for row in rows], schema=dict.fromkeys(keys, pl.String)
    )
    batch_ingest(actor=SYSTEM, kind="scans", frame=frame, source="test", batch_key=key)


def scene_make(tree: dict[str, Any], *, onset: date, visit_at: datetime) -> Scene:
    """A case (onset ``onset``) living with a housemate, whose trajectory has one hour at a
    venue from ``visit_at``; the case's own scan there too."""
    household = household_make(region=tree["grid_a1"])
    person = person_make(region=tree["grid_a1"], household=household, name="病例")
    housemate = person_make(region=tree["grid_a1"], household=household, name="同住")
    clinician = actor_make(role=Role.CLINICIAN, region=tree["district_a"])
    epidemiologist = actor_make(role=Role.EPIDEMIOLOGIST, region=tree["district_a"])
    case, _created = case_open(
        actor=clinician, person=person, how_found="fever_clinic", reason="fever", onset_date=onset
    )
    venue = venue_make(region=tree["grid_a1"])
    trajectory_visit_add(
        actor=epidemiologist,
        case=case,
        place="饭店",
        venue_code=venue.code,
        started_at=visit_at,
        ended_at=visit_at + timedelta(hours=1),
        source="interview",
    )
    return Scene(
        case=case,
        venue=venue,
        epidemiologist=epidemiologist,
        other_epidemiologist=actor_make(role=Role.EPIDEMIOLOGIST, region=tree["district_b"]),
        housemate=housemate,
        tree=tree,
    )


def overlapping_guests(
    scene: Scene, at: datetime, count: int, *, key: str = "1", home: str = "grid_a2"
) -> list[Person]:
    """``count`` people living in ``home`` who scanned the venue 10 minutes into the visit,
    for 30 minutes, and one who left the minute the case came (touching: not a contact)."""
    guests = [
        person_make(
            region=scene.tree[home],
            household=household_make(region=scene.tree[home], address=f"外区{n}号"),
            name=f"客{n}",
            phone=f"1380000000{n}",
        )
        for n in range(count)
    ]
    early = person_make(region=scene.tree["grid_a2"], name="早走")
    rows = [scan_row(g, scene.venue, at + timedelta(minutes=10)) for g in guests]
    rows.append(scan_row(early, scene.venue, at - timedelta(minutes=30)))
    scans_ingest(rows, key)
    return guests
