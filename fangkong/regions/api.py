"""Jurisdiction endpoints."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema

from fangkong.api import actor_of
from fangkong.core.paging import paginate
from fangkong.core.schemas import ERRORS
from fangkong.regions.access import access_region
from fangkong.regions.models import Region
from fangkong.regions.selectors import region_list

router = Router(tags=["jurisdictions"])


class RegionOut(Schema):
    code: str
    name: str
    level: int
    parent_code: str | None
    path: str
    time_zone: str

    @staticmethod
    def resolve_parent_code(obj: Region) -> str | None:
        return obj.path.split(".")[-2] if "." in obj.path else None


class RegionPageOut(Schema):
    items: list[RegionOut]
    page: int
    page_size: int
    has_next: bool


class RegionFilter(Schema):
    parent: str | None = None
    search: str = ""
    level: int | None = None
    page: int = 1
    page_size: int = 50


@router.get("", response={200: RegionPageOut, **ERRORS}, summary="List jurisdictions")
def regions_list(request: HttpRequest, filters: Query[RegionFilter]) -> RegionPageOut:
    """Children of ``parent`` (default: the token's own node), or a search in the subtree."""
    queryset = region_list(
        actor=actor_of(request),
        parent_code=filters.parent,
        search=filters.search.strip()[:100],
        level=filters.level,
    )
    page = paginate(queryset, page=filters.page, page_size=filters.page_size)
    return RegionPageOut(
        items=[RegionOut.from_orm(r) for r in page.items],
        page=page.page,
        page_size=page.page_size,
        has_next=page.has_next,
    )


@router.get("/{code}", response={200: RegionOut, **ERRORS}, summary="Get a jurisdiction")
def regions_get(request: HttpRequest, code: str) -> Region:
    return access_region(actor_of(request), code)
