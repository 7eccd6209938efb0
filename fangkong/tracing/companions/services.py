"""Companions of one case from the cell dwell intervals (R20), with the rule set's values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from fangkong.cases.models import Case
from fangkong.engine.companions import companions_find
from fangkong.policy.rules import EffectiveRules
from fangkong.tracing.store import day_start, dwells_frame


@dataclass(frozen=True)
class Companion:
    """A person with more than the rule set's minutes in one cell with the case: the overlap
    summed over the cells through which they are companions."""

    person_id: int
    overlap_seconds: int


def case_companions(case: Case, rules: EffectiveRules, now: datetime) -> list[Companion]:
    """The companions of ``case``'s person (``[]`` where the rules search none).

    Steps:

    1. ``companions.window_days`` local days back to today (counting today), up to ``now``;
    2. the cells the case's person stayed in (the store read narrowed to the person), then
       every dwell interval in those cells over the window (narrowed to the cells);
    3. ``engine.companions.companions_find`` with more than ``companions.overlap_minutes``
       and, when set, ``companions.cumulative_stay_hours`` as the cumulative-stay filter.
    """
    companions = rules.parameters.companions
    if companions is None:
        return []
    today = timezone.localdate(now)
    first = today - timedelta(days=companions.window_days - 1)
    own = dwells_frame(first, today, persons=[case.person_id]).select("cell").collect()
    cells = own["cell"].unique().to_list()
    if not cells:
        return []
    dwells = dwells_frame(first, today, cells=cells).collect()
    hours = companions.cumulative_stay_hours
    found = companions_find(
        person=dwells["person"].to_numpy(),
        cell=dwells["cell"].to_numpy(),
        start=dwells["start"].dt.epoch("s").to_numpy(),
        end=dwells["end"].dt.epoch("s").to_numpy(),
        cases=[case.person_id],
        window_start=int(day_start(first).timestamp()),
        window_end=int(now.timestamp()),
        min_overlap=companions.overlap_minutes * 60,
        min_cumulative_stay=hours * 3600 if hours is not None else None,
    )
    return [
        Companion(person_id=person, overlap_seconds=overlap)
        for person, overlap in zip(found.companion.tolist(), found.overlap.tolist(), strict=True)
    ]
