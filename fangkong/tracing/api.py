"""The tracing API: venue-code scans and cell dwell intervals in, one person's scans out.

Feeds send JSON batches of at most 10,000 rows, named by ``source`` and ``batch`` (the feed's
batch id or sequence number): an accepted batch sent again is answered with the first answer
(200, ``repeat``), and an ``Idempotency-Key`` replays the stored answer of a retried request.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import polars as pl
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import BaseModel, Field

from fangkong.core.errors import FangkongError, ValidationFailed
from fangkong.core.guards import actor_of
from fangkong.core.idempotency import run_idempotent
from fangkong.core.paging import paginate_list
from fangkong.core.schemas import (
    ERRORS,
    WRITE_ERRORS,
    IdempotencyKey,
    PageOut,
    PageParams,
    page_fields,
)
from fangkong.people.access import access_person
from fangkong.tracing import selectors, services
from fangkong.tracing.access import require_ingest_role
from fangkong.tracing.choices import BatchStatus, FeedKind, VenueKind
from fangkong.tracing.companions.api import router as companions_router
from fangkong.tracing.contacts.api import router as contacts_router
from fangkong.tracing.leads.api import router as leads_router
from fangkong.tracing.models import IngestBatch

router = Router(tags=["tracing"])

MAX_ROWS = 10_000
_TIME = Field(max_length=40, json_schema_extra={"format": "date-time"})


class ScanIn(BaseModel):
    person: str = Field(max_length=45, description="Person code")
    venue: str = Field(max_length=40, description="Venue code (场所码)")
    scanned_at: str = _TIME
    left_at: str | None = Field(None, max_length=40, json_schema_extra={"format": "date-time"})
    companions: int = Field(0, ge=0, le=50, description="People scanned for along with this one")
    companion_for: str | None = Field(
        None, max_length=45, description="Person code of the one this scan was made for"
    )


class ScansIn(BaseModel):
    source: str = Field(min_length=1, max_length=60, description="The feed's name")
    batch: str = Field(min_length=1, max_length=100, description="The feed's batch id or sequence")
    rows: list[ScanIn] = Field(min_length=1, max_length=MAX_ROWS)


class DwellIn(BaseModel):
    person: str = Field(max_length=45, description="Person code")
    cell: int = Field(ge=0, lt=2**40, description="800 m grid cell id")
    start: str = _TIME
    end: str = _TIME


class DwellsIn(BaseModel):
    source: str = Field(min_length=1, max_length=60)
    batch: str = Field(min_length=1, max_length=100)
    rows: list[DwellIn] = Field(min_length=1, max_length=MAX_ROWS)


class BatchOut(Schema):
    code: str
    kind: FeedKind
    source: str
    batch_key: str
    status: BatchStatus
    rows_total: int
    rows_accepted: int
    rows_rejected: int
    first_day: date | None
    last_day: date | None
    repeat: bool = False


class BatchPage(PageOut):
    items: list[BatchOut]


class BatchQuery(PageParams):
    kind: FeedKind | None = None
    status: BatchStatus | None = None


class VenueIn(BaseModel):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=120)
    region_code: str = Field(min_length=1, max_length=30)
    kind: VenueKind = VenueKind.OTHER


class VenueOut(Schema):
    code: str
    name: str
    region_code: str
    kind: VenueKind


class ScanOut(Schema):
    venue_code: str
    venue_name: str
    venue_kind: str
    scanned_at: datetime
    left_at: datetime | None
    companions: int
    for_someone_else: bool


class PersonScansOut(PageOut):
    person: str
    days: int
    items: list[ScanOut]


class PersonScansQuery(PageParams):
    days: int = Field(14, ge=1, le=selectors.MAX_DAYS)


def _ingest(
    request: HttpRequest,
    kind: str,
    payload: ScansIn | DwellsIn,
    idempotency_key: str | None,
) -> Status[dict[str, Any]]:
    actor = actor_of(request)
    require_ingest_role(actor)

    def write() -> tuple[int, Any]:
        frame = pl.DataFrame([row.model_dump() for row in payload.rows])
        try:
            answer = services.batch_ingest(
                actor=actor, kind=kind, frame=frame, source=payload.source, batch_key=payload.batch
            )
        except ValidationFailed as exc:
            # answered (and stored under the key) like any other answer, so the refused
            # batch's record and audit row commit with it
            return exc.status, exc.as_dict()
        return (200 if answer.repeat else 201), answer.as_json()

    status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation=f"tracing_{kind}",
        payload=payload.model_dump(mode="json"),
        write=write,
    )
    if status >= 400:
        raise FangkongError(
            body["message"], code=body["code"], detail=body["detail"], status=status
        )
    return Status(status, body)


@router.post(
    "/scans",
    response={200: BatchOut, 201: BatchOut, **WRITE_ERRORS},
    summary="Send a batch of venue scans",
)
def scans_ingest(
    request: HttpRequest, payload: ScansIn, idempotency_key: IdempotencyKey = None
) -> Status[dict[str, Any]]:
    """A batch of venue-code scans (administrator tokens of a feed). All rows land or none:
    422 ``batch_rejected`` lists every rejected row (``row`` from 1) and field. 200 with
    ``repeat`` when this source's batch was accepted before."""
    return _ingest(request, FeedKind.SCANS, payload, idempotency_key)


