"""Reads of vehicles, crews, transfer tasks and their late alerts, scoped to the actor's
subtree; a transfer crew member (a member of any crew) sees only their crews' tasks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from fangkong.accounts.models import Membership, User
from fangkong.core.actor import AnyActor, SystemActor
from fangkong.core.roles import Role
from fangkong.isolation.choices import TransferStatus
from fangkong.isolation.models import (
    ACTIVE_STATUSES,
    TransferAlert,
    TransferCrew,
    TransferTask,
    Vehicle,
)
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree

#: Path depth of a street (province.city.district.street): pickups are grouped by it.
STREET_DEPTH = 4


def crew_member(actor: AnyActor) -> bool:
    """Whether the actor belongs to a transfer crew (then they see only its tasks)."""
    if isinstance(actor, SystemActor):
        return False
    return TransferCrew.objects.filter(members__id=actor.user_id).exists()


def vehicle_scope(actor: AnyActor) -> QuerySet[Vehicle]:
    """Vehicles based in the actor's subtree."""
    vehicles = Vehicle.objects.all()
    if actor.region_path:
        vehicles = vehicles.filter(in_subtree(actor.region_path, field="region__path"))
    return vehicles


def vehicle_list(*, actor: AnyActor, state: str = "") -> QuerySet[Vehicle]:
    """The actor's vehicles by plate, with ``seats_taken`` (tasks assigned or picked up)."""
    vehicles = vehicle_scope(actor).select_related("region")
    if state:
        vehicles = vehicles.filter(state=state)
    return vehicles.annotate(
        seats_taken=Count(
            "tasks",
            filter=Q(tasks__status__in=[TransferStatus.ASSIGNED, TransferStatus.PICKED_UP]),
        )
    ).order_by("plate")


def crew_scope(actor: AnyActor) -> QuerySet[TransferCrew]:
    """Crews at nodes of the actor's subtree."""
    crews = TransferCrew.objects.all()
    if actor.region_path:
        crews = crews.filter(in_subtree(actor.region_path, field="region__path"))
    return crews


def crew_list(*, actor: AnyActor) -> QuerySet[TransferCrew]:
    """The actor's crews by name, with their member count."""
    return crew_scope(actor).annotate(member_count=Count("members")).order_by("name", "id")


def transfer_scope(actor: AnyActor) -> QuerySet[TransferTask]:
    """Tasks whose node lies in the actor's subtree; for a crew member only their crews'."""
    tasks = TransferTask.objects.all()
    if actor.region_path:
        tasks = tasks.filter(in_subtree(actor.region_path, field="region__path"))
    if crew_member(actor):
        tasks = tasks.filter(crew__members__id=actor.user_id)
    return tasks


def transfer_list(
    *, actor: AnyActor, status: str = "", kind: str = "", on: date | None = None
) -> QuerySet[TransferTask]:
    """The actor's tasks by window, optionally of one status or kind or with a window
    starting on the local day ``on`` (persons and addresses go through ``presentation``)."""
    tasks = transfer_scope(actor).select_related(
        "person", "region", "vehicle", "crew", "destination_facility", "order"
    )
    if status:
        tasks = tasks.filter(status=status)
    if kind:
        tasks = tasks.filter(kind=kind)
    if on is not None:
        start = timezone.make_aware(datetime.combine(on, time.min))
        tasks = tasks.filter(window_start__gte=start, window_start__lt=start + timedelta(days=1))
    return tasks.order_by("window_start", "id")


def transfer_counts(*, actor: AnyActor) -> dict[str, int]:
    """The actor's tasks counted by status (one query)."""
    counts = dict.fromkeys(TransferStatus.values, 0)
    for row in transfer_scope(actor).values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return counts


@dataclass(frozen=True)
class StreetPickups:
    street_code: str
    street_name: str
    tasks: list[TransferTask]


def pickups_by_street(*, actor: AnyActor, on: date) -> list[StreetPickups]:
    """Today's pickups still under way, grouped by the street (街道) of the task's node, by
    street name; two queries. Tasks at a node above street level group under that node."""
    tasks = list(
        transfer_list(actor=actor, on=on).filter(status__in=[s.value for s in ACTIVE_STATUSES])
    )
    codes = {task.region.path.split(".")[:STREET_DEPTH][-1] for task in tasks}
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    groups: dict[str, list[TransferTask]] = {}
    for task in tasks:
        groups.setdefault(task.region.path.split(".")[:STREET_DEPTH][-1], []).append(task)
    return sorted(
        (StreetPickups(code, names.get(code, code), found) for code, found in groups.items()),
        key=lambda group: (group.street_name, group.street_code),
    )


def transfer_alert_list(*, actor: AnyActor, state: str = "") -> QuerySet[TransferAlert]:
    """Late-transfer alerts of the tasks the actor sees, newest first."""
    alerts = TransferAlert.objects.filter(task__in=transfer_scope(actor)).select_related(
        "task", "owner"
    )
    if state:
        alerts = alerts.filter(state=state)
    return alerts.order_by("-raised_at", "-id")


def crew_member_candidates(*, actor: AnyActor, usernames: Sequence[str]) -> dict[str, User]:
    """Staff users named in ``usernames`` who hold an active transfer-dispatcher membership at
    a node of the actor's subtree (the crews' members), by username."""
    memberships = Membership.objects.filter(
        user__username__in=list(usernames), role=Role.TRANSFER_DISPATCHER, is_active=True
    )
    if actor.region_path:
        memberships = memberships.filter(in_subtree(actor.region_path, field="region__path"))
    return {m.user.username: m.user for m in memberships.select_related("user")}
