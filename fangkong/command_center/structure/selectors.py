"""Reads of command bodies and incidents, scoped to the actor's subtree."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from fangkong.command_center.models import CommandBody, Incident, IncidentEscalation, WorkingGroup
from fangkong.core.actor import AnyActor
from fangkong.regions.subtree import in_subtree


def body_list(*, actor: AnyActor) -> QuerySet[CommandBody]:
    """Command bodies of nodes in the actor's subtree, top down, with their groups counted."""
    return (
        CommandBody.objects.filter(in_subtree(actor.region_path, field="region__path"))
        .select_related("region")
        .annotate(group_count=Count("groups"))
    )


def group_list(*, body: CommandBody) -> QuerySet[WorkingGroup]:
    """A body's working groups with their members and the members' users (two queries)."""
    return WorkingGroup.objects.filter(body=body).prefetch_related("members__user")


def incident_list(*, actor: AnyActor) -> QuerySet[Incident]:
    """Incidents in the actor's subtree (whichever body commands them now), newest first."""
    return Incident.objects.filter(
        in_subtree(actor.region_path, field="region__path")
    ).select_related("region", "body__region")


def incident_history(*, incident: Incident) -> QuerySet[IncidentEscalation]:
    """Who commanded ``incident`` from when, oldest first."""
    return IncidentEscalation.objects.filter(incident=incident).select_related(
        "from_body__region", "to_body__region"
    )
