"""Rule-set endpoints (mounted at ``/api/v1/rule-sets``).

Reads: the list, one rule set (latest revision or ``?revision=``), the effective lookup
("which rules hold for this node on this date") and a comparison of two rule sets. Writes
(commanders and administrators): a new revision of a key (version-checked against the latest
revision), a jurisdiction override, publishing a draft, retiring a revision.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import P, Query, Router, Schema, Status
from ninja.params import PathEx
from pydantic import Field

from fangkong.core.guards import actor_of
from fangkong.core.idempotency import run_idempotent
from fangkong.core.paging import paginate
from fangkong.core.schemas import (
    ERRORS,
    WRITE_ERRORS,
    EpidemicDate,
    IdempotencyKey,
    PageOut,
    page_fields,
)
from fangkong.policy import services
from fangkong.policy.access import access_rule_set, rule_set_reference_parse
from fangkong.policy.models import RuleSet
from fangkong.policy.schema import parameters_dump
from fangkong.policy.selectors import rule_set_compare, rule_set_list, rules_for_path
from fangkong.regions.access import access_region

router = Router(tags=["rule sets"])

KEY = r"^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$"
Revision = PathEx[int, P(ge=1, le=1_000_000)]


class SourceNoteSchema(Schema):
    topic: str = Field(min_length=1, max_length=120)
    source: str = Field(min_length=1, max_length=400)
    note: str = Field("", max_length=1000)


class RuleSetSummaryOut(Schema):
    key: str
    revision: int
    version_label: str
    name_zh: str
    name_en: str
    effective_from: date
    region_code: str | None
    base_key: str
    status: str
    version: int
    created_at: datetime
    created_by: str | None

    @staticmethod
    def resolve_region_code(obj: RuleSet) -> str | None:
        return obj.region.code if obj.region is not None else None

    @staticmethod
    def resolve_created_by(obj: RuleSet) -> str | None:
        return obj.created_by.username if obj.created_by is not None else None


class RuleSetOut(RuleSetSummaryOut):
    parameters: dict[str, Any]
    source_notes: list[SourceNoteSchema]
    reason: str


class RuleSetPageOut(PageOut):
    items: list[RuleSetSummaryOut]


class RuleSetFilter(Schema):
    key: str = Field("", max_length=40, pattern=r"^$|" + KEY)
    scope: Literal["", "national", "override"] = ""
    status: Literal["", "draft", "published", "retired"] = ""
    all_revisions: bool = False
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(50, ge=1, le=200)


class RevisionQuery(Schema):
    revision: int | None = Field(None, ge=1, le=1_000_000)


class EffectiveQuery(Schema):
    region: str = Field("", max_length=15, description="Node code (default: your own node)")
    on: EpidemicDate | None = Field(None, description="Date (default: today)")


class EffectiveOut(Schema):
    region_code: str
    on: date
    label: str
    labels: list[str]
    skipped: list[str]
    parameters: dict[str, Any]


class CompareQuery(Schema):
    a: str = Field(min_length=1, max_length=60, description="key or key@r<revision>")
    b: str = Field(min_length=1, max_length=60, description="key or key@r<revision>")


class DiffOut(Schema):
    path: str
    a: Any
    b: Any
    changed: bool


class CompareOut(Schema):
    a: str
    b: str
    changed_count: int
    rows: list[DiffOut]


class RevisionIn(Schema):
    version: int = Field(ge=1, le=1_000_000, description="The latest revision you saw")
    based_on_revision: int | None = Field(
        None, ge=1, le=1_000_000, description="Revision to start from (default: the latest)"
    )
    reason: str = Field(min_length=1, max_length=1000)
    parameters: dict[str, Any] | None = Field(
        None, description="The complete new parameters (partial set for an override)"
    )
    changes: dict[str, Any] | None = Field(
        None, description="Values to lay over the starting revision's parameters"
    )
    effective_from: EpidemicDate | None = None
    name_zh: str | None = Field(None, min_length=1, max_length=200)
    name_en: str | None = Field(None, min_length=1, max_length=200)
    source_notes: list[SourceNoteSchema] | None = Field(None, max_length=100)
    draft: bool = False


class OverrideIn(Schema):
    key: str = Field(pattern=KEY, max_length=40)
    region_code: str = Field(min_length=1, max_length=15)
    name_zh: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)
    effective_from: EpidemicDate
    parameters: dict[str, Any]
    reason: str = Field(min_length=1, max_length=1000)
    base_key: str = Field("", max_length=40)
    source_notes: list[SourceNoteSchema] = Field(default_factory=list, max_length=100)
    draft: bool = False


class StatusIn(Schema):
    version: int = Field(ge=1, le=1_000_000)
    reason: str = Field(min_length=1, max_length=1000)


def _stored(rule_set: RuleSet) -> dict[str, Any]:
    """What an idempotent create remembers: the row's address (the answer is re-read)."""
    return {"key": rule_set.key, "revision": rule_set.revision}


@router.get("", response={200: RuleSetPageOut, **ERRORS}, summary="List rule sets")
def rule_sets_list(request: HttpRequest, filters: Query[RuleSetFilter]) -> dict[str, Any]:
    """National editions and the overrides you may see; the latest revision of each key unless
    ``all_revisions``."""
    queryset = rule_set_list(
        actor=actor_of(request),
        key=filters.key.strip(),
        scope=filters.scope,
        status=filters.status,
        latest_only=not filters.all_revisions,
    )
    page = paginate(queryset, page=filters.page, page_size=filters.page_size)
    return {
        "items": page.items,
        **page_fields(page),
    }


