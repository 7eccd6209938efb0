"""Reads of care requests, scoped to the actor's subtree; overdue ones flagged."""

from __future__ import annotations

from datetime import datetime

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When

from fangkong.core.actor import AnyActor
from fangkong.isolation.choices import CareStatus
from fangkong.isolation.models import CareRequest
from fangkong.regions.subtree import in_subtree


def care_scope(actor: AnyActor) -> QuerySet[CareRequest]:
    """Care requests whose node (their order's) lies in the actor's subtree."""
    requests = CareRequest.objects.all()
    if actor.region_path:
        requests = requests.filter(in_subtree(actor.region_path, field="region__path"))
    return requests


def care_list(
    *, actor: AnyActor, now: datetime, status: str = "", overdue: bool = False, category: str = ""
) -> QuerySet[CareRequest]:
    """The actor's care requests, soonest deadline first, each with ``is_overdue`` (open and
    past its deadline at ``now``); optionally only open, decided, overdue or one category.
    Persons and owners loaded (shown through ``presentation``)."""
    late = Q(status=CareStatus.OPEN, deadline__lt=now)
    requests = (
        care_scope(actor)
        .select_related("person", "owner", "order")
        .annotate(
            is_overdue=Case(
                When(late, then=Value(True)), default=Value(False), output_field=BooleanField()
            )
        )
    )
    if status:
        requests = requests.filter(status=status)
    if category:
        requests = requests.filter(category=category)
    if overdue:
        requests = requests.filter(late)
    return requests.order_by("status", "deadline", "id")
