"""Jurisdiction endpoints: list, get, create, rename, the division-table import and the
boundary (GeoJSON) import."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile
from pydantic import Field

from fangkong.core.actor import Actor
from fangkong.core.errors import FangkongError, PermissionDenied
from fangkong.core.guards import actor_of
from fangkong.core.idempotency import run_idempotent
from fangkong.core.paging import paginate
from fangkong.core.roles import Role
from fangkong.core.schemas import (
    ERRORS,
    WRITE_ERRORS,
    ErrorOut,
    IdempotencyKey,
    PageOut,
    page_fields,
)
from fangkong.regions import services
from fangkong.regions.access import access_region
from fangkong.regions.boundaries import MAX_BOUNDARY_BYTES
from fangkong.regions.importer import MAX_IMPORT_BYTES
from fangkong.regions.models import Region
from fangkong.regions.selectors import region_list_with_counts

router = Router(tags=["jurisdictions"])

IMPORT_ERRORS: dict[int, type[Schema]] = {**ERRORS, 409: ErrorOut, 413: ErrorOut}
CODE = r"^\d{6,15}$"


class RegionOut(Schema):
    code: str
    name: str
    level: int
    parent_code: str | None
    path: str
    time_zone: str
    version: int

    @staticmethod
    def resolve_parent_code(obj: Region) -> str | None:
        return obj.path.split(".")[-2] if "." in obj.path else None


class RegionRowOut(RegionOut):
    child_count: int


class RegionPageOut(PageOut):
    items: list[RegionRowOut]


class RegionFilter(Schema):
    parent: str = Field("", max_length=15, pattern=r"^$|" + CODE)
    search: str = Field("", max_length=100)
    level: int | None = Field(None, ge=1, le=6)
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(50, ge=1, le=200)


class RegionIn(Schema):
    parent_code: str = Field(pattern=CODE, max_length=15)
    code: str = Field(min_length=6, max_length=15)
    name: str = Field(min_length=1, max_length=100)
    level: int | None = Field(None, ge=1, le=6)
    time_zone: str | None = Field(None, max_length=64)


class RenameIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    version: int = Field(ge=1, le=2_000_000_000)
    reason: str = Field("", max_length=1000)


class ImportReportOut(Schema):
    rows_read: int
    new: int
    created: int
    unchanged: int
    rejected: int
    committed: bool
    dry_run: bool
    sha256: str
    encoding: str


class BoundaryReportOut(Schema):
    features: int
    stored: int
    unchanged: int
    dry_run: bool
    sha256: str


def _writer(request: HttpRequest) -> Actor:
    actor = actor_of(request)
    if actor.role != Role.ADMINISTRATOR:
        raise PermissionDenied(
            _("Only administrators change the jurisdiction tree."), code="role_not_allowed"
        )
    return actor


@router.get("", response={200: RegionPageOut, **ERRORS}, summary="List jurisdictions")
def regions_list(request: HttpRequest, filters: Query[RegionFilter]) -> dict[str, Any]:
    """Children of ``parent`` (default: the token's own node), or a name/code search in the
    subtree; each node with its number of direct children."""
    queryset = region_list_with_counts(
        actor=actor_of(request),
        parent_code=filters.parent or None,
        search=filters.search.replace("\x00", "").strip(),
        level=filters.level,
    )
    page = paginate(queryset, page=filters.page, page_size=filters.page_size)
    return {
        "items": page.items,
        **page_fields(page),
    }


@router.post("", response={201: RegionOut, **WRITE_ERRORS}, summary="Create a jurisdiction")
def regions_create(
    request: HttpRequest, payload: RegionIn, idempotency_key: IdempotencyKey = None
) -> Status[Region]:
    """A node under ``parent_code`` (administrators, inside their subtree). The code must
    extend the parent's as its level requires; the level is derived."""
    actor = _writer(request)

    def write() -> tuple[int, dict[str, Any]]:
        parent = access_region(actor, payload.parent_code)
        region = services.region_create(
            actor=actor,
            parent=parent,
            code=payload.code,
            name=payload.name,
            level=payload.level,
            time_zone=payload.time_zone,
        )
        return 201, {"code": region.code}

    status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation="region_create",
        payload=payload.model_dump(mode="json"),
        write=write,
    )
    return Status(status, access_region(actor, body["code"]))


@router.post(
    "/import",
    response={200: ImportReportOut, **IMPORT_ERRORS},
    summary="Import a division table (CSV)",
)
def regions_import(
    request: HttpRequest, file: File[UploadedFile], dry_run: Form[bool] = False
) -> services.ImportReport:
    """Multipart upload of a CSV ``code,name,parent_code[,time_zone]`` (UTF-8 with or without
    BOM, or GB18030). All rows land or none: a file with any bad row answers 422 listing every
    problem with its row, field and code. Importing the same file again creates nothing."""
    actor = _writer(request)
    if file.size is not None and file.size > MAX_IMPORT_BYTES:
        raise FangkongError(
            _("The file is larger than %(mb)s MB; split it.")
            % {"mb": MAX_IMPORT_BYTES // (1024 * 1024)},
            code="file_too_large",
            status=413,
        )
    data = file.read(MAX_IMPORT_BYTES + 1)
    return services.region_import_csv(
        actor=actor, file=data, dry_run=dry_run, filename=(file.name or "")[:200]
    )


@router.post(
    "/boundaries",
    response={200: BoundaryReportOut, **IMPORT_ERRORS},
    summary="Import jurisdiction boundaries (GeoJSON)",
)
def regions_boundaries_import(
    request: HttpRequest, file: File[UploadedFile], dry_run: Form[bool] = False
) -> services.BoundaryReport:
    """Multipart upload of a GeoJSON FeatureCollection: one Polygon or MultiPolygon per node,
    keyed by ``properties.code`` (or ``adcode``), WGS 84 longitude/latitude. All features are
    stored or none: any bad feature answers 422 naming it by index and code. Importing the
    same file again stores nothing."""
    actor = _writer(request)
    if file.size is not None and file.size > MAX_BOUNDARY_BYTES:
        raise FangkongError(
            _("The file is larger than %(mb)s MB; split it.")
            % {"mb": MAX_BOUNDARY_BYTES // (1024 * 1024)},
            code="file_too_large",
            status=413,
        )
    data = file.read(MAX_BOUNDARY_BYTES + 1)
    return services.region_boundaries_import(
        actor=actor, file=data, dry_run=dry_run, filename=(file.name or "")[:200]
    )


@router.get("/{code}", response={200: RegionOut, **ERRORS}, summary="Get a jurisdiction")
def regions_get(request: HttpRequest, code: str) -> Region:
    return access_region(actor_of(request), code)


@router.post(
    "/{code}/rename", response={200: RegionOut, **WRITE_ERRORS}, summary="Rename a jurisdiction"
)
def regions_rename(request: HttpRequest, code: str, payload: RenameIn) -> Region:
    """New name for a node in your subtree; ``version`` is the one you read (409 when
    stale)."""
    actor = _writer(request)
    region = access_region(actor, code)
    services.region_rename(
        actor=actor,
        region=region,
        name=payload.name,
        version=payload.version,
        reason=payload.reason,
    )
    return access_region(actor, code)
