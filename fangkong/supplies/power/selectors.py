"""Reads of priority users, shortage plans and incidents, scoped to the actor's subtree."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q, QuerySet

from fangkong.core.actor import AnyActor
from fangkong.regions.subtree import in_subtree
from fangkong.supplies.choices import IncidentStatus
from fangkong.supplies.models import (
    PriorityUser,
    ServiceIncident,
    ShortagePlan,
    ShortagePlanLine,
)


def priority_user_scope(actor: AnyActor) -> QuerySet[PriorityUser]:
    """Priority users whose node lies in the actor's subtree."""
    users = PriorityUser.objects.all()
    if actor.region_path:
        users = users.filter(in_subtree(actor.region_path, field="region__path"))
    return users


def priority_user_list(*, actor: AnyActor, tier: str = "") -> QuerySet[PriorityUser]:
    """The actor's priority users with their node and open incidents, by name."""
    users = priority_user_scope(actor).select_related("region")
    if tier:
        users = users.filter(tier=tier)
    return users.annotate(
        open_incidents=Count("incidents", filter=Q(incidents__status=IncidentStatus.OPEN))
    )


def incident_scope(actor: AnyActor) -> QuerySet[ServiceIncident]:
    """Incidents at the actor's priority users."""
    incidents = ServiceIncident.objects.all()
    if actor.region_path:
        incidents = incidents.filter(in_subtree(actor.region_path, field="user__region__path"))
    return incidents


def incident_list(
    *, actor: AnyActor, status: str = IncidentStatus.OPEN
) -> QuerySet[ServiceIncident]:
    """The actor's incidents, most urgent first: critical ones (power lost at a hospital or
    isolation site), then by deadline."""
    incidents = incident_scope(actor).select_related("user__region")
    if status:
        incidents = incidents.filter(status=status)
    return incidents.order_by("-critical", "due_at", "id")


def incidents_overdue(*, actor: AnyActor, now: datetime) -> int:
    """Open incidents past their deadline."""
    return incident_scope(actor).filter(status=IncidentStatus.OPEN, due_at__lt=now).count()


def plan_list(*, actor: AnyActor) -> QuerySet[ShortagePlan]:
    """Shortage plans of districts in the actor's subtree, newest first."""
    plans = ShortagePlan.objects.select_related("region")
    if actor.region_path:
        plans = plans.filter(in_subtree(actor.region_path, field="region__path"))
    return plans


def plan_lines(*, plan: ShortagePlan) -> QuerySet[ShortagePlanLine]:
    """A plan's lines (held through ``access_plan``): who keeps power and who is cut, by the
    tier's order in the plan's rules is the caller's to apply; here by cut, then name."""
    return plan.lines.select_related("user").order_by("cut_kw", "user__name")
