"""The scope rules every screening read starts from: which rounds, points, labs, tubes,
packages and exemptions an actor sees (each sub-package's ``selectors`` and ``lab.access``
build on these).

Scope by role:

* sampler: tubes and packages of the points they staff;
* lab technician: tubes and packages sent to or received at the labs they staff;
* everyone else: by the node — tubes of points in their subtree; rounds that cover their
  node or lie inside their subtree.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from fangkong.accounts.choices import Role
from fangkong.core.actor import AnyActor
from fangkong.lab.models import (
    Exemption,
    Lab,
    Package,
    SamplingPoint,
    ScreeningRound,
    Tube,
)
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree


def _ancestor_codes(actor: AnyActor) -> list[str]:
    return actor.region_path.split(".") if actor.region_path else []


def round_scope(actor: AnyActor) -> QuerySet[ScreeningRound]:
    """Rounds over the actor's node or an ancestor of it, or inside the actor's subtree."""
    queryset = ScreeningRound.objects.select_related("region")
    if not actor.region_path:
        return queryset
    return queryset.filter(
        Q(region__code__in=_ancestor_codes(actor))
        | in_subtree(actor.region_path, field="region__path")
    )


def point_scope(actor: AnyActor) -> QuerySet[SamplingPoint]:
    """Sampling points in the actor's subtree; a sampler sees only the points they staff."""
    queryset = SamplingPoint.objects.select_related("region")
    if not actor.region_path:
        return queryset
    if actor.role == Role.SAMPLER:
        return queryset.filter(staff__id=actor.user_id)
    return queryset.filter(in_subtree(actor.region_path, field="region__path"))


def exemption_scope(actor: AnyActor) -> QuerySet[Exemption]:
    """Exemptions of persons in the actor's subtree (newest first)."""
    queryset = Exemption.objects.select_related("person", "round").order_by("-created_at", "-id")
    if not actor.region_path:
        return queryset
    return queryset.filter(in_subtree(actor.region_path, field="person__region__path"))


def round_visible(actor: AnyActor, screening_round: ScreeningRound) -> bool:
    """:func:`round_scope`'s rule for a round in hand (with its region loaded)."""
    if not actor.region_path:
        return True
    region = screening_round.region
    return region.code in _ancestor_codes(actor) or region.is_within(actor.region_path)


def point_visible(actor: AnyActor, point: SamplingPoint, *, staffed: bool) -> bool:
    """:func:`point_scope`'s rule for a point in hand; ``staffed``: the actor is on its staff."""
    if not actor.region_path:
        return True
    if actor.role == Role.SAMPLER:
        return staffed
    return point.region.is_within(actor.region_path)


def lab_scope(actor: AnyActor) -> QuerySet[Lab]:
    """Labs in the actor's subtree; a lab technician sees only the labs they staff. Samplers
    and dispatchers see the labs of their city (they send packages there)."""
    queryset = Lab.objects.select_related("region")
    if not actor.region_path:
        return queryset
    if actor.role == Role.LAB_TECHNICIAN:
        return queryset.filter(staff__id=actor.user_id)
    codes = _ancestor_codes(actor)
    wide = ".".join(codes[:2]) if len(codes) >= 2 else actor.region_path
    return queryset.filter(in_subtree(wide, field="region__path"))


def tube_scope(actor: AnyActor) -> QuerySet[Tube]:
    """Tubes the actor may see (see the module docstring)."""
    queryset = Tube.objects.all()
    if not actor.region_path:
        return queryset
    if actor.role == Role.SAMPLER:
        return queryset.filter(point__staff__id=actor.user_id)
    if actor.role == Role.LAB_TECHNICIAN:
        labs = Lab.objects.filter(staff__id=actor.user_id).values("id")
        return queryset.filter(Q(lab_id__in=labs) | Q(package__lab_id__in=labs))
    return queryset.filter(in_subtree(actor.region_path, field="point__region__path"))


def package_scope(actor: AnyActor) -> QuerySet[Package]:
    """Packages of the actor's points (sampler), to or at their labs (lab technician), or of
    points in their subtree."""
    queryset = Package.objects.select_related("point", "lab", "round")
    if not actor.region_path:
        return queryset
    if actor.role == Role.SAMPLER:
        return queryset.filter(point__staff__id=actor.user_id)
    if actor.role == Role.LAB_TECHNICIAN:
        return queryset.filter(lab__staff__id=actor.user_id)
    return queryset.filter(in_subtree(actor.region_path, field="point__region__path"))


def region_nodes(region: Region) -> QuerySet[Region, int]:
    """Ids of the nodes of ``region``'s subtree (for ``region_id IN (...)`` filters)."""
    return Region.objects.filter(in_subtree(region.path)).values_list("id", flat=True)


# --------------------------------------------------------------------------- sampling posts