@router.post(
    "/dwells",
    response={200: BatchOut, 201: BatchOut, **WRITE_ERRORS},
    summary="Send a batch of cell dwell intervals",
)
def dwells_ingest(
    request: HttpRequest, payload: DwellsIn, idempotency_key: IdempotencyKey = None
) -> Status[dict[str, Any]]:
    """A batch of 800 m cell dwell intervals; as ``/scans``."""
    return _ingest(request, FeedKind.DWELLS, payload, idempotency_key)


@router.get("/batches", response={200: BatchPage, **ERRORS}, summary="List ingested batches")
def batches_list(request: HttpRequest, query: Query[BatchQuery]) -> dict[str, Any]:
    """Batches received at nodes of your subtree, newest first (counts only)."""
    page = selectors.batch_list(
        actor=actor_of(request),
        kind=query.kind or "",
        status=query.status or "",
        page=query.page,
        page_size=query.page_size,
    )
    return {**page_fields(page), "items": [_batch_out(batch) for batch in page.items]}


def _batch_out(batch: IngestBatch) -> dict[str, Any]:
    return {
        "code": str(batch.code),
        "kind": batch.kind,
        "source": batch.source,
        "batch_key": batch.batch_key,
        "status": batch.status,
        "rows_total": batch.rows_total,
        "rows_accepted": batch.rows_accepted,
        "rows_rejected": batch.rows_rejected,
        "first_day": batch.first_day,
        "last_day": batch.last_day,
    }


@router.post("/venues", response={201: VenueOut, **WRITE_ERRORS}, summary="Register a venue")
def venues_register(
    request: HttpRequest, payload: VenueIn, idempotency_key: IdempotencyKey = None
) -> Status[dict[str, Any]]:
    """Register a venue code at a node of your subtree (administrators)."""
    actor = actor_of(request)

    def write() -> tuple[int, Any]:
        venue = services.venue_register(
            actor=actor,
            code=payload.code.strip(),
            name=payload.name.strip(),
            region_code=payload.region_code.strip(),
            kind=payload.kind,
        )
        return 201, {
            "code": venue.code,
            "name": venue.name,
            "region_code": payload.region_code.strip(),
            "kind": venue.kind,
        }

    status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation="tracing_venue_register",
        payload=payload.model_dump(mode="json"),
        write=write,
    )
    return Status(status, body)


@router.get(
    "/persons/{code}/scans",
    response={200: PersonScansOut, **ERRORS},
    summary="One person's venue scans",
)
def person_scans(request: HttpRequest, code: str, query: Query[PersonScansQuery]) -> dict[str, Any]:
    """The venue scans of a person of your subtree over the last ``days`` days, oldest first
    (epidemiologists; the read is logged)."""
    actor = actor_of(request)
    selectors.require_trace_reader(actor)  # before the person is read: a 403 reads nobody
    person = access_person(actor, code[:45], purpose="investigation")
    rows = selectors.scans_for_person(actor=actor, person=person, days=query.days)
    page = paginate_list(rows, page=query.page, page_size=query.page_size)
    return {
        **page_fields(page),
        "person": str(person.code),
        "days": query.days,
        "items": [row.__dict__ for row in page.items],
    }


router.add_router("", contacts_router)
router.add_router("", companions_router)
router.add_router("", leads_router)
