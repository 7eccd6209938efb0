"""Command picture endpoints under ``/api/v1/command``: one node's picture (figures only, no
person) and a recomputation of the figures on demand."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from fangkong.command_center.picture.roles import PICTURE_REFRESH_ROLES, PICTURE_ROLES
from fangkong.command_center.picture.selectors import picture_get
from fangkong.command_center.picture.services import JOB_DAYS, MAX_DAYS, figures_refresh
from fangkong.core.errors import PermissionDenied
from fangkong.core.guards import actor_of
from fangkong.core.idempotency import run_idempotent
from fangkong.core.schemas import ERRORS, WRITE_ERRORS, IdempotencyKey
from fangkong.regions.access import access_region

router = Router(tags=["command centre"])


class NodeOut(Schema):
    code: str
    name: str


class MeasureOut(Schema):
    key: str
    label: str
    flow: str
    late: bool


class StageMeasureOut(Schema):
    key: str
    label: str
    value: int
    late: bool


class PictureStageOut(Schema):
    key: str
    label: str
    measures: list[StageMeasureOut]


class ChildOut(Schema):
    code: str
    name: str
    url: str
    values: dict[str, int]


class MapLevelOut(Schema):
    code: str
    name: str
    rank: int = Field(description="0 is the highest level")
    count: int


class MapAreaOut(Schema):
    code: str
    name: str
    level: str
    rank: int
    since: str = Field(description="The day the area took its level")
    clock_days: int = Field(description="Days on the lifting clock")
    unit: str = Field(description="The unit below whose outline holds the marker")
    value: list[float] = Field(description="[longitude, latitude] of the marker")


class MapAreasOut(Schema):
    levels: list[MapLevelOut]
    areas: list[MapAreaOut]
    more: bool = Field(description="More open areas than the map draws")


class PictureOut(Schema):
    node: NodeOut
    as_of: str | None = Field(description="When the figures were computed (ISO 8601)")
    as_of_local: str | None = Field(description="The same, local time, as the page shows it")
    stale: bool = Field(description="The figures are older than the refresh job's period")
    refresh_every_minutes: int
    days: list[str]
    measures: list[MeasureOut]
    series: dict[str, list[int]] = Field(description="measure → the node's value per day")
    today: dict[str, int] = Field(description="measure → the node's value now")
    stages: list[PictureStageOut]
    children: list[ChildOut]
    map: dict[str, Any] = Field(description="GeoJSON FeatureCollection of the children")
    map_days: int
    risk_areas: MapAreasOut


class RefreshIn(Schema):
    days: int = Field(JOB_DAYS, ge=1, le=MAX_DAYS)


class RefreshOut(Schema):
    computed_at: str
    first_day: str
    last_day: str
    rows: int


@router.get("/picture/{code}", response={200: PictureOut, **ERRORS}, summary="The command picture")
def command_picture(request: HttpRequest, code: str) -> dict[str, Any]:
    """The picture of a node in your subtree: the chain's figures now, the trends, the
    children's figures and outlines (the same data the page draws)."""
    actor = actor_of(request)
    if actor.role not in PICTURE_ROLES:
        raise PermissionDenied(_("Your role does not see the command picture."))
    region = access_region(actor, code)
    return picture_get(actor=actor, region=region).as_json()


@router.post(
    "/figures/refresh",
    response={200: RefreshOut, **WRITE_ERRORS},
    summary="Recompute the command figures",
)
def command_figures_refresh(
    request: HttpRequest, payload: RefreshIn, idempotency_key: IdempotencyKey = None
) -> Status[Any]:
    """Recompute the figures of the last ``days`` days for every node now (the periodic job
    does the last days every few minutes)."""
    actor = actor_of(request)
    if actor.role not in PICTURE_REFRESH_ROLES:
        raise PermissionDenied(_("Your role cannot recompute the command figures."))

    def write() -> tuple[int, dict[str, Any]]:
        refresh = figures_refresh(actor=actor, days=payload.days)
        return 200, {
            "computed_at": refresh.computed_at.isoformat(),
            "first_day": refresh.first_day.isoformat(),
            "last_day": refresh.last_day.isoformat(),
            "rows": refresh.rows,
        }

    status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation="command_figures_refresh",
        payload=payload.model_dump(mode="json"),
        write=write,
    )
    return Status(status, body)
