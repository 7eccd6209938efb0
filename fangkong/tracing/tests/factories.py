"""Builders for venues and small batches in tracing tests."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from fangkong.core.actor import SYSTEM, AnyActor
from fangkong.people.models import Person
from fangkong.regions.models import Region
from fangkong.tracing.models import Venue
from fangkong.tracing.services import venue_register

_serial = itertools.count(1)


def venue_make(*, region: Region, kind: str = "restaurant", actor: AnyActor = SYSTEM) -> Venue:
    serial = next(_serial)
    return venue_register(
        actor=actor,
        code=f"V{region.code[:6]}{serial:06d}",
        name=f"Venue {serial}",
        region_code=region.code,
        kind=kind,
    )


def scan_row(
    person: Person,
    venue: Venue,
    at: datetime,
    *,
    stay: timedelta | None = timedelta(minutes=30),
    **extra: Any,
) -> dict[str, Any]:
    """One scan as a feed sends it (ISO times with offset)."""
    return {
        "person": str(person.code),
        "venue": venue.code,
        "scanned_at": at.isoformat(),
        "left_at": (at + stay).isoformat() if stay is not None else None,
        **extra,
    }
