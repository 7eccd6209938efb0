"""Supplies endpoints under ``/api/v1/supplies``: one router per sub-domain (``stock``,
``allocation``, ``deliveries``, ``power``) gathered here, and the per-jurisdiction figures.

Supplies hold places, goods and counts; no answer names a person."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema

from fangkong.core.guards import actor_of
from fangkong.core.schemas import ERRORS, EpidemicDate
from fangkong.regions.access import access_region
from fangkong.supplies.allocation.api import router as allocation_router
from fangkong.supplies.deliveries.api import router as deliveries_router
from fangkong.supplies.figures import supplies_figures
from fangkong.supplies.power.api import router as power_router
from fangkong.supplies.stock.api import router as stock_router

router = Router(tags=["supplies"])
router.add_router("", stock_router)
router.add_router("", allocation_router)
router.add_router("", deliveries_router)
router.add_router("", power_router)


class FiguresParams(Schema):
    day: EpidemicDate | None = None


class FiguresOut(Schema):
    region_code: str
    day: date
    deliveries_made: int
    deliveries_waiting: int
    requests_open: int
    lowest_cover_days: float | None
    items_short: int
    sites_at_risk: int
    critical: int
    incidents_overdue: int


@router.get(
    "/figures/{region_code}",
    response={200: FiguresOut, **ERRORS},
    summary="Supplies and essential-services figures of a jurisdiction",
)
def figures_get(request: HttpRequest, region_code: str, params: Query[FiguresParams]) -> FiguresOut:
    actor = actor_of(request)
    node = access_region(actor, region_code)
    day = params.day or timezone.localdate()
    figures = supplies_figures(actor=actor, node=node, day=day)
    return FiguresOut(region_code=node.code, day=day, **figures.__dict__)
