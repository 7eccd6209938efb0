"""Where a batch of tubes is bound: each tube's round and sampling point, checked against the
sampler's scope and staff, and the zone of the round area holding the point (its pooling
rule, R7).

What a round or a point *is* (its region, the round's areas and their zones) is kept in the
process for ``PLACES_SECONDS``: every tube of a sampling point asks the same, hundreds of
times a second on a busy day. Saving a round, an area or a point in this process forgets it at
once; another process sees the change within ``PLACES_SECONDS``. What can change at any
moment and decides whether a tube is taken (the round's status, the point's staff) is read
for every batch.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cachetools import TTLCache
from django.db import connection
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor, SystemActor
from fangkong.core.errors import FangkongError, NotFound, field_refusal
from fangkong.core.lookups import sql_in
from fangkong.lab.models import RoundArea, SamplingPoint, ScreeningRound
from fangkong.lab.scope import point_visible, round_visible
from fangkong.lab.zones import zone_at, zones_within
from fangkong.people.access import parse_code
from fangkong.regions.subtree import path_in_subtree

#: Seconds a process keeps a round's or a point's region and areas.
PLACES_SECONDS = 30.0
#: How many rounds, and how many points, a process keeps at most (the least recently used go).
PLACES_KEPT = 4096


@dataclass(frozen=True)
class Wanted:
    """Where ``actor`` wants to bind: objects in hand, or codes."""

    actor: AnyActor
    screening_round: ScreeningRound | str
    point: SamplingPoint | str


@dataclass(frozen=True)
class Place:
    """Where a tube is bound; ``round_status`` as read for this batch."""

    screening_round: ScreeningRound
    point: SamplingPoint
    zone: str
    round_status: str


@dataclass(frozen=True)
class _Shape:
    """A round with its region and its areas (with their regions), as a process keeps them."""

    screening_round: ScreeningRound
    areas: tuple[RoundArea, ...]
    #: Nodes inside or above the areas with a zone of their own (a risk area, ``lab.zones``).
    zones: Mapping[str, str] = field(default_factory=dict)


# Bounded, and expired entries are dropped. Not thread-safe by themselves: used under ``_lock``.
_rounds: TTLCache[uuid.UUID, _Shape] = TTLCache(
    maxsize=PLACES_KEPT, ttl=PLACES_SECONDS, timer=time.monotonic
)
_points: TTLCache[uuid.UUID, SamplingPoint] = TTLCache(
    maxsize=PLACES_KEPT, ttl=PLACES_SECONDS, timer=time.monotonic
)
_lock = threading.Lock()


def places_forget(**_kwargs: object) -> None:
    """Drop this process's rounds and points (after a round, an area or a point was saved)."""
    with _lock:
        _rounds.clear()
        _points.clear()


def _kept(kept: TTLCache[uuid.UUID, Any], codes: Collection[uuid.UUID]) -> dict[Any, Any]:
    found: dict[uuid.UUID, Any] = {}
    with _lock:
        for code in codes:
            value = kept.get(code)
            if value is not None:
                found[code] = value
    return found


def _keep(kept: TTLCache[uuid.UUID, Any], found: dict[uuid.UUID, Any]) -> None:
    with _lock:
        kept.update(found)


def _shapes(codes: set[uuid.UUID]) -> dict[uuid.UUID, _Shape]:
    """Rounds by code with their areas: kept ones, the others in one query."""
    shapes: dict[uuid.UUID, _Shape] = _kept(_rounds, codes)
    missing = codes - set(shapes)
    if missing:
        areas: dict[uuid.UUID, list[RoundArea]] = {}
        rounds: dict[uuid.UUID, ScreeningRound] = {}
        for area in RoundArea.objects.filter(round__code__in=missing).select_related(
            "round__region", "region"
        ):
            rounds[area.round.code] = area.round
            areas.setdefault(area.round.code, []).append(area)
        zones = zones_within({area.region.path for held in areas.values() for area in held})
        found = {
            code: _Shape(
                screening_round=rounds[code],
                areas=tuple(areas[code]),
                zones=_zones_of(areas[code], zones),
            )
            for code in rounds
        }
        _keep(_rounds, found)
        shapes.update(found)
    return shapes


def _zones_of(areas: Collection[RoundArea], zones: Mapping[str, str]) -> dict[str, str]:
    """The zones of ``zones`` on nodes inside or above one of ``areas``."""
    return {
        path: zone
        for path, zone in zones.items()
        if any(
            path_in_subtree(path, area.region.path) or path_in_subtree(area.region.path, path)
            for area in areas
        )
    }


def _point_objects(codes: set[uuid.UUID]) -> dict[uuid.UUID, SamplingPoint]:
    points: dict[uuid.UUID, SamplingPoint] = _kept(_points, codes)
    missing = codes - set(points)
    if missing:
        found = {
            p.code: p
            for p in SamplingPoint.objects.filter(code__in=missing).select_related("region")
        }
        _keep(_points, found)
        points.update(found)
    return points


