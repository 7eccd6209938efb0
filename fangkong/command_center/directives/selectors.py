"""Reads of directives, scoped: a directive is seen by the subtree of the command that issued
it and by each receiving unit's subtree (which sees only its own units' rows)."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from fangkong.command_center.duty_choices import DirectiveStatus
from fangkong.command_center.models import Directive, DirectiveAssignment
from fangkong.core.actor import AnyActor
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree, region_in_scope


def directive_scope(actor: AnyActor) -> QuerySet[Directive]:
    """Directives issued in the actor's subtree or sent to a unit in it."""
    sent_here = DirectiveAssignment.objects.filter(
        in_subtree(actor.region_path, field="region__path"), directive=OuterRef("pk")
    )
    return Directive.objects.filter(
        Q(in_subtree(actor.region_path, field="region__path")) | Q(Exists(sent_here))
    )


def directive_list(*, actor: AnyActor, status: str = "") -> QuerySet[Directive]:
    """Directives in scope, newest first, with their units counted by status (one query).
    ``status`` keeps directives with at least one unit in that status."""
    queryset = directive_scope(actor).select_related("region")
    if status:
        queryset = queryset.filter(assignments__status=status).distinct()
    return queryset.annotate(
        units=Count("assignments", distinct=True),
        units_done=Count(
            "assignments",
            filter=Q(assignments__status=DirectiveStatus.COMPLETED),
            distinct=True,
        ),
        units_escalated=Count(
            "assignments", filter=Q(assignments__escalated_at__isnull=False), distinct=True
        ),
    )


def assignment_list(*, actor: AnyActor, directive: Directive) -> QuerySet[DirectiveAssignment]:
    """The units of ``directive`` the actor may see: all of them for the issuing subtree,
    otherwise only those in the actor's own subtree."""
    queryset = DirectiveAssignment.objects.filter(directive=directive).select_related(
        "region", "escalated_to"
    )
    if region_in_scope(actor, directive.region):
        return queryset
    return queryset.filter(in_subtree(actor.region_path, field="region__path"))


def child_units(*, actor: AnyActor) -> QuerySet[Region]:
    """The active nodes directly below the actor's node: where directives, duty checks and
    daily-report roll-ups go one level down."""
    return Region.objects.filter(parent_id=actor.region_id, is_active=True).order_by("code")
