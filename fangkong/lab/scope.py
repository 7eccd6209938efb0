"""Reads of the screening chain, always scoped to the actor.

Scope by role:

* sampler: tubes and packages of the points they staff;
* lab technician: tubes and packages sent to or received at the labs they staff;
* everyone else: by the node — tubes of points in their subtree; rounds that cover their
  node or lie inside their subtree.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.core.actor import AnyActor
from fangkong.lab.choices import RoundStatus, TubeStatus
from fangkong.lab.models import (
    Exemption,
    Lab,
    Package,
    RoundArea,
    SamplingPoint,
    ScreeningRound,
    Tube,
)
from fangkong.people.models import Person
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


def exemptions_in_force(actor: AnyActor, *, person: Person) -> list[Exemption]:
    """The person's exemptions not revoked and not yet expired, newest first (a person has
    a handful at most: one per round or one for every round)."""
    return list(
        exemption_scope(actor).filter(
            person=person, revoked_at__isnull=True, valid_until__gt=timezone.now()
        )[:50]
    )


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


@dataclass(frozen=True)
class SamplingPost:
    """A point the actor may work at, an open round covering it, and the point's zone in
    that round (the deepest round area holding the point)."""

    point: SamplingPoint
    round: ScreeningRound
    zone: str


def sampling_posts(actor: AnyActor, *, limit: int = 200) -> list[SamplingPost]:
    """Every (point, open round) pair the actor may sample at: active points of
    :func:`point_scope` (a sampler: the points they staff) and open rounds of
    :func:`round_scope` with an area holding the point. Three queries; ordered by point,
    then the round's start (newest first)."""
    points = list(point_scope(actor).filter(is_active=True)[:limit])
    codes = {code for point in points for code in point.region.path.split(".")}
    areas = list(
        RoundArea.objects.filter(
            region__code__in=codes,
            round__status=RoundStatus.OPEN,
            round_id__in=round_scope(actor).values("id"),
        ).select_related("round", "region")
    )
    posts: list[SamplingPost] = []
    for point in points:
        best: dict[int, RoundArea] = {}
        for area in areas:
            if not point.region.is_within(area.region.path):
                continue
            held = best.get(area.round_id)
            if held is None or area.region.level > held.region.level:
                best[area.round_id] = area
        ordered = sorted(best.values(), key=lambda a: (a.round.starts_at, a.round.id), reverse=True)
        posts.extend(SamplingPost(point=point, round=a.round, zone=a.zone) for a in ordered)
    return posts


def sampling_post_get(
    actor: AnyActor, *, point: SamplingPoint, screening_round: ScreeningRound
) -> SamplingPost | None:
    """The post for this point and round if the round is open and covers the point."""
    return next(
        (
            post
            for post in sampling_posts(actor)
            if post.point.id == point.id and post.round.id == screening_round.id
        ),
        None,
    )


def point_tubes_to_package(
    actor: AnyActor, *, point: SamplingPoint, screening_round: ScreeningRound, limit: int = 500
) -> QuerySet[Tube]:
    """Sampled tubes of the point and round in no package yet (what the sampler seals next),
    oldest first."""
    return (
        tube_scope(actor)
        .filter(
            point=point,
            round=screening_round,
            status=TubeStatus.CLOSED,
            package__isnull=True,
        )
        .order_by("sampled_at", "id")[:limit]
    )


def point_packages(actor: AnyActor, *, point: SamplingPoint) -> QuerySet[Package]:
    """The packages of a point, newest first (the page pages them)."""
    return (
        package_scope(actor).filter(point=point).select_related("lab").order_by("-sealed_at", "-id")
    )
