"""Reads for the companions of cases: the companions themselves from the dwell store (one
pass for many cases), and the cases a batch is for."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from fangkong.cases.choices import CaseClassification, CaseEventKind
from fangkong.cases.models import Case, CaseEvent
from fangkong.engine.companions import companions_find
from fangkong.policy.rules import EffectiveRules
from fangkong.tracing.store import day_start, dwells_frame


@dataclass(frozen=True)
class Companion:
    """A person with more than the rule set's minutes in one cell with the case: the overlap
    summed over the cells through which they are companions."""

    person_id: int
    overlap_seconds: int


def companions_of_cases(
    cases: Sequence[Case], rules: EffectiveRules, now: datetime
) -> dict[int, list[Companion]]:
    """The companions of each case's person, by case id, from **one** pass over the dwell
    store for all of them (every case ``[]`` where the rules search none). The result for a
    case is the one it would get alone: a companion is counted per (companion, case, cell)
    from that case's own dwells, the other cases' only widen what is read.

    Steps:

    1. ``companions.window_days`` local days back to today (counting today), up to ``now``;
    2. the cells the cases' persons stayed in (one store read narrowed to the persons), then
       every dwell interval in those cells over the window (one read narrowed to the cells);
    3. one ``engine.companions.companions_find`` over all the cases' persons, with more than
       ``companions.overlap_minutes`` and, when set, ``companions.cumulative_stay_hours`` as
       the cumulative-stay filter; its rows split by case.
    """
    result: dict[int, list[Companion]] = {case.pk: [] for case in cases}
    companions = rules.parameters.companions
    if companions is None or not cases:
        return result
    today = timezone.localdate(now)
    first = today - timedelta(days=companions.window_days - 1)
    persons = sorted({case.person_id for case in cases})
    own = dwells_frame(first, today, persons=persons).select("cell").collect()
    cells = own["cell"].unique().to_list()
    if not cells:
        return result
    dwells = dwells_frame(first, today, cells=cells).collect()
    hours = companions.cumulative_stay_hours
    found = companions_find(
        person=dwells["person"].to_numpy(),
        cell=dwells["cell"].to_numpy(),
        start=dwells["start"].dt.epoch("s").to_numpy(),
        end=dwells["end"].dt.epoch("s").to_numpy(),
        cases=persons,
        window_start=int(day_start(first).timestamp()),
        window_end=int(now.timestamp()),
        min_overlap=companions.overlap_minutes * 60,
        min_cumulative_stay=hours * 3600 if hours is not None else None,
    )
    case_of_person = {case.person_id: case.pk for case in cases}
    for person, case_person, overlap in zip(
        found.companion.tolist(), found.case.tolist(), found.overlap.tolist(), strict=True
    ):
        result[case_of_person[case_person]].append(
            Companion(person_id=person, overlap_seconds=overlap)
        )
    return result


def cases_classified_since(since: datetime) -> list[Case]:
    """Open cases classified confirmed or asymptomatic at or after ``since`` (their
    classification events), oldest first: the cases a batch of companion derivations is
    for. Unscoped: for the system's job."""
    events = CaseEvent.objects.filter(
        kind=CaseEventKind.CLASSIFIED,
        at__gte=since,
        to_value__in=[CaseClassification.CONFIRMED, CaseClassification.ASYMPTOMATIC],
    )
    return list(
        Case.objects.filter(closed_at__isnull=True, pk__in=events.values("case_id"))
        .select_related("person", "region")
        .order_by("opened_at", "id")
    )
