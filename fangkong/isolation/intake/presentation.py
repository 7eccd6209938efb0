"""What the arrivals page shows of a registered arrival and its person, and the access row that
read writes (purpose: care, like every isolation read of a person)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from fangkong.core.actor import AnyActor
from fangkong.core.audit import access_record
from fangkong.isolation.presentation import PURPOSE
from fangkong.lab.models import Arrival


@dataclass(frozen=True)
class ArrivalRow:
    person_code: UUID
    person_name: str
    region_name: str
    origin: str
    arrived_at: datetime


def arrival_rows(actor: AnyActor, arrivals: Sequence[Arrival]) -> list[ArrivalRow]:
    """Rows of registered arrivals (persons and nodes loaded by the caller's selector); one
    access row naming every person shown."""
    rows = [
        ArrivalRow(
            person_code=arrival.person.code,
            person_name=arrival.person.name,
            region_name=arrival.region.name,
            origin=arrival.origin,
            arrived_at=arrival.arrived_at,
        )
        for arrival in arrivals
    ]
    access_record(
        actor=actor,
        purpose=PURPOSE,
        action="arrival_awaiting_order_list",
        subject_type="person",
        subject_ids=sorted({str(row.person_code) for row in rows}),
    )
    return rows
