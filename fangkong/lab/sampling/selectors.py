"""Reads of the sampling point's work, scoped to the actor: the posts (round × point) a sampler
may bind at, the tubes waiting to be packaged and the packages of a point."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from fangkong.core.actor import AnyActor
from fangkong.lab.choices import RoundStatus, TubeStatus
from fangkong.lab.models import (
    Package,
    RoundArea,
    SamplingPoint,
    ScreeningRound,
    Tube,
)
from fangkong.lab.scope import package_scope, point_scope, round_scope, tube_scope
from fangkong.lab.zones import zone_at, zones_within


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
    zones = zones_within({area.region.path for area in areas})
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
        posts.extend(
            SamplingPost(
                point=point,
                round=a.round,
                zone=zone_at(point.region.path, (a.region.path, a.zone), zones),
            )
            for a in ordered
        )
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
