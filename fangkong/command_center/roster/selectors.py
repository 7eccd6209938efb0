"""Reads of a working group's shifts (the group is reached through ``structure.access``, so
these are in the actor's scope already)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from fangkong.command_center.models import DutyShift, WorkingGroup
from fangkong.engine.roster import roster_check
from fangkong.policy.selectors import rules_for


def shift_list(*, group: WorkingGroup, start: datetime, end: datetime) -> QuerySet[DutyShift]:
    """The group's shifts overlapping ``[start, end)``, in order, with their people."""
    return (
        DutyShift.objects.filter(group=group, ends_at__gt=start, starts_at__lt=end)
        .select_related("user")
        .order_by("starts_at", "id")
    )


def shift_get(*, group: WorkingGroup, shift_id: int) -> DutyShift | None:
    """The group's shift ``shift_id``, or ``None``."""
    return DutyShift.objects.filter(group=group, pk=shift_id).first()


@dataclass(frozen=True)
class RosterFlags:
    """What the roster check found over a window, as rows to show: uncovered periods,
    shifts that end a run too long, shifts that start after too short a rest."""

    gaps: list[tuple[datetime, datetime]]
    long_runs: list[DutyShift]
    short_rests: list[DutyShift]
    rule_set: str

    @property
    def clean(self) -> bool:
        return not (self.gaps or self.long_runs or self.short_rests)


def _minutes(moment: datetime) -> int:
    return int(moment.timestamp() // 60)


def roster_flags(*, group: WorkingGroup, start: datetime, end: datetime) -> RosterFlags:
    """Check the group's shifts overlapping ``[start, end)`` (one query) against 24-hour
    cover and the rules in force at the body's node."""
    shifts = list(shift_list(group=group, start=start, end=end))
    rules = rules_for(group.body.region, timezone.localdate(start))
    command = rules.parameters.command
    check = roster_check(
        starts=[_minutes(s.starts_at) for s in shifts],
        ends=[_minutes(s.ends_at) for s in shifts],
        persons=[s.user_id for s in shifts],
        window_start=_minutes(start),
        window_end=_minutes(end),
        max_consecutive_shifts=command.roster_max_consecutive_shifts,
        max_consecutive_hours=command.roster_max_consecutive_hours,
        min_rest_hours=command.roster_min_rest_hours,
    )

    def at(minute: int) -> datetime:
        return datetime.fromtimestamp(minute * 60, tz=start.tzinfo)

    return RosterFlags(
        gaps=[(at(a), at(b)) for a, b in check.gaps],
        long_runs=[shifts[i] for i in check.long_runs],
        short_rests=[shifts[i] for i in check.short_rests],
        rule_set=rules.label,
    )
