"""Reads of inspections and findings: an inspection is seen by the inspecting node's subtree
and by the subtree of each unit responsible for one of its findings (which sees only its own
findings)."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from fangkong.command_center.duty_choices import FindingStatus
from fangkong.command_center.models import Finding, Inspection
from fangkong.core.actor import AnyActor
from fangkong.regions.subtree import in_subtree, region_in_scope


def inspection_scope(actor: AnyActor) -> QuerySet[Inspection]:
    """Inspections made in the actor's subtree or finding a problem of a unit in it."""
    found_here = Finding.objects.filter(
        in_subtree(actor.region_path, field="region__path"), inspection=OuterRef("pk")
    )
    return Inspection.objects.filter(
        Q(in_subtree(actor.region_path, field="region__path")) | Q(Exists(found_here))
    )


def inspection_list(*, actor: AnyActor) -> QuerySet[Inspection]:
    """Inspections in scope, newest first, with their findings counted (one query)."""
    return (
        inspection_scope(actor)
        .select_related("region")
        .annotate(
            findings_total=Count("findings", distinct=True),
            findings_closed=Count(
                "findings", filter=Q(findings__status=FindingStatus.CLOSED), distinct=True
            ),
        )
    )


def finding_list(*, actor: AnyActor, inspection: Inspection) -> QuerySet[Finding]:
    """The findings of ``inspection`` the actor may see."""
    queryset = Finding.objects.filter(inspection=inspection).select_related(
        "region", "escalated_to", "inspection"
    )
    if region_in_scope(actor, inspection.region):
        return queryset
    return queryset.filter(in_subtree(actor.region_path, field="region__path"))
