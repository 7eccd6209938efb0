"""Coverage of a round (R14): numbers per node, the not-yet-tested list and its export,
and a person's test history."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field

from fangkong.core.guards import actor_of
from fangkong.core.paging import paginate_list
from fangkong.core.schemas import (
    ERRORS,
    PageOut,
    PageParams,
    page_fields,
)
from fangkong.lab.access import access_round, require_role
from fangkong.lab.choices import ExportPurpose
from fangkong.lab.coverage.selectors import (
    LEVELS,
    Counts,
    NodeCoverage,
    person_tests,
    round_coverage,
    untested_page,
)
from fangkong.lab.coverage.services import coverage_export
from fangkong.lab.roles import COVERAGE_ROLES, HISTORY_ROLES, UNTESTED_ROLES
from fangkong.people.access import access_person
from fangkong.people.presentation import person_row
from fangkong.regions.access import access_region
from fangkong.regions.models import Region

router = Router()
REGION_CODE = r"^[0-9]{1,15}$"


class CountsOut(Schema):
    population: int
    exempt: int
    should_test: int
    tested: int
    untested: int
    covered: int
    percent: float | None


class NodeCoverageOut(CountsOut):
    code: str
    name: str
    level: int
    parent_code: str


class CoverageOut(PageOut):
    round: str
    level: str
    totals: CountsOut
    #: The nodes of the level, in tree order (a page of them).
    items: list[NodeCoverageOut]


class CoverageQuery(PageParams):
    level: Literal["district", "street", "community", "grid"] = "district"
    region: str | None = Field(None, pattern=REGION_CODE, description="Only below this node")


class UntestedQuery(Schema):
    region: str | None = Field(None, pattern=REGION_CODE)
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(50, ge=1, le=200)


class UntestedRowOut(Schema):
    code: uuid.UUID
    name: str
    sex: str
    birth_date: date | None
    id_number: str
    id_type: str
    phone: str
    region_code: str
    region_name: str
    household_code: uuid.UUID | None
    household_address: str


class UntestedPageOut(PageOut):
    items: list[UntestedRowOut]


class ExportQuery(Schema):
    purpose: ExportPurpose = Field(description="Why the list is exported (required)")
    region: str | None = Field(None, pattern=REGION_CODE)


class BindingOut(Schema):
    tube: str
    kind: str
    ratio: int
    round: str
    round_name: str
    point: str
    sampled_at: datetime
    result: str
    reported_at: datetime | None
    outcome: str


class HistoryAntigenOut(Schema):
    code: str
    source: str
    result: str
    tested_at: datetime
    pcr_task: bool


class HistoryRetestOut(Schema):
    code: str
    reason: str
    status: str
    outcome: str
    round: str | None
    source_tube: str | None
    retest_tube: str | None
    created_at: datetime


class PersonTestsOut(Schema):
    person: str
    bindings: list[BindingOut]
    antigen: list[HistoryAntigenOut]
    retests: list[HistoryRetestOut]


def counts_out(counts: Counts) -> dict[str, Any]:
    return {
        "population": counts.population,
        "exempt": counts.exempt,
        "should_test": counts.should_test,
        "tested": counts.tested,
        "untested": counts.untested,
        "covered": counts.covered,
        "percent": counts.percent,
    }


def node_out(node: NodeCoverage) -> NodeCoverageOut:
    return NodeCoverageOut(
        code=node.code,
        name=node.name,
        level=node.level,
        parent_code=node.parent_code,
        **counts_out(node),
    )


def _region(request: HttpRequest, code: str | None) -> Region | None:
    return access_region(actor_of(request), code) if code else None


@router.get(
    "/rounds/{code}/coverage",
    operation_id="fangkong_lab_api_coverage_rounds_coverage",
    response={200: CoverageOut, **ERRORS},
    summary="Coverage of a round per node",
    description=(
        "Should-test (population minus exemptions in force), tested (distinct persons with a "
        "binding of the round, at their node at sampling), untested and covered share per "
        "node of one level, inside the actor's jurisdiction."
    ),
)
def rounds_coverage(request: HttpRequest, code: str, query: Query[CoverageQuery]) -> CoverageOut:
    actor = actor_of(request)
    screening_round = access_round(actor, code, roles=COVERAGE_ROLES)
    region = _region(request, query.region)
    coverage = round_coverage(actor=actor, screening_round=screening_round, region=region)
    page = paginate_list(
        coverage.at_level(LEVELS[query.level]), page=query.page, page_size=query.page_size
    )
    return CoverageOut(
        round=str(screening_round.code),
        level=query.level,
        totals=CountsOut(**counts_out(coverage.totals)),
        items=[node_out(node) for node in page.items],
        **page_fields(page),
    )


@router.get(
    "/rounds/{code}/untested",
    operation_id="fangkong_lab_api_coverage_rounds_untested",
    response={200: UntestedPageOut, **ERRORS},
    summary="The not-yet-tested list (paged)",
)
def rounds_untested(
    request: HttpRequest, code: str, query: Query[UntestedQuery]
) -> UntestedPageOut:
    """Should-test persons with no binding of the round, by node, household and name;
    identity numbers and phones as the role may see them."""
    actor = actor_of(request)
    screening_round = access_round(actor, code, roles=UNTESTED_ROLES)
    page = untested_page(
        actor=actor,
        screening_round=screening_round,
        region=_region(request, query.region),
        page=query.page,
        page_size=query.page_size,
    )
    items = []
    for person in page.items:
        row = person_row(actor, person)
        items.append(
            UntestedRowOut(
                code=row.code,
                name=row.name,
                sex=row.sex,
                birth_date=row.birth_date,
                id_number=row.id_number,
                id_type=row.id_type,
                phone=row.phone,
                region_code=row.region_code,
                region_name=row.region_name,
                household_code=row.household_code,
                household_address=row.household_address,
            )
        )
    return UntestedPageOut(items=items, **page_fields(page))


@router.get(
    "/rounds/{code}/untested.csv",
    operation_id="fangkong_lab_api_coverage_rounds_untested_csv",
    response={200: None, **ERRORS},
    summary="Export the not-yet-tested list (CSV)",
    description=(
        "For door-to-door follow-up (补检). `purpose` is required and logged with every "
        "person exported; the last line holds the row count."
    ),
)
def rounds_untested_csv(request: HttpRequest, code: str, query: Query[ExportQuery]) -> HttpResponse:
    actor = actor_of(request)
    screening_round = access_round(actor, code, roles=UNTESTED_ROLES)
    export = coverage_export(
        actor=actor,
        screening_round=screening_round,
        purpose=query.purpose,
        region=_region(request, query.region),
    )
    response = HttpResponse(export.content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["X-Row-Count"] = str(export.rows)
    return response


@router.get(
    "/people/{code}/tests",
    operation_id="fangkong_lab_api_coverage_people_tests",
    response={200: PersonTestsOut, **ERRORS},
    summary="A person's test history",
    description=(
        "PCR bindings with tube, round, point, sampling time, result and outcome; antigen "
        "results listed apart (never a confirming result); re-test tasks."
    ),
)
def people_tests(request: HttpRequest, code: str) -> PersonTestsOut:
    actor = actor_of(request)
    require_role(actor, HISTORY_ROLES)
    person = access_person(actor, code)
    history = person_tests(person=person)
    return PersonTestsOut(
        person=str(person.code),
        bindings=[
            BindingOut(
                tube=b.tube.barcode,
                kind=b.tube.kind,
                ratio=b.tube.ratio,
                round=str(b.round.code),
                round_name=b.round.name,
                point=b.tube.point.name,
                sampled_at=b.tube.sampled_at,
                result=b.tube.result,
                reported_at=b.tube.reported_at,
                outcome=b.member_outcome,
            )
            for b in history.bindings
        ],
        antigen=[
            HistoryAntigenOut(
                code=str(a.code),
                source=a.source,
                result=a.result,
                tested_at=a.tested_at,
                pcr_task=a.pcr_task_id is not None,
            )
            for a in history.antigen
        ],
        retests=[
            HistoryRetestOut(
                code=str(t.code),
                reason=t.reason,
                status=t.status,
                outcome=t.outcome,
                round=str(t.screening_round.code) if t.screening_round else None,
                source_tube=t.source_tube.barcode if t.source_tube else None,
                retest_tube=t.retest_tube.barcode if t.retest_tube else None,
                created_at=t.created_at,
            )
            for t in history.retests
        ],
    )