def _now(
    round_ids: set[int], point_ids: set[int], user_ids: set[int]
) -> tuple[dict[int, str], set[tuple[int, int]]]:
    """What decides now: the rounds' status, and which of these users staff these points."""
    status: dict[int, str] = {}
    staff: set[tuple[int, int]] = set()
    with connection.cursor() as cursor:
        if round_ids:
            condition, params = sql_in("id", round_ids)
            cursor.execute(
                f"SELECT id, status FROM lab_screeninground WHERE {condition}",  # noqa: S608 (placeholders only)
                params,
            )
            status = {int(row[0]): str(row[1]) for row in cursor.fetchall()}
        if point_ids and user_ids:
            points, point_params = sql_in("samplingpoint_id", point_ids)
            users, user_params = sql_in("user_id", user_ids)
            cursor.execute(
                "SELECT samplingpoint_id, user_id FROM lab_samplingpoint_staff "  # noqa: S608 (placeholders only)
                f"WHERE {points} AND {users}",
                point_params + user_params,
            )
            staff = {(int(p), int(u)) for p, u in cursor.fetchall()}
    return status, staff


def places_find(wanted: Sequence[Wanted]) -> list[Place | FangkongError]:
    """The round, point and zone of every tube of a batch, or why the actor may not bind
    there: rounds and points are objects the caller already obtained through the access
    functions, or codes looked up in the actor's scope (``round_not_found``,
    ``point_not_found``, 404); the actor must be on the point's staff (``not_point_staff``,
    403) and the point inside the round (``point_outside_round``). Rounds and points come
    from the process's store when it has them; the rounds' status and the points' staff are
    read for the batch (two queries)."""
    codes: list[tuple[uuid.UUID | None, uuid.UUID | None]] = []
    for want in wanted:
        given_round, given_point = want.screening_round, want.point
        codes.append(
            (
                given_round.code
                if isinstance(given_round, ScreeningRound)
                else parse_code(given_round),
                None if isinstance(given_point, SamplingPoint) else parse_code(given_point),
            )
        )
    round_codes = {code for code, _point in codes if code is not None}
    point_codes = {code for _round, code in codes if code is not None}
    shapes = _shapes(round_codes) if round_codes else {}
    points = _point_objects(point_codes) if point_codes else {}
    found: list[tuple[ScreeningRound | None, SamplingPoint | None]] = []
    for want, (round_code, point_code) in zip(wanted, codes, strict=True):
        shape = shapes.get(round_code) if round_code is not None else None
        found.append(
            (
                want.screening_round
                if isinstance(want.screening_round, ScreeningRound)
                else (shape.screening_round if shape else None),
                want.point
                if isinstance(want.point, SamplingPoint)
                else (points.get(point_code) if point_code is not None else None),
            )
        )
    status, staff = _now(
        {r.id for r, _p in found if r is not None},
        {p.id for _r, p in found if p is not None},
        {want.actor.user_id for want in wanted},
    )
    return [
        _place(want, screening_round, point, shapes, status, staff)
        for want, (screening_round, point) in zip(wanted, found, strict=True)
    ]


def _place(
    want: Wanted,
    screening_round: ScreeningRound | None,
    point: SamplingPoint | None,
    shapes: dict[uuid.UUID, _Shape],
    status: dict[int, str],
    staff: set[tuple[int, int]],
) -> Place | FangkongError:
    actor = want.actor
    if (
        screening_round is None
        or screening_round.id not in status
        or (
            not isinstance(want.screening_round, ScreeningRound)
            and not round_visible(actor, screening_round)
        )
    ):
        return NotFound(_("No such screening round."), code="round_not_found")
    staffed = point is not None and (point.id, actor.user_id) in staff
    if point is None or (
        not isinstance(want.point, SamplingPoint)
        and not point_visible(actor, point, staffed=staffed)
    ):
        return NotFound(_("No such sampling point."), code="point_not_found")
    if not isinstance(actor, SystemActor) and not staffed:
        return FangkongError(
            _("You are not on the staff of this sampling point."),
            code="not_point_staff",
            status=403,
        )
    best: RoundArea | None = None
    shape = shapes.get(screening_round.code)
    for area in shape.areas if shape else ():
        if point.region.is_within(area.region.path) and (
            best is None or area.region.level > best.region.level
        ):
            best = area
    if best is None:
        return field_refusal(
            "point_outside_round",
            _("This sampling point is not inside the round's areas."),
            field="point",
        )
    return Place(
        screening_round=screening_round,
        point=point,
        zone=zone_at(
            point.region.path,
            (best.region.path, best.zone),
            shape.zones if shape else {},
        ),
        round_status=status[screening_round.id],
    )
