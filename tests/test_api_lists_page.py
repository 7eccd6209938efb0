"""Every list the API answers says how many rows it has and pages them: a class test driven by
our own OpenAPI document (``/api/v1/openapi.json``).

Every array anywhere in a 2xx answer's schema is either

- the ``items`` of a page schema (``core.schemas.PageOut``: ``page``, ``page_size``,
  ``has_next``, ``total``, ``total_capped``) in an operation that takes ``page`` and
  ``page_size`` (as query parameters or in its body), or
- in ``BOUNDED`` (by schema and property) with the reason its length is small whatever the
  data: the members of one tube, the memberships of one user, the areas of one round…

An answer that is a bare array fails, as does a new list in neither case.
"""

from __future__ import annotations

from typing import Any

import pytest

from fangkong.core.paging import COUNT_CAP

PAGE_FIELDS = {"page", "page_size", "has_next", "total", "total_capped"}

#: ``Schema.property`` → why the list is short whatever the data.
BOUNDED: dict[str, str] = {
    "MapAreaOut.value": "a marker's [longitude, latitude] (two numbers)",
    "MapAreasOut.areas": "the open risk areas the map draws, the newest 500 (`more` says so)",
    "MapAreasOut.levels": "the rule set's risk levels (at most four)",
    "PatientOut.tests": "the tests of one patient (a few per day of treatment)",
    "PatientOut.blockers": "the codes of what blocks a discharge (at most five kinds)",
    "CapacityReportOut.sites": "the sites of one jurisdiction (tens to a few hundred)",
    "CapacityReportOut.districts": "the districts of one jurisdiction (tens)",
    "TubeOut.members": "the members of one tube (at most the rule set's pooling ratio)",
    "RoundOut.areas": "the areas of one round (at most 200, RoundIn.areas)",
    "ReceiptOut.received": "the barcodes of one receipt request (at most 500)",
    "ReceiptOut.anomalies": "the anomalies of one receipt request (at most one per barcode)",
    "PersonTestsOut.bindings": "one person's PCR tests, the newest 200 (lab.coverage.person_tests)",
    "PersonTestsOut.antigen": "one person's antigen results, the newest 200; all of them page "
    "at /lab/persons/{code}/antigen",
    "PersonTestsOut.retests": "one person's re-test tasks, the newest 200",
    "PersonOut.flags": "one person's flags (a fixed vocabulary)",
    "PersonOut.documents": "one person's identity documents (one per document type)",
    "PersonOut.needs": "one person's special needs (a fixed vocabulary)",
    "PersonCreatedOut.flags": "one person's flags (a fixed vocabulary)",
    "PersonCreatedOut.documents": "one person's identity documents (one per document type)",
    "PersonCreatedOut.needs": "one person's special needs (a fixed vocabulary)",
    "PersonCreatedOut.duplicates": "the duplicate candidates one new person raised",
    "PersonRowOut.needs": "one person's special needs (a fixed vocabulary)",
    "HouseholdDetailOut.members": "the members of one household",
    "GroupDetailOut.members": "the first 200 members of one group (members_in_scope counts them)",
    "CompanionsBatchOut.skipped_closed": "the closed cases of one request (at most 500)",
    "UserOut.memberships": "one user's roles (one per role and node granted)",
    "RuleSetOut.source_notes": "the source notes of one rule set (at most 100, RuleSetIn)",
    "EffectiveOut.labels": "the rule sets laid over one node (one per level of its path)",
    "EffectiveOut.skipped": "the overrides skipped at one node (one per level of its path)",
    "CompareOut.rows": "the parameters of the rule-set schema",
    "LiftingAssessmentOut.unmet": "the conditions of one lifting rule (at most 10)",
    "CaseOut.timers": "the investigation steps of one case (at most three: 2+4+24)",
    "NotCheckedList.districts": "one row per receiving district of the actor's subtree with "
    "pending persons",
    "PushOut.lists": "one lead list per district one push reaches",
    "CaseOut.tubes": "the tubes that found one case (a re-test and its pooled tube per finding)",
    "ActivationOut.stages": "the staged activation targets of one rule set (a handful)",
    "OrderDetailOut.tests": "one order's test tasks (at most the plan's days, 60, per re-plan)",
    "IssueOut.created": "the orders of one issue request (at most 5,000 persons, OrdersIssueIn)",
    "IssueOut.existing": "the orders of one issue request (at most 5,000 persons, OrdersIssueIn)",
    "AllocateOut.placed": "the orders of one allocation request (at most 5,000, AllocateIn)",
    "AllocateOut.unplaced": "the orders of one allocation request (at most 5,000, AllocateIn)",
    "ChecksTodayOut.slots": "the check times of one day (the rule set's monitoring.check_hours)",
    "HealthCheckOut.symptoms": "one check's symptoms (a fixed vocabulary of seven)",
    "TransferBatchOut.created": "the tasks of one batch request (at most 5,000 orders)",
    "TransferBatchOut.existing": "the tasks of one batch request (at most 5,000 orders)",
    "SweepOut.grids": "one row per grid of one sweep's area (its nodes holding households)",
    "SweepVisitResultOut.findings": "the people of one household's visit (at most 100 found "
    "present and 50 new, SweepVisitIn)",
    "SpecialNeedOut.needs": "one person's special needs (a fixed vocabulary)",
    "WarehouseDetailOut.lots": "one warehouse's lots in stock, the first 500 to expire",
    "AllocationDetailOut.items": "one row per key item of one allocation (the short item list)",
    "DeliveryDetailOut.pick_list": "one request's lines (one per key item, at most 100)",
    "PlanOut.lines": "the priority users of one district's shortage plan (registered sites)",
    # command centre (issue 22): the rows of one directive, check, report, inspection,
    # body, incident or meeting
    "DirectiveDetailOut.unit_rows": "the units one directive went to (at most 500, DirectiveIn)",
    "DutyCheckDetailOut.answers": "the localities directly below one node",
    "RollupOut.children": "the nodes directly below one node",
    "InspectionOut.checklist": "the checklist of one inspection (at most 200, InspectionIn)",
    "InspectionDetailOut.checklist": "the checklist of one inspection (at most 200)",
    "InspectionDetailOut.findings": "the findings of one inspection",
    "BodyOut.groups": "the working groups of one body (one per kind, eight kinds)",
    "WorkingGroupOut.members": "the members of one working group",
    "IncidentOut.history": "the moves of one incident's command (one per level at most)",
    "MeetingOut.attendance": "the localities directly below one node",
    "MeetingOut.directives": "the directives one meeting produced",
    "PictureOut.children": "the nodes directly below one node",
    "PictureOut.days": "the picture's window of days (at most MAX_DAYS)",
    "PictureOut.measures": "the figure registry's measures (a dozen)",
    "PictureOut.stages": "the chain's stages, sampling to release and the residents",
    "PictureStageOut.measures": "the measures of one stage of the chain",
    "ContactOrdersOut.created": "the orders one call issued (at most BULK_MAX)",
    "ContactOrdersOut.existing": "the orders one call found (at most BULK_MAX)",
    "ArrivalOrdersOut.created": "the orders one call issued (at most 10,000 arrivals)",
    "ArrivalOrdersOut.existing": "the orders one call found (at most 10,000 arrivals)",
}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    from fangkong.api import api

    return api.get_openapi_schema()


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The schema ``schema`` refers to, and its component name ("" when inline)."""
    name = ""
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][name]
    return name, schema


def _alternatives(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The schemas a property may hold (``anyOf``/``oneOf``/``allOf`` unfolded)."""
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return [s for part in schema[key] for s in _alternatives(part)]
    return [schema]


