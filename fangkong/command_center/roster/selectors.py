"""Reads of a working group's shifts (the group is reached through ``structure.access``, so
these are in the actor's scope already), and the roster check: the group's cover, and the
exhaustion rules over every roster its people are on (a person on two working groups'
rosters, of this body or another, is checked across both)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from fangkong.command_center.models import DutyShift, WorkingGroup
from fangkong.engine.roster import exhaustion_check, roster_check
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
    """What the roster check found over a window, as rows to show: uncovered periods of the
    group, shifts that end a run too long, shifts that start after too short a rest, and
    shifts that start while the same person is on another shift. The shifts are of any
    group the group's people are on (``shift.group`` says which)."""

    gaps: list[tuple[datetime, datetime]]
    long_runs: list[DutyShift]
    short_rests: list[DutyShift]
    rule_set: str
    overlaps: list[DutyShift] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.gaps or self.long_runs or self.short_rests or self.overlaps)

    def flagged(self) -> set[int]:
        """The ids of the flagged shifts (rows the page marks)."""
        return {s.pk for s in [*self.long_runs, *self.short_rests, *self.overlaps]}


def _minutes(moment: datetime) -> int:
    return int(moment.timestamp() // 60)


def roster_flags(*, group: WorkingGroup, start: datetime, end: datetime) -> RosterFlags:
    """Check the group's shifts overlapping ``[start, end)`` against 24-hour cover, and
    every shift of the people on them, in any working group, against the rules in force at
    the body's node (two queries).

    The people's other shifts are read from a margin before and after the window (the
    longest run allowed plus the minimum rest), so a run or a rest that crosses the window's
    edge, or another group's roster, is judged whole. A flag on another group's shift is
    shown too: both rosters together break the rule.
    """
    shifts = list(shift_list(group=group, start=start, end=end))
    rules = rules_for(group.body.region, timezone.localdate(start))
    command = rules.parameters.command
    limits = {
        "max_consecutive_shifts": command.roster_max_consecutive_shifts,
        "max_consecutive_hours": command.roster_max_consecutive_hours,
        "min_rest_hours": command.roster_min_rest_hours,
    }
    cover = roster_check(
        starts=[_minutes(s.starts_at) for s in shifts],
        ends=[_minutes(s.ends_at) for s in shifts],
        persons=[s.user_id for s in shifts],
        window_start=_minutes(start),
        window_end=_minutes(end),
        **limits,
    )
    margin = timedelta(hours=command.roster_max_consecutive_hours + command.roster_min_rest_hours)
    everyone = list(
        DutyShift.objects.filter(
            user_id__in={s.user_id for s in shifts},
            ends_at__gt=start - margin,
            starts_at__lt=end + margin,
        )
        .select_related("user", "group", "group__body")
        .order_by("starts_at", "id")
    )
    check = exhaustion_check(
        starts=[_minutes(s.starts_at) for s in everyone],
        ends=[_minutes(s.ends_at) for s in everyone],
        persons=[s.user_id for s in everyone],
        **limits,
    )

    def at(minute: int) -> datetime:
        return datetime.fromtimestamp(minute * 60, tz=start.tzinfo)

    def within(positions: list[int]) -> list[DutyShift]:
        return [
            everyone[i]
            for i in positions
            if everyone[i].ends_at > start and everyone[i].starts_at < end
        ]

    return RosterFlags(
        gaps=[(at(a), at(b)) for a, b in cover.gaps],
        long_runs=within(check.long_runs),
        short_rests=within(check.short_rests),
        overlaps=within(check.overlaps),
        rule_set=rules.label,
    )