@router.get(
    "/effective", response={200: EffectiveOut, **ERRORS}, summary="Rules in force at a node"
)
def rule_sets_effective(request: HttpRequest, query: Query[EffectiveQuery]) -> EffectiveOut:
    """Which rules hold for a node on a date: the national edition in force with the
    overrides of the node's ancestors laid over it, and the version labels that contributed."""
    actor = actor_of(request)
    code = query.region.strip() or actor.region_code
    region = access_region(actor, code)
    effective = rules_for_path(region.path, query.on or timezone.localdate())
    return EffectiveOut(
        region_code=region.code,
        on=effective.on,
        label=effective.label,
        labels=list(effective.labels),
        skipped=list(effective.skipped),
        parameters=parameters_dump(effective.parameters),
    )


@router.get("/compare", response={200: CompareOut, **ERRORS}, summary="Compare two rule sets")
def rule_sets_compare(request: HttpRequest, query: Query[CompareQuery]) -> CompareOut:
    """Every parameter path of either rule set with both values and a changed flag."""
    actor = actor_of(request)
    key_a, revision_a = rule_set_reference_parse(query.a, field="a")
    key_b, revision_b = rule_set_reference_parse(query.b, field="b")
    a = access_rule_set(actor, key_a, revision=revision_a)
    b = access_rule_set(actor, key_b, revision=revision_b)
    rows = rule_set_compare(a, b)
    return CompareOut(
        a=a.version_label,
        b=b.version_label,
        changed_count=sum(row.changed for row in rows),
        rows=[
            DiffOut(
                path=row.path,
                a=row.a if row.in_a else None,
                b=row.b if row.in_b else None,
                changed=row.changed,
            )
            for row in rows
        ],
    )


@router.post("", response={201: RuleSetOut, **WRITE_ERRORS}, summary="Create an override")
def rule_sets_override_create(
    request: HttpRequest, payload: OverrideIn, idempotency_key: IdempotencyKey = None
) -> Status[RuleSet]:
    """A jurisdiction override at a node in your subtree (commanders and administrators): a
    partial parameter set laid over the national edition in force there."""
    actor = actor_of(request)

    def write() -> tuple[int, Any]:
        region = access_region(actor, payload.region_code.strip())
        created = services.rule_set_override_create(
            actor=actor,
            key=payload.key,
            region=region,
            name_zh=payload.name_zh,
            name_en=payload.name_en,
            effective_from=payload.effective_from,
            parameters=payload.parameters,
            reason=payload.reason,
            base_key=payload.base_key.strip(),
            source_notes=[note.model_dump() for note in payload.source_notes],
            draft=payload.draft,
        )
        return 201, _stored(created)

    status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation="rule_set_override_create",
        payload=payload.model_dump(mode="json"),
        write=write,
    )
    return Status(status, access_rule_set(actor, body["key"], revision=body["revision"]))


@router.get("/{key}", response={200: RuleSetOut, **ERRORS}, summary="Get a rule set")
def rule_sets_get(request: HttpRequest, key: str, query: Query[RevisionQuery]) -> RuleSet:
    """The latest revision of ``key`` (any status), or ``?revision=``."""
    return access_rule_set(actor_of(request), key[:40], revision=query.revision)


@router.post(
    "/{key}/revisions", response={201: RuleSetOut, **WRITE_ERRORS}, summary="Publish a revision"
)
def rule_sets_revision_publish(
    request: HttpRequest, key: str, payload: RevisionIn, idempotency_key: IdempotencyKey = None
) -> Status[RuleSet]:
    """A new revision of ``key`` (commanders and administrators). ``version`` is the latest
    revision you saw: if someone published after it, the answer is 409 ``stale_version``."""
    actor = actor_of(request)

    def write() -> tuple[int, Any]:
        source = access_rule_set(actor, key[:40], revision=payload.based_on_revision)
        created = services.rule_set_publish_revision(
            actor=actor,
            rule_set=source,
            expected_revision=payload.version,
            reason=payload.reason,
            parameters=payload.parameters,
            changes=payload.changes,
            effective_from=payload.effective_from,
            name_zh=payload.name_zh,
            name_en=payload.name_en,
            source_notes=(
                [note.model_dump() for note in payload.source_notes]
                if payload.source_notes is not None
                else None
            ),
            draft=payload.draft,
        )
        return 201, _stored(created)

    status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation=f"rule_set_revision:{key[:40]}",
        payload=payload.model_dump(mode="json"),
        write=write,
    )
    return Status(status, access_rule_set(actor, body["key"], revision=body["revision"]))


@router.post(
    "/{key}/revisions/{revision}/publish",
    response={200: RuleSetOut, **WRITE_ERRORS},
    summary="Publish a draft revision",
)
def rule_sets_draft_publish(
    request: HttpRequest, key: str, revision: Revision, payload: StatusIn
) -> RuleSet:
    actor = actor_of(request)
    rule_set = access_rule_set(actor, key[:40], revision=revision)
    services.rule_set_publish(
        actor=actor, rule_set=rule_set, version=payload.version, reason=payload.reason
    )
    return access_rule_set(actor, key[:40], revision=revision)


@router.post(
    "/{key}/revisions/{revision}/retire",
    response={200: RuleSetOut, **WRITE_ERRORS},
    summary="Retire a revision",
)
def rule_sets_retire(
    request: HttpRequest, key: str, revision: Revision, payload: StatusIn
) -> RuleSet:
    """Withdraw one revision; lookups skip it (a lower published revision applies again)."""
    actor = actor_of(request)
    rule_set = access_rule_set(actor, key[:40], revision=revision)
    services.rule_set_retire(
        actor=actor, rule_set=rule_set, version=payload.version, reason=payload.reason
    )
    return access_rule_set(actor, key[:40], revision=revision)