def _takes_paging(document: dict[str, Any], operation: dict[str, Any]) -> bool:
    names = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    if body:
        _, schema = _resolve(document, body["schema"])
        names |= set(schema.get("properties", {}))
    return {"page", "page_size"} <= names


def list_problems(document: dict[str, Any]) -> list[str]:
    """Every list in the document's answers that is neither a page's items nor ``BOUNDED``."""
    problems: list[str] = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            for status, response in operation.get("responses", {}).items():
                if not str(status).startswith("2"):
                    continue
                content = response.get("content", {}).get("application/json")
                if content is None:
                    continue
                _, top = _resolve(document, content["schema"])
                if top.get("type") == "array":
                    problems.append(f"{where}: answers a bare array (page it: core PageOut)")
                    continue
                _walk(document, content["schema"], where, operation, problems, set())
    return sorted(set(problems))


def _walk(
    document: dict[str, Any],
    schema: dict[str, Any],
    where: str,
    operation: dict[str, Any],
    problems: list[str],
    seen: set[str],
) -> None:
    for alternative in _alternatives(schema):
        name, resolved = _resolve(document, alternative)
        if name in seen:
            continue
        seen = seen | {name} if name else seen
        properties = resolved.get("properties", {})
        paged = set(properties) >= PAGE_FIELDS
        for prop, value in properties.items():
            for option in _alternatives(value):
                _, inner = _resolve(document, option)
                if inner.get("type") == "array":
                    key = f"{name or '<inline>'}.{prop}"
                    if paged and prop == "items":
                        if not _takes_paging(document, operation):
                            problems.append(f"{where}: {key} is a page, but takes no page/size")
                    elif key not in BOUNDED:
                        problems.append(f"{where}: {key} is a list without paging or total")
                    _walk(document, inner.get("items", {}), where, operation, problems, seen)
                else:
                    _walk(document, option, where, operation, problems, seen)


