"""Reads of facilities and rooms, scoped to the actor's subtree; activation progress against
the rule set's staged targets and the reserve of rooms per 10,000 residents (R23)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet

from fangkong.core.actor import AnyActor
from fangkong.isolation.choices import FacilityKind, FacilityStatus, RoomStatus
from fangkong.isolation.models import Facility, Room
from fangkong.people.selectors import person_scope
from fangkong.policy.rules import EffectiveRules
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree

#: Sites that count towards the isolation-room reserve (hospitals treat; they do not isolate).
RESERVE_KINDS = (FacilityKind.CENTRAL_SITE, FacilityKind.HEALTH_STATION)


def facility_scope(actor: AnyActor) -> QuerySet[Facility]:
    """Facilities whose node lies in the actor's subtree (the system: all)."""
    facilities = Facility.objects.all()
    if actor.region_path:
        facilities = facilities.filter(in_subtree(actor.region_path, field="region__path"))
    return facilities


def facility_list(*, actor: AnyActor, status: str = "", kind: str = "") -> QuerySet[Facility]:
    """The actor's facilities with their room counts (``rooms_total``, ``rooms_ready``,
    ``rooms_free``, ``rooms_occupied``), in one query; optionally of one status or kind."""
    facilities = facility_scope(actor).select_related("region")
    if status:
        facilities = facilities.filter(status=status)
    if kind:
        facilities = facilities.filter(kind=kind)
    return facilities.annotate(
        rooms_total=Count("rooms"),
        rooms_ready=Count("rooms", filter=Q(rooms__ready_at__isnull=False)),
        rooms_free=Count(
            "rooms", filter=Q(rooms__status=RoomStatus.FREE, rooms__ready_at__isnull=False)
        ),
        rooms_occupied=Count("rooms", filter=Q(rooms__status=RoomStatus.OCCUPIED)),
    )


def room_list(*, facility: Facility) -> QuerySet[Room]:
    """The rooms of a facility the caller already holds (through ``access_facility``)."""
    return Room.objects.filter(facility=facility).order_by("floor", "number")


@dataclass(frozen=True)
class StageProgress:
    """One staged target: ``rooms`` to be ready within ``hours`` (``percent`` of all);
    ``due`` once the hours have passed since activation began, ``met`` when enough are."""

    hours: int
    percent: int
    rooms: int
    due: bool
    met: bool


@dataclass(frozen=True)
class ActivationProgress:
    """How far a facility's activation has come: ready of total rooms, the hours since the
    order to activate (``None`` before it), each stage, and whether a due stage is missed."""

    ready: int
    total: int
    hours_elapsed: float | None
    stages: tuple[StageProgress, ...]

    @property
    def behind(self) -> bool:
        return any(stage.due and not stage.met for stage in self.stages)


def activation_progress(
    facility: Facility, *, rules: EffectiveRules, now: datetime
) -> ActivationProgress:
    """Ready rooms against the staged targets of ``rules`` (``isolation_sites``, R23).

    1. Ready rooms are those with ``ready_at`` set; the target of a stage is the percent of
       all rooms, rounded up (a third of 100 rooms is 34).
    2. A stage is due once its hours have passed since ``activation_started_at``; a facility
       in reserve has no clock, so nothing is due.
    """
    counts = Room.objects.filter(facility=facility).aggregate(
        total=Count("id"), ready=Count("id", filter=Q(ready_at__isnull=False))
    )
    total, ready = int(counts["total"]), int(counts["ready"])
    started = facility.activation_started_at
    if facility.status == FacilityStatus.RESERVE:
        started = None
    elapsed = (now - started).total_seconds() / 3600 if started is not None else None
    stages = tuple(
        StageProgress(
            hours=stage.hours,
            percent=stage.percent,
            rooms=math.ceil(total * stage.percent / 100),
            due=elapsed is not None and elapsed >= stage.hours,
            met=ready >= math.ceil(total * stage.percent / 100),
        )
        for stage in rules.parameters.isolation_sites.activation_stages
    )
    return ActivationProgress(ready=ready, total=total, hours_elapsed=elapsed, stages=stages)


@dataclass(frozen=True)
class ReserveReport:
    """Isolation rooms at central sites and health stations under ``region`` against the rule
    set's reserve per 10,000 residents (``target`` is ``None`` when the rules set none)."""

    region_code: str
    residents: int
    rooms: int
    per_10k: float
    target_per_10k: int | None
    target_rooms: int | None

    @property
    def short_by(self) -> int:
        return max(0, (self.target_rooms or 0) - self.rooms)


def reserve_report(*, actor: AnyActor, region: Region, rules: EffectiveRules) -> ReserveReport:
    """The reserve of isolation rooms at ``region`` (in the actor's scope; the caller checks)
    against ``isolation_sites.reserve_rooms_per_10k_residents`` (R23). Residents are the
    persons registered at nodes of the subtree; the target rounds up."""
    residents = person_scope(actor).filter(in_subtree(region.path, field="region__path")).count()
    rooms = Room.objects.filter(
        in_subtree(region.path, field="facility__region__path"),
        facility__kind__in=RESERVE_KINDS,
    ).count()
    per_10k = rules.parameters.isolation_sites.reserve_rooms_per_10k_residents
    return ReserveReport(
        region_code=region.code,
        residents=residents,
        rooms=rooms,
        per_10k=round(rooms * 10_000 / residents, 1) if residents else 0.0,
        target_per_10k=per_10k,
        target_rooms=math.ceil(residents * per_10k / 10_000) if per_10k is not None else None,
    )
