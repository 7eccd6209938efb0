"""Duty checks under ``/api/v1/command/duty-checks``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status

from fangkong.command_center.duty.access import access_duty_check
from fangkong.command_center.duty.selectors import answer_rows, duty_check_list
from fangkong.command_center.duty.services import duty_check_answer, duty_check_send
from fangkong.command_center.duty_inputs import require_role
from fangkong.command_center.duty_roles import COMMAND_ROLES, DUTY_ANSWER_ROLES, READ_ROLES
from fangkong.command_center.models import DutyCheck
from fangkong.core.guards import actor_of
from fangkong.core.idempotency import run_idempotent
from fangkong.core.paging import paginate
from fangkong.core.schemas import (
    ERRORS,
    WRITE_ERRORS,
    IdempotencyKey,
    PageOut,
    PageParams,
    page_fields,
)

router = Router(tags=["command centre: duty checks"])


class AnswerOut(Schema):
    region_code: str
    region_name: str
    answered_at: datetime | None
    standing: str
    minutes: int | None


class DutyCheckOut(Schema):
    code: str
    region_code: str
    region_name: str
    sent_at: datetime
    due_at: datetime
    rule_set: str
    asked: int
    answered: int


class DutyCheckDetailOut(DutyCheckOut):
    answers: list[AnswerOut]


class DutyCheckPageOut(PageOut):
    items: list[DutyCheckOut]


def _out(check: DutyCheck) -> DutyCheckOut:
    return DutyCheckOut(
        code=str(check.code),
        region_code=check.region.code,
        region_name=check.region.name,
        sent_at=check.sent_at,
        due_at=check.due_at,
        rule_set=check.rule_set,
        asked=getattr(check, "asked", 0),
        answered=getattr(check, "answered", 0),
    )


def _detail(request: HttpRequest, code: str) -> DutyCheckDetailOut:
    actor = actor_of(request)
    check = access_duty_check(actor, code)
    counted = duty_check_list(actor=actor).get(pk=check.pk)
    rows = answer_rows(actor=actor, check=check, now=timezone.now())
    return DutyCheckDetailOut(
        **_out(counted).model_dump(),
        answers=[
            AnswerOut(**{name: getattr(r, name) for name in AnswerOut.model_fields}) for r in rows
        ],
    )


@router.get("/duty-checks", response={200: DutyCheckPageOut, **ERRORS}, summary="Duty checks")
def duty_checks_list(request: HttpRequest, paging: Query[PageParams]) -> DutyCheckPageOut:
    """Checks sent in the caller's subtree or asking a locality in it, newest first."""
    actor = actor_of(request)
    require_role(actor, READ_ROLES)
    page = paginate(duty_check_list(actor=actor), page=paging.page, page_size=paging.page_size)
    return DutyCheckPageOut(items=[_out(c) for c in page.items], **page_fields(page))


@router.post(
    "/duty-checks",
    response={201: DutyCheckDetailOut, **WRITE_ERRORS},
    summary="Send a duty check to every locality below (idempotent with a key)",
)
def duty_checks_send(
    request: HttpRequest, idempotency_key: IdempotencyKey = None
) -> Status[DutyCheckDetailOut]:
    actor = actor_of(request)

    def write() -> tuple[int, dict[str, Any]]:
        require_role(actor, COMMAND_ROLES)
        return 201, {"code": str(duty_check_send(actor=actor).code)}

    status, body = run_idempotent(
        actor=actor, key=idempotency_key, operation="duty_check_send", payload={}, write=write
    )
    return Status(status, _detail(request, body["code"]))


@router.get(
    "/duty-checks/{code}", response={200: DutyCheckDetailOut, **ERRORS}, summary="One duty check"
)
def duty_checks_get(request: HttpRequest, code: str) -> DutyCheckDetailOut:
    return _detail(request, code)


@router.post(
    "/duty-checks/{code}/answer",
    response={200: DutyCheckDetailOut, **WRITE_ERRORS},
    summary="The locality's officer on duty acknowledges",
)
def duty_checks_answer(request: HttpRequest, code: str) -> DutyCheckDetailOut:
    actor = actor_of(request)
    check = access_duty_check(actor, code, roles=DUTY_ANSWER_ROLES)
    duty_check_answer(actor=actor, check=check)
    return _detail(request, code)