def test_every_list_the_api_answers_pages_and_says_how_many(document: dict[str, Any]) -> None:
    assert list_problems(document) == []


def test_every_bounded_list_is_still_in_the_document(document: dict[str, Any]) -> None:
    """An entry of ``BOUNDED`` whose schema or property is gone is taken out (so the list stays
    the reasons of lists that exist)."""
    schemas = document["components"]["schemas"]
    stale = [
        key
        for key in BOUNDED
        if key.split(".")[1] not in schemas.get(key.split(".")[0], {}).get("properties", {})
    ]
    assert stale == []


def test_the_check_finds_a_bare_array_an_unpaged_list_and_a_page_without_parameters() -> None:
    item = {"type": "object", "properties": {"code": {"type": "string"}}}
    page = {
        "type": "object",
        "properties": {
            **{field: {"type": "integer"} for field in PAGE_FIELDS},
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/ItemOut"}},
        },
    }
    listing = {"type": "object", "properties": {"rows": {"type": "array", "items": item}}}

    def answer(schema: str, parameters: list[str]) -> dict[str, Any]:
        return {
            "parameters": [{"name": n, "in": "query"} for n in parameters],
            "responses": {"200": {"content": {"application/json": {"schema": {"$ref": schema}}}}},
        }

    document = {
        "components": {
            "schemas": {
                "ItemOut": item,
                "ItemPageOut": page,
                "ListOut": listing,
                "Bare": {"type": "array", "items": item},
            }
        },
        "paths": {
            "/bare": {"get": answer("#/components/schemas/Bare", [])},
            "/unpaged": {"get": answer("#/components/schemas/ListOut", ["page", "page_size"])},
            "/no-params": {"get": answer("#/components/schemas/ItemPageOut", [])},
            "/good": {"get": answer("#/components/schemas/ItemPageOut", ["page", "page_size"])},
        },
    }
    assert list_problems(document) == [
        "GET /bare: answers a bare array (page it: core PageOut)",
        "GET /no-params: ItemPageOut.items is a page, but takes no page/size",
        "GET /unpaged: ListOut.rows is a list without paging or total",
    ]


@pytest.mark.django_db
def test_a_list_answer_counts_its_rows_and_says_when_it_stopped_counting(
    tree: Any, make_actor: Any, api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fangkong.accounts.choices import Role
    from fangkong.core import paging

    client = api(make_actor(Role.ADMINISTRATOR, tree["city"]))
    children = {"parent": tree["city"].code, "page_size": 1}
    body = client.get("/api/v1/regions", **children).json()
    assert body["total"] == 2  # the city's two districts
    assert (body["total_capped"], body["has_next"], len(body["items"])) == (False, True, 1)
    monkeypatch.setattr(paging, "COUNT_CAP", 1)
    capped = client.get("/api/v1/regions", **children).json()
    assert (capped["total"], capped["total_capped"]) == (1, True)
    assert COUNT_CAP == 10_000
