"""Where a batch of tubes is bound: each tube's round and sampling point, checked against the
sampler's scope and staff, and the zone of the round area holding the point (its pooling
rule, R7)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor, SystemActor
from fangkong.core.errors import FangkongError, NotFound, field_refusal
from fangkong.lab.models import RoundArea, SamplingPoint, ScreeningRound
from fangkong.lab.selectors import point_visible, round_visible
from fangkong.people.access import parse_code


@dataclass(frozen=True)
class Wanted:
    """Where ``actor`` wants to bind: objects in hand, or codes."""

    actor: AnyActor
    screening_round: ScreeningRound | str
    point: SamplingPoint | str


@dataclass(frozen=True)
class Place:
    screening_round: ScreeningRound
    point: SamplingPoint
    zone: str


class _Found:
    __slots__ = ("point", "screening_round", "want")

    def __init__(self, want: Wanted) -> None:
        self.want = want
        self.screening_round: ScreeningRound | None = None
        self.point: SamplingPoint | None = None


def places_find(wanted: Sequence[Wanted]) -> list[Place | FangkongError]:
    """The round, point and zone of every tube of a batch, or why the actor may not bind
    there: rounds and points are objects the caller already obtained through the access
    functions, or codes looked up in the actor's scope (``round_not_found``,
    ``point_not_found``, 404); the actor must be on the point's staff (``not_point_staff``,
    403) and the point inside the round (``point_outside_round``). Three queries for the
    batch: the rounds' areas with their rounds, the points, the staff of these points among
    these actors."""
    items = [_Found(want) for want in wanted]
    out: list[Place | FangkongError | None] = [None] * len(items)
    round_codes = {
        code
        for i in items
        if isinstance(i.want.screening_round, str)
        and (code := parse_code(i.want.screening_round)) is not None
    }
    point_codes = {
        code
        for i in items
        if isinstance(i.want.point, str) and (code := parse_code(i.want.point)) is not None
    }
    given_rounds = {
        i.want.screening_round.id
        for i in items
        if isinstance(i.want.screening_round, ScreeningRound)
    }
    rounds: dict[Any, ScreeningRound] = {}
    areas: dict[int, list[RoundArea]] = {}
    if round_codes or given_rounds:
        for area in RoundArea.objects.filter(
            Q(round__code__in=round_codes) | Q(round_id__in=given_rounds)
        ).select_related("round__region", "region"):
            areas.setdefault(area.round_id, []).append(area)
            rounds.setdefault(area.round.code, area.round)
    points: dict[Any, SamplingPoint] = (
        {
            p.code: p
            for p in SamplingPoint.objects.filter(code__in=point_codes).select_related("region")
        }
        if point_codes
        else {}
    )
    for item in items:
        given_round, given_point = item.want.screening_round, item.want.point
        item.screening_round = (
            given_round
            if isinstance(given_round, ScreeningRound)
            else rounds.get(parse_code(given_round))
        )
        item.point = (
            given_point
            if isinstance(given_point, SamplingPoint)
            else points.get(parse_code(given_point))
        )
    staff = set(
        SamplingPoint.staff.through.objects.filter(
            samplingpoint_id__in={i.point.id for i in items if i.point is not None},
            user_id__in={i.want.actor.user_id for i in items},
        ).values_list("samplingpoint_id", "user_id")
    )
    for index, item in enumerate(items):
        actor = item.want.actor
        if out[index] is not None:
            continue
        if not isinstance(item.want.screening_round, ScreeningRound) and (
            item.screening_round is None or not round_visible(actor, item.screening_round)
        ):
            out[index] = NotFound(_("No such screening round."), code="round_not_found")
            continue
        staffed = (item.point.id, actor.user_id) in staff if item.point is not None else False
        if not isinstance(item.want.point, SamplingPoint) and (
            item.point is None or not point_visible(actor, item.point, staffed=staffed)
        ):
            out[index] = NotFound(_("No such sampling point."), code="point_not_found")
            continue
        if not isinstance(actor, SystemActor) and not staffed:
            out[index] = FangkongError(
                _("You are not on the staff of this sampling point."),
                code="not_point_staff",
                status=403,
            )
    for index, item in enumerate(items):
        if out[index] is not None or item.point is None or item.screening_round is None:
            continue
        point = item.point
        best: RoundArea | None = None
        for area in areas.get(item.screening_round.id, []):
            if point.region.is_within(area.region.path) and (
                best is None or area.region.level > best.region.level
            ):
                best = area
        if best is None:
            out[index] = field_refusal(
                "point_outside_round",
                _("This sampling point is not inside the round's areas."),
                field="point",
            )
        else:
            out[index] = Place(screening_round=item.screening_round, point=point, zone=best.zone)
    return [answer for answer in out if answer is not None]
